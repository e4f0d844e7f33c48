"""Query-string filters of the programme endpoints (applied after tenant scoping)."""

from __future__ import annotations

from datetime import date

import django_filters
from django.db.models import Q, QuerySet

from partners import selectors
from partners.models import Accreditation, Certification, Course, Engineer, Partner
from servicone.api.filters import IdFilter, IdOrCodeFilter


class CourseFilter(django_filters.FilterSet):
    product_line = django_filters.CharFilter(
        field_name="product_line__code", help_text="Product line code (e.g. 3par)."
    )
    is_advanced = django_filters.BooleanFilter()

    class Meta:
        model = Course
        fields = ["product_line", "is_advanced"]


class PartnerFilter(django_filters.FilterSet):
    tier = django_filters.CharFilter(
        method="filter_tier", help_text='Tier code; "none" for partners without a tier.'
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Part of the name, the SIREN or the city."
    )
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Partner
        fields = ["tier", "search", "is_active"]

    def filter_tier(self, queryset: QuerySet[Partner], name: str, value: str) -> QuerySet[Partner]:
        if value == "none":
            return queryset.filter(tier__isnull=True)
        return queryset.filter(tier__code=value)

    def filter_search(
        self, queryset: QuerySet[Partner], name: str, value: str
    ) -> QuerySet[Partner]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(siren__startswith=value) | Q(city__icontains=value)
        )


class EngineerFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id")
    is_active = django_filters.BooleanFilter()
    search = django_filters.CharFilter(
        method="filter_search", help_text="Part of the name or e-mail."
    )

    class Meta:
        model = Engineer
        fields = ["partner", "is_active", "search"]

    def filter_search(
        self, queryset: QuerySet[Engineer], name: str, value: str
    ) -> QuerySet[Engineer]:
        return queryset.filter(Q(name__icontains=value) | Q(email__icontains=value))


class CertificationFilter(django_filters.FilterSet):
    engineer = IdFilter(field_name="engineer_id")
    partner = IdFilter(field_name="engineer__partner_id")
    course = IdOrCodeFilter(field_name="course", help_text="Course id or code.")
    valid = django_filters.BooleanFilter(method="filter_valid", help_text="Valid today (or not).")
    expires_before = django_filters.DateFilter(
        field_name="expires_on",
        lookup_expr="lt",
        help_text="Expiring strictly before this date (YYYY-MM-DD).",
    )

    class Meta:
        model = Certification
        fields = ["engineer", "partner", "course", "valid", "expires_before"]

    def filter_valid(
        self, queryset: QuerySet[Certification], name: str, value: bool
    ) -> QuerySet[Certification]:
        today: date = selectors.today()
        valid = Q(passed_on__lte=today, expires_on__gte=today)
        return queryset.filter(valid) if value else queryset.exclude(valid)


class AccreditationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Accreditation.Status.choices)
    tier = IdOrCodeFilter(field_name="tier", help_text="Tier id or code.")
    partner = IdFilter(field_name="partner_id")

    class Meta:
        model = Accreditation
        fields = ["status", "tier", "partner"]
