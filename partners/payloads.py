"""The programme's resources in webhook bodies, as the API returns them (``webhooks.registry``).

Registered at start-up (``PartnersConfig.ready``): ``tier.changed`` carries the partner,
``accreditation.*`` the application, ``certification.expiring`` the certification. A
partner's endpoint gets what the partner's administrators read at the same URLs; HP's
programme-wide endpoints what HP staff read (for these resources, the same fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model, QuerySet

from partners.api.serializers import (
    AccreditationSerializer,
    CertificationSerializer,
    PartnerSerializer,
)
from partners.models import Accreditation, Certification, Partner
from webhooks.registry import Audience, register


def _of_audience(rows: QuerySet[Any], audience: Audience, tenant_field: str) -> QuerySet[Any]:
    """A partner's endpoint never carries another partner's resource."""
    if audience.partner_id is None:
        return rows
    return rows.filter(**{tenant_field: audience.partner_id})


def _by_id(rows: Sequence[Model], data: Any) -> dict[int, Any]:
    return {row.pk: item for row, item in zip(rows, data, strict=True)}


def render_partners(ids: Sequence[int], audience: Audience) -> dict[int, Any]:
    partners = list(
        _of_audience(Partner.objects.select_related("tier", "pending_tier"), audience, "pk").filter(
            pk__in=ids
        )
    )
    return _by_id(partners, PartnerSerializer(partners, many=True).data)


def render_accreditations(ids: Sequence[int], audience: Audience) -> dict[int, Any]:
    rows = _of_audience(
        Accreditation.objects.select_related("partner", "tier", "decided_by", "submitted_by"),
        audience,
        "partner_id",
    )
    accreditations = list(rows.filter(pk__in=ids))
    return _by_id(accreditations, AccreditationSerializer(accreditations, many=True).data)


def render_certifications(ids: Sequence[int], audience: Audience) -> dict[int, Any]:
    rows = _of_audience(
        Certification.objects.select_related("engineer", "course"),
        audience,
        "engineer__partner_id",
    )
    certifications = list(rows.filter(pk__in=ids))
    return _by_id(certifications, CertificationSerializer(certifications, many=True).data)


def register_renderers() -> None:
    register("partner", render_partners)
    register("accreditation", render_accreditations)
    register("certification", render_certifications)
