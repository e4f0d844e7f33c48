"""One criterion of a tier against the partner's facts, with its messages."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR

from partners.eligibility.facts import Facts
from partners.eligibility.inputs import (
    KIND_APPROVAL,
    KIND_COURSE,
    KIND_MIN_REVENUE,
    KIND_PREVIOUS_TIER,
)
from partners.eligibility.programme import Rule, TierPlan
from partners.eligibility.results import CriterionResult, ExpiringCertification
from partners.eligibility.text import (
    NBSP,
    cents,
    colon_fr,
    format_date_en,
    format_date_fr,
    french_digits,
    plural_en,
    plural_fr,
)


def revenue_criterion(rule: Rule, facts: Facts) -> CriterionResult:
    threshold = rule.requirement.amount_eur
    assert threshold is not None
    revenue = facts.revenue
    met = revenue >= threshold
    # Shown figures round against the partner (actual down, required and gap up) so a
    # sub-cent shortfall never reads "0.00 missing" or "10000.00 of 10000.00".
    actual = cents(revenue, ROUND_FLOOR)
    actual_en = f"{actual:,.2f}"
    actual_fr = french_digits(actual_en)
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
        gap = cents(threshold - revenue, ROUND_CEILING)
        missing = f"{gap:.2f}"
        gap_en = f"{gap:,.2f}"
        progress = max(0.0, float(revenue / threshold)) if threshold > 0 else 0.0
        fr = (
            f"Il manque {french_digits(gap_en)}{NBSP}€ de chiffre d'affaires services sur "
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


def course_messages(course: str, count: int, needed: int, course_en: str) -> tuple[str, str]:
    if count >= needed:
        certified_fr = plural_fr(count, "ingénieur certifié", "ingénieurs certifiés")
        return (
            colon_fr("Condition remplie", f"{count} {certified_fr} {course} ({needed} requis)."),
            f"Requirement met: {count} {plural_en(count, 'engineer', 'engineers')} "
            f"certified on {course_en} ({needed} required).",
        )
    gap = needed - count
    return (
        f"Il manque {gap} {plural_fr(gap, 'ingénieur certifié', 'ingénieurs certifiés')} "
        f"{course} ({count} sur {needed}).",
        f"{gap} more {plural_en(gap, 'engineer', 'engineers')} certified on {course_en} "
        f"needed ({count} of {needed}).",
    )


def _expiring_key(item: ExpiringCertification) -> tuple[date, str]:
    return item.expires_on, item.engineer_name


def course_criterion(rule: Rule, facts: Facts) -> CriterionResult:
    engineers = facts.engineers_by_course.get(rule.key)
    count = len(engineers) if engineers else 0
    needed = rule.requirement.min_engineers
    messages = rule.memo.get(count)
    if messages is None:
        messages = rule.memo.setdefault(
            count, course_messages(rule.label, count, needed, rule.label_en or rule.label)
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
            fr += " " + colon_fr(
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


def previous_tier_messages(name: str, met: bool, name_en: str) -> tuple[str, str]:
    if met:
        return (
            colon_fr("Prérequis rempli", f"éligible au niveau {name}."),
            f"Prerequisite met: eligible for the {name_en} tier.",
        )
    return (
        colon_fr("Prérequis non rempli", f"il faut d'abord être éligible au niveau {name}."),
        f"Prerequisite not met: the partner must first be eligible for the {name_en} tier.",
    )


def previous_tier_criterion(rule: Rule, met: bool) -> CriterionResult:
    messages = rule.memo.get(met)
    if messages is None:
        messages = rule.memo.setdefault(
            met, previous_tier_messages(rule.label, met, rule.label_en or rule.label)
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


def approval_messages(
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
        return colon_fr("Approbation HP requise", next_fr), f"HP approval required: {next_en}"
    return (
        colon_fr(
            f"L'approbation HP du niveau {tier_name} a expiré le {format_date_fr(expired_on)}",
            next_fr,
        ),
        f"HP approval of the {tier_name_en} tier expired on {format_date_en(expired_on)}: {next_en}",
    )


def approval_criterion(plan: TierPlan, facts: Facts, others_met: bool) -> CriterionResult:
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
                others_met, approval_messages(tier_name, None, others_met, tier_name_en)
            )
        messages = cached
    else:
        met, actual = False, "expired"
        messages = approval_messages(tier_name, valid_until, others_met, tier_name_en)
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
