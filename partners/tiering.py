"""Pure rule: given today's evaluation, what happens to a partner's tier.

Upgrades to an automatic tier happen at once. A partner that no longer meets
its tier keeps it through a grace period, then falls to the highest tier it
still meets; meeting its tier again during the grace cancels the downgrade.
Tiers that need HP approval are never granted here: the approval criterion is
met only by an approved accreditation, so the evaluation's highest eligible
tier already accounts for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# Reminders before the end of a grace period, in days (each sent once).
GRACE_REMINDER_DAYS = (30, 7)


@dataclass(frozen=True)
class TierState:
    tier_code: str | None
    tier_rank: int | None
    pending_tier_code: str | None
    grace_until: date | None


@dataclass(frozen=True)
class TierDecision:
    action: str  # "keep" | "upgrade" | "start_grace" | "in_grace" | "cancel_grace" | "downgrade"
    tier_code: str | None
    pending_tier_code: str | None = None
    grace_until: date | None = None
    reminder_days: int | None = None  # the reminder due today (30 or 7), if any

    @property
    def changes_tier(self) -> bool:
        return self.action in ("upgrade", "downgrade")


def decide(
    state: TierState,
    *,
    target_code: str | None,
    target_rank: int | None,
    today: date,
    grace_days: int,
) -> TierDecision:
    """The move for a partner whose highest eligible tier today is ``target``."""
    current_rank = state.tier_rank if state.tier_rank is not None else -1
    target_rank_value = target_rank if target_rank is not None else -1

    if target_rank_value > current_rank:
        return TierDecision("upgrade", target_code)
    if target_rank_value == current_rank:
        if state.grace_until is not None:
            return TierDecision("cancel_grace", state.tier_code)
        return TierDecision("keep", state.tier_code)

    # Below the current tier.
    if state.grace_until is None:
        if grace_days == 0:
            return TierDecision("downgrade", target_code)
        return TierDecision(
            "start_grace",
            state.tier_code,
            pending_tier_code=target_code,
            grace_until=today + timedelta(days=grace_days),
        )
    if today >= state.grace_until:
        return TierDecision("downgrade", target_code)
    days_left = (state.grace_until - today).days
    due = [d for d in GRACE_REMINDER_DAYS if days_left <= d]
    return TierDecision(
        "in_grace",
        state.tier_code,
        pending_tier_code=target_code,
        grace_until=state.grace_until,
        reminder_days=min(due) if due else None,
    )
