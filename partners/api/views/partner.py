"""Partners: the list (services revenue a page at once), the evaluation against the tiers,
the what-if, and the delivery policy's versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from partners import eligibility as engine
from partners import selectors, services
from partners.api import filters
from partners.api import serializers as s
from partners.api.views.common import ProgrammeManagerWrites
from partners.models import Partner
from servicone.access import is_partner_admin
from servicone.api.idempotency import IdempotentCreateMixin
from servicone.api.tenancy import TenantScopedMixin
from servicone.apikeys import Area
from servicone.presenters import active_language


def _at_risk(
    partner: Partner,
    snapshot: engine.PartnerSnapshot,
    tiers: tuple[engine.Tier, ...],
    on: date,
    lang: str,
) -> dict[str, Any] | None:
    tier = partner.tier
    if tier is None:
        return None
    try:
        risk = engine.tier_at_risk(snapshot, tiers, on, tier.code)
    except KeyError:  # pragma: no cover - the partner's tier is one of the programme's
        return None
    if risk is None:
        return None
    return {
        "tier": risk.tier_code,
        "date": risk.at_risk_on.isoformat(),
        "reason": risk.reason,
        "message": risk.message(lang),
        "criterion": risk.criterion.code,
    }


def _eligibility_body(
    partner: Partner, snapshot: engine.PartnerSnapshot, tiers: tuple[engine.Tier, ...], on: date
) -> tuple[engine.Evaluation, dict[str, Any]]:
    lang = active_language()
    evaluation = engine.evaluate(snapshot, tiers, on)
    body = selectors.evaluation_as_dict(evaluation, partner=partner, lang=lang)
    next_tier = evaluation.next_tier
    body.update(
        {
            "partner_name": partner.name,
            "grace_until": partner.grace_until.isoformat() if partner.grace_until else None,
            "pending_tier": partner.pending_tier.code if partner.pending_tier is not None else None,
            "next_tier": next_tier.code if next_tier else None,
            "at_risk": _at_risk(partner, snapshot, tiers, on, lang),
        }
    )
    return evaluation, body


@extend_schema_view(
    list=extend_schema(summary="Partners (a partner user sees only its own)"),
    create=extend_schema(summary="Create a partner (HP programme manager)"),
    partial_update=extend_schema(
        summary="Edit a partner (HP programme manager; declared revenue changes are audited)"
    ),
)
class PartnerViewSet(
    IdempotentCreateMixin,
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partners of the programme: a partner user sees only its own, HP staff all of them.

    ``services_revenue_12m_eur`` is computed for a whole page at once.
    """

    api_area = Area.PROGRAMME
    serializer_class = s.PartnerSerializer
    queryset = Partner.objects.select_related("tier", "pending_tier")
    tenant_field = "pk"
    filterset_class = filters.PartnerFilter
    permission_classes = [IsAuthenticated, ProgrammeManagerWrites]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        partners = list(page if page is not None else queryset)
        context = {
            **self.get_serializer_context(),
            "services_revenue": self._services_revenue(partners),
        }
        data = s.PartnerSerializer(partners, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @staticmethod
    def _services_revenue(partners: Sequence[Partner]) -> dict[int, Decimal]:
        """Services revenue of a whole page in a fixed number of queries."""
        if not partners:
            return {}
        on = selectors.today()
        snapshots = selectors.snapshots_for(
            Partner.objects.filter(pk__in=[p.pk for p in partners]), on=on
        )
        return {pk: engine.services_revenue_12m_eur(snap, on) for pk, snap in snapshots.items()}

    @extend_schema(
        summary="The partner's evaluation against every tier, criterion by criterion",
        responses=s.EligibilitySerializer,
    )
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated])
    def eligibility(self, request: Request, pk: str | None = None) -> Response:
        partner = self.get_object()
        on = selectors.today()
        snapshot = selectors.snapshot_for(partner, on=on)
        _evaluation, body = _eligibility_body(partner, snapshot, selectors.tier_specs(), on)
        return Response(body)

    @extend_schema(
        summary="Which tier with more revenue and certifications? (creates nothing)",
        request=s.WhatIfRequestSerializer,
        responses=s.WhatIfSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="what-if",
        url_name="what-if",
        permission_classes=[IsAuthenticated],
    )
    def what_if(self, request: Request, pk: str | None = None) -> Response:
        partner = self.get_object()
        form = s.WhatIfRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        extra_revenue: Decimal = form.validated_data["extra_revenue_eur"]
        extra = [
            (row["course"].code, row["count"])
            for row in form.validated_data.get("extra_certifications", [])
        ]
        on = selectors.today()
        scenario = engine.WhatIf(extra_revenue_eur=extra_revenue, extra_certifications=tuple(extra))
        snapshot = engine.what_if_snapshot(selectors.snapshot_for(partner, on=on), on, scenario)
        evaluation, body = _eligibility_body(partner, snapshot, selectors.tier_specs(), on)
        reachable = next(
            (t for t in reversed(evaluation.tiers) if t.eligible or t.eligible_but_approval), None
        )
        body["highest_tier"] = reachable.code if reachable else None
        body["highest_tier_status"] = (
            None
            if reachable is None
            else ("eligible" if reachable.eligible else "eligible_but_approval")
        )
        body["scenario"] = {
            "extra_revenue_eur": f"{extra_revenue:.2f}",
            "extra_certifications": [{"course": code, "count": n} for code, n in extra],
        }
        return Response(body)

    @extend_schema(
        summary="The partner's delivery policy: the version in force (GET), a new version (PUT)",
        description=(
            "A new version never rewrites an old one: routing reads the version in force at "
            "a ticket's opening. The partner's administrators write; its people and HP staff "
            "read (403 for HP writes); another partner's is a 404. Without any version, "
            "GET answers empty values, `id` and `effective_from` null."
        ),
        request=s.DeliveryPolicySerializer,
        responses=s.DeliveryPolicyAnswerSerializer,
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path="delivery-policy",
        url_name="delivery-policy",
        permission_classes=[IsAuthenticated],
        # PUT on this route only: the partner itself is still only PATCHed.
        http_method_names=["get", "put", "head", "options"],
    )
    def delivery_policy(self, request: Request, pk: str | None = None) -> Response:
        partner = self.get_object()  # another partner's: 404 first
        if request.method == "GET":
            policy = selectors.policy_for_display(partner)
            if policy is None:  # none yet: the programme's rules alone route its tickets
                return Response(s.NO_DELIVERY_POLICY)
            return Response(s.DeliveryPolicySerializer(policy).data)
        if not is_partner_admin(request.user, partner):
            raise exceptions.PermissionDenied(
                _("Seul l'administrateur du partenaire modifie sa politique de délivrance.")
            )
        form = s.DeliveryPolicySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        policy = services.delivery_policy_set(
            partner=partner,
            actor=request.user,
            departments=data["departments"],
            staffed_coverage=data["staffed_coverage"],
            hand_back_at_opening=data["hand_back_at_opening"],
            product_lines_declined=data.get("product_lines_declined", []),
            max_open_tickets_per_engineer=data.get("max_open_tickets_per_engineer"),
            effective_from=data.get("effective_from"),
        )
        return Response(s.DeliveryPolicySerializer(policy).data)
