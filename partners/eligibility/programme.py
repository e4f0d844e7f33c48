"""The compiled programme: tiers validated, ordered and their display strings built once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING
from typing import Final

from partners.eligibility.inputs import (
    KIND_APPROVAL,
    KIND_COURSE,
    KIND_MIN_REVENUE,
    KIND_PREVIOUS_TIER,
    Requirement,
    Tier,
    TierConfigurationError,
)
from partners.eligibility.text import cents, format_eur_en, format_eur_fr


@dataclass(frozen=True, slots=True)
class Rule:
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
class TierPlan:
    tier: Tier
    rules: tuple[Rule, ...]  # approval rows excluded: folded into one approval criterion
    needs_approval: bool
    memo: dict[object, tuple[str, str]] = field(default_factory=dict)


def needs_approval(tier: Tier) -> bool:
    return tier.requires_approval or any(r.kind == KIND_APPROVAL for r in tier.requirements)


def compile_programme(tiers: Sequence[Tier]) -> tuple[TierPlan, ...]:
    """Tiers sorted by rank and compiled, after checking they form a consistent programme."""
    ordered = sorted(tiers, key=lambda tier: tier.rank)
    names: dict[str, str] = {}
    names_en: dict[str, str] = {}
    previous_rank: int | None = None
    plans: list[TierPlan] = []
    for tier in ordered:
        if tier.code in names:
            raise TierConfigurationError(f"tier code {tier.code!r} appears twice")
        if tier.rank == previous_rank:
            raise TierConfigurationError(f"two tiers share rank {tier.rank}")
        previous_rank = tier.rank
        codes: set[str] = set()
        rules: list[Rule] = []
        for requirement in tier.requirements:
            code = requirement.code
            if code in codes:
                raise TierConfigurationError(f"tier {tier.code!r} has two {code!r} requirements")
            codes.add(code)
            if requirement.kind == KIND_MIN_REVENUE:
                assert requirement.amount_eur is not None  # Requirement.__post_init__
                # Shown rounded up, like a gap: a threshold is never displayed as lower.
                threshold = cents(requirement.amount_eur, ROUND_CEILING)
                rule = Rule(
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
                rule = Rule(
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
                rule = Rule(
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
        plans.append(TierPlan(tier, tuple(rules), needs_approval(tier)))
    return tuple(plans)


# Compiled programmes keyed by the identity of the Tier objects passed in. Each entry
# keeps those objects alive, so their ids cannot be reused by other objects while
# cached; Tier is frozen, so the same objects always compile to the same plan. Callers
# that pass the same tiers to every evaluation of a sweep compile them once.
_PROGRAMMES: dict[tuple[int, ...], tuple[tuple[Tier, ...], tuple[TierPlan, ...]]] = {}
_PROGRAMME_CACHE_SIZE: Final = 32


def compiled_programme(tiers: Sequence[Tier]) -> tuple[TierPlan, ...]:
    given = tuple(tiers)
    key = tuple(map(id, given))
    cached = _PROGRAMMES.get(key)
    if cached is not None:
        return cached[1]
    plans = compile_programme(given)
    if len(_PROGRAMMES) >= _PROGRAMME_CACHE_SIZE:
        _PROGRAMMES.clear()  # atomic, unlike evicting one entry while other threads read
    _PROGRAMMES[key] = (given, plans)
    return plans
