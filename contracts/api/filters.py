"""Query-string filters of the catalogue-side endpoints (applied after tenant scoping)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from contracts.models import (
    Asset,
    AssetRegistration,
    Contract,
    Customer,
    Offering,
    OfferingKind,
    Vendor,
)
from contracts.selectors import coverages_in_force
from contracts.serials import normalise_serial
from partners.selectors import today
from servicone.access import is_hp_staff, partner_of
from servicone.api.filters import IdFilter, IdOrCodeFilter


def caller_tier_rank(user: Any) -> int | None:
    """The rank of the calling partner's tier (-1 without one); ``None`` for HP staff."""
    if is_hp_staff(user):
        return None
    partner = partner_of(user)
    if partner is None:
        return None
    return partner.tier.rank if partner.tier_id else -1


class OfferingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OfferingKind.choices)
    product_line = django_filters.CharFilter(
        field_name="product_lines__code", help_text="Product line code (e.g. proliant)."
    )
    coverage = django_filters.CharFilter()
    may_sell = django_filters.BooleanFilter(
        method="filter_may_sell",
        help_text="What the calling partner's tier may (true) or may not (false) sell; "
        "partner users only.",
    )

    class Meta:
        model = Offering
        fields = ["kind", "product_line", "coverage", "may_sell"]

    def filter_may_sell(
        self, queryset: QuerySet[Offering], name: str, value: bool
    ) -> QuerySet[Offering]:
        rank = caller_tier_rank(self.request.user)
        if rank is None:
            raise exceptions.ValidationError(
                {
                    "may_sell": [
                        exceptions.ErrorDetail(
                            str(_("Ce filtre vaut pour un partenaire : HP n'a pas de niveau.")),
                            code="partner_only",
                        )
                    ]
                }
            )
        allowed = {"tier_to_sell__rank__lte": rank}
        return queryset.filter(**allowed) if value else queryset.exclude(**allowed)


class CustomerFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text="HP staff.")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Customer
        fields = ["partner", "search"]


class AssetFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")
    site = IdFilter(field_name="site_id")
    serial = django_filters.CharFilter(
        method="filter_serial",
        help_text="Exact serial number (case and spaces do not matter: `czj 000 0022` is "
        "`CZJ0000022`).",
    )
    product_line = django_filters.CharFilter(field_name="product_line__code")
    vendor = django_filters.ChoiceFilter(choices=Vendor.choices)
    registration = django_filters.ChoiceFilter(
        choices=AssetRegistration.choices,
        help_text="held: waiting for HP's check before it may be covered.",
    )
    covered = django_filters.BooleanFilter(
        method="filter_covered", help_text="Under coverage in force today (true) or not (false)."
    )

    class Meta:
        model = Asset
        fields = ["customer", "site", "serial", "product_line", "vendor", "registration", "covered"]

    def filter_serial(self, queryset: QuerySet[Asset], name: str, value: str) -> QuerySet[Asset]:
        # Serial numbers are stored normalised (contracts.serials): an exact, indexed match.
        return queryset.filter(serial_number=normalise_serial(value))

    def filter_covered(self, queryset: QuerySet[Asset], name: str, value: bool) -> QuerySet[Asset]:
        in_force = Exists(coverages_in_force(today()).filter(asset=OuterRef("pk")))
        return queryset.filter(in_force) if value else queryset.exclude(in_force)


class ContractFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices)
    customer = IdFilter(field_name="customer_id")
    offering = IdOrCodeFilter(field_name="offering", help_text="Offering id or code.")
    asset = IdFilter(field_name="coverages__asset_id")
    partner = IdFilter(field_name="partner_id", help_text="HP staff.")
    ends_before = django_filters.DateFilter(
        field_name="ends_on",
        lookup_expr="lte",
        help_text="Contracts whose last covered day is on or before this date (YYYY-MM-DD).",
    )

    class Meta:
        model = Contract
        fields = ["status", "customer", "offering", "asset", "partner", "ends_before"]
