"""``reports/``: the partner scorecard and HP's programme dashboard, read-only.

Order of checks: authenticated (401); the query (400 on ``month``); then the
partner: a partner user reads only its own scorecard (another partner's id is
a 404, as everywhere), HP staff name the partner they want.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response

from partners import selectors as partner_selectors
from partners.models import Partner
from reports.api import serializers as s
from reports.periods import Month
from reports.selectors import cached
from servicone.access import is_hp_staff, partner_of
from servicone.api.permissions import IsHPStaff
from servicone.apikeys import Area

if TYPE_CHECKING:
    from servicone.access import AnyUser


def current_month() -> Month:
    return Month.of(partner_selectors.today())


def scorecard_partner(user: AnyUser, partner_id: int | None) -> Partner:
    """The partner whose scorecard ``user`` asks for: its own, or any for HP staff."""
    if is_hp_staff(user):
        if partner_id is None:
            raise exceptions.ValidationError(
                {"partner": [ErrorDetail(str(_("Choisissez un partenaire.")), code="required")]}
            )
        found = Partner.objects.select_related("tier").filter(pk=partner_id).first()
    else:
        own = partner_of(user)
        if own is None:
            raise exceptions.PermissionDenied(_("Le tableau de bord est réservé aux partenaires."))
        found = own if partner_id in (None, own.pk) else None
    if found is None:
        raise exceptions.NotFound(_("Partenaire introuvable."))
    return found


_PARAMS_MONTH = OpenApiParameter(
    "month", str, description="YYYY-MM (Europe/Paris); default: the current month."
)


class ReportViewSet(viewsets.ViewSet):
    """Figures the portal already holds, so nobody writes a report by hand."""

    api_area = Area.REPORTS

    @extend_schema(
        operation_id="reports_scorecard",
        summary="A partner's scorecard for a month and the trailing 12 months",
        description=(
            "Tickets count in the month they were opened (Europe/Paris). SLA compliance per "
            "target (met, breached, still running; compliance = met / (met + breached)), "
            "median and 90th-percentile ownership and on-site arrival minutes, tickets by "
            "delivering organisation with the share handed over or fallen back to CDS and "
            "why, Proactive Select credits used, certifications expiring within 90 days of "
            "today, revenue against the thresholds of the current and next tier. The same "
            "figures over the 12 months ending with `month`, and month by month. Partner "
            "users get their own (`partner` optional; another partner's id: 404); HP staff "
            "must give `partner`."
        ),
        parameters=[
            OpenApiParameter("partner", int, description="Partner id (required for HP staff)."),
            _PARAMS_MONTH,
        ],
        responses={
            200: s.ScorecardSerializer,
            400: OpenApiResponse(s.ErrorsSerializer),
            404: OpenApiResponse(s.ErrorsSerializer, description="Not this caller's partner."),
        },
    )
    @action(detail=False, methods=["get"])
    def scorecard(self, request: Request) -> Response:
        query = s.ScorecardQuerySerializer(data=request.query_params)
        cast(s.MonthField, query.fields["month"]).latest = current_month
        query.is_valid(raise_exception=True)
        partner = scorecard_partner(request.user, query.validated_data.get("partner"))
        card = cached.scorecard(
            partner,
            query.validated_data.get("month") or current_month(),
            today=partner_selectors.today(),
        ).figures
        return Response(s.ScorecardSerializer(card).data)

    @extend_schema(
        operation_id="reports_programme",
        summary="HP's programme dashboard for a month",
        description=(
            "Partners per tier at each of the 12 month-ends to `month` (exactly and at "
            "least each tier), pending accreditation applications with their age, SLA "
            "compliance by delivering organisation (CDS and each partner) for the month, "
            "partners whose tier would be lost within 90 days, and the programme's monthly "
            "tickets by delivering organisation (its `sla` lists are empty: programme-wide "
            "compliance is `sla_by_organisation`). HP staff only (403 otherwise)."
        ),
        parameters=[_PARAMS_MONTH],
        responses={
            200: s.DashboardSerializer,
            400: OpenApiResponse(s.ErrorsSerializer),
            403: OpenApiResponse(s.ErrorsSerializer),
        },
    )
    @action(detail=False, methods=["get"], permission_classes=[IsHPStaff])
    def programme(self, request: Request) -> Response:
        query = s.ProgrammeQuerySerializer(data=request.query_params)
        cast(s.MonthField, query.fields["month"]).latest = current_month
        query.is_valid(raise_exception=True)
        board = cached.dashboard(
            query.validated_data.get("month") or current_month(),
            today=partner_selectors.today(),
        ).figures
        return Response(s.DashboardSerializer(board).data)
