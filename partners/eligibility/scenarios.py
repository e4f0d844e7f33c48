"""What-if: the evaluation as if more sales and certifications happened today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from partners.eligibility.evaluation import evaluate
from partners.eligibility.inputs import (
    WHAT_IF_EXPIRES_ON,
    Certification,
    PartnerSnapshot,
    RevenueEntry,
    Tier,
    WhatIf,
)
from partners.eligibility.results import Evaluation


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
