"""What the engine answers: criteria, tiers, the whole evaluation and a tier-at-risk finding.

Every message comes in French and English (``messages``); ``message(lang)`` picks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple


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
