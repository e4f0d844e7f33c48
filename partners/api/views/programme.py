"""The programme's rules: its tiers with their requirements, and the training courses."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import viewsets

from partners.api import filters
from partners.api import serializers as s
from partners.models import Course, Tier, TierRequirement
from servicone.apikeys import Area


class TierViewSet(viewsets.ReadOnlyModelViewSet):
    """The programme's tiers, lowest first, with their requirements."""

    api_area = Area.PROGRAMME
    serializer_class = s.TierSerializer
    queryset = Tier.objects.order_by("rank").prefetch_related(
        Prefetch(
            "requirements",
            queryset=TierRequirement.objects.select_related(
                "course__product_line", "previous_tier"
            ).order_by("kind", "id"),
        )
    )


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Training courses; passing one certifies an engineer for ``validity_months``."""

    api_area = Area.PROGRAMME
    serializer_class = s.CourseSerializer
    queryset = Course.objects.select_related("product_line").order_by("code")
    filterset_class = filters.CourseFilter
