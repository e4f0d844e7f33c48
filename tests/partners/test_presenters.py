"""What the programme pages show, built from the engine's verdicts and the stored snapshots."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from partners import eligibility as engine
from partners.models import Certification, Tier
from partners.presenters import Labels, certification_state, revenue_target
from partners.presenters.hp import iso_date, partners_per_tier, snapshot_comparison

ON = date(2026, 11, 26)
SELL = engine.Tier(
    code="sell",
    name="Sell",
    rank=1,
    requires_approval=False,
    requirements=(engine.Requirement(kind="min_revenue", amount_eur=Decimal("10000.00")),),
)
DELIVER = engine.Tier(
    code="deliver",
    name="Deliver",
    rank=2,
    requires_approval=False,
    requirements=(engine.Requirement(kind="min_revenue", amount_eur=Decimal("50000.00")),),
)


def test_revenue_is_measured_against_the_next_tiers_threshold():
    assert revenue_target((SELL, DELIVER), current_rank=0) == ("sell", Decimal("10000.00"), True)
    assert revenue_target((SELL, DELIVER), current_rank=1) == (
        "deliver",
        Decimal("50000.00"),
        True,
    )


def test_at_the_top_revenue_is_measured_against_the_threshold_to_keep():
    assert revenue_target((SELL, DELIVER), current_rank=2) == (
        "deliver",
        Decimal("50000.00"),
        False,
    )
    assert revenue_target((), current_rank=0) is None


def test_a_tier_without_a_revenue_criterion_has_no_threshold_to_keep():
    # Issue 15: a partner above every tier with a revenue criterion keeps no threshold of
    # a lower tier (a Deliver partner read "Seuil à maintenir pour le niveau Sell").
    assert revenue_target((SELL, DELIVER), current_rank=3) is None
    expert = engine.Tier(code="expert", name="Expert", rank=3, requires_approval=True)
    assert revenue_target((SELL, expert), current_rank=2) is None
    assert revenue_target((SELL, expert), current_rank=1) == ("sell", Decimal("10000.00"), False)


def test_a_certification_reads_expiring_within_90_days_and_expired_the_day_after_its_end():
    def state(expires_on: date) -> str:
        return certification_state(
            Certification(passed_on=date(2025, 1, 1), expires_on=expires_on), ON
        )

    assert state(date(2027, 2, 25)) == "valid"
    assert state(date(2027, 2, 24)) == "expiring"
    assert state(ON) == "expiring"
    assert state(date(2026, 11, 25)) == "expired"


def test_the_overview_lists_partners_without_a_tier_first_with_bars_scaled_to_the_largest():
    tiers = [
        Tier(pk=1, code="registered", name="Enregistré", rank=0),
        Tier(pk=2, code="sell", name="Sell", rank=1),
    ]
    rows = partners_per_tier(tiers, {None: 2, 1: 8, 2: 4})
    assert [(r["code"], r["count"], r["width"]) for r in rows] == [
        ("none", 2, 25),
        ("registered", 8, 100),
        ("sell", 4, 50),
    ]
    assert partners_per_tier(tiers, {})[0]["width"] == 0


def test_a_criterion_gone_since_the_submission_is_shown_as_changed():
    live = engine.evaluate(
        engine.PartnerSnapshot(partner_id=1, declared_revenue_12m_eur=Decimal("12000")),
        (SELL,),
        ON,
    )
    stored = {
        "tiers": [
            {
                "code": "sell",
                "eligible": False,
                "criteria": [
                    {
                        "code": "min_revenue",
                        "kind": "min_revenue",
                        "met": False,
                        "actual": "9000.00",
                        "required": "10000.00",
                        "messages": {"fr": "Il manque 1 000 €."},
                    },
                    {
                        "code": "course:PL-ASE",
                        "kind": "course",
                        "met": True,
                        "actual": "2",
                        "required": "2",
                        "message": "Condition remplie.",
                    },
                ],
            }
        ]
    }
    labels = Labels(tiers=[], courses=[])

    [block] = snapshot_comparison(labels, stored, live, tier_rank=1)

    assert (block["eligible_then"], block["eligible_now"], block["changes"]) == (False, True, 2)
    revenue, gone = block["rows"]
    assert (revenue["then"]["met"], revenue["now"]["met"], revenue["changed"]) == (
        False,
        True,
        True,
    )
    assert revenue["then"]["message"] == "Il manque 1 000 €."
    assert (gone["now"], gone["changed"], gone["then"]["message"]) == (
        None,
        True,
        "Condition remplie.",
    )


def test_an_unreadable_snapshot_date_reads_as_no_date():
    assert iso_date("2026-11-20") == date(2026, 11, 20)
    assert iso_date("20/11/2026") is None
    assert iso_date(None) is None
