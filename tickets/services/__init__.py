"""The ticket lifecycle: open (with routing), then each action over the transition table.

Every action is one ``_transition``: it locks the ticket row, checks the move
against ``tickets.transitions`` (the table and the actor's role: 409/403
otherwise, nothing written), changes and saves the ticket, updates the SLA
targets and writes a timeline event; timers and notifications are scheduled on
commit. What the SLA sweep's warnings and breaches entail is
``tickets.sla_consequences``'s.

``opening`` opens, ``actions`` moves an open ticket, ``common`` is what both share.
"""

from tickets.services.actions import (
    _close_segment,
    ticket_acknowledge,
    ticket_act,
    ticket_arrive,
    ticket_close,
    ticket_dispatch,
    ticket_escalate,
    ticket_fallback_to_cds,
    ticket_handover,
    ticket_pause,
    ticket_resolve,
    ticket_resume,
)
from tickets.services.common import _after_commit, _event, _lock
from tickets.services.opening import Opening, _ownership_due, ticket_open, ticket_opening

__all__ = [
    "Opening",
    "_after_commit",
    "_close_segment",
    "_event",
    "_lock",
    "_ownership_due",
    "ticket_acknowledge",
    "ticket_act",
    "ticket_arrive",
    "ticket_close",
    "ticket_dispatch",
    "ticket_escalate",
    "ticket_fallback_to_cds",
    "ticket_handover",
    "ticket_open",
    "ticket_opening",
    "ticket_pause",
    "ticket_resolve",
    "ticket_resume",
]
