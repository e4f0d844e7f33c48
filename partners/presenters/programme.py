"""« Mon programme » (and HP's view of it), the team's certifications and the home panel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners import eligibility as engine
from partners import selectors
from partners.departments import label
from partners.models import (
    Accreditation,
    AvailabilityKind,
    Certification,
    Course,
    Engineer,
    Partner,
    Tier,
)
from partners.presenters.criteria import Labels, percent, tier_block
from servicone.access import AnyUser, membership_of
from servicone.presenters import active_language, format_eur

# Certifications expiring within this many days are highlighted (the engine's warning).
EXPIRY_WARNING_DAYS = engine.EXPIRY_WARNING_DAYS
# A tier-at-risk date this close is shown as urgent.
RISK_URGENT_DAYS = 30
# Applications still awaiting an outcome (a partner has at most one per tier).
OPEN_STATUSES = (Accreditation.Status.DRAFT, Accreditation.Status.SUBMITTED)


# --- Certifications --------------------------------------------------------------------------


def certification_state(cert: Certification, on: date) -> str:
    """``expired``, ``expiring`` (within the warning period) or ``valid`` on ``on``."""
    if cert.expires_on < on:
        return "expired"
    if (cert.expires_on - on).days <= EXPIRY_WARNING_DAYS:
        return "expiring"
    return "valid"


@dataclass(frozen=True)
class CertificationRow:
    """A certification as the tables show it, with its state and the days it has left."""

    engineer: Engineer
    course: Course
    passed_on: date
    expires_on: date
    state: str
    days_left: int


def certification_rows(certs: Iterable[Certification], on: date) -> list[CertificationRow]:
    return [
        CertificationRow(
            engineer=cert.engineer,
            course=cert.course,
            passed_on=cert.passed_on,
            expires_on=cert.expires_on,
            state=certification_state(cert, on),
            days_left=(cert.expires_on - on).days,
        )
        for cert in certs
    ]


def _most_urgent_first(row: CertificationRow) -> tuple[int, int]:
    # Expiring soon, then valid, then the expired ones, latest first.
    order = {"expiring": 0, "valid": 1, "expired": 2}[row.state]
    return order, row.expires_on.toordinal() * (-1 if row.state == "expired" else 1)


@dataclass(frozen=True)
class EngineerRow:
    name: str
    email: str
    certs: list[CertificationRow]
    department: str = ""  # "59 — Nord"
    availability: str = ""  # the current or next absence / on-call period


def availability_text(engineer: Engineer) -> str:
    """``away_*`` of ``selectors.team_engineers``, said: « Absent du … au … »."""
    annotated: Any = engineer  # the annotations are not model fields
    kind = getattr(annotated, "away_kind", None)
    if not kind:
        return ""
    dates = {
        "start": date_format(localtime(annotated.away_from), "SHORT_DATETIME_FORMAT"),
        "end": date_format(localtime(annotated.away_until), "SHORT_DATETIME_FORMAT"),
    }
    if kind == AvailabilityKind.ABSENCE:
        return _("Absent du %(start)s au %(end)s") % dates
    return _("D'astreinte du %(start)s au %(end)s") % dates


def team_rows(engineers: Iterable[Engineer], on: date) -> list[EngineerRow]:
    """The team page's engineers, each with their certifications (prefetched)."""
    return [
        EngineerRow(
            name=engineer.name,
            email=engineer.email,
            certs=certification_rows(engineer.certifications.all(), on),
            department=label(engineer.home_department) if engineer.home_department else "",
            availability=availability_text(engineer),
        )
        for engineer in engineers
    ]


# --- Revenue, risk and what-if ---------------------------------------------------------------


def revenue_target(
    specs: Iterable[engine.Tier], current_rank: int
) -> tuple[str, Decimal, bool] | None:
    """(tier code, threshold, is_next) the revenue is measured against.

    The first tier above the current one with a revenue criterion of its own; failing
    that, the current tier's own criterion (the threshold to keep). A tier without one
    (Deliver, Expert) has no threshold: a lower tier's is not the partner's to keep.
    """
    tiers = sorted(specs, key=lambda tier: tier.rank)
    for tier in tiers:
        threshold = tier.revenue_threshold_eur
        if tier.rank > current_rank and threshold is not None:
            return tier.code, threshold, True
    for tier in tiers:
        threshold = tier.revenue_threshold_eur
        if tier.rank == current_rank and threshold is not None:
            return tier.code, threshold, False
    return None


def revenue_view(
    labels: Labels, specs: Iterable[engine.Tier], revenue: Decimal, current_rank: int
) -> dict[str, Any]:
    """The revenue card: the amount, and the threshold it is measured against with the gap."""
    view: dict[str, Any] = {"amount": format_eur(revenue)}
    target = revenue_target(specs, current_rank)
    if target is not None:
        code, threshold, is_next = target
        gap = max(threshold - revenue, Decimal("0"))
        view.update(
            {
                "tier": labels.tier(code),
                "threshold": format_eur(threshold),
                "is_next": is_next,
                "gap": format_eur(gap) if gap else "",
                "percent": percent(float(revenue / threshold) if threshold else 1.0),
            }
        )
    return view


def tier_risk(
    snapshot: engine.PartnerSnapshot, specs: tuple[engine.Tier, ...], on: date, current: Tier | None
) -> dict[str, Any] | None:
    """The tier-at-risk banner: the first date the current tier would be lost, and why."""
    if current is None or current.code not in {spec.code for spec in specs}:
        return None
    found = engine.tier_at_risk(snapshot, specs, on, current.code)
    if found is None:
        return None
    days = (found.at_risk_on - on).days
    return {
        "on": found.at_risk_on,
        "days": days,
        "message": found.message(active_language()),
        "reason": found.reason,
        "urgent": days <= RISK_URGENT_DAYS,
    }


def scenario_text(labels: Labels, scenario: engine.WhatIf) -> str:
    """« 3 200,00 € de chiffre d'affaires services en plus ; 1 ingénieur certifié … »."""
    parts = []
    if scenario.extra_revenue_eur:
        parts.append(
            _("%(amount)s de chiffre d'affaires services en plus")
            % {"amount": format_eur(scenario.extra_revenue_eur)}
        )
    for code, count in scenario.extra_certifications:
        parts.append(
            ngettext(
                "%(n)s ingénieur certifié %(course)s en plus",
                "%(n)s ingénieurs certifiés %(course)s en plus",
                count,
            )
            % {"n": count, "course": labels.course(code)}
        )
    # French puts a space before the semicolon.
    return (" ; " if active_language() == "fr" else "; ").join(parts)


def what_if_view(
    labels: Labels,
    snapshot: engine.PartnerSnapshot,
    specs: tuple[engine.Tier, ...],
    on: date,
    scenario: engine.WhatIf,
    current_rank: int,
) -> dict[str, Any]:
    """Which tier the scenario reaches, and every higher tier's criteria under it."""
    projected = engine.what_if(snapshot, specs, on, scenario)
    reached = projected.highest_eligible
    reached_rank = reached.rank if reached else -1
    approvable = [
        t
        for t in projected.tiers
        if t.rank > reached_rank and t.requires_approval and t.eligible_but_approval
    ]
    return {
        "revenue": format_eur(projected.revenue_12m_eur),
        "scenario": scenario_text(labels, scenario),
        "reached": labels.tier(reached.code) if reached else None,
        "moves_up": reached_rank > current_rank,
        "approvable": labels.tier(approvable[0].code) if approvable else None,
        "tiers": [tier_block(labels, t) for t in projected.tiers if t.rank > current_rank],
    }


# --- The page --------------------------------------------------------------------------------


def programme_page(
    partner: Partner, *, labels: Labels, may_apply: bool, scenario: engine.WhatIf | None
) -> dict[str, Any]:
    """« Mon programme » of ``partner``: tier, gaps to the higher tiers, risk, certifications.

    ``may_apply``: the reader may apply for an accreditation; ``scenario``: the what-if
    the reader asked for, if any. A fixed number of queries whatever the partner holds.
    """
    on = selectors.today()
    specs = selectors.tier_specs()
    snapshot = selectors.snapshot_for(partner, on=on)
    evaluation = engine.evaluate(snapshot, specs, on)

    current = partner.tier
    current_rank = current.rank if current else -1
    spec_codes = {spec.code for spec in specs}

    current_block = None
    if current is not None and current.code in spec_codes:
        current_block = tier_block(labels, evaluation.tier(current.code))
    grace = None
    if partner.grace_until:
        grace = {
            "until": partner.grace_until,
            "days": (partner.grace_until - on).days,
            "pending": partner.pending_tier.display_name if partner.pending_tier else "—",
            "unmet": [c for c in current_block["criteria"] if not c["met"]]
            if current_block
            else [],
        }

    accreditations = list(selectors.partner_accreditations(partner.pk))
    latest_by_tier: dict[str, Accreditation] = {}
    for application in accreditations:
        latest_by_tier.setdefault(application.tier.code, application)

    higher = []
    for result in evaluation.tiers:
        if result.rank <= current_rank:
            continue
        block = tier_block(labels, result)
        latest = latest_by_tier.get(result.code)
        block["application"] = latest
        is_open = latest is not None and latest.status in OPEN_STATUSES
        block["can_apply"] = may_apply and block["status"] == "approval" and not is_open
        higher.append(block)

    what_if = None
    if scenario is not None:
        what_if = what_if_view(labels, snapshot, specs, on, scenario, current_rank)

    certifications = certification_rows(selectors.active_certifications(partner), on)
    certifications.sort(key=_most_urgent_first)

    return {
        "partner": partner,
        "today": on,
        "current_tier": current,
        "current_block": current_block,
        "revenue": revenue_view(labels, specs, evaluation.revenue_12m_eur, current_rank),
        "risk": tier_risk(snapshot, specs, on, current),
        "grace": grace,
        "higher_tiers": higher,
        "what_if": what_if,
        "certifications": certifications,
        "expiring_count": sum(1 for c in certifications if c.state == "expiring"),
        "open_applications": [a for a in accreditations if a.status in OPEN_STATUSES],
        "may_apply": may_apply,
        "warning_days": EXPIRY_WARNING_DAYS,
    }


def programme_summary(user: AnyUser) -> dict[str, Any] | None:
    """What the partner home panels show: tier, next tier and its gaps, a risk date."""
    membership = membership_of(user)
    if membership is None:
        return None
    partner = selectors.programme_partners().get(pk=membership.partner_id)
    on = selectors.today()
    specs = selectors.tier_specs()
    snapshot = selectors.snapshot_for(partner, on=on)
    evaluation = engine.evaluate(snapshot, specs, on)
    labels = Labels.load()
    current = partner.tier
    current_rank = current.rank if current else -1
    next_result = next((t for t in evaluation.tiers if t.rank > current_rank), None)
    return {
        "partner": partner,
        "tier": current.display_name if current else None,
        "tier_since": partner.tier_since,
        "revenue": format_eur(evaluation.revenue_12m_eur),
        "next": tier_block(labels, next_result) if next_result else None,
        "risk": tier_risk(snapshot, specs, on, current),
        "grace_until": partner.grace_until,
        "pending_tier": partner.pending_tier.display_name if partner.pending_tier else None,
    }
