"""Tier at risk: the first date a tier held today would be lost, and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from partners.eligibility.evaluation import evaluate
from partners.eligibility.inputs import (
    DEFAULT_RISK_HORIZON_DAYS,
    KIND_COURSE,
    KIND_MIN_REVENUE,
    KIND_PREVIOUS_TIER,
    REASON_APPROVAL_EXPIRY,
    REASON_CERTIFICATION_EXPIRY,
    REASON_REVENUE_WINDOW,
    REVENUE_WINDOW_DAYS,
    PartnerSnapshot,
    Tier,
)
from partners.eligibility.programme import compiled_programme, needs_approval
from partners.eligibility.results import CriterionResult, Evaluation, TierResult, TierRisk
from partners.eligibility.text import (
    colon_fr,
    format_date_en,
    format_date_fr,
    format_eur_en,
    format_eur_fr,
    format_number_en,
    join_en,
    join_fr,
    plural_en,
    plural_fr,
)

_ZERO: Final = Decimal("0")


def _dependency_closure(ordered: Sequence[Tier], tier_code: str) -> tuple[Tier, ...]:
    by_code = {tier.code: tier for tier in ordered}
    if tier_code not in by_code:
        raise KeyError(tier_code)
    needed = {tier_code}
    # Walk down by rank: previous_tier always points to a lower rank (checked).
    for tier in reversed(ordered):
        if tier.code in needed:
            needed.update(
                r.tier_code
                for r in tier.requirements
                if r.kind == KIND_PREVIOUS_TIER and r.tier_code
            )
    return tuple(tier for tier in ordered if tier.code in needed)


def _loss_dates(
    snapshot: PartnerSnapshot, tiers: Sequence[Tier], on: date, horizon_days: int
) -> list[date]:
    """Dates in (on, on + horizon] on which something counted by ``tiers`` stops counting.

    Eligibility only ever drops on these dates (everything else can only add), so they
    are the only dates worth evaluating. Ordinals avoid date overflow near date.max.
    """
    first, last = on.toordinal() + 1, on.toordinal() + horizon_days
    courses = {r.course_code for t in tiers for r in t.requirements if r.kind == KIND_COURSE}
    uses_revenue = any(r.kind == KIND_MIN_REVENUE for t in tiers for r in t.requirements)
    approval_tiers = {t.code for t in tiers if needs_approval(t)}
    ordinals: set[int] = set()
    for cert in snapshot.certifications:
        if cert.course_code in courses:
            ordinals.add(cert.expires_on.toordinal() + 1)
    if uses_revenue:
        ordinals.update(
            e.booked_on.toordinal() + REVENUE_WINDOW_DAYS for e in snapshot.revenue_entries
        )
    for approval in snapshot.approvals:
        if approval.tier_code in approval_tiers:
            ordinals.add(approval.valid_until.toordinal() + 1)
    return [date.fromordinal(o) for o in sorted(ordinals) if first <= o <= last]


def _root_cause(evaluation: Evaluation, result: TierResult) -> tuple[TierResult, CriterionResult]:
    for criterion in result.criteria:
        if not criterion.met:
            if criterion.kind == KIND_PREVIOUS_TIER:
                return _root_cause(evaluation, evaluation.tier(criterion.required))
            return result, criterion
    raise AssertionError(f"tier {result.code!r} is not eligible but has no unmet criterion")


def _risk_cause_text(
    snapshot: PartnerSnapshot,
    tiers: Sequence[Tier],
    cause_tier: TierResult,
    cause: CriterionResult,
    lost_on: date,
) -> tuple[str, str, str, str, str]:
    """(reason, fr cause, en cause, fr detail, en detail) for the criterion failing on lost_on."""
    last_day = lost_on - timedelta(days=1)
    if cause.kind == KIND_COURSE:
        course_code = cause.code.split(":", 1)[1]
        requirement = next(
            r
            for t in tiers
            if t.code == cause_tier.code
            for r in t.requirements
            if r.code == cause.code
        )
        course = requirement.course_name or course_code
        course_en = requirement.course_name_en or course
        before = {
            c.engineer_id: c.engineer_name
            for c in snapshot.certifications
            if c.course_code == course_code and c.is_valid_on(last_day)
        }
        after = {
            c.engineer_id
            for c in snapshot.certifications
            if c.course_code == course_code and c.is_valid_on(lost_on)
        }
        names = sorted(name for engineer, name in before.items() if engineer not in after)
        if len(names) == 1:
            fr = f"La certification {course} de {names[0]} expire le {format_date_fr(last_day)}"
            en = (
                f"The {course_en} certification of {names[0]} expires on {format_date_en(last_day)}"
            )
        else:
            fr = (
                f"Les certifications {course} de {join_fr(names)} expirent le "
                f"{format_date_fr(last_day)}"
            )
            en = (
                f"The {course_en} certifications of {join_en(names)} expire on "
                f"{format_date_en(last_day)}"
            )
        actual, needed = int(cause.actual), int(cause.required)
        detail_fr = (
            f"{actual} {plural_fr(actual, 'ingénieur certifié', 'ingénieurs certifiés')} "
            f"sur {needed} requis"
        )
        detail_en = (
            f"{actual} of {needed} certified {plural_en(needed, 'engineer', 'engineers')} required"
        )
        return REASON_CERTIFICATION_EXPIRY, fr, en, detail_fr, detail_en
    if cause.kind == KIND_MIN_REVENUE:
        booked_on = lost_on - timedelta(days=REVENUE_WINDOW_DAYS)
        leaving = sum(
            (e.amount_eur for e in snapshot.revenue_entries if e.booked_on == booked_on), _ZERO
        )
        fr = (
            f"Le chiffre d'affaires services réservé le {format_date_fr(booked_on)} "
            f"({format_eur_fr(leaving)}) sortira des 12 mois glissants"
        )
        en = (
            f"Services revenue booked on {format_date_en(booked_on)} ({format_eur_en(leaving)}) "
            "will leave the trailing 12 months"
        )
        have, need, short = (Decimal(v) for v in (cause.actual, cause.required, cause.missing))
        detail_fr = (
            f"{format_eur_fr(have)} sur {format_eur_fr(need)}, il manquera {format_eur_fr(short)}"
        )
        detail_en = (
            f"{format_number_en(have)} of {format_eur_en(need)}, {format_eur_en(short)} short"
        )
        return REASON_REVENUE_WINDOW, fr, en, detail_fr, detail_en
    # Only the approval criterion is left: nothing else can stop holding over time.
    fr = f"L'approbation HP du niveau {cause_tier.name} expire le {format_date_fr(last_day)}"
    en = f"HP approval of the {cause_tier.name_en or cause_tier.name} tier expires on {format_date_en(last_day)}"
    return (
        REASON_APPROVAL_EXPIRY,
        fr,
        en,
        "demande d'accréditation à renouveler",
        "the accreditation must be renewed",
    )


def tier_at_risk(
    snapshot: PartnerSnapshot,
    tiers: Sequence[Tier],
    on: date,
    tier_code: str,
    horizon_days: int = DEFAULT_RISK_HORIZON_DAYS,
) -> TierRisk | None:
    """The first date after ``on`` when the partner stops being eligible for ``tier_code``
    if nothing new happens (no sale, no certification, no approval renewal).

    None when the partner is not eligible on ``on`` or stays eligible through
    ``on + horizon_days``. Only the dates where something stops counting are evaluated
    (certification expires_on + 1, revenue booked_on + 365, approval valid_until + 1),
    in order, plus ``on`` itself. ``KeyError`` for an unknown ``tier_code``.
    """
    if horizon_days < 0:
        raise ValueError("horizon_days must not be negative")
    ordered = tuple(plan.tier for plan in compiled_programme(tiers))
    relevant = _dependency_closure(ordered, tier_code)
    if not evaluate(snapshot, relevant, on).tier(tier_code).eligible:
        return None
    for lost_on in _loss_dates(snapshot, relevant, on, horizon_days):
        evaluation = evaluate(snapshot, relevant, lost_on)
        result = evaluation.tier(tier_code)
        if result.eligible:
            continue
        criterion = next(c for c in result.criteria if not c.met)
        cause_tier, cause = _root_cause(evaluation, result)
        reason, cause_fr, cause_en, detail_fr, detail_en = _risk_cause_text(
            snapshot, relevant, cause_tier, cause, lost_on
        )
        consequence_fr = (
            f"le niveau {cause_tier.name} sera perdu le {format_date_fr(lost_on)} ({detail_fr})"
        )
        consequence_en = (
            f"the {cause_tier.name_en or cause_tier.name} tier will be lost on "
            f"{format_date_en(lost_on)} ({detail_en})"
        )
        if cause_tier.code != tier_code:
            consequence_fr += f", et avec lui le niveau {result.name}"
            consequence_en += f", and with it the {result.name_en or result.name} tier"
        return TierRisk(
            tier_code=tier_code,
            at_risk_on=lost_on,
            criterion=criterion,
            reason=reason,
            messages={
                "fr": colon_fr(cause_fr, consequence_fr + "."),
                "en": f"{cause_en}: {consequence_en}.",
            },
            cause_tier_code=cause_tier.code,
            cause=cause,
        )
    return None
