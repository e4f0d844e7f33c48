"""Who to send on site: a ticket's candidate engineers, best first, each with why. Pure (no ORM).

The rule, first difference wins:

1. certified on the ticket's product line (a valid certification on a course of that line)
   before not certified: sending an engineer who is not certified takes a reason, which the
   timeline keeps (``tickets.services.ticket_dispatch``);
2. the fewest open tickets assigned (the current load);
3. the name, for a stable order.

CDS engineers are HP's own specialists, with no partner certification to read: for them only
the load ranks. Each candidate carries the code of what placed it (``rank_reason``) so that
later rules (availability, département) add a code each rather than an opaque score.
``tickets.selectors.dispatch_candidates`` gathers the facts; the pages and the API show the
same list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# rank_reason codes
CERTIFIED = "certified_on_line"
NOT_CERTIFIED = "not_certified_on_line"
CDS_ENGINEER = "cds_engineer"


@dataclass(frozen=True, slots=True)
class HeldCertification:
    """A certification valid on the day of the dispatch."""

    course: str  # its display name
    expires_on: date
    on_line: bool  # on the ticket's product line


@dataclass(frozen=True, slots=True)
class EngineerFacts:
    """What the ranking reads about one engineer who could go."""

    engineer_id: int  # an Engineer id (partner) or a user id (CDS)
    name: str
    open_tickets: int  # open tickets assigned to them now
    certifications: tuple[HeldCertification, ...] = ()
    # False/True for a partner's engineer; None for a CDS engineer (no partner certification).
    certified_on_line: bool | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    engineer_id: int
    name: str
    open_tickets: int
    certifications: tuple[HeldCertification, ...]
    certified_on_line: bool | None
    rank: int  # 1 = best
    rank_reason: str  # CERTIFIED, NOT_CERTIFIED or CDS_ENGINEER

    @property
    def needs_reason(self) -> bool:
        """Sending this engineer takes a reason: not certified on the ticket's line."""
        return self.certified_on_line is False


def _reason(facts: EngineerFacts) -> str:
    if facts.certified_on_line is None:
        return CDS_ENGINEER
    return CERTIFIED if facts.certified_on_line else NOT_CERTIFIED


def rank(engineers: Iterable[EngineerFacts]) -> list[Candidate]:
    """The engineers best first (see the module's rule), numbered from 1."""
    ordered = sorted(
        engineers,
        key=lambda f: (
            f.certified_on_line is False,
            f.open_tickets,
            f.name.casefold(),
            f.engineer_id,
        ),
    )
    return [
        Candidate(
            engineer_id=f.engineer_id,
            name=f.name,
            open_tickets=f.open_tickets,
            # Those on the ticket's line first, then the others, soonest expiry first.
            certifications=tuple(
                sorted(f.certifications, key=lambda c: (not c.on_line, c.expires_on, c.course))
            ),
            certified_on_line=f.certified_on_line,
            rank=index,
            rank_reason=_reason(f),
        )
        for index, f in enumerate(ordered, start=1)
    ]
