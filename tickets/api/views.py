"""Ticket endpoints of the v1 API: thin views over ``tickets.services`` and ``tickets.sla_clock``.

Order of checks on every ticket route: the tenant lookup first (another partner's
ticket is a 404, for reading and for every action), then the caller's role (403),
then the body (400; an id in it the caller cannot see: 404), then the status (409
``invalid_transition``, decided by the service under the row lock).

Who may do what is the transition rules' (``tickets.transitions.can_act``): the partner's
admin and engineers work the partner's deliveries and may hand them over to CDS; CDS
works its own deliveries and may escalate any ticket; sales people and programme
managers read. Anyone who sees an asset may open a ticket on it (partner users of any
role for their customers' assets, HP and CDS staff for any).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.models import Offering, Site
from partners.models import Engineer
from servicone.api.idempotency import IdempotentCreateMixin
from servicone.api.tenancy import scope_queryset
from servicone.apikeys import Area
from servicone.errors import DomainError, NotAllowed
from servicone.related_rows import RelatedSet, set_prefetched, with_related_rows
from tickets import mutes, selectors, services, sla_clock, transitions
from tickets.api import filters
from tickets.api import serializers as s
from tickets.api.serializers.rows import related_columns
from tickets.models import (
    Organisation,
    SlaTarget,
    SlaTargetKind,
    Ticket,
)

# --- Querysets ------------------------------------------------------------------------------------

_ROW_RELATED = (
    "partner",
    "customer",
    "site",
    "asset",
    "contract",
    "offering",
    "assigned_engineer",
    "assigned_cds_user",
)


# What a list row reads of each related row (``TicketSerializer``): the rest stays unread.
_LIST_COLUMNS = {
    **related_columns(),
    "assigned_engineer": ("name",),  # get_assigned_engineer
    "assigned_cds_user": ("first_name", "last_name", "username"),
}

_TARGET_RANK: dict[str, int] = {  # the rest after them
    SlaTargetKind.RESPONSE: 0,
    SlaTargetKind.ONSITE: 1,
    SlaTargetKind.RESOLUTION: 2,
}


def _target_order(target: SlaTarget) -> tuple[int, int]:
    """Targets in the order a reader expects: response, on-site, resolution, then by id."""
    return _TARGET_RANK.get(target.target, 2), target.pk


_TARGETS = RelatedSet("sla_targets", key=_target_order)
_LIST_SETS = (_TARGETS,)


def with_list_data(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """One query for the page with its SLA targets, whatever its size.

    The related rows come as sub-selects, not joins: PostgreSQL planned the nine-table
    join in 30–50 ms for 1 ms of work (``servicone.related_rows``). The targets come in the
    same statement: as a prefetch, compiled by the ORM, they were a second query.
    """
    return with_related_rows(tickets, *_ROW_RELATED, only=_LIST_COLUMNS, sets=_LIST_SETS)


# The detail's lists, read in the ticket's own statement, ordered as their models order them.
_DETAIL_SETS = (
    _TARGETS,
    RelatedSet("events", key=lambda e: (e.at, e.pk), rows={"actor": ("username",)}),
    RelatedSet("segments", key=lambda x: (x.started_at, x.pk)),
    RelatedSet("pauses", key=lambda x: (x.started_at, x.pk)),
)


def with_detail_data(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """One statement: the ticket, its related rows and its four lists (``related_rows``).
    As four prefetches, each compiled by the ORM, they were half of the detail's time."""
    return with_related_rows(tickets, *_ROW_RELATED, sets=_DETAIL_SETS)


# --- Tickets --------------------------------------------------------------------------------------

_ERRORS = s.TicketErrorsSerializer
_NOT_ALLOWED = _("Votre rôle ne permet pas cette action sur ce ticket.")

# action -> (request body, summary, description)
ACTIONS: dict[str, tuple[type[serializers.Serializer] | None, str, str]] = {
    "acknowledge": (
        None,
        "Take the call (ownership): meets the response target",
        "The partner's admin or engineers on a partner ticket, CDS on its own.",
    ),
    "dispatch": (
        s.DispatchSerializer,
        "Send an engineer on site (again, to change who goes)",
        "`engineer` is an `Engineer` id of the ticket's partner "
        "when the partner delivers (`engineers/`), the user id of a CDS engineer when CDS "
        "delivers. An engineer id the caller cannot see (another partner's): 404 naming "
        "`engineer`; an inactive engineer or a user who is not a CDS engineer: 400 "
        "`invalid_engineer`; a partner engineer not certified on the ticket's product line "
        "without a `reason`: 400 `reason_required` naming `reason`. Nothing changes when "
        "refused.",
    ),
    "arrive": (
        None,
        "The engineer is on site: meets the on-site target",
        "",
    ),
    "resolve": (
        s.ResolveSerializer,
        "Service restored: meets the resolution target",
        "`note`, the intervention report, is required (400 naming `note`) and kept on the "
        "timeline. A preventive visit under Proactive Select consumes its credit.",
    ),
    "close": (None, "Close a resolved ticket", ""),
    "pause": (
        s.PauseRequestSerializer,
        "Pause: awaiting the customer or parts (the SLA clock stops)",
        "`reason`: awaiting_customer or awaiting_parts.",
    ),
    "resume": (
        None,
        "Resume after a pause: deadlines move by the paused business time",
        "The ticket returns to the status it was paused in.",
    ),
    "escalate": (
        s.EscalateSerializer,
        "Escalate one level: L1 → L2 → L3",
        "Up to L3 (409 beyond). CDS may escalate any ticket it sees.",
    ),
    "handover": (
        s.HandoverSerializer,
        "Hand the ticket over to CDS (partner → CDS, with a reason)",
        "Only a partner-delivered ticket, by the partner's admin or engineers. The "
        "customer's SLA clock runs on; a new ownership segment starts.",
    ),
}


def _ticket_action(name: str, method_name: str | None = None) -> Any:
    """The ``POST tickets/{id}/<name>/`` route, as a viewset method named ``method_name``."""
    body, summary, details = ACTIONS[name]
    # The statuses come from the transition table itself, so the docs cannot drift from it.
    starts = ", ".join(f"`{status}`" for status in transitions.TRANSITIONS[name])
    description = f"Allowed from: {starts} (409 `invalid_transition` otherwise). {details}"

    def handler(self: TicketViewSet, request: Request, pk: str | None = None) -> Response:
        return self.act(request, name, body)

    handler.__name__ = handler.__qualname__ = method_name or name
    handler = action(detail=True, methods=["post"], url_path=name, url_name=name)(handler)
    return extend_schema(
        operation_id=f"tickets_{name}",
        summary=summary,
        description=description,
        request=body,
        responses={
            200: s.TicketDetailSerializer,
            400: OpenApiResponse(_ERRORS, description="Invalid body."),
            403: OpenApiResponse(_ERRORS, description="The caller's role may not do this."),
            404: OpenApiResponse(
                _ERRORS, description="No such ticket for the caller (another partner's)."
            ),
            409: OpenApiResponse(
                _ERRORS,
                description="`invalid_transition`: the action does not fit the ticket's status.",
            ),
        },
    )(handler)


@extend_schema_view(
    list=extend_schema(
        summary="Tickets the caller may see (a partner: its own; HP and CDS staff: all)",
        description="Newest first. Each with its SLA targets (no explanation: see the detail).",
    ),
    retrieve=extend_schema(
        summary="A ticket with its SLA targets explained, timeline, segments and actions",
        responses={200: s.TicketDetailSerializer, 404: OpenApiResponse(_ERRORS)},
    ),
    create=extend_schema(
        summary="Open a ticket on a covered asset (routed to the partner or CDS)",
        description=(
            "Partner users of any role open tickets on their customers' assets; HP and CDS "
            "staff on any asset. Routing decides who delivers and records why "
            "(`routing_reason`, `routing_message`). The asset by its id (`asset`) or its "
            "serial number (`serial`), exactly one of them (400 naming the field otherwise). "
            "Without active coverage: 400 `not_entitled` on `asset` (or `serial`), nothing "
            "created; an unknown serial, or another partner's, is `not_entitled` too; a "
            "serial two vendors share: 400 `ambiguous_serial`. A preventive visit without "
            "Proactive Select credits: 400 `no_credits`. Another partner's asset id: 404."
        ),
        request=s.TicketOpenSerializer,
        responses={
            201: s.TicketDetailSerializer,
            400: OpenApiResponse(_ERRORS),
            404: OpenApiResponse(_ERRORS, description="The asset is not the caller's."),
        },
    ),
)
class TicketViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """On-site tickets: open, read, and act on them through their lifecycle."""

    api_area = Area.TICKETS
    filterset_class = filters.TicketFilter
    queryset = Ticket.objects.none()  # the real one is per caller: get_queryset

    def get_queryset(self) -> QuerySet[Ticket]:
        tickets = selectors.api_visible_tickets(self.request.user)
        if self.action == "list":
            return with_list_data(tickets)
        if self.action == "retrieve":
            return with_detail_data(tickets)
        if self.action == "dispatch_candidates":
            return tickets.select_related("asset__product_line", "site")
        return tickets  # actions: the service locks and reloads the row

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        classes: dict[str, type[serializers.BaseSerializer]] = {
            "list": s.TicketSerializer,
            "create": s.TicketOpenSerializer,
        }
        return classes.get(self.action, s.TicketDetailSerializer)

    def filter_queryset(self, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        # Query-string filters make sense on the list only, never on a ticket's own URL.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        try:
            opening = services.ticket_opening(
                asset=data["asset"],
                severity=data["severity"],
                kind=data["kind"],
                summary=data["summary"],
                description=data.get("description", ""),
                actor=self.request.user,
            )
        except DomainError as error:
            if data.get("by_serial") and error.field == "asset":
                error.field = "serial"  # the caller named the asset by its serial number
            raise
        # The opener sees what it opened (the asset lookup already scoped it), as written:
        # the ticket holds its partner, customer, site, asset, contract and offering, and
        # the rows opening wrote stand for the detail's prefetches (no reload).
        ticket = opening.ticket
        set_prefetched(
            ticket,
            sla_targets=sorted(opening.targets, key=_target_order),
            events=opening.timeline,
            segments=[opening.segment],
            pauses=[],
        )
        serializer.instance = ticket

    def act(
        self, request: Request, name: str, body: type[serializers.Serializer] | None
    ) -> Response:
        """Run one lifecycle action; answer with the ticket as it now is."""
        ticket = self.get_object()  # another partner's: 404, before anything else
        user = request.user
        if not transitions.can_act(user, ticket, name):
            raise NotAllowed("forbidden", _NOT_ALLOWED)
        params: dict[str, Any] = {}
        if body is not None:
            form = body(data=request.data)
            form.is_valid(raise_exception=True)
            params = dict(form.validated_data)
        if name == "dispatch":
            params["engineer"] = self._engineer(ticket, params["engineer"])
        services.ticket_act(ticket=ticket, action=name, actor=user, **params)
        fresh = with_detail_data(Ticket.objects.all()).get(pk=ticket.pk)
        return Response(s.TicketDetailSerializer(fresh, context=self.get_serializer_context()).data)

    def _engineer(self, ticket: Ticket, engineer_id: int) -> Engineer | AbstractBaseUser:
        """The partner's ``Engineer`` or, on a CDS ticket, the CDS engineer's user account."""
        found: Engineer | AbstractBaseUser | None
        if ticket.delivered_by == Organisation.PARTNER:
            visible = scope_queryset(Engineer.objects.all(), self.request.user, "partner")
            found = visible.filter(pk=engineer_id, partner_id=ticket.partner_id).first()
        else:
            # Only CDS works CDS tickets (checked above), and CDS sees every user; the
            # service refuses a user who is not a CDS engineer (400 invalid_engineer).
            found = get_user_model().objects.filter(pk=engineer_id).first()
        if found is None:
            raise exceptions.NotFound(
                {"engineer": [ErrorDetail(f"No such engineer: {engineer_id}", code="not_found")]}
            )
        return found

    @extend_schema(
        methods=["GET"],
        operation_id="tickets_mute_read",
        summary="Whether the caller muted this ticket",
        responses={200: s.TicketMuteSerializer, 404: OpenApiResponse(_ERRORS)},
    )
    @extend_schema(
        methods=["POST"],
        operation_id="tickets_mute",
        summary="Mute the ticket for the caller: no more notifications about it",
        description="Anyone who sees the ticket. Muting twice is the same as once. The "
        "ticket's SLA events, timeline and everyone else's notifications are unchanged.",
        request=None,
        responses={200: s.TicketMuteSerializer, 404: OpenApiResponse(_ERRORS)},
    )
    @extend_schema(
        methods=["DELETE"],
        operation_id="tickets_unmute",
        summary="Hear about the ticket again (unmute it for the caller)",
        responses={200: s.TicketMuteSerializer, 404: OpenApiResponse(_ERRORS)},
    )
    @action(detail=True, methods=["get", "post", "delete"], url_path="mute", url_name="mute")
    def mute(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()  # another partner's: 404
        if request.method == "POST":
            mutes.ticket_mute(ticket=ticket, user=request.user)
        elif request.method == "DELETE":
            mutes.ticket_unmute(ticket=ticket, user=request.user)
        return Response(
            s.TicketMuteSerializer(
                {"ticket": ticket.pk, "muted": selectors.is_muted(ticket, request.user)}
            ).data
        )

    @extend_schema(
        summary="Who to send on site, best first, each with the reason for its rank",
        description="Certified on the ticket's product line first, then available now (not "
        "absent; outside the partner's staffed hours, on call), then from the site's "
        "département or a neighbouring one, then the fewest open tickets. The ticket page "
        "shows the same list. Anyone who sees the ticket.",
        responses={200: s.DispatchCandidateSerializer(many=True), 404: OpenApiResponse(_ERRORS)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="dispatch-candidates",
        url_name="dispatch-candidates",
        pagination_class=None,
    )
    def dispatch_candidates(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()  # another partner's: 404
        now = timezone.now()
        day = now.astimezone(ZoneInfo(ticket.site.timezone)).date()  # as the page reads it
        candidates = selectors.dispatch_candidates(ticket, on=day, at=now)
        context = {"line": ticket.asset.product_line.display_name}
        return Response(s.DispatchCandidateSerializer(candidates, many=True, context=context).data)

    acknowledge = _ticket_action("acknowledge")
    # Not ``dispatch``: that is the name of APIView's request entry point.
    dispatch_engineer = _ticket_action("dispatch", "dispatch_engineer")
    arrive = _ticket_action("arrive")
    resolve = _ticket_action("resolve")
    close = _ticket_action("close")
    pause = _ticket_action("pause")
    resume = _ticket_action("resume")
    escalate = _ticket_action("escalate")
    handover = _ticket_action("handover")


# --- SLA calculator ------------------------------------------------------------------------------


def _target_deadlines(
    calendar: sla_clock.Calendar,
    start: datetime,
    offering: Offering,
    *,
    hours: int | None = None,
    nbd: bool = False,
) -> tuple[datetime | None, datetime | None]:
    """(due, warn) of one target, exactly as a ticket opened at ``start`` gets them."""
    ratio = offering.warning_ratio
    if nbd:
        return (
            sla_clock.nbd_deadline(calendar, start),
            sla_clock.warning_time(calendar, start, nbd=True, ratio=ratio),
        )
    if hours is None:
        return None, None
    return (
        sla_clock.deadline(calendar, start, hours),
        sla_clock.warning_time(calendar, start, hours=hours, ratio=ratio),
    )


def sla_calculation(*, offering: Offering, site: Site, start: datetime) -> dict[str, Any]:
    calendar = sla_clock.Calendar(offering.coverage, site.timezone, site.region)
    response = _target_deadlines(calendar, start, offering, hours=offering.response_hours)
    onsite = _target_deadlines(
        calendar,
        start,
        offering,
        hours=offering.onsite_hours,
        nbd=offering.onsite_next_business_day,
    )
    resolution = _target_deadlines(calendar, start, offering, hours=offering.resolution_hours)
    return {
        "offering": offering.pk,
        "offering_code": offering.code,
        "site": site.pk,
        "start": start,
        "clock_starts_at": sla_clock.next_opening(calendar, start),
        "calendar": {
            "coverage": calendar.coverage,
            "timezone": calendar.timezone,
            "region": calendar.region,
        },
        "response_due": response[0],
        "response_warn": response[1],
        "onsite_due": onsite[0],
        "onsite_warn": onsite[1],
        "onsite_next_business_day": offering.onsite_next_business_day,
        "resolution_due": resolution[0],
        "resolution_warn": resolution[1],
    }


class SlaViewSet(viewsets.ViewSet):
    """The SLA clock as a service: what a ticket opened at a given instant would get."""

    api_area = Area.TICKETS

    @extend_schema(
        operation_id="sla_calculate",
        summary="Deadlines a ticket opened at `start` on this site under this offering gets",
        description=(
            "Business time per the offering's coverage window (24x7, 13x5, 9x5), the site's "
            "time zone and its public holidays (national and regional); next business day "
            "for NBD on-site targets. Answers in the site's time zone, with its offset; a "
            "target the offering does not have is null. Warnings at the offering's ratio "
            "(80% by default). `start` must carry an offset (naive or invalid: 400 on "
            "`start`). Another partner's site: 404."
        ),
        request=s.SlaCalculateSerializer,
        responses={
            200: s.SlaCalculationSerializer,
            400: OpenApiResponse(_ERRORS),
            404: OpenApiResponse(_ERRORS, description="The site is not the caller's."),
        },
    )
    @action(detail=False, methods=["post"])
    def calculate(self, request: Request) -> Response:
        form = s.SlaCalculateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        site = form.validated_data["site"]
        result = sla_calculation(
            offering=form.validated_data["offering"], site=site, start=form.validated_data["start"]
        )
        with timezone.override(ZoneInfo(site.timezone)):
            return Response(s.SlaCalculationSerializer(result).data)
