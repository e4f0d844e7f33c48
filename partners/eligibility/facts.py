"""Facts: what holds for one partner on one date, computed once per evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from partners.eligibility.inputs import EXPIRY_WARNING_DAYS, REVENUE_WINDOW_DAYS, PartnerSnapshot


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
class Facts:
    on: date
    revenue: Decimal
    # course code -> engineer id -> (engineer name, latest expiry among valid certifications)
    engineers_by_course: dict[str, dict[int, tuple[str, date]]]
    # tier code -> latest valid_until among the partner's approvals, expired ones included
    approvals: dict[str, date]
    warn_until: date  # certifications expiring on or before this day are flagged


def facts_on(snapshot: PartnerSnapshot, on: date) -> Facts:
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
    return Facts(
        on=on,
        revenue=services_revenue_12m_eur(snapshot, on),
        engineers_by_course=engineers_by_course,
        approvals=approvals,
        warn_until=on + timedelta(days=EXPIRY_WARNING_DAYS),
    )
