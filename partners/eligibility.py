"""ServiceOne eligibility engine: which programme tiers a partner qualifies for, and why.

Pure rules: plain frozen dataclasses in, plain frozen dataclasses out; no Django, no ORM,
no clock (the evaluation date is always passed in). Selectors build a ``PartnerSnapshot``
and the ``Tier`` rows; services store the resulting ``Evaluation``; the API, the pages,
the scheduled evaluation and the benchmark all call the same functions.

Definitions used everywhere:

* Services revenue over 12 trailing months = the partner's declared figure + every revenue
  entry booked inside the window, the 365 days ending on the evaluation date inclusive
  (an entry booked on day D counts from D to D + 364). Entries dated after the
  evaluation date do not count yet.
* A certification is valid from ``passed_on`` through ``expires_on`` inclusive; an HP
  approval is valid through ``valid_until`` inclusive.
* A course requirement counts distinct engineers, not certifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final, NamedTuple

# Formatting lives in the core (one definition for every app); re-exported here for
# the engine's callers, with the names it has always had.
from servicone.money import CENT, NBSP
from servicone.money import NNBSP as NNBSP
from servicone.money import format_date_en as format_date_en
from servicone.money import format_date_fr as format_date_fr
from servicone.money import format_eur_en as format_eur_en
from servicone.money import format_eur_fr as format_eur_fr
from servicone.money import format_number_en as format_number_en
from servicone.money import format_number_fr as format_number_fr
from servicone.money import french_digits as _french_digits

KIND_MIN_REVENUE: Final = "min_revenue"
KIND_COURSE: Final = "course"
KIND_PREVIOUS_TIER: Final = "previous_tier"
KIND_APPROVAL: Final = "approval"
REQUIREMENT_KINDS: Final = frozenset(
    {KIND_MIN_REVENUE, KIND_COURSE, KIND_PREVIOUS_TIER, KIND_APPROVAL}
)

REASON_CERTIFICATION_EXPIRY: Final = "certification_expiry"
REASON_REVENUE_WINDOW: Final = "revenue_window"
REASON_APPROVAL_EXPIRY: Final = "approval_expiry"

REVENUE_WINDOW_DAYS: Final = 365
EXPIRY_WARNING_DAYS: Final = 90
DEFAULT_RISK_HORIZON_DAYS: Final = 730
# Hypothetical what-if certifications never expire within any sensible horizon.
WHAT_IF_EXPIRES_ON: Final = date(9999, 12, 31)

_CENT: Final = CENT
_ZERO: Final = Decimal("0")


class TierConfigurationError(ValueError):
    """The tiers or their requirements are inconsistent (HP-edited data gone wrong)."""


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement row of a tier; which fields matter depends on ``kind``."""

    kind: str
    amount_eur: Decimal | None = None
    course_code: str | None = None
    course_name: str | None = None
    product_line: str | None = None
    min_engineers: int = 1
    tier_code: str | None = None
    tier_name: str | None = None
    # English display names (the French ones above are used when these are empty).
    course_name_en: str | None = None
    tier_name_en: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in REQUIREMENT_KINDS:
            raise TierConfigurationError(f"unknown requirement kind {self.kind!r}")
        if self.kind == KIND_MIN_REVENUE:
            if not isinstance(self.amount_eur, Decimal) or not self.amount_eur.is_finite():
                raise TierConfigurationError("min_revenue needs amount_eur as a finite Decimal")
            if self.amount_eur < 0:
                raise TierConfigurationError("min_revenue amount_eur must not be negative")
        elif self.kind == KIND_COURSE:
            if not self.course_code:
                raise TierConfigurationError("course requirement needs course_code")
            if self.min_engineers < 1:
                raise TierConfigurationError("course requirement needs min_engineers >= 1")
        elif self.kind == KIND_PREVIOUS_TIER and not self.tier_code:
            raise TierConfigurationError("previous_tier requirement needs tier_code")

    @property
    def code(self) -> str:
        """Stable machine code of the criterion this requirement produces."""
        if self.kind == KIND_COURSE:
            return f"{KIND_COURSE}:{self.course_code}"
        if self.kind == KIND_PREVIOUS_TIER:
            return f"{KIND_PREVIOUS_TIER}:{self.tier_code}"
        return self.kind


@dataclass(frozen=True, slots=True)
class Tier:
    code: str
    name: str
    rank: int
    requires_approval: bool
    requirements: tuple[Requirement, ...] = ()
    name_en: str | None = None


@dataclass(frozen=True, slots=True)
class Certification:
    engineer_id: int
    engineer_name: str
    course_code: str
    passed_on: date
    expires_on: date

    def is_valid_on(self, on: date) -> bool:
        return self.passed_on <= on <= self.expires_on


@dataclass(frozen=True, slots=True)
class RevenueEntry:
    amount_eur: Decimal
    booked_on: date


@dataclass(frozen=True, slots=True)
class Approval:
    tier_code: str
    valid_until: date


@dataclass(frozen=True, slots=True)
class PartnerSnapshot:
    partner_id: int
    declared_revenue_12m_eur: Decimal
    revenue_entries: tuple[RevenueEntry, ...] = ()
    certifications: tuple[Certification, ...] = ()
    approvals: tuple[Approval, ...] = ()


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------


def _pick_language(messages: dict[str, str], lang: str) -> str:
    # Accept Django-style codes ("en-gb", "fr-FR"); anything unknown reads French.
    primary = lang.split("-", 1)[0].split("_", 1)[0].lower()
    return messages.get(primary) or messages["fr"]


class ExpiringCertification(NamedTuple):
    """A certification counting toward a course criterion that expires soon."""

    engineer_name: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class CriterionResult:
    code: str
    kind: str
    met: bool
    required: str
    actual: str
    missing: str
    messages: dict[str, str]
    progress: float
    expiring: tuple[ExpiringCertification, ...] = ()

    def message(self, lang: str = "fr") -> str:
        """The message in ``lang`` ("fr" or "en"), French when that language is unknown."""
        return _pick_language(self.messages, lang)


@dataclass(frozen=True, slots=True)
class TierResult:
    code: str
    name: str
    rank: int
    requires_approval: bool
    eligible: bool
    eligible_but_approval: bool
    criteria: tuple[CriterionResult, ...]
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class Evaluation:
    partner_id: int
    evaluated_on: date
    tiers: tuple[TierResult, ...]
    revenue_12m_eur: Decimal

    def tier(self, code: str) -> TierResult:
        """The result for tier ``code``; ``KeyError`` when no such tier was evaluated."""
        for result in self.tiers:
            if result.code == code:
                return result
        raise KeyError(code)

    @property
    def highest_eligible(self) -> TierResult | None:
        """The highest-ranked tier the partner is eligible for (approval included)."""
        for result in reversed(self.tiers):
            if result.eligible:
                return result
        return None

    @property
    def next_tier(self) -> TierResult | None:
        """The lowest-ranked tier above ``highest_eligible`` (the first tier if none)."""
        highest = self.highest_eligible
        if highest is None:
            return self.tiers[0] if self.tiers else None
        for result in self.tiers:
            if result.rank > highest.rank:
                return result
        return None


@dataclass(frozen=True, slots=True)
class TierRisk:
    """When, and why, a tier held today would be lost if nothing new happens.

    ``criterion`` is the tier's own criterion that fails on ``at_risk_on``. When that is
    a ``previous_tier`` criterion, ``cause_tier_code`` / ``cause`` point at the criterion
    of the lower tier that actually fails (they equal ``tier_code`` / ``criterion``
    otherwise), and ``reason`` describes that root cause.
    """

    tier_code: str
    at_risk_on: date
    criterion: CriterionResult
    reason: str
    messages: dict[str, str]
    cause_tier_code: str
    cause: CriterionResult

    def message(self, lang: str = "fr") -> str:
        """The message in ``lang`` ("fr" or "en"), French when that language is unknown."""
        return _pick_language(self.messages, lang)


@dataclass(frozen=True, slots=True)
class WhatIf:
    extra_revenue_eur: Decimal = Decimal("0")
    extra_certifications: tuple[tuple[str, int], ...] = ()


# ---------------------------------------------------------------------------
# Formatting (reused by pages and notifications)
# ---------------------------------------------------------------------------


def _cents(amount: Decimal, rounding: str) -> Decimal:
    return amount.quantize(_CENT, rounding=rounding)


def _plural_fr(count: int, singular: str, plural: str) -> str:
    # French takes the singular for 0 and 1.
    return singular if abs(count) < 2 else plural


def _plural_en(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def _join_fr(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} et {names[-1]}"


def _join_en(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _colon_fr(left: str, right: str) -> str:
    # French typography: a (no-break) space before the colon.
    return f"{left}{NBSP}: {right}"


# ---------------------------------------------------------------------------
# Facts: what holds on one date, computed once per evaluation
# ---------------------------------------------------------------------------


def revenue_window_start(on: date) -> date:
    """First day of the trailing-12-month window ending on ``on`` (inclusive both ends)."""
    return on - timedelta(days=REVENUE_WINDOW_DAYS - 1)


def services_revenue_12m_eur(snapshot: PartnerSnapshot, on: date) -> Decimal:
    """Declared revenue + revenue entries booked in the 365 days ending on ``on``."""
    start = revenue_window_start(on)
    total = snapshot.declared_revenue_12m_eur
    for entry in snapshot.revenue_entries:
        if start <= entry.booked_on <= on:
            total += entry.amount_eur
    return total


@dataclass(frozen=True, slots=True)
class _Facts:
    on: date
    revenue: Decimal
    # course code -> engineer id -> (engineer name, latest expiry among valid certifications)
    engineers_by_course: dict[str, dict[int, tuple[str, date]]]
    # tier code -> latest valid_until among the partner's approvals, expired ones included
    approvals: dict[str, date]
    warn_until: date  # certifications expiring on or before this day are flagged


def _facts(snapshot: PartnerSnapshot, on: date) -> _Facts:
    engineers_by_course: dict[str, dict[int, tuple[str, date]]] = {}
    for cert in snapshot.certifications:
        if cert.passed_on <= on <= cert.expires_on:
            engineers = engineers_by_course.setdefault(cert.course_code, {})
            known = engineers.get(cert.engineer_id)
            # An engineer who renewed early holds two valid certifications: the latest
            # expiry is the one that matters for warnings.
            if known is None or known[1] < cert.expires_on:
                engineers[cert.engineer_id] = (cert.engineer_name, cert.expires_on)
    approvals: dict[str, date] = {}
    for approval in snapshot.approvals:
        latest = approvals.get(approval.tier_code)
        if latest is None or latest < approval.valid_until:
            approvals[approval.tier_code] = approval.valid_until
    return _Facts(
        on=on,
        revenue=services_revenue_12m_eur(snapshot, on),
        engineers_by_course=engineers_by_course,
        approvals=approvals,
        warn_until=on + timedelta(days=EXPIRY_WARNING_DAYS),
    )


# ---------------------------------------------------------------------------
# Compiled programme: tiers validated, ordered and pre-formatted once
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    """One requirement, compiled: its code, display strings and a message memo."""

    requirement: Requirement
    kind: str
    code: str
    key: str  # course code, or previous tier code
    label: str  # course or previous-tier display name
    required: str
    required_fr: str = ""
    required_en: str = ""
    label_en: str = ""  # the label in English
    # Messages that depend only on a small value (engineer count, met or not) are built
    # once per programme rather than once per partner: this is most of the engine's time.
    memo: dict[object, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _TierPlan:
    tier: Tier
    rules: tuple[_Rule, ...]  # approval rows excluded: folded into one approval criterion
    needs_approval: bool
    memo: dict[object, tuple[str, str]] = field(default_factory=dict)


def _needs_approval(tier: Tier) -> bool:
    return tier.requires_approval or any(r.kind == KIND_APPROVAL for r in tier.requirements)


def _compile(tiers: Sequence[Tier]) -> tuple[_TierPlan, ...]:
    """Tiers sorted by rank and compiled, after checking they form a consistent programme."""
    ordered = sorted(tiers, key=lambda tier: tier.rank)
    names: dict[str, str] = {}
    names_en: dict[str, str] = {}
    previous_rank: int | None = None
    plans: list[_TierPlan] = []
    for tier in ordered:
        if tier.code in names:
            raise TierConfigurationError(f"tier code {tier.code!r} appears twice")
        if tier.rank == previous_rank:
            raise TierConfigurationError(f"two tiers share rank {tier.rank}")
        previous_rank = tier.rank
        codes: set[str] = set()
        rules: list[_Rule] = []
        for requirement in tier.requirements:
            code = requirement.code
            if code in codes:
                raise TierConfigurationError(f"tier {tier.code!r} has two {code!r} requirements")
            codes.add(code)
            if requirement.kind == KIND_MIN_REVENUE:
                assert requirement.amount_eur is not None  # Requirement.__post_init__
                # Shown rounded up, like a gap: a threshold is never displayed as lower.
                threshold = _cents(requirement.amount_eur, ROUND_CEILING)
                rule = _Rule(
                    requirement=requirement,
                    kind=KIND_MIN_REVENUE,
                    code=code,
                    key="",
                    label="",
                    required=f"{threshold:.2f}",
                    required_fr=format_eur_fr(threshold),
                    required_en=format_eur_en(threshold),
                )
            elif requirement.kind == KIND_COURSE:
                course_code = requirement.course_code or ""
                rule = _Rule(
                    requirement=requirement,
                    kind=KIND_COURSE,
                    code=code,
                    key=course_code,
                    label=requirement.course_name or course_code,
                    label_en=requirement.course_name_en or requirement.course_name or course_code,
                    required=str(requirement.min_engineers),
                )
            elif requirement.kind == KIND_PREVIOUS_TIER:
                previous = requirement.tier_code or ""
                # Lower ranks are already in `names`: this also rejects cycles.
                if previous not in names:
                    raise TierConfigurationError(
                        f"tier {tier.code!r} requires {previous!r}, which is not a lower-ranked tier"
                    )
                rule = _Rule(
                    requirement=requirement,
                    kind=KIND_PREVIOUS_TIER,
                    code=code,
                    key=previous,
                    label=requirement.tier_name or names[previous],
                    label_en=requirement.tier_name_en or names_en[previous],
                    required=previous,
                )
            else:  # approval rows only say "HP must approve this tier"
                if requirement.tier_code not in (None, tier.code):
                    raise TierConfigurationError(
                        f"approval requirement of {tier.code!r} names another tier"
                    )
                continue
            rules.append(rule)
        names[tier.code] = tier.name
        names_en[tier.code] = tier.name_en or tier.name
        plans.append(_TierPlan(tier, tuple(rules), _needs_approval(tier)))
    return tuple(plans)


# Compiled programmes keyed by the identity of the Tier objects passed in. Each entry
# keeps those objects alive, so their ids cannot be reused by other objects while
# cached; Tier is frozen, so the same objects always compile to the same plan. Callers
# that pass the same tiers to every evaluation of a sweep compile them once.
_PROGRAMMES: dict[tuple[int, ...], tuple[tuple[Tier, ...], tuple[_TierPlan, ...]]] = {}
_PROGRAMME_CACHE_SIZE: Final = 32


def _programme(tiers: Sequence[Tier]) -> tuple[_TierPlan, ...]:
    given = tuple(tiers)
    key = tuple(map(id, given))
    cached = _PROGRAMMES.get(key)
    if cached is not None:
        return cached[1]
    plans = _compile(given)
    if len(_PROGRAMMES) >= _PROGRAMME_CACHE_SIZE:
        _PROGRAMMES.clear()  # atomic, unlike evicting one entry while other threads read
    _PROGRAMMES[key] = (given, plans)
    return plans


# ---------------------------------------------------------------------------
# Criteria
# ---------------------------------------------------------------------------


def _revenue_criterion(rule: _Rule, facts: _Facts) -> CriterionResult:
    threshold = rule.requirement.amount_eur
    assert threshold is not None
    revenue = facts.revenue
    met = revenue >= threshold
    # Shown figures round against the partner (actual down, required and gap up) so a
    # sub-cent shortfall never reads "0.00 missing" or "10000.00 of 10000.00".
    actual = _cents(revenue, ROUND_FLOOR)
    actual_en = f"{actual:,.2f}"
    actual_fr = _french_digits(actual_en)
    if met:
        missing = "0.00"
        progress = 1.0
        fr = (
            f"Seuil atteint{NBSP}: {actual_fr}{NBSP}€ de chiffre d'affaires services "
            f"sur 12 mois glissants ({rule.required_fr} requis)."
        )
        en = (
            f"Threshold met: {actual_en} EUR services revenue over the trailing 12 months "
            f"({rule.required_en} required)."
        )
    else:
        gap = _cents(threshold - revenue, ROUND_CEILING)
        missing = f"{gap:.2f}"
        gap_en = f"{gap:,.2f}"
        progress = max(0.0, float(revenue / threshold)) if threshold > 0 else 0.0
        fr = (
            f"Il manque {_french_digits(gap_en)}{NBSP}€ de chiffre d'affaires services sur "
            f"12 mois glissants ({actual_fr}{NBSP}€ sur {rule.required_fr})."
        )
        en = (
            f"{gap_en} EUR more services revenue needed over the trailing 12 months "
            f"({actual_en} of {rule.required_en})."
        )
    return CriterionResult(
        code=rule.code,
        kind=KIND_MIN_REVENUE,
        met=met,
        required=rule.required,
        actual=f"{actual:.2f}",
        missing=missing,
        messages={"fr": fr, "en": en},
        progress=progress,
    )


def _course_messages(course: str, count: int, needed: int, course_en: str) -> tuple[str, str]:
    if count >= needed:
        certified_fr = _plural_fr(count, "ingénieur certifié", "ingénieurs certifiés")
        return (
            _colon_fr("Condition remplie", f"{count} {certified_fr} {course} ({needed} requis)."),
            f"Requirement met: {count} {_plural_en(count, 'engineer', 'engineers')} "
            f"certified on {course_en} ({needed} required).",
        )
    gap = needed - count
    return (
        f"Il manque {gap} {_plural_fr(gap, 'ingénieur certifié', 'ingénieurs certifiés')} "
        f"{course} ({count} sur {needed}).",
        f"{gap} more {_plural_en(gap, 'engineer', 'engineers')} certified on {course_en} "
        f"needed ({count} of {needed}).",
    )


def _expiring_key(item: ExpiringCertification) -> tuple[date, str]:
    return item.expires_on, item.engineer_name


def _course_criterion(rule: _Rule, facts: _Facts) -> CriterionResult:
    engineers = facts.engineers_by_course.get(rule.key)
    count = len(engineers) if engineers else 0
    needed = rule.requirement.min_engineers
    messages = rule.memo.get(count)
    if messages is None:
        messages = rule.memo.setdefault(
            count, _course_messages(rule.label, count, needed, rule.label_en or rule.label)
        )
    fr, en = messages
    expiring: tuple[ExpiringCertification, ...] = ()
    if engineers:
        warn_until = facts.warn_until
        soon = [
            ExpiringCertification(name, expires_on)
            for name, expires_on in engineers.values()
            if expires_on <= warn_until
        ]
        if soon:
            soon.sort(key=_expiring_key)
            expiring = tuple(soon)
            fr += " " + _colon_fr(
                "À renouveler avant expiration",
                ", ".join(f"{e.engineer_name} ({format_date_fr(e.expires_on)})" for e in soon)
                + ".",
            )
            en += (
                " Renew before expiry: "
                + ", ".join(f"{e.engineer_name} ({format_date_en(e.expires_on)})" for e in soon)
                + "."
            )
    return CriterionResult(
        code=rule.code,
        kind=KIND_COURSE,
        met=count >= needed,
        required=rule.required,
        actual=str(count),
        missing=str(needed - count) if count < needed else "0",
        messages={"fr": fr, "en": en},
        progress=count / needed if count < needed else 1.0,
        expiring=expiring,
    )


def _previous_tier_messages(name: str, met: bool, name_en: str) -> tuple[str, str]:
    if met:
        return (
            _colon_fr("Prérequis rempli", f"éligible au niveau {name}."),
            f"Prerequisite met: eligible for the {name_en} tier.",
        )
    return (
        _colon_fr("Prérequis non rempli", f"il faut d'abord être éligible au niveau {name}."),
        f"Prerequisite not met: the partner must first be eligible for the {name_en} tier.",
    )


def _previous_tier_criterion(rule: _Rule, met: bool) -> CriterionResult:
    messages = rule.memo.get(met)
    if messages is None:
        messages = rule.memo.setdefault(
            met, _previous_tier_messages(rule.label, met, rule.label_en or rule.label)
        )
    return CriterionResult(
        code=rule.code,
        kind=KIND_PREVIOUS_TIER,
        met=met,
        required=rule.key,
        actual="eligible" if met else "not_eligible",
        missing="" if met else rule.key,
        messages={"fr": messages[0], "en": messages[1]},
        progress=1.0 if met else 0.0,
    )


def _approval_messages(
    tier_name: str, expired_on: date | None, others_met: bool, tier_name_en: str
) -> tuple[str, str]:
    # "Never approvable while a prerequisite is unmet": say so instead of inviting an
    # application HP would have to reject.
    renewal_fr, renewal_en = ("", "an") if expired_on is None else ("nouvelle ", "a new")
    if others_met:
        next_fr = f"déposez une {renewal_fr}demande d'accréditation pour le niveau {tier_name}."
        next_en = f"submit {renewal_en} accreditation application for the {tier_name_en} tier."
    else:
        next_fr = (
            f"une {renewal_fr}demande d'accréditation pour le niveau {tier_name} "
            "sera possible une fois les autres critères remplis."
        )
        next_en = (
            f"{renewal_en} accreditation application for the {tier_name_en} tier "
            "can be submitted once the other criteria are met."
        )
    if expired_on is None:
        return _colon_fr("Approbation HP requise", next_fr), f"HP approval required: {next_en}"
    return (
        _colon_fr(
            f"L'approbation HP du niveau {tier_name} a expiré le {format_date_fr(expired_on)}",
            next_fr,
        ),
        f"HP approval of the {tier_name_en} tier expired on {format_date_en(expired_on)}: {next_en}",
    )


def _approval_criterion(plan: _TierPlan, facts: _Facts, others_met: bool) -> CriterionResult:
    tier_name = plan.tier.name
    tier_name_en = plan.tier.name_en or tier_name
    valid_until = facts.approvals.get(plan.tier.code)
    if valid_until is not None and valid_until >= facts.on:
        met, actual = True, "approved"
        messages = (
            f"Approuvé par HP jusqu'au {format_date_fr(valid_until)}.",
            f"Approved by HP until {format_date_en(valid_until)}.",
        )
    elif valid_until is None:
        met, actual = False, "not_approved"
        cached = plan.memo.get(others_met)
        if cached is None:
            cached = plan.memo.setdefault(
                others_met, _approval_messages(tier_name, None, others_met, tier_name_en)
            )
        messages = cached
    else:
        met, actual = False, "expired"
        messages = _approval_messages(tier_name, valid_until, others_met, tier_name_en)
    return CriterionResult(
        code=KIND_APPROVAL,
        kind=KIND_APPROVAL,
        met=met,
        required="approved",
        actual=actual,
        missing="" if met else KIND_APPROVAL,
        messages={"fr": messages[0], "en": messages[1]},
        progress=1.0 if met else 0.0,
    )


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def _evaluate_plans(partner_id: int, plans: Sequence[_TierPlan], facts: _Facts) -> Evaluation:
    results: list[TierResult] = []
    eligible: dict[str, bool] = {}
    for plan in plans:
        criteria: list[CriterionResult] = []
        others_met = True
        for rule in plan.rules:
            if rule.kind == KIND_MIN_REVENUE:
                criterion = _revenue_criterion(rule, facts)
            elif rule.kind == KIND_COURSE:
                criterion = _course_criterion(rule, facts)
            else:
                criterion = _previous_tier_criterion(rule, eligible[rule.key])
            criteria.append(criterion)
            others_met = others_met and criterion.met
        tier_eligible = others_met
        if plan.needs_approval:
            approval = _approval_criterion(plan, facts, others_met)
            criteria.append(approval)
            tier_eligible = others_met and approval.met
        tier = plan.tier
        eligible[tier.code] = tier_eligible
        results.append(
            TierResult(
                code=tier.code,
                name=tier.name,
                rank=tier.rank,
                requires_approval=plan.needs_approval,
                eligible=tier_eligible,
                eligible_but_approval=others_met,
                criteria=tuple(criteria),
                name_en=tier.name_en or tier.name,
            )
        )
    return Evaluation(
        partner_id=partner_id,
        evaluated_on=facts.on,
        tiers=tuple(results),
        revenue_12m_eur=facts.revenue,
    )


def evaluate(snapshot: PartnerSnapshot, tiers: Sequence[Tier], on: date) -> Evaluation:
    """Evaluate ``snapshot`` against every tier on date ``on``, criterion by criterion.

    Tiers are evaluated in rank order so a ``previous_tier`` criterion reuses the result
    of the lower tier. A tier without requirements is always eligible. Raises
    ``TierConfigurationError`` when the tiers are inconsistent (duplicate codes or
    ranks, a ``previous_tier`` that is not a lower-ranked tier, duplicate criteria).
    Passing the same ``Tier`` objects to successive calls reuses their compiled form.
    """
    return _evaluate_plans(snapshot.partner_id, _programme(tiers), _facts(snapshot, on))


def unmet_prerequisites(result: TierResult) -> tuple[CriterionResult, ...]:
    """The unmet criteria of ``result`` other than HP approval.

    Empty means an accreditation application may be submitted / approved.
    """
    return tuple(c for c in result.criteria if not c.met and c.kind != KIND_APPROVAL)


# ---------------------------------------------------------------------------
# What-if
# ---------------------------------------------------------------------------


def what_if_snapshot(snapshot: PartnerSnapshot, on: date, scenario: WhatIf) -> PartnerSnapshot:
    """``snapshot`` plus the scenario: extra revenue booked on ``on`` and, per course, new
    hypothetical engineers (negative ids) certified on ``on`` that never expire."""
    if scenario.extra_revenue_eur < 0:
        raise ValueError("extra_revenue_eur must not be negative")
    entries = snapshot.revenue_entries
    if scenario.extra_revenue_eur:
        entries = (*entries, RevenueEntry(amount_eur=scenario.extra_revenue_eur, booked_on=on))
    certifications = list(snapshot.certifications)
    # Below any id already present, so a hypothetical engineer never merges with a real one.
    next_id = min([0, *(c.engineer_id for c in certifications)]) - 1
    for course_code, count in scenario.extra_certifications:
        if count < 0:
            raise ValueError(f"negative number of extra certifications for {course_code!r}")
        for _ in range(count):
            certifications.append(
                Certification(
                    engineer_id=next_id,
                    engineer_name=f"Ingénieur hypothétique {-next_id}",
                    course_code=course_code,
                    passed_on=on,
                    expires_on=WHAT_IF_EXPIRES_ON,
                )
            )
            next_id -= 1
    return PartnerSnapshot(
        partner_id=snapshot.partner_id,
        declared_revenue_12m_eur=snapshot.declared_revenue_12m_eur,
        revenue_entries=entries,
        certifications=tuple(certifications),
        approvals=snapshot.approvals,
    )


def what_if(
    snapshot: PartnerSnapshot, tiers: Sequence[Tier], on: date, scenario: WhatIf
) -> Evaluation:
    """Evaluate as if the scenario's sales and certifications happened on ``on``."""
    return evaluate(what_if_snapshot(snapshot, on, scenario), tiers, on)


# ---------------------------------------------------------------------------
# Tier at risk
# ---------------------------------------------------------------------------


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
    approval_tiers = {t.code for t in tiers if _needs_approval(t)}
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
                f"Les certifications {course} de {_join_fr(names)} expirent le "
                f"{format_date_fr(last_day)}"
            )
            en = (
                f"The {course_en} certifications of {_join_en(names)} expire on "
                f"{format_date_en(last_day)}"
            )
        actual, needed = int(cause.actual), int(cause.required)
        detail_fr = (
            f"{actual} {_plural_fr(actual, 'ingénieur certifié', 'ingénieurs certifiés')} "
            f"sur {needed} requis"
        )
        detail_en = (
            f"{actual} of {needed} certified {_plural_en(needed, 'engineer', 'engineers')} required"
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
    ordered = tuple(plan.tier for plan in _programme(tiers))
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
                "fr": _colon_fr(cause_fr, consequence_fr + "."),
                "en": f"{cause_en}: {consequence_en}.",
            },
            cause_tier_code=cause_tier.code,
            cause=cause,
        )
    return None
