"""Each action on an open ticket, over the transition table; the hand-over to CDS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from contracts.services import credits_consume
from partners.models import Engineer
from servicone.errors import DomainError
from servicone.notify import notify
from tickets import sla
from tickets.assignment import assign_engineer
from tickets.models import (
    Kind,
    Organisation,
    OwnershipSegment,
    PauseReason,
    SegmentReason,
    SlaTargetKind,
    Status,
    Ticket,
    TicketEventKind,
    TicketPause,
)
from tickets.selectors import cds_dispatchers, muted_pairs
from tickets.transitions import ACTION_EVENTS, check
from tickets.webhook_events import emit, emit_if_updated, watched
from webhooks.models import EventType

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tickets.transitions import Actor

from tickets.services.common import (
    _after_commit,
    _event,
    _lock,
    _now,
    _user,
)

# --- Actions ------------------------------------------------------------------------------

# Sets the locked ticket's fields for the move, or refuses it (``DomainError``: nothing is
# written); returns the detail of the timeline line.
Change = Callable[[Ticket, datetime], dict[str, Any]]
# What the move entails once the ticket is saved (pauses, deadlines, segments).
Consequence = Callable[[Ticket, datetime], None]


def _transition(
    ticket: Ticket,
    action: str,
    actor: Actor,
    at: datetime | None,
    change: Change,
    saves: Sequence[str],
    *,
    meets: Sequence[SlaTargetKind] = (),
    then: Consequence | None = None,
) -> Ticket:
    """One step of the lifecycle: lock → check → change → save → SLA → timeline event.

    The row lock serialises actions on one ticket, and the check runs under it, so
    two people acting at once cannot both move the ticket from the same status.
    ``saves`` names the columns ``change`` set; ``meets`` the SLA targets the move
    meets (at ``at``); ``then`` runs after the save, before the timeline line. A move
    that changes the status, who delivers or the escalation level emits
    ``ticket.updated``.
    """
    at = at or _now()
    locked = _lock(ticket)
    check(locked, action, actor)
    before = watched(locked)
    detail = change(locked, at)
    locked.save(update_fields=list(saves))
    for kind in meets:
        sla.target_mark_met(locked, kind, at)
    if then is not None:
        then(locked, at)
    _event(locked, ACTION_EVENTS[action], actor, at, **detail)
    emit_if_updated(locked, before, at)
    return locked


def ticket_act(*, ticket: Ticket, action: str, actor: Actor, **params: Any) -> Ticket:
    """Dispatch an action name to its service (used by the API and the pages)."""
    services: dict[str, Callable[..., Ticket]] = {
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
def ticket_acknowledge(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    """Take the call (ownership): meets the response target."""

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        locked.status = Status.OWNED
        locked.acknowledged_at = at
        locked.acknowledged_by = _user(actor)
        return {}

    return _transition(
        ticket,
        "acknowledge",
        actor,
        at,
        change,
        ["status", "acknowledged_at", "acknowledged_by", "updated_at"],
        meets=[SlaTargetKind.RESPONSE],
    )


@transaction.atomic
def ticket_dispatch(
    *,
    ticket: Ticket,
    actor: Actor,
    engineer: Engineer | User | None,
    reason: str = "",
    at: datetime | None = None,
) -> Ticket:
    """Send an engineer: the partner's (an ``Engineer``) or CDS's (a CDS engineer user).

    A partner engineer not certified on the ticket's product line goes only with a
    ``reason`` (400 ``reason_required``), which the timeline keeps (``tickets.assignment``).
    """

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        detail = assign_engineer(locked, engineer, reason=reason, on=_site_day(locked, at))
        locked.status = Status.DISPATCHED
        locked.dispatched_at = locked.dispatched_at or at
        return detail

    return _transition(
        ticket,
        "dispatch",
        actor,
        at,
        change,
        ["status", "dispatched_at", "assigned_engineer", "assigned_cds_user", "updated_at"],
    )


def _site_day(ticket: Ticket, at: datetime) -> date:
    return at.astimezone(ZoneInfo(ticket.site.timezone)).date()


@transaction.atomic
def ticket_arrive(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    """The engineer is on site: meets the on-site target."""

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        locked.status = Status.ON_SITE
        locked.arrived_at = at
        return {}

    return _transition(
        ticket,
        "arrive",
        actor,
        at,
        change,
        ["status", "arrived_at", "updated_at"],
        meets=[SlaTargetKind.ONSITE],
    )


@transaction.atomic
def ticket_resolve(
    *, ticket: Ticket, actor: Actor, note: str = "", at: datetime | None = None
) -> Ticket:
    """Service restored: meets the resolution target; a preventive visit consumes its credit.

    ``note`` is the intervention report, required (400 ``required`` on ``note``); the
    timeline keeps it.
    """
    report = (note or "").strip()

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        if not report:
            raise DomainError(
                "required",
                _("Rédigez le compte rendu de l'intervention : il est requis pour résoudre."),
                field="note",
            )
        if locked.kind == Kind.PREVENTIVE and locked.credits_contract is not None:
            entry = credits_consume(
                contract=locked.credits_contract,
                credits=1,
                actor=actor,
                reference=locked.number,
                dedup_key=f"ticket:{locked.pk}",
            )
            _event(
                locked,
                TicketEventKind.CREDITS_CONSUMED,
                actor,
                at,
                credits=1,
                balance_after=entry.balance_after,
            )
        locked.status = Status.RESOLVED
        locked.resolved_at = at
        return {"note": report}

    return _transition(
        ticket,
        "resolve",
        actor,
        at,
        change,
        ["status", "resolved_at", "updated_at"],
        # A remote fix also ends the on-site and response clocks.
        meets=[SlaTargetKind.RESPONSE, SlaTargetKind.ONSITE, SlaTargetKind.RESOLUTION],
        then=_close_segment,
    )


@transaction.atomic
def ticket_close(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    """The resolved ticket is closed (nothing more happens on it)."""

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        locked.status = Status.CLOSED
        locked.closed_at = at
        return {}

    return _transition(ticket, "close", actor, at, change, ["status", "closed_at", "updated_at"])


@transaction.atomic
def ticket_pause(
    *, ticket: Ticket, actor: Actor, reason: str, at: datetime | None = None
) -> Ticket:
    """Awaiting customer or parts: the SLA clock stops."""

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
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
        return {"reason": reason}

    def then(locked: Ticket, at: datetime) -> None:
        TicketPause.objects.create(ticket=locked, reason=reason, started_at=at)
        sla.targets_recompute(locked, paused=True)

    return _transition(
        ticket,
        "pause",
        actor,
        at,
        change,
        ["status", "status_before_pause", "pause_reason", "updated_at"],
        then=then,
    )


@transaction.atomic
def ticket_resume(*, ticket: Ticket, actor: Actor, at: datetime | None = None) -> Ticket:
    """The clock runs again; deadlines move by the paused business time."""

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        TicketPause.objects.filter(ticket=locked, ended_at__isnull=True).update(ended_at=at)
        locked.status = locked.status_before_pause or Status.OWNED
        locked.status_before_pause = ""
        locked.pause_reason = ""
        return {}

    def then(locked: Ticket, at: datetime) -> None:
        sla.targets_recompute(locked, paused=False)
        _after_commit(locked)  # new deadlines: new timers

    return _transition(
        ticket,
        "resume",
        actor,
        at,
        change,
        ["status", "status_before_pause", "pause_reason", "updated_at"],
        then=then,
    )


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, actor: Actor, reason: str = "", at: datetime | None = None
) -> Ticket:
    """L1 → L2 → L3 (409 beyond)."""

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        locked.escalation_level += 1
        return {"level": locked.escalation_level, "reason": reason}

    return _transition(ticket, "escalate", actor, at, change, ["escalation_level", "updated_at"])


@transaction.atomic
def ticket_handover(
    *, ticket: Ticket, actor: Actor, reason: str, at: datetime | None = None
) -> Ticket:
    """The partner entrusts the ticket to CDS; the customer's clock runs on."""

    def change(locked: Ticket, at: datetime) -> dict[str, Any]:
        if not (reason or "").strip():
            raise DomainError(
                "required", _("Indiquez pourquoi le ticket est confié au CDS."), field="reason"
            )
        _move_to_cds(locked, at, reason=SegmentReason.HANDOVER)
        locked.handed_over_at = at
        return {"reason": reason.strip()}

    locked = _transition(ticket, "handover", actor, at, change, ["handed_over_at"])
    emit(locked, EventType.TICKET_HANDED_OVER, locked.handed_over_at or _now())
    _notify_cds(
        locked,
        _("Ticket %(n)s confié au CDS par le partenaire") % {"n": locked.number},
        reason.strip(),
    )
    return locked


def _move_to_cds(ticket: Ticket, at: datetime, *, reason: SegmentReason) -> None:
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


def _notify_cds(ticket: Ticket, subject: Promise | str, body: str, key: str | None = None) -> None:
    """Tell CDS dispatch, in the portal's language, that a ticket is now theirs."""
    muted = {user_id for _ticket, user_id in muted_pairs([ticket.pk])}
    with override(settings.LANGUAGE_CODE):
        notify(
            recipients=[u for u in cds_dispatchers() if u.pk not in muted],
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
    before = watched(locked)
    _move_to_cds(locked, at, reason=SegmentReason.FALLBACK)
    locked.fell_back_at = at
    locked.save(update_fields=["fell_back_at"])
    _event(
        locked,
        TicketEventKind.FELL_BACK,
        None,
        at,
        ownership_due_at=window_end.isoformat(),
    )
    emit_if_updated(locked, before, at)
    _notify_cds(
        locked,
        _("Ticket %(n)s non pris en charge par le partenaire : le CDS le reprend")
        % {"n": locked.number},
        str(_("Fenêtre de prise en charge dépassée.")),
        key=f"ticket-fallback:{locked.pk}",
    )
    return True
