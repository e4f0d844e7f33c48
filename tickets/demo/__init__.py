"""Demo tickets (``seed_demo``): a year of closed tickets, then this week's in every state.

The year (from the first day of the month a year before today's to three days ago) is
planned with the SLA clock and the routing rules and written set-wise (``history``);
this week's tickets are opened and worked through the services (``current``), with live
timers. About a fifth of the tickets are delivered by CDS: routed there (complex or
non-HP equipment, contracts entrusted to CDS, partners that only sell), handed over by
the partner, or fallen back when nobody took the call. Idempotent: nothing is created
when tickets already exist.
"""

from tickets.demo.seeding import seed_tickets_demo

__all__ = ["seed_tickets_demo"]
