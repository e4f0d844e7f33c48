"""The ticket lifecycle: open (with routing), then each action over the transition table.

Every action locks the ticket row, checks the move against ``TRANSITIONS``
(409 otherwise), writes a timeline event and updates the SLA targets; timers
and notifications are scheduled on commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from contracts.models import Asset, Contract, OfferingKind
from contracts.selectors import coverage_for_asset
from contracts.services import credits_consume
from partners.models import Certification, Engineer, Tier
from servicone.access import (
    PartnerRole,
    StaffRole,
    is_cds,
    is_hp_staff,
    partner_of,
    partner_role,
)
from servicone.errors import DomainError, NotAllowed, StateConflict
from servicone.jobs import enqueue, enqueue_on_commit
from servicone.notify import Message, notify, notify_many, partner_admin_ids
from tickets import routing, sla, sla_clock
from tickets.models import (
    OPEN_STATUSES,
    Kind,
    Organisation,
    OwnershipSegment,
    PauseReason,
    SlaTarget,
    SlaTargetKind,
    Status,
    Ticket,
    TicketEvent,
    TicketPause,
)

# The transition table: action -> statuses it may start from.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "acknowledge": (Status.OPENED,),
    "dispatch": (Status.OWNED, Status.DISPATCHED),
    "arrive": (Status.DISPATCHED,),
    "resolve": (Status.OWNED, Status.DISPATCHED, Status.ON_SITE),
    "close": (Status.RESOLVED,),
    "pause": (Status.OWNED, Status.DISPATCHED, Status.ON_SITE),
    "resume": (Status.PAUSED,),
    "escalate": tuple(OPEN_STATUSES),
    "handover": tuple(OPEN_STATUSES),
}
# The status each action leads to (None: unchanged or computed).
TARGET_STATUS: dict[str, str | None] = {
    "acknowledge": Status.OWNED,
    "dispatch": Status.DISPATCHED,
    "arrive": Status.ON_SITE,
    "resolve": Status.RESOLVED,
    "close": Status.CLOSED,
    "pause": Status.PAUSED,
    "resume": None,
    "escalate": None,
    "handover": None,
}
ACTIONS = tuple(TRANSITIONS)
# Partner roles that work tickets (sales open them but do not work them).
WORKING_PARTNER_ROLES = (PartnerRole.ADMIN, PartnerRole.ENGINEER)


def _now() -> datetime:
    return timezone.now()


def _event(ticket: Ticket, event: str, actor: Any, at: datetime, **detail: Any) -> TicketEvent:
    organisation = "system"
    if actor is not None and getattr(actor, "is_authenticated", False):
        organisation = Organisation.CDS if is_hp_staff(actor) else Organisation.PARTNER
    return TicketEvent.objects.create(
        ticket=ticket,
        at=at,
        event=event,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation=organisation,
        detail=detail,
    )


# --- Who may do what ------------------------------------------------------------------


def can_act(user: Any, ticket: Ticket, action: str) -> bool:
    """Whether ``user``'s role may perform ``action`` on ``ticket`` (status aside)."""
    if not getattr(user, "is_authenticated", False):
        return False
    partner = partner_of(user)
    if partner is not None:
        if partner.pk != ticket.partner_id or partner_role(user) not in WORKING_PARTNER_ROLES:
            return False
        # The partner works its own deliveries; handing over is its choice alone.
        return ticket.delivered_by == Organisation.PARTNER
    if not is_cds(user):
        return False
    if action == "handover":
        return False  # partner → CDS only, decided by the partner (or the fallback)
    if action == "escalate":
        return True  # CDS dispatch may escalate any ticket it watches
    # A partner ticket, even flagged for backup, stays the partner's to work.
    return ticket.delivered_by == Organisation.CDS


def allowed_actions(user: Any, ticket: Ticket) -> list[str]:
    """Actions to offer on the ticket page: fit the status and the user's role."""
    return [
        a
        for a in ACTIONS
        if ticket.status in TRANSITIONS[a] and _fits(ticket, a) and can_act(user, ticket, a)
    ]


def _fits(ticket: Ticket, action: str) -> bool:
    if action == "escalate":
        return ticket.escalation_level < 3
    if action == "handover":
        return ticket.delivered_by == Organisation.PARTNER
    return True


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("offering", "site", "partner", "contract")
        .get(pk=ticket.pk)
    )


def _check(ticket: Ticket, action: str, actor: Any) -> None:
    if actor is not None and not can_act(actor, ticket, action):
        raise NotAllowed("forbidden", _("Votre rôle ne permet pas cette action sur ce ticket."))
    if ticket.status not in TRANSITIONS[action] or not _fits(ticket, action):
        raise StateConflict(
            "invalid_transition",
            _("Action « %(action)s » impossible : le ticket est au statut « %(status)s ».")
            % {"action": action, "status": ticket.get_status_display()},
        )


# --- Opening ------------------------------------------------------------------------------


def _expert_rank() -> int:
    expert = Tier.objects.filter(code="expert").values_list("rank", flat=True).first()
    return (
        expert
        if expert is not None
        else Tier.objects.order_by("-rank").values_list("rank", flat=True).first() or 0
    )


def routing_facts(
    *, asset: Asset, contract: Contract, offering: Any, on: Any
) -> routing.RoutingInput:
    partner = contract.partner
    certified = Certification.objects.filter(
        engineer__partner=partner,
        engineer__is_active=True,
        course__product_line=asset.product_line,
        passed_on__lte=on,
        expires_on__gte=on,
    ).exists()
    return routing.RoutingInput(
        delivery_mode=contract.delivery_mode,
        vendor=asset.vendor,
        product_line_code=asset.product_line.code,
        product_line_name=asset.product_line.name,
        product_line_is_complex=asset.product_line.is_complex or not asset.product_line.is_hp,
        partner_tier_rank=partner.tier.rank if partner.tier else -1,
        partner_tier_name=partner.tier.name if partner.tier else "",
        tier_to_deliver_rank=offering.tier_to_deliver.rank,
        tier_to_deliver_name=offering.tier_to_deliver.name,
        expert_rank=_expert_rank(),
        certified_on_line=certified,
    )


def _credits_contract(asset: Asset, on: Any) -> Contract | None:
    return (
        Contract.objects.in_force_on(on)
        .filter(
            customer=asset.customer,
            offering__kind=OfferingKind.PROACTIVE_CREDITS,
            credits_balance__gt=0,
        )
        .select_related("offering__tier_to_deliver")
        .order_by("ends_on")
        .first()
    )


@transaction.atomic
def ticket_open(
    *,
    asset: Asset,
    severity: int,
    kind: str,
    summary: str,
    actor: Any,
    description: str = "",
    at: datetime | None = None,
) -> Ticket:
    """Open a ticket on a covered asset and route it; 400 ``not_entitled`` without coverage."""
    at = at or _now()
    if severity not in (1, 2, 3, 4):
        raise DomainError("invalid", _("La sévérité va de 1 à 4."), field="severity")
    if kind not in Kind.values:
        raise DomainError("invalid_choice", _("Type d'intervention inconnu."), field="kind")
    summary = (summary or "").strip()
    if not summary:
        raise DomainError("required", _("Décrivez le problème en une ligne."), field="summary")
    asset = Asset.objects.select_related("site", "product_line", "customer").get(pk=asset.pk)
    local_day = at.astimezone(ZoneInfo(asset.site.timezone)).date()
    coverage = coverage_for_asset(asset.pk, on=local_day)
    if coverage is None:
        raise DomainError(
            "not_entitled",
            _(
                "L'équipement %(serial)s n'a pas de couverture active : aucun ticket ne peut être ouvert."
            )
            % {"serial": asset.serial_number},
            field="asset",
        )
    contract = coverage.contract
    offering = contract.offering
    credits_contract = None
    route_offering = offering
    if kind == Kind.PREVENTIVE:
        credits_contract = _credits_contract(asset, local_day)
        if credits_contract is None:
            raise DomainError(
                "no_credits",
                _(
                    "Aucun crédit Proactive Select disponible pour ce client : la visite préventive ne peut pas être planifiée."
                ),
                field="kind",
            )
        route_offering = credits_contract.offering
    decision = routing.route(
        routing_facts(asset=asset, contract=contract, offering=route_offering, on=local_day)
    )
    ticket = Ticket.objects.create(
        number=f"T-{uuid.uuid4().hex[:16]}",
        partner=contract.partner,
        customer=asset.customer,
        site=asset.site,
        asset=asset,
        contract=contract,
        offering=offering,
        credits_contract=credits_contract,
        severity=severity,
        kind=kind,
        summary=summary[:200],
        description=description,
        delivered_by=decision.delivered_by,
        routing_reason=decision.reason,
        routing_messages=decision.messages,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        opened_at=at,
    )
    ticket.number = f"TK-{at.year}-{ticket.pk:06d}"
    targets = sla.targets_create(ticket)
    response = next(t for t in targets if t.target == SlaTargetKind.RESPONSE)
    if decision.delivered_by == Organisation.PARTNER:
        ticket.ownership_due_at = _ownership_due(ticket, response)
    ticket.save(update_fields=["number", "ownership_due_at"])
    OwnershipSegment.objects.create(
        ticket=ticket,
        organisation=decision.delivered_by,
        partner=ticket.partner if decision.delivered_by == Organisation.PARTNER else None,
        started_at=at,
        reason="opened",
    )
    _event(ticket, "opened", actor, at, severity=severity, kind=kind, summary=ticket.summary)
    _event(
        ticket,
        "routed",
        None,
        at,
        delivered_by=decision.delivered_by,
        reason=decision.reason,
        messages=decision.messages,
    )
    _after_commit(ticket)
    return ticket


def _ownership_due(ticket: Ticket, response: SlaTarget) -> datetime | None:
    ratio = settings.OWNERSHIP_WINDOW_RATIO
    if ratio == 1 or response.next_business_day:
        return response.due_at
    minutes = sla.warning_minutes(response.hours or 0, ratio)
    return sla_clock.add_business_minutes(sla.calendar_for(ticket), ticket.opened_at, minutes)


def _after_commit(ticket: Ticket) -> None:
    """Arm the precise timers of this ticket once the transaction commits."""
    enqueue_on_commit("tickets.tasks.arm_ticket_timers", ticket.pk)


# --- Actions ------------------------------------------------------------------------------


def ticket_act(*, ticket: Ticket, action: str, actor: Any, **params: Any) -> Ticket:
    """Dispatch an action name to its service (used by the API and the pages)."""
    services = {
        "acknowledge": ticket_acknowledge,
        "dispatch": ticket_dispatch,
        "arrive": ticket_arrive,
        "resolve": ticket_resolve,
        "close": ticket_close,
        "pause": ticket_pause,
        "resume": ticket_resume,
        "escalate": ticket_escalate,
        "handover": ticket_handover,
    }
    if action not in services:
        raise DomainError("unknown_action", _("Action inconnue."), field="action")
    return services[action](ticket=ticket, actor=actor, **params)


@transaction.atomic
def ticket_acknowledge(*, ticket: Ticket, actor: Any, at: datetime | None = None) -> Ticket:
    """Take the call (ownership): meets the response target."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "acknowledge", actor)
    locked.status = Status.OWNED
    locked.acknowledged_at = at
    locked.acknowledged_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    sla.target_mark_met(locked, SlaTargetKind.RESPONSE, at)
    _event(locked, "acknowledged", actor, at)
    return locked


@transaction.atomic
def ticket_dispatch(
    *, ticket: Ticket, actor: Any, engineer: Any, at: datetime | None = None
) -> Ticket:
    """Send an engineer: the partner's (an ``Engineer``) or CDS's (a CDS engineer user)."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "dispatch", actor)
    name = _assign(locked, engineer)
    locked.status = Status.DISPATCHED
    locked.dispatched_at = locked.dispatched_at or at
    locked.save(
        update_fields=[
            "status",
            "dispatched_at",
            "assigned_engineer",
            "assigned_cds_user",
            "updated_at",
        ]
    )
    _event(locked, "dispatched", actor, at, engineer=name)
    return locked


def _assign(ticket: Ticket, engineer: Any) -> str:
    if ticket.delivered_by == Organisation.PARTNER:
        if (
            not isinstance(engineer, Engineer)
            or engineer.partner_id != ticket.partner_id
            or not engineer.is_active
        ):
            raise DomainError(
                "invalid_engineer",
                _("Choisissez un ingénieur actif du partenaire."),
                field="engineer",
            )
        ticket.assigned_engineer = engineer
        ticket.assigned_cds_user = None
        return engineer.name
    from django.contrib.auth import get_user_model

    if not isinstance(engineer, get_user_model()) or not is_cds(engineer):
        raise DomainError(
            "invalid_engineer", _("Choisissez un ingénieur du CDS."), field="engineer"
        )
    ticket.assigned_cds_user = engineer
    ticket.assigned_engineer = None
    return engineer.get_full_name() or engineer.get_username()


@transaction.atomic
def ticket_arrive(*, ticket: Ticket, actor: Any, at: datetime | None = None) -> Ticket:
    """The engineer is on site: meets the on-site target."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "arrive", actor)
    locked.status = Status.ON_SITE
    locked.arrived_at = at
    locked.save(update_fields=["status", "arrived_at", "updated_at"])
    sla.target_mark_met(locked, SlaTargetKind.ONSITE, at)
    _event(locked, "arrived", actor, at)
    return locked


@transaction.atomic
def ticket_resolve(
    *, ticket: Ticket, actor: Any, note: str = "", at: datetime | None = None
) -> Ticket:
    """Service restored: meets the resolution target; a preventive visit consumes its credit."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "resolve", actor)
    if locked.kind == Kind.PREVENTIVE and locked.credits_contract_id:
        entry = credits_consume(
            contract=locked.credits_contract,
            credits=1,
            actor=actor,
            reference=locked.number,
            dedup_key=f"ticket:{locked.pk}",
        )
        _event(locked, "credits_consumed", actor, at, credits=1, balance_after=entry.balance_after)
    locked.status = Status.RESOLVED
    locked.resolved_at = at
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    for kind in (SlaTargetKind.RESPONSE, SlaTargetKind.ONSITE, SlaTargetKind.RESOLUTION):
        # A remote fix also ends the on-site and response clocks.
        sla.target_mark_met(locked, kind, at)
    _close_segment(locked, at)
    _event(locked, "resolved", actor, at, note=note)
    return locked


@transaction.atomic
def ticket_close(*, ticket: Ticket, actor: Any, at: datetime | None = None) -> Ticket:
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "close", actor)
    locked.status = Status.CLOSED
    locked.closed_at = at
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    _event(locked, "closed", actor, at)
    return locked


@transaction.atomic
def ticket_pause(*, ticket: Ticket, actor: Any, reason: str, at: datetime | None = None) -> Ticket:
    """Awaiting customer or parts: the SLA clock stops."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "pause", actor)
    if reason not in PauseReason.values:
        raise DomainError(
            "invalid_choice",
            _(
                "Motif de pause : en attente client (awaiting_customer) ou de pièces (awaiting_parts)."
            ),
            field="reason",
        )
    locked.status_before_pause = locked.status
    locked.status = Status.PAUSED
    locked.pause_reason = reason
    locked.save(update_fields=["status", "status_before_pause", "pause_reason", "updated_at"])
    TicketPause.objects.create(ticket=locked, reason=reason, started_at=at)
    sla.targets_recompute(locked, paused=True)
    _event(locked, "paused", actor, at, reason=reason)
    return locked


@transaction.atomic
def ticket_resume(*, ticket: Ticket, actor: Any, at: datetime | None = None) -> Ticket:
    """The clock runs again; deadlines move by the paused business time."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "resume", actor)
    TicketPause.objects.filter(ticket=locked, ended_at__isnull=True).update(ended_at=at)
    locked.status = locked.status_before_pause or Status.OWNED
    locked.status_before_pause = ""
    locked.pause_reason = ""
    locked.save(update_fields=["status", "status_before_pause", "pause_reason", "updated_at"])
    sla.targets_recompute(locked, paused=False)
    _event(locked, "resumed", actor, at)
    _after_commit(locked)
    return locked


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, actor: Any, reason: str = "", at: datetime | None = None
) -> Ticket:
    """L1 → L2 → L3 (409 beyond)."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "escalate", actor)
    return _escalate(locked, actor, at, reason=reason)


def _escalate(ticket: Ticket, actor: Any, at: datetime, **detail: Any) -> Ticket:
    ticket.escalation_level += 1
    ticket.save(update_fields=["escalation_level", "updated_at"])
    _event(ticket, "escalated", actor, at, level=ticket.escalation_level, **detail)
    return ticket


@transaction.atomic
def ticket_handover(
    *, ticket: Ticket, actor: Any, reason: str, at: datetime | None = None
) -> Ticket:
    """The partner entrusts the ticket to CDS; the customer's clock runs on."""
    at = at or _now()
    locked = _lock(ticket)
    _check(locked, "handover", actor)
    if not (reason or "").strip():
        raise DomainError(
            "required", _("Indiquez pourquoi le ticket est confié au CDS."), field="reason"
        )
    _move_to_cds(locked, at, reason="handover")
    locked.handed_over_at = at
    locked.save(update_fields=["handed_over_at"])
    _event(locked, "handed_over", actor, at, reason=reason.strip())
    _notify_cds(
        locked,
        _("Ticket %(n)s confié au CDS par le partenaire") % {"n": locked.number},
        reason.strip(),
    )
    return locked


def _move_to_cds(ticket: Ticket, at: datetime, *, reason: str) -> None:
    ticket.delivered_by = Organisation.CDS
    ticket.ownership_due_at = None
    ticket.assigned_engineer = None
    if ticket.status in (Status.DISPATCHED, Status.ON_SITE):
        # CDS owns the call now and sends its own engineer.
        ticket.status = Status.OWNED
    if ticket.status == Status.PAUSED and ticket.status_before_pause in (
        Status.DISPATCHED,
        Status.ON_SITE,
    ):
        ticket.status_before_pause = Status.OWNED
    ticket.save(
        update_fields=[
            "delivered_by",
            "ownership_due_at",
            "assigned_engineer",
            "status",
            "status_before_pause",
            "updated_at",
        ]
    )
    _close_segment(ticket, at)
    OwnershipSegment.objects.create(
        ticket=ticket, organisation=Organisation.CDS, started_at=at, reason=reason
    )


def _close_segment(ticket: Ticket, at: datetime) -> None:
    OwnershipSegment.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=at)


def _cds_users() -> list[Any]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model().objects.filter(groups__name=StaffRole.CDS_DISPATCHER, is_active=True)
    )


def _notify_cds(ticket: Ticket, subject: Any, body: str, key: str | None = None) -> None:
    with override(settings.LANGUAGE_CODE):
        notify(
            recipients=_cds_users(),
            partner=ticket.partner,
            kind="ticket_cds",
            dedup_key=key or f"ticket-cds:{ticket.pk}:{ticket.updated_at.isoformat()}",
            subject=str(subject),
            body=f"{ticket.number} — {ticket.summary}\n{body}",
            link=f"/tickets/{ticket.pk}/",
        )


@transaction.atomic
def ticket_fallback_to_cds(*, ticket: Ticket, at: datetime | None = None) -> bool:
    """Nobody took the partner's call within the ownership window: CDS takes it.

    Idempotent: does nothing unless the ticket is still opened, routed to the
    partner and past its ownership window.
    """
    at = at or _now()
    locked = _lock(ticket)
    if (
        locked.status != Status.OPENED
        or locked.delivered_by != Organisation.PARTNER
        or locked.ownership_due_at is None
        or locked.ownership_due_at > at
    ):
        return False
    window_end = locked.ownership_due_at
    _move_to_cds(locked, at, reason="fallback")
    locked.fell_back_at = at
    locked.save(update_fields=["fell_back_at"])
    _event(
        locked,
        "fell_back",
        None,
        at,
        ownership_due_at=window_end.isoformat(),
    )
    _notify_cds(
        locked,
        _("Ticket %(n)s non pris en charge par le partenaire : le CDS le reprend")
        % {"n": locked.number},
        str(_("Fenêtre de prise en charge dépassée.")),
        key=f"ticket-fallback:{locked.pk}",
    )
    return True


def ownership_overdue(now: datetime, limit: int) -> list[int]:
    return list(
        Ticket.objects.filter(
            status=Status.OPENED, delivered_by=Organisation.PARTNER, ownership_due_at__lte=now
        )
        .order_by("ownership_due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- SLA consequences (called by tickets.sla when warnings and breaches fire) -----------------------


def _cds_user_ids() -> list[int]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(groups__name=StaffRole.CDS_DISPATCHER, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _system_event(ticket: Ticket, event: str, at: datetime, **detail: Any) -> TicketEvent:
    return TicketEvent(ticket=ticket, at=at, event=event, organisation="system", detail=detail)


def on_sla_events(
    *, fired: list[tuple[SlaTarget, str]], tickets: dict[int, Ticket], at: datetime
) -> None:
    """Consequences of SLA events that just fired, in the order they fired, set-wise.

    Warning → notify who delivers (partner admins or CDS dispatch, and the
    assigned engineer). Breach → escalate one level (L3 at most), flag CDS to
    back up a partner's ticket, notify partner admins and CDS dispatch, and
    queue the ownership fall-back of an unowned partner ticket. ``tickets`` are
    the events' tickets, locked by the caller. A fixed number of queries,
    however many events.
    """
    timeline: list[TicketEvent] = []
    touched: dict[int, Ticket] = {}
    fallbacks: list[int] = []
    # (event, target, ticket, audience): "partner" admins, "cds" dispatch or both.
    pending: list[tuple[str, SlaTarget, Ticket, tuple[str, ...]]] = []
    for target, event in fired:
        ticket = tickets[target.ticket_id]
        partner_delivers = ticket.delivered_by == Organisation.PARTNER
        if event == "warned":
            timeline.append(
                _system_event(
                    ticket,
                    "sla_warned",
                    at,
                    target=target.target,
                    due_at=target.due_at.isoformat() if target.due_at else None,
                )
            )
            pending.append((event, target, ticket, ("partner",) if partner_delivers else ("cds",)))
            continue
        timeline.append(_system_event(ticket, "sla_breached", at, target=target.target))
        if ticket.escalation_level < 3:
            ticket.escalation_level += 1
            timeline.append(
                _system_event(
                    ticket,
                    "escalated",
                    at,
                    level=ticket.escalation_level,
                    cause=f"sla_breach:{target.target}",
                )
            )
        if partner_delivers and not ticket.cds_backup:
            # HP guarantees the service: CDS is flagged to back the partner up.
            ticket.cds_backup = True
            timeline.append(_system_event(ticket, "cds_backup_flagged", at, target=target.target))
        touched[ticket.pk] = ticket
        pending.append((event, target, ticket, ("partner", "cds")))
        if target.target == SlaTargetKind.RESPONSE and partner_delivers:
            # The ownership window may equal the response target: the fallback is due too.
            fallbacks.append(ticket.pk)
    if touched:
        # One UPDATE per new escalation level (2 or 3); the backup flag as above:
        # set on every partner-delivered ticket that breached.
        by_level: dict[int, list[int]] = defaultdict(list)
        for ticket in touched.values():
            by_level[ticket.escalation_level].append(ticket.pk)
        backup = ExpressionWrapper(
            Q(cds_backup=True) | Q(delivered_by=Organisation.PARTNER), output_field=BooleanField()
        )
        stamp = timezone.now()
        for level, ids in by_level.items():
            Ticket.objects.filter(pk__in=ids).update(
                escalation_level=level, cds_backup=backup, updated_at=stamp
            )
    TicketEvent.objects.bulk_create(timeline)
    notify_many(_sla_messages(pending))
    if fallbacks:
        transaction.on_commit(lambda: _queue_fallbacks(fallbacks))


def _sla_messages(
    pending: list[tuple[str, SlaTarget, Ticket, tuple[str, ...]]],
) -> list[Message]:
    """The notifications of fired SLA events; recipients resolved in two queries at most."""
    partner_ids = {t.partner_id for _e, _t, t, audience in pending if "partner" in audience}
    admins = partner_admin_ids(partner_ids) if partner_ids else {}
    cds = _cds_user_ids() if any("cds" in audience for *_rest, audience in pending) else []
    messages = []
    with override(settings.LANGUAGE_CODE):
        for event, target, ticket, audience in pending:
            recipients = list(admins.get(ticket.partner_id, [])) if "partner" in audience else []
            if "cds" in audience:
                recipients += cds
            if event == "warned" and ticket.assigned_engineer and ticket.assigned_engineer.user_id:
                recipients.append(ticket.assigned_engineer.user_id)
            if not recipients:
                continue
            label = SlaTargetKind(target.target).label
            due = f"{timezone.localtime(target.due_at):%d/%m/%Y %H:%M}"
            if event == "warned":
                kind = "sla_warning"
                subject = f"ServiceOne : {ticket.number} — délai « {label} » bientôt dépassé"
                body = f"{ticket.number} — {ticket.summary}\nÉchéance : {due}"
            else:
                kind = "sla_breach"
                subject = f"ServiceOne : {ticket.number} — délai « {label} » dépassé"
                body = f"{ticket.number} — {ticket.summary}\nÉchéance dépassée : {due}"
            messages.append(
                Message(
                    recipient_ids=recipients,
                    partner_id=ticket.partner_id,
                    kind=kind,
                    dedup_key=f"sla:{ticket.pk}:{target.target}:{event}:{target.version}",
                    subject=subject,
                    body=body,
                    link=f"/tickets/{ticket.pk}/",
                )
            )
    return messages


def _queue_fallbacks(ticket_ids: list[int]) -> None:
    for ticket_id in ticket_ids:
        enqueue("tickets.tasks.fallback_ticket", ticket_id)


def visible_tickets(user: Any):  # type: ignore[no-untyped-def]
    """Tickets ``user`` may see: its partner's, or all for HP staff (CDS first)."""
    if is_hp_staff(user):
        return Ticket.objects.all()
    partner = partner_of(user)
    if partner is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(partner=partner)
