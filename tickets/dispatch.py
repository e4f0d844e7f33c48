"""Who to send on site: a ticket's candidate engineers, best first, each with why. Pure (no ORM).

The rule, first difference wins:

1. certified on the ticket's product line (a valid certification on a course of that line)
   before not certified: sending an engineer who is not certified takes a reason, which the
   timeline keeps (``tickets.services.ticket_dispatch``);
2. available now before not: not absent, and outside the partner's staffed hours on call;
3. from the site's département, then a neighbouring one (``partners.departments``), then
   the others (or where nobody said);
4. the fewest open tickets assigned (the current load);
5. the name, for a stable order.

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

from partners.departments import are_neighbours

# rank_reason codes
CERTIFIED = "certified_on_line"
NOT_CERTIFIED = "not_certified_on_line"
CDS_ENGINEER = "cds_engineer"
# The codes the later rules add (``Candidate.reasons``).
AVAILABLE = "available"
ABSENT = "absent"
ON_CALL = "on_call"
OFF_DUTY = "off_duty"  # outside the staffed hours and not on call
SAME_DEPARTMENT = "same_department"
NEIGHBOURING_DEPARTMENT = "neighbouring_department"
OTHER_DEPARTMENT = "other_department"
UNKNOWN_DEPARTMENT = "unknown_department"


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
    department: str = ""  # home département ("" when not said)
    absent: bool = False  # an absence covers now
    on_call: bool = False  # an on-call period covers now


@dataclass(frozen=True, slots=True)
class Candidate:
    engineer_id: int
    name: str
    open_tickets: int
    certifications: tuple[HeldCertification, ...]
    certified_on_line: bool | None
    rank: int  # 1 = best
    rank_reason: str  # CERTIFIED, NOT_CERTIFIED or CDS_ENGINEER
    department: str = ""
    available: bool = True
    # Every rule's code, in the rule's order: the certification's, availability, département.
    reasons: tuple[str, ...] = ()

    @property
    def needs_reason(self) -> bool:
        """Sending this engineer takes a reason: not certified on the ticket's line."""
        return self.certified_on_line is False


def _reason(facts: EngineerFacts) -> str:
    if facts.certified_on_line is None:
        return CDS_ENGINEER
    return CERTIFIED if facts.certified_on_line else NOT_CERTIFIED


def _availability(facts: EngineerFacts, in_staffed_hours: bool) -> str:
    if facts.absent:
        return ABSENT
    if not in_staffed_hours:
        return ON_CALL if facts.on_call else OFF_DUTY
    return AVAILABLE


def _proximity(facts: EngineerFacts, site_department: str | None) -> str:
    if not facts.department or not site_department:
        return UNKNOWN_DEPARTMENT
    if facts.department == site_department:
        return SAME_DEPARTMENT
    if are_neighbours(facts.department, site_department):
        return NEIGHBOURING_DEPARTMENT
    return OTHER_DEPARTMENT


_PROXIMITY_ORDER = {
    SAME_DEPARTMENT: 0,
    NEIGHBOURING_DEPARTMENT: 1,
    OTHER_DEPARTMENT: 2,
    UNKNOWN_DEPARTMENT: 2,
}


def rank(
    engineers: Iterable[EngineerFacts],
    *,
    site_department: str | None = None,
    in_staffed_hours: bool = True,
) -> list[Candidate]:
    """The engineers best first (see the module's rule), numbered from 1.

    ``site_department``: the ticket's site's (``None`` when unknown); ``in_staffed_hours``:
    whether the partner's staffed hours are open now (outside, only those on call are
    available).
    """
    facts_list = list(engineers)
    availability = {f.engineer_id: _availability(f, in_staffed_hours) for f in facts_list}
    proximity = {f.engineer_id: _proximity(f, site_department) for f in facts_list}
    ordered = sorted(
        facts_list,
        key=lambda f: (
            f.certified_on_line is False,
            availability[f.engineer_id] not in (AVAILABLE, ON_CALL),
            _PROXIMITY_ORDER[proximity[f.engineer_id]],
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
            department=f.department,
            available=availability[f.engineer_id] in (AVAILABLE, ON_CALL),
            reasons=(_reason(f), availability[f.engineer_id], proximity[f.engineer_id]),
        )
        for index, f in enumerate(ordered, start=1)
    ]
