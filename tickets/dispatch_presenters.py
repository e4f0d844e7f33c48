"""The dispatch list as the ticket page shows it: the select's groups and the candidates' table.

``tickets.dispatch`` ranks; this says it in the reader's language: each engineer's
certifications (those on the ticket's product line first), current load and the reason for
the rank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.departments import label
from tickets import dispatch
from tickets.models import Ticket


@dataclass(frozen=True)
class CandidateRow:
    engineer_id: int
    rank: int
    name: str
    certified: bool | None  # None: a CDS engineer
    certifications: list[str]
    load: str
    reason: str


def engineer_name(ticket: Ticket) -> str:
    """Who goes on site: the partner's engineer or the CDS engineer, else nothing."""
    if ticket.assigned_engineer:
        return ticket.assigned_engineer.name
    user = ticket.assigned_cds_user
    if user:
        return user.get_full_name() or user.get_username()
    return ""


def load_text(open_tickets: int) -> str:
    if not open_tickets:
        return _("Aucun ticket en cours")
    return ngettext("%(n)s ticket en cours", "%(n)s tickets en cours", open_tickets) % {
        "n": open_tickets
    }


def _certification(held: dispatch.HeldCertification) -> str:
    return _("%(course)s, valable jusqu'au %(date)s") % {
        "course": held.course,
        "date": date_format(held.expires_on, "SHORT_DATE_FORMAT"),
    }


def _certification_reason(candidate: dispatch.Candidate, line: str) -> str:
    load = load_text(candidate.open_tickets).lower()
    if candidate.rank_reason == dispatch.CERTIFIED:
        return _("Certifié sur %(line)s ; %(load)s.") % {"line": line, "load": load}
    if candidate.rank_reason == dispatch.NOT_CERTIFIED:
        return _("Non certifié sur %(line)s : un motif est requis pour l'envoyer ; %(load)s.") % {
            "line": line,
            "load": load,
        }
    return _("Ingénieur du CDS ; %(load)s.") % {"load": load}


def _availability_reason(code: str) -> str:
    """What availability says, when it says something (plain availability goes unsaid)."""
    texts = {
        dispatch.ABSENT: _("Absent en ce moment."),
        dispatch.ON_CALL: _("Hors heures ouvrées, d'astreinte."),
        dispatch.OFF_DUTY: _("Hors heures ouvrées, pas d'astreinte."),
    }
    return texts.get(code, "")


def _department_reason(code: str, department: str) -> str:
    where = label(department)
    texts = {
        dispatch.SAME_DEPARTMENT: _("Du département du site (%(where)s)."),
        dispatch.NEIGHBOURING_DEPARTMENT: _("D'un département voisin (%(where)s)."),
        dispatch.OTHER_DEPARTMENT: _("D'un département éloigné (%(where)s)."),
    }
    text = texts.get(code)
    return text % {"where": where} if text else ""


def rank_reason(candidate: dispatch.Candidate, line: str) -> str:
    """Why the engineer stands there: certified or not on ``line`` and the load, then
    availability and département when they say something."""
    said = [_certification_reason(candidate, line)]
    for code in candidate.reasons[1:]:
        said.append(_availability_reason(code) or _department_reason(code, candidate.department))
    return " ".join(text for text in said if text)


def candidate_rows(candidates: Iterable[dispatch.Candidate], line: str) -> list[CandidateRow]:
    return [
        CandidateRow(
            engineer_id=c.engineer_id,
            rank=c.rank,
            name=c.name,
            certified=c.certified_on_line,
            certifications=[_certification(held) for held in c.certifications],
            load=load_text(c.open_tickets),
            reason=rank_reason(c, line),
        )
        for c in candidates
    ]


def dispatch_choices(
    candidates: list[dispatch.Candidate], line: str, empty_label: str
) -> list[tuple[Any, Any]]:
    """The select's options in the ranking's order: a partner's engineers grouped by
    whether they are certified on ``line``; CDS engineers in one list."""
    options: list[tuple[Any, Any]] = [("", empty_label)]
    if all(c.certified_on_line is None for c in candidates):
        return options + [(c.engineer_id, c.name) for c in candidates]
    certified = [(c.engineer_id, c.name) for c in candidates if c.certified_on_line]
    others = [(c.engineer_id, c.name) for c in candidates if not c.certified_on_line]
    if certified:
        options.append((_("Certifiés sur %(line)s") % {"line": line}, certified))
    if others:
        options.append((_("Non certifiés sur %(line)s (motif requis)") % {"line": line}, others))
    return options
