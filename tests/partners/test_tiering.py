"""The pure tier-assignment rule: upgrade at once, downgrade after the grace period."""

from __future__ import annotations

from datetime import date

from partners.tiering import TierState, decide

TODAY = date(2026, 11, 26)


def state(code="deliver", rank=2, grace_until=None):
    return TierState(
        tier_code=code, tier_rank=rank, pending_tier_code=None, grace_until=grace_until
    )


def test_a_partner_meeting_a_higher_tier_is_upgraded_at_once():
    decision = decide(
        state("sell", 1), target_code="deliver", target_rank=2, today=TODAY, grace_days=90
    )
    assert (decision.action, decision.tier_code) == ("upgrade", "deliver")


def test_a_new_partner_gets_its_first_tier():
    decision = decide(
        state(None, None), target_code="registered", target_rank=0, today=TODAY, grace_days=90
    )
    assert (decision.action, decision.tier_code) == ("upgrade", "registered")


def test_meeting_the_same_tier_keeps_it():
    assert (
        decide(state(), target_code="deliver", target_rank=2, today=TODAY, grace_days=90).action
        == "keep"
    )


def test_falling_below_starts_a_90_day_grace_and_keeps_the_tier():
    decision = decide(state(), target_code="sell", target_rank=1, today=TODAY, grace_days=90)
    assert decision.action == "start_grace"
    assert decision.tier_code == "deliver"
    assert decision.pending_tier_code == "sell"
    assert decision.grace_until == date(2027, 2, 24)


def test_during_the_grace_the_tier_is_kept_without_reminder_until_30_days_left():
    decision = decide(
        state(grace_until=date(2027, 1, 1)),
        target_code="sell",
        target_rank=1,
        today=TODAY,
        grace_days=90,
    )
    assert decision.action == "in_grace"
    assert decision.reminder_days is None


def test_the_30_day_reminder_is_due_30_days_before_the_end():
    decision = decide(
        state(grace_until=date(2026, 12, 26)),
        target_code="sell",
        target_rank=1,
        today=TODAY,
        grace_days=90,
    )
    assert decision.reminder_days == 30


def test_the_7_day_reminder_is_due_7_days_before_the_end():
    decision = decide(
        state(grace_until=date(2026, 12, 3)),
        target_code="sell",
        target_rank=1,
        today=TODAY,
        grace_days=90,
    )
    assert decision.reminder_days == 7


def test_on_the_last_day_of_grace_the_partner_is_downgraded():
    decision = decide(
        state(grace_until=TODAY), target_code="sell", target_rank=1, today=TODAY, grace_days=90
    )
    assert (decision.action, decision.tier_code) == ("downgrade", "sell")


def test_meeting_the_tier_again_during_grace_cancels_the_downgrade():
    decision = decide(
        state(grace_until=date(2027, 1, 1)),
        target_code="deliver",
        target_rank=2,
        today=TODAY,
        grace_days=90,
    )
    assert decision.action == "cancel_grace"


def test_a_zero_day_grace_downgrades_at_once():
    decision = decide(state(), target_code="sell", target_rank=1, today=TODAY, grace_days=0)
    assert (decision.action, decision.tier_code) == ("downgrade", "sell")
