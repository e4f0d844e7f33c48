"""The engine's verdicts as the pages show them: labels, figures and progress per criterion."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from partners import eligibility as engine
from partners import selectors
from partners.models import Course, Tier
from servicone.presenters import active_language, format_eur


def percent(progress: float) -> int:
    """A progress ratio as a whole percentage between 0 and 100."""
    return max(0, min(100, round(progress * 100)))


class Labels:
    """Display names (in the reader's language) of tiers and courses, loaded once.

    ``hp_reader``: the page is HP's (a programme manager reviewing a partner), so a
    criterion addressed to the partner ("submit an application") is said about it instead.
    """

    def __init__(
        self, tiers: Iterable[Tier], courses: Iterable[Course], *, hp_reader: bool = False
    ) -> None:
        self.tiers = {tier.code: tier for tier in tiers}
        self.courses = {course.code: course for course in courses}
        self.hp_reader = hp_reader

    @classmethod
    def load(cls, *, hp_reader: bool = False) -> Labels:
        return cls(selectors.tiers_by_rank(), selectors.courses_by_code(), hp_reader=hp_reader)

    def tier(self, code: str | None) -> str:
        if not code:
            return "—"
        tier = self.tiers.get(code)
        return tier.display_name if tier else code

    def course(self, code: str) -> str:
        course = self.courses.get(code)
        return course.display_name if course else code

    def criterion(self, code: str, kind: str) -> str:
        key = code.split(":", 1)[1] if ":" in code else ""
        if kind == engine.KIND_MIN_REVENUE:
            return _("Chiffre d'affaires services sur 12 mois glissants")
        if kind == engine.KIND_COURSE:
            return _("Ingénieurs certifiés %(course)s") % {"course": self.course(key)}
        if kind == engine.KIND_PREVIOUS_TIER:
            return _("Niveau %(tier)s atteint") % {"tier": self.tier(key)}
        return _("Validation par HP")


def _figures(kind: str, actual: str, required: str) -> str:
    if kind == engine.KIND_MIN_REVENUE:
        return f"{format_eur(actual)} / {format_eur(required)}"
    if kind == engine.KIND_COURSE:
        return f"{actual} / {required}"
    return ""


def _approval_for_hp(actual: str) -> str:
    """The unmet HP approval, as HP reads it: what the partner may do, not an instruction."""
    if actual == "expired":
        return _(
            "L'approbation HP a expiré : le partenaire peut déposer une nouvelle demande "
            "d'accréditation."
        )
    return _(
        "Approbation HP requise : elle s'obtient par une demande d'accréditation du "
        "partenaire, validée par un responsable programme HP."
    )


def criterion_row(
    labels: Labels,
    *,
    code: str,
    kind: str,
    met: bool,
    actual: str,
    required: str,
    progress: float,
    message: str,
    expiring: Iterable[engine.ExpiringCertification] = (),
) -> dict[str, Any]:
    """One criterion as ``partners/_criteria.html`` shows it."""
    return {
        "code": code,
        "kind": kind,
        "label": labels.criterion(code, kind),
        "met": met,
        "actual": actual,
        "figures": _figures(kind, actual, required),
        # A progress bar only means something for a quantity (revenue, engineers).
        "percent": percent(progress)
        if kind in (engine.KIND_MIN_REVENUE, engine.KIND_COURSE)
        else None,
        # Written to the partner ("déposez une demande…"): HP reads it about the partner.
        "message": _approval_for_hp(actual)
        if labels.hp_reader and kind == engine.KIND_APPROVAL and not met
        else message,
        "expiring": list(expiring),
    }


def evaluated_criterion_row(labels: Labels, criterion: engine.CriterionResult) -> dict[str, Any]:
    """``criterion_row`` of one of the engine's results, its message in the reader's language."""
    return criterion_row(
        labels,
        code=criterion.code,
        kind=criterion.kind,
        met=criterion.met,
        actual=criterion.actual,
        required=criterion.required,
        progress=criterion.progress,
        message=criterion.message(active_language()),
        expiring=criterion.expiring,
    )


def stored_criterion_row(labels: Labels, stored: dict[str, Any]) -> dict[str, Any]:
    """``criterion_row`` of a criterion as an accreditation's snapshot stored it."""
    return criterion_row(
        labels,
        code=stored["code"],
        kind=stored["kind"],
        met=stored["met"],
        actual=stored["actual"],
        required=stored["required"],
        progress=stored.get("progress", 0.0),
        message=(stored.get("messages") or {}).get(active_language()) or stored.get("message", ""),
    )


def criteria_rows(labels: Labels, result: engine.TierResult) -> list[dict[str, Any]]:
    return [evaluated_criterion_row(labels, c) for c in result.criteria]


def tier_block(labels: Labels, result: engine.TierResult) -> dict[str, Any]:
    """A tier's card: its status (eligible, approval only missing, missing) and criteria."""
    criteria = criteria_rows(labels, result)
    unmet = [c for c in criteria if not c["met"]]
    if result.eligible:
        status = "eligible"
    elif result.requires_approval and result.eligible_but_approval:
        status = "approval"
    else:
        status = "missing"
    return {
        "code": result.code,
        "name": labels.tier(result.code),
        "rank": result.rank,
        "requires_approval": result.requires_approval,
        "status": status,
        "criteria": criteria,
        "unmet_count": len(unmet),
        "met_count": len(criteria) - len(unmet),
    }
