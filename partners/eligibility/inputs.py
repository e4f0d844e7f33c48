"""What the engine reads: the programme's tiers and one partner's snapshot, as plain values.

Selectors build these from the database; tests and the benchmark build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

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

    @property
    def revenue_threshold_eur(self) -> Decimal | None:
        """The tier's own revenue criterion, or None when it has none.

        Never inherited through its previous tier: Deliver, which needs Sell, has no
        threshold of its own. The one definition the scorecard, the programme page and
        the API read a tier's threshold from.
        """
        amounts = [
            r.amount_eur
            for r in self.requirements
            if r.kind == KIND_MIN_REVENUE and r.amount_eur is not None
        ]
        return max(amounts) if amounts else None


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


@dataclass(frozen=True, slots=True)
class WhatIf:
    extra_revenue_eur: Decimal = Decimal("0")
    extra_certifications: tuple[tuple[str, int], ...] = ()
