"""The ticket's state machine: which action may start from which status, and who may act.

The lifecycle (PRODUCT.md, capability 3): opened → owned (the call taken) →
engineer dispatched → on site → resolved → closed, with pauses (awaiting the
customer or parts) that the ticket resumes from, escalation L1 → L2 → L3 and
the partner's handover to CDS. ``tickets.services`` checks every move against
this table under the ticket's row lock; the pages and the API offer what
``allowed_actions`` says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from servicone.access import PartnerRole, is_cds, partner_id_of, partner_role
from servicone.errors import NotAllowed, StateConflict
from tickets.models import OPEN_STATUSES, Organisation, Status, Ticket, TicketEventKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Who acts: a user, or nobody (``None``/anonymous) for the system's timers.
    Actor = User | AnonymousUser | None

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
ACTIONS = tuple(TRANSITIONS)
# The timeline line each action writes.
ACTION_EVENTS: dict[str, TicketEventKind] = {
    "acknowledge": TicketEventKind.ACKNOWLEDGED,
    "dispatch": TicketEventKind.DISPATCHED,
    "arrive": TicketEventKind.ARRIVED,
    "resolve": TicketEventKind.RESOLVED,
    "close": TicketEventKind.CLOSED,
    "pause": TicketEventKind.PAUSED,
    "resume": TicketEventKind.RESUMED,
    "escalate": TicketEventKind.ESCALATED,
    "handover": TicketEventKind.HANDED_OVER,
}
# Partner roles that work tickets (sales open them but do not work them).
WORKING_PARTNER_ROLES = (PartnerRole.ADMIN, PartnerRole.ENGINEER)


def can_act(user: Actor, ticket: Ticket, action: str) -> bool:
    """Whether ``user``'s role may perform ``action`` on ``ticket`` (status aside)."""
    if user is None or not user.is_authenticated:
        return False
    partner_id = partner_id_of(user)
    if partner_id is not None:
        if partner_id != ticket.partner_id or partner_role(user) not in WORKING_PARTNER_ROLES:
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


def fits(ticket: Ticket, action: str) -> bool:
    """What the table cannot say: L3 is the last level; only a partner's ticket is handed over."""
    if action == "escalate":
        return ticket.escalation_level < 3
    if action == "handover":
        return ticket.delivered_by == Organisation.PARTNER
    return True


def allowed_actions(user: Actor, ticket: Ticket) -> list[str]:
    """Actions to offer on the ticket page: fit the status and the user's role."""
    return [
        a
        for a in ACTIONS
        if ticket.status in TRANSITIONS[a] and fits(ticket, a) and can_act(user, ticket, a)
    ]


def check(ticket: Ticket, action: str, actor: Actor) -> None:
    """Refuse the move: 403 for a role that may not act (the system may), 409 for the status."""
    if actor is not None and not can_act(actor, ticket, action):
        raise NotAllowed("forbidden", _("Votre rôle ne permet pas cette action sur ce ticket."))
    if ticket.status not in TRANSITIONS[action] or not fits(ticket, action):
        raise StateConflict(
            "invalid_transition",
            _("Action « %(action)s » impossible : le ticket est au statut « %(status)s ».")
            % {"action": action, "status": ticket.get_status_display()},
        )
