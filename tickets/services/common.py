"""What the ticket services share: the clock, the actor, the row lock, timeline lines."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from servicone.access import is_hp_staff, remembered_tenant_scope
from servicone.jobs import enqueue_on_commit
from tickets.models import (
    Organisation,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from tickets.transitions import Actor


def _now() -> datetime:
    return timezone.now()


def _user(actor: Actor) -> User | None:
    """The acting user to record, or ``None`` for the system (timers, anonymous)."""
    if actor is None or isinstance(actor, AnonymousUser):
        return None
    return actor


def _hp_side(user: User) -> bool:
    """``is_hp_staff``, read from the scope an API token brought when there is one."""
    scope = remembered_tenant_scope(user)
    if scope is None or user.is_superuser:
        return is_hp_staff(user)
    return scope[0]


def _timeline_line(
    ticket: Ticket, event: str, actor: Actor, at: datetime, **detail: Any
) -> TicketEvent:
    """A timeline line, not yet stored."""
    user = _user(actor)
    organisation = "system"
    if user is not None:
        organisation = Organisation.CDS if _hp_side(user) else Organisation.PARTNER
    return TicketEvent(
        ticket=ticket,
        at=at,
        event=event,
        actor=user,
        organisation=organisation,
        detail=detail,
    )


def _event(ticket: Ticket, event: str, actor: Actor, at: datetime, **detail: Any) -> TicketEvent:
    line = _timeline_line(ticket, event, actor, at, **detail)
    line.save(force_insert=True)
    return line


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("offering", "site", "partner", "contract")
        .get(pk=ticket.pk)
    )


def _after_commit(ticket: Ticket) -> None:
    """Arm the precise timers of this ticket once the transaction commits."""
    enqueue_on_commit("tickets.tasks.arm_ticket_timers", ticket.pk)
