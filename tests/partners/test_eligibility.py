"""The eligibility engine, exercised as a partner and HP would read its verdicts.

The engine never reads the clock (the evaluation date is an argument), so these tests
need no database and no frozen time; one test checks that purity with time-machine.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from partners import eligibility
from partners.eligibility import (
    Approval,
    Certification,
    CriterionResult,
    Evaluation,
    ExpiringCertification,
    PartnerSnapshot,
    Requirement,
    RevenueEntry,
    Tier,
    TierConfigurationError,
    WhatIf,
    evaluate,
    format_date_en,
    format_date_fr,
    format_eur_en,
    format_eur_fr,
    revenue_window_start,
    services_revenue_12m_eur,
    tier_at_risk,
    unmet_prerequisites,
    what_if,
    what_if_snapshot,
)

NNBSP = "\u202f"
NBSP = "\u00a0"
ON = date(2026, 11, 26)

SERVICES = "HPE-SVC"
THREEPAR = "3PAR-ADV"

REGISTERED = Tier(code="registered", name="Registered", rank=0, requires_approval=False)
SELL = Tier(
    code="sell",
    name="Sell",
    rank=1,
    requires_approval=False,
    requirements=(Requirement(kind="min_revenue", amount_eur=Decimal("10000.00")),),
)
DELIVER = Tier(
    code="deliver",
    name="Deliver",
    rank=2,
    requires_approval=False,
    requirements=(
        Requirement(kind="previous_tier", tier_code="sell", tier_name="Sell"),
        Requirement(
            kind="course",
            course_code=SERVICES,
            course_name="HPE Services Delivery",
            product_line="Services",
            min_engineers=2,
        ),
    ),
)
EXPERT = Tier(
    code="expert",
    name="Expert",
    rank=3,
    requires_approval=True,
    requirements=(
        Requirement(kind="previous_tier", tier_code="deliver", tier_name="Deliver"),
        Requirement(
            kind="course",
            course_code=THREEPAR,
            course_name="3PAR StoreServ Advanced",
            product_line="Stockage 3PAR",
            min_engineers=2,
        ),
    ),
)
PROGRAMME = (REGISTERED, SELL, DELIVER, EXPERT)

ENGINEERS = {1: "Jean Dupont", 2: "Marie Curie", 3: "Paul Martin", 4: "Lucie Bernard"}


def cert(
    engineer_id: int,
    course_code: str = SERVICES,
    *,
    passed_on: date = date(2025, 1, 15),
    expires_on: date = date(2030, 1, 15),
) -> Certification:
    return Certification(
        engineer_id=engineer_id,
        engineer_name=ENGINEERS.get(engineer_id, f"Engineer {engineer_id}"),
        course_code=course_code,
        passed_on=passed_on,
        expires_on=expires_on,
    )


def snapshot(
    declared: str = "0",
    *,
    entries: tuple[RevenueEntry, ...] = (),
    certifications: tuple[Certification, ...] = (),
    approvals: tuple[Approval, ...] = (),
) -> PartnerSnapshot:
    return PartnerSnapshot(
        partner_id=42,
        declared_revenue_12m_eur=Decimal(declared),
        revenue_entries=entries,
        certifications=certifications,
        approvals=approvals,
    )


def expert_partner(**overrides: object) -> PartnerSnapshot:
    """A partner meeting every Expert criterion, approval included, until mid-2029."""
    values: dict[str, object] = {
        "declared": "15000",
        "certifications": (
            cert(1, SERVICES),
            cert(2, SERVICES),
            cert(1, THREEPAR),
            cert(3, THREEPAR),
        ),
        "approvals": (Approval(tier_code="expert", valid_until=date(2029, 6, 30)),),
    }
    values.update(overrides)
    return snapshot(**values)  # type: ignore[arg-type]


def criterion(evaluation: Evaluation, tier_code: str, code: str) -> CriterionResult:
    return next(c for c in evaluation.tier(tier_code).criteria if c.code == code)


# ---------------------------------------------------------------------------
# French and English formatting helpers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("3200", f"3{NNBSP}200,00{NBSP}€"),
        ("10000.00", f"10{NNBSP}000,00{NBSP}€"),
        ("1234567.891", f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        ("999.99", f"999,99{NBSP}€"),
        ("0", f"0,00{NBSP}€"),
        ("0.005", f"0,01{NBSP}€"),
        ("-3200.5", f"-3{NNBSP}200,50{NBSP}€"),
    ],
)
def test_french_amounts_use_narrow_no_break_space_thousands_and_decimal_comma(amount, expected):
    assert format_eur_fr(Decimal(amount)) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("3200", "3,200.00 EUR"), ("10000", "10,000.00 EUR"), ("0.5", "0.50 EUR")],
)
def test_english_amounts_read_thousands_comma_then_eur(amount, expected):
    assert format_eur_en(Decimal(amount)) == expected


def test_french_dates_read_day_month_year_and_english_dates_are_iso():
    assert format_date_fr(date(2027, 1, 31)) == "31/01/2027"
    assert format_date_fr(date(2027, 3, 5)) == "05/03/2027"
    assert format_date_en(date(2027, 1, 31)) == "2027-01-31"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_french_amount_reads_back_as_the_same_number_of_cents(amount):
    text = format_eur_fr(amount)
    assert text.endswith(f"{NBSP}€")
    assert " " not in text
    assert Decimal(text[:-2].replace(NNBSP, "").replace(",", ".")) == amount


# ---------------------------------------------------------------------------
# Revenue threshold (Sell)
# ---------------------------------------------------------------------------


def test_revenue_of_9999_99_misses_sell_by_one_cent():
    result = evaluate(snapshot("9999.99"), PROGRAMME, ON)

    revenue = criterion(result, "sell", "min_revenue")
    assert result.tier("sell").eligible is False
    assert (revenue.met, revenue.required, revenue.actual, revenue.missing) == (
        False,
        "10000.00",
        "9999.99",
        "0.01",
    )
    assert revenue.message("fr") == (
        f"Il manque 0,01{NBSP}€ de chiffre d'affaires services sur 12 mois glissants "
        f"(9{NNBSP}999,99{NBSP}€ sur 10{NNBSP}000,00{NBSP}€)."
    )
    assert revenue.message("en") == (
        "0.01 EUR more services revenue needed over the trailing 12 months "
        "(9,999.99 of 10,000.00 EUR)."
    )


def test_revenue_of_exactly_10000_00_makes_the_partner_eligible_to_sell():
    result = evaluate(snapshot("10000.00"), PROGRAMME, ON)

    revenue = criterion(result, "sell", "min_revenue")
    assert result.tier("sell").eligible is True
    assert (revenue.met, revenue.missing, revenue.progress) == (True, "0.00", 1.0)


def test_missing_revenue_is_spelled_out_in_french_and_english():
    revenue = criterion(evaluate(snapshot("6800"), PROGRAMME, ON), "sell", "min_revenue")

    assert (revenue.required, revenue.actual, revenue.missing) == ("10000.00", "6800.00", "3200.00")
    assert revenue.progress == pytest.approx(0.68)
    assert revenue.message("fr") == (
        f"Il manque 3{NNBSP}200,00{NBSP}€ de chiffre d'affaires services sur 12 mois glissants "
        f"(6{NNBSP}800,00{NBSP}€ sur 10{NNBSP}000,00{NBSP}€)."
    )
    assert revenue.message("en") == (
        "3,200.00 EUR more services revenue needed over the trailing 12 months "
        "(6,800.00 of 10,000.00 EUR)."
    )


def test_met_revenue_threshold_says_so_with_both_figures():
    revenue = criterion(evaluate(snapshot("12000"), PROGRAMME, ON), "sell", "min_revenue")

    assert revenue.message("fr") == (
        f"Seuil atteint{NBSP}: 12{NNBSP}000,00{NBSP}€ de chiffre d'affaires services "
        f"sur 12 mois glissants (10{NNBSP}000,00{NBSP}€ requis)."
    )
    assert revenue.message("en") == (
        "Threshold met: 12,000.00 EUR services revenue over the trailing 12 months "
        "(10,000.00 EUR required)."
    )


def test_declared_revenue_and_contract_sales_in_the_window_add_up():
    partner = snapshot(
        "4000",
        entries=(
            RevenueEntry(Decimal("3500.50"), ON - timedelta(days=200)),
            RevenueEntry(Decimal("2499.50"), ON),
        ),
    )

    result = evaluate(partner, PROGRAMME, ON)

    assert result.revenue_12m_eur == Decimal("10000.00")
    assert result.tier("sell").eligible is True


def test_sale_booked_on_day_365_of_the_window_still_counts():
    # Booked 364 days before the evaluation date: counting the booking day as day 1,
    # the evaluation date is day 365.
    partner = snapshot("5000", entries=(RevenueEntry(Decimal("5000"), ON - timedelta(days=364)),))

    result = evaluate(partner, PROGRAMME, ON)

    assert result.revenue_12m_eur == Decimal("10000")
    assert result.tier("sell").eligible is True


def test_sale_booked_on_day_366_no_longer_counts():
    partner = snapshot("5000", entries=(RevenueEntry(Decimal("5000"), ON - timedelta(days=365)),))

    result = evaluate(partner, PROGRAMME, ON)

    assert result.revenue_12m_eur == Decimal("5000")
    assert criterion(result, "sell", "min_revenue").missing == "5000.00"


def test_window_start_is_364_days_before_the_evaluation_date():
    assert revenue_window_start(ON) == date(2025, 11, 27)


def test_sale_booked_after_the_evaluation_date_does_not_count_yet():
    partner = snapshot("9000", entries=(RevenueEntry(Decimal("5000"), ON + timedelta(days=1)),))

    result = evaluate(partner, PROGRAMME, ON)

    assert result.revenue_12m_eur == Decimal("9000")
    assert result.tier("sell").eligible is False
    assert evaluate(partner, PROGRAMME, ON + timedelta(days=1)).tier("sell").eligible is True


def test_declared_revenue_never_rolls_out_of_the_window():
    partner = snapshot("10000")

    assert services_revenue_12m_eur(partner, date(2040, 1, 1)) == Decimal("10000")


def test_credit_note_reduces_revenue_below_the_threshold():
    partner = snapshot("10000", entries=(RevenueEntry(Decimal("-250.00"), ON - timedelta(days=3)),))

    revenue = criterion(evaluate(partner, PROGRAMME, ON), "sell", "min_revenue")

    assert (revenue.met, revenue.actual, revenue.missing) == (False, "9750.00", "250.00")


def test_sub_cent_shortfall_still_shows_one_cent_missing():
    revenue = criterion(evaluate(snapshot("9999.999"), PROGRAMME, ON), "sell", "min_revenue")

    assert (revenue.met, revenue.actual, revenue.missing) == (False, "9999.99", "0.01")


def test_negative_revenue_shows_an_empty_progress_bar():
    revenue = criterion(evaluate(snapshot("-500"), PROGRAMME, ON), "sell", "min_revenue")

    assert revenue.progress == 0.0
    assert revenue.missing == "10500.00"


def test_zero_revenue_threshold_is_always_met():
    free = Tier(
        code="free",
        name="Free",
        rank=1,
        requires_approval=False,
        requirements=(Requirement(kind="min_revenue", amount_eur=Decimal("0")),),
    )

    revenue = criterion(evaluate(snapshot("0"), [free], ON), "free", "min_revenue")

    assert (revenue.met, revenue.progress) == (True, 1.0)


# ---------------------------------------------------------------------------
# Certifications (Deliver, Expert)
# ---------------------------------------------------------------------------


def deliver_partner(*certifications: Certification) -> PartnerSnapshot:
    return snapshot("10000", certifications=certifications)


def test_certification_expiring_today_still_counts():
    partner = deliver_partner(cert(1), cert(2, expires_on=ON))

    result = evaluate(partner, PROGRAMME, ON)

    assert result.tier("deliver").eligible is True
    assert criterion(result, "deliver", f"course:{SERVICES}").actual == "2"


def test_certification_that_expired_yesterday_no_longer_counts():
    partner = deliver_partner(cert(1), cert(2, expires_on=ON - timedelta(days=1)))

    result = evaluate(partner, PROGRAMME, ON)

    assert result.tier("deliver").eligible is False
    assert criterion(result, "deliver", f"course:{SERVICES}").actual == "1"


def test_certification_passed_today_counts_but_one_passed_tomorrow_does_not():
    today = deliver_partner(cert(1), cert(2, passed_on=ON))
    tomorrow = deliver_partner(cert(1), cert(2, passed_on=ON + timedelta(days=1)))

    assert evaluate(today, PROGRAMME, ON).tier("deliver").eligible is True
    assert evaluate(tomorrow, PROGRAMME, ON).tier("deliver").eligible is False


def test_two_certifications_of_the_same_engineer_on_the_same_course_count_once():
    partner = deliver_partner(
        cert(1, passed_on=date(2024, 1, 1), expires_on=date(2027, 1, 1)),
        cert(1, passed_on=date(2026, 6, 1), expires_on=date(2029, 6, 1)),
    )

    course = criterion(evaluate(partner, PROGRAMME, ON), "deliver", f"course:{SERVICES}")

    assert (course.met, course.actual, course.missing) == (False, "1", "1")


def test_certification_on_another_course_does_not_count():
    partner = deliver_partner(cert(1), cert(2, THREEPAR))

    course = criterion(evaluate(partner, PROGRAMME, ON), "deliver", f"course:{SERVICES}")

    assert course.actual == "1"


def test_one_missing_engineer_is_spelled_out_in_the_singular():
    partner = expert_partner(certifications=(cert(1), cert(2), cert(1, THREEPAR)))

    course = criterion(evaluate(partner, PROGRAMME, ON), "expert", f"course:{THREEPAR}")

    assert (course.required, course.actual, course.missing, course.progress) == ("2", "1", "1", 0.5)
    assert (
        course.message("fr") == "Il manque 1 ingénieur certifié 3PAR StoreServ Advanced (1 sur 2)."
    )
    assert course.message("en") == (
        "1 more engineer certified on 3PAR StoreServ Advanced needed (1 of 2)."
    )


def test_two_missing_engineers_are_spelled_out_in_the_plural():
    partner = expert_partner(certifications=(cert(1), cert(2)))

    course = criterion(evaluate(partner, PROGRAMME, ON), "expert", f"course:{THREEPAR}")

    assert course.message("fr") == (
        "Il manque 2 ingénieurs certifiés 3PAR StoreServ Advanced (0 sur 2)."
    )
    assert course.message("en") == (
        "2 more engineers certified on 3PAR StoreServ Advanced needed (0 of 2)."
    )


def test_met_course_requirement_says_how_many_engineers_hold_it():
    partner = deliver_partner(cert(1), cert(2), cert(3))

    course = criterion(evaluate(partner, PROGRAMME, ON), "deliver", f"course:{SERVICES}")

    assert (course.met, course.actual, course.missing, course.progress) == (True, "3", "0", 1.0)
    assert course.message("fr") == (
        f"Condition remplie{NBSP}: 3 ingénieurs certifiés HPE Services Delivery (2 requis)."
    )
    assert course.message("en") == (
        "Requirement met: 3 engineers certified on HPE Services Delivery (2 required)."
    )


def test_met_single_engineer_requirement_reads_in_the_singular():
    solo = Tier(
        code="solo",
        name="Solo",
        rank=1,
        requires_approval=False,
        requirements=(Requirement(kind="course", course_code=SERVICES, course_name="Svc"),),
    )

    course = criterion(evaluate(deliver_partner(cert(1)), [solo], ON), "solo", f"course:{SERVICES}")

    assert course.message("fr") == f"Condition remplie{NBSP}: 1 ingénieur certifié Svc (1 requis)."
    assert course.message("en") == "Requirement met: 1 engineer certified on Svc (1 required)."


def test_course_without_display_name_is_named_by_its_code():
    bare = Tier(
        code="bare",
        name="Bare",
        rank=1,
        requires_approval=False,
        requirements=(Requirement(kind="course", course_code="X-101", min_engineers=1),),
    )

    course = criterion(evaluate(snapshot(), [bare], ON), "bare", "course:X-101")

    assert course.message("fr") == "Il manque 1 ingénieur certifié X-101 (0 sur 1)."


def test_certifications_expiring_within_90_days_are_flagged_for_renewal():
    partner = deliver_partner(
        cert(1, expires_on=ON + timedelta(days=90)),
        cert(2, expires_on=ON + timedelta(days=91)),
        cert(3, expires_on=ON),
    )

    course = criterion(evaluate(partner, PROGRAMME, ON), "deliver", f"course:{SERVICES}")

    assert course.expiring == (
        ExpiringCertification("Paul Martin", ON),
        ExpiringCertification("Jean Dupont", date(2027, 2, 24)),
    )
    assert course.message("fr").endswith(
        f" À renouveler avant expiration{NBSP}: Paul Martin (26/11/2026), Jean Dupont (24/02/2027)."
    )
    assert course.message("en").endswith(
        " Renew before expiry: Paul Martin (2026-11-26), Jean Dupont (2027-02-24)."
    )


def test_engineer_who_renewed_early_is_not_flagged_as_expiring():
    partner = deliver_partner(
        cert(1, expires_on=ON + timedelta(days=10)),
        cert(1, passed_on=ON - timedelta(days=5), expires_on=ON + timedelta(days=1000)),
        cert(2),
    )

    course = criterion(evaluate(partner, PROGRAMME, ON), "deliver", f"course:{SERVICES}")

    assert course.expiring == ()
    assert "renouveler" not in course.message("fr")


def test_expiring_certification_unpacks_as_name_and_date():
    partner = deliver_partner(cert(1, expires_on=ON + timedelta(days=3)))

    [(name, expires_on)] = criterion(
        evaluate(partner, PROGRAMME, ON), "deliver", f"course:{SERVICES}"
    ).expiring

    assert (name, expires_on) == ("Jean Dupont", ON + timedelta(days=3))


# ---------------------------------------------------------------------------
# Previous tier chains
# ---------------------------------------------------------------------------


def test_expert_fails_when_deliver_fails_with_a_message_naming_deliver():
    partner = expert_partner(certifications=(cert(1), cert(1, THREEPAR), cert(3, THREEPAR)))

    result = evaluate(partner, PROGRAMME, ON)

    assert result.tier("deliver").eligible is False
    expert = result.tier("expert")
    assert expert.eligible is False
    previous = criterion(result, "expert", "previous_tier:deliver")
    assert (previous.met, previous.required, previous.actual, previous.missing) == (
        False,
        "deliver",
        "not_eligible",
        "deliver",
    )
    assert previous.message("fr") == (
        f"Prérequis non rempli{NBSP}: il faut d'abord être éligible au niveau Deliver."
    )
    assert previous.message("en") == (
        "Prerequisite not met: the partner must first be eligible for the Deliver tier."
    )


def test_missing_revenue_cascades_from_sell_up_to_expert():
    result = evaluate(expert_partner(declared="9999.99"), PROGRAMME, ON)

    assert [(t.code, t.eligible) for t in result.tiers] == [
        ("registered", True),
        ("sell", False),
        ("deliver", False),
        ("expert", False),
    ]
    assert criterion(result, "deliver", "previous_tier:sell").met is False
    assert criterion(result, "expert", "previous_tier:deliver").met is False
    assert criterion(result, "expert", f"course:{THREEPAR}").met is True


def test_met_previous_tier_says_the_partner_is_eligible_for_it():
    previous = criterion(
        evaluate(expert_partner(), PROGRAMME, ON), "expert", "previous_tier:deliver"
    )

    assert (previous.met, previous.actual, previous.missing, previous.progress) == (
        True,
        "eligible",
        "",
        1.0,
    )
    assert previous.message("fr") == f"Prérequis rempli{NBSP}: éligible au niveau Deliver."
    assert previous.message("en") == "Prerequisite met: eligible for the Deliver tier."


def test_previous_tier_without_display_name_uses_the_tier_name():
    gold = Tier(
        code="gold",
        name="Gold",
        rank=4,
        requires_approval=False,
        requirements=(Requirement(kind="previous_tier", tier_code="deliver"),),
    )

    result = evaluate(snapshot(), [*PROGRAMME, gold], ON)

    assert "niveau Deliver" in criterion(result, "gold", "previous_tier:deliver").message("fr")


# ---------------------------------------------------------------------------
# HP approval
# ---------------------------------------------------------------------------


def test_approved_expert_with_every_prerequisite_is_eligible():
    result = evaluate(expert_partner(), PROGRAMME, ON)

    expert = result.tier("expert")
    approval = criterion(result, "expert", "approval")
    assert (expert.eligible, expert.eligible_but_approval, expert.requires_approval) == (
        True,
        True,
        True,
    )
    assert (approval.met, approval.required, approval.actual, approval.missing) == (
        True,
        "approved",
        "approved",
        "",
    )
    assert approval.message("fr") == "Approuvé par HP jusqu'au 30/06/2029."
    assert approval.message("en") == "Approved by HP until 2029-06-30."


def test_approval_valid_until_today_still_counts():
    partner = expert_partner(approvals=(Approval("expert", ON),))

    assert evaluate(partner, PROGRAMME, ON).tier("expert").eligible is True


def test_expert_without_approval_is_eligible_but_for_approval_and_invited_to_apply():
    result = evaluate(expert_partner(approvals=()), PROGRAMME, ON)

    expert = result.tier("expert")
    approval = criterion(result, "expert", "approval")
    assert (expert.eligible, expert.eligible_but_approval) == (False, True)
    assert (approval.met, approval.actual, approval.missing, approval.progress) == (
        False,
        "not_approved",
        "approval",
        0.0,
    )
    assert approval.message("fr") == (
        f"Approbation HP requise{NBSP}: déposez une demande d'accréditation pour le niveau Expert."
    )
    assert approval.message("en") == (
        "HP approval required: submit an accreditation application for the Expert tier."
    )
    assert unmet_prerequisites(expert) == ()


def test_approval_that_expired_yesterday_no_longer_counts_and_asks_for_a_new_application():
    partner = expert_partner(approvals=(Approval("expert", ON - timedelta(days=1)),))

    result = evaluate(partner, PROGRAMME, ON)

    approval = criterion(result, "expert", "approval")
    assert result.tier("expert").eligible is False
    assert result.tier("expert").eligible_but_approval is True
    assert approval.actual == "expired"
    assert approval.message("fr") == (
        f"L'approbation HP du niveau Expert a expiré le 25/11/2026{NBSP}: "
        "déposez une nouvelle demande d'accréditation pour le niveau Expert."
    )
    assert approval.message("en") == (
        "HP approval of the Expert tier expired on 2026-11-25: "
        "submit a new accreditation application for the Expert tier."
    )


def test_expired_approval_with_unmet_prerequisites_waits_for_them():
    partner = expert_partner(
        certifications=(cert(1), cert(2)), approvals=(Approval("expert", date(2026, 1, 31)),)
    )

    approval = criterion(evaluate(partner, PROGRAMME, ON), "expert", "approval")

    assert approval.message("fr") == (
        f"L'approbation HP du niveau Expert a expiré le 31/01/2026{NBSP}: une nouvelle "
        "demande d'accréditation pour le niveau Expert sera possible une fois les autres "
        "critères remplis."
    )
    assert approval.message("en") == (
        "HP approval of the Expert tier expired on 2026-01-31: a new accreditation "
        "application for the Expert tier can be submitted once the other criteria are met."
    )


def test_latest_of_several_approvals_is_the_one_that_counts():
    partner = expert_partner(
        approvals=(Approval("expert", ON - timedelta(days=400)), Approval("expert", ON))
    )

    assert evaluate(partner, PROGRAMME, ON).tier("expert").eligible is True


def test_approval_for_another_tier_does_not_count():
    partner = expert_partner(approvals=(Approval("deliver", date(2030, 1, 1)),))

    assert evaluate(partner, PROGRAMME, ON).tier("expert").eligible is False


def test_approval_alone_does_not_make_a_partner_expert_and_application_must_wait():
    partner = expert_partner(certifications=(cert(1), cert(2), cert(1, THREEPAR)))

    result = evaluate(partner, PROGRAMME, ON)

    expert = result.tier("expert")
    assert (expert.eligible, expert.eligible_but_approval) == (False, False)
    assert criterion(result, "expert", "approval").met is True
    assert [c.code for c in unmet_prerequisites(expert)] == [f"course:{THREEPAR}"]


def test_unapproved_partner_missing_prerequisites_is_told_to_meet_them_first():
    partner = expert_partner(certifications=(cert(1), cert(2), cert(1, THREEPAR)), approvals=())

    result = evaluate(partner, PROGRAMME, ON)

    assert criterion(result, "expert", "approval").message("fr") == (
        f"Approbation HP requise{NBSP}: une demande d'accréditation pour le niveau Expert "
        "sera possible une fois les autres critères remplis."
    )
    assert criterion(result, "expert", "approval").message("en") == (
        "HP approval required: an accreditation application for the Expert tier "
        "can be submitted once the other criteria are met."
    )
    assert [c.code for c in unmet_prerequisites(result.tier("expert"))] == [f"course:{THREEPAR}"]


def test_approval_requirement_row_makes_a_tier_need_approval_once():
    specialist = Tier(
        code="specialist",
        name="Specialist",
        rank=1,
        requires_approval=False,
        requirements=(Requirement(kind="approval"),),
    )
    also_flagged = Tier(
        code="proactive",
        name="Proactive Select",
        rank=2,
        requires_approval=True,
        requirements=(Requirement(kind="approval"),),
    )

    result = evaluate(snapshot(), [specialist, also_flagged], ON)

    assert result.tier("specialist").requires_approval is True
    assert result.tier("specialist").eligible is False
    assert [c.code for c in result.tier("proactive").criteria] == ["approval"]


def test_tier_without_approval_is_eligible_but_for_approval_exactly_when_eligible():
    result = evaluate(snapshot("9000"), PROGRAMME, ON)

    sell = result.tier("sell")
    assert (sell.eligible, sell.eligible_but_approval, sell.requires_approval) == (
        False,
        False,
        False,
    )
    assert [c.code for c in sell.criteria] == ["min_revenue"]


def test_criterion_message_falls_back_to_french():
    approval = criterion(evaluate(expert_partner(), PROGRAMME, ON), "expert", "approval")

    assert approval.message() == approval.messages["fr"]
    assert approval.message("de") == approval.messages["fr"]
    assert approval.message("en-gb") == approval.messages["en"]
    assert approval.message("fr-FR") == approval.messages["fr"]


# ---------------------------------------------------------------------------
# The evaluation as a whole
# ---------------------------------------------------------------------------


def test_registered_tier_without_requirements_is_always_eligible():
    result = evaluate(snapshot("0"), PROGRAMME, ON)

    registered = result.tier("registered")
    assert (registered.eligible, registered.eligible_but_approval, registered.criteria) == (
        True,
        True,
        (),
    )


def test_tiers_come_back_in_rank_order_whatever_order_they_are_given_in():
    result = evaluate(expert_partner(), [EXPERT, SELL, REGISTERED, DELIVER], ON)

    assert [t.code for t in result.tiers] == ["registered", "sell", "deliver", "expert"]
    assert [t.rank for t in result.tiers] == [0, 1, 2, 3]
    assert result.partner_id == 42
    assert result.evaluated_on == ON


@pytest.mark.parametrize(
    ("partner", "highest", "following"),
    [
        (snapshot("0"), "registered", "sell"),
        (snapshot("10000"), "sell", "deliver"),
        (deliver_partner(cert(1), cert(2)), "deliver", "expert"),
        (expert_partner(approvals=()), "deliver", "expert"),
        (expert_partner(), "expert", None),
    ],
)
def test_highest_eligible_tier_and_next_tier_to_aim_for(partner, highest, following):
    result = evaluate(partner, PROGRAMME, ON)

    assert result.highest_eligible is not None
    assert result.highest_eligible.code == highest
    assert (result.next_tier.code if result.next_tier else None) == following


def test_partner_eligible_for_nothing_aims_for_the_first_tier():
    result = evaluate(snapshot("0"), [SELL, DELIVER], ON)

    assert result.highest_eligible is None
    assert result.next_tier is not None
    assert result.next_tier.code == "sell"


def test_asking_for_an_unknown_tier_raises_key_error():
    with pytest.raises(KeyError):
        evaluate(snapshot(), PROGRAMME, ON).tier("platinum")


def test_criterion_codes_are_stable_machine_codes():
    result = evaluate(expert_partner(), PROGRAMME, ON)

    assert [c.code for c in result.tier("expert").criteria] == [
        "previous_tier:deliver",
        f"course:{THREEPAR}",
        "approval",
    ]
    assert [c.kind for c in result.tier("expert").criteria] == [
        "previous_tier",
        "course",
        "approval",
    ]


def test_evaluation_does_not_depend_on_the_wall_clock():
    partner = expert_partner(entries=(RevenueEntry(Decimal("100"), ON - timedelta(days=10)),))

    with time_machine.travel(date(2020, 1, 1), tick=False):
        in_2020 = evaluate(partner, PROGRAMME, ON)
    with time_machine.travel(date(2031, 7, 14), tick=False):
        in_2031 = evaluate(partner, PROGRAMME, ON)

    assert in_2020 == in_2031


def test_edited_threshold_takes_effect_on_the_next_evaluation():
    raised = Tier(
        code="sell",
        name="Sell",
        rank=1,
        requires_approval=False,
        requirements=(Requirement(kind="min_revenue", amount_eur=Decimal("12000.00")),),
    )
    partner = snapshot("10000")

    before = evaluate(partner, PROGRAMME, ON)
    after = evaluate(partner, (REGISTERED, raised), ON)
    again = evaluate(partner, PROGRAMME, ON)

    assert before.tier("sell").eligible is True
    assert criterion(after, "sell", "min_revenue").missing == "2000.00"
    assert again == before


def test_renamed_course_shows_its_new_name_in_messages():
    renamed = Tier(
        code="deliver",
        name="Deliver",
        rank=2,
        requires_approval=False,
        requirements=(
            Requirement(kind="course", course_code=SERVICES, course_name="HPE Services v2"),
        ),
    )

    evaluate(deliver_partner(), PROGRAMME, ON)
    result = evaluate(deliver_partner(), (renamed,), ON)

    assert criterion(result, "deliver", f"course:{SERVICES}").message("fr") == (
        "Il manque 1 ingénieur certifié HPE Services v2 (0 sur 1)."
    )


@pytest.mark.parametrize(
    ("tiers", "complaint"),
    [
        ([SELL, SELL], "appears twice"),
        ([SELL, Tier("other", "Other", 1, False)], "share rank"),
        ([DELIVER], "not a lower-ranked tier"),
        (
            [SELL, Tier("low", "Low", 0, False, (Requirement("previous_tier", tier_code="sell"),))],
            "not a lower-ranked tier",
        ),
        (
            [
                Tier(
                    "twice",
                    "Twice",
                    1,
                    False,
                    (
                        Requirement("min_revenue", amount_eur=Decimal("1")),
                        Requirement("min_revenue", amount_eur=Decimal("2")),
                    ),
                )
            ],
            "two 'min_revenue'",
        ),
        (
            [Tier("odd", "Odd", 1, False, (Requirement("approval", tier_code="expert"),))],
            "names another tier",
        ),
    ],
)
def test_inconsistent_programme_is_refused_loudly(tiers, complaint):
    with pytest.raises(TierConfigurationError, match=complaint):
        evaluate(snapshot(), tiers, ON)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Requirement(kind="max_revenue"),
        lambda: Requirement(kind="min_revenue"),
        lambda: Requirement(kind="min_revenue", amount_eur=Decimal("-1")),
        lambda: Requirement(kind="min_revenue", amount_eur=10000.0),
        lambda: Requirement(kind="min_revenue", amount_eur=Decimal("NaN")),
        lambda: Requirement(kind="course"),
        lambda: Requirement(kind="course", course_code="X", min_engineers=0),
        lambda: Requirement(kind="previous_tier"),
    ],
)
def test_malformed_requirement_is_refused_when_built(build):
    with pytest.raises(TierConfigurationError):
        build()


# ---------------------------------------------------------------------------
# What-if
# ---------------------------------------------------------------------------


def test_what_if_selling_the_missing_revenue_makes_the_partner_a_seller():
    partner = snapshot("6800")

    result = what_if(partner, PROGRAMME, ON, WhatIf(extra_revenue_eur=Decimal("3200")))

    assert result.tier("sell").eligible is True
    assert result.highest_eligible is not None
    assert result.highest_eligible.code == "sell"
    assert result.revenue_12m_eur == Decimal("10000")
    assert evaluate(partner, PROGRAMME, ON).tier("sell").eligible is False


def test_what_if_one_cent_short_still_misses_sell():
    result = what_if(snapshot("6800"), PROGRAMME, ON, WhatIf(extra_revenue_eur=Decimal("3199.99")))

    assert criterion(result, "sell", "min_revenue").missing == "0.01"


def test_what_if_certifying_an_engineer_moves_a_seller_up_to_deliver():
    partner = deliver_partner(cert(1))

    result = what_if(partner, PROGRAMME, ON, WhatIf(extra_certifications=((SERVICES, 1),)))

    assert result.tier("deliver").eligible is True
    assert criterion(result, "deliver", f"course:{SERVICES}").actual == "2"
    assert criterion(result, "deliver", f"course:{SERVICES}").expiring == ()


def test_what_if_revenue_and_certifications_together_reach_expert_pending_approval():
    partner = snapshot("2000", certifications=(cert(1), cert(1, THREEPAR)))

    result = what_if(
        partner,
        PROGRAMME,
        ON,
        WhatIf(
            extra_revenue_eur=Decimal("8000"),
            extra_certifications=((SERVICES, 1), (THREEPAR, 1)),
        ),
    )

    expert = result.tier("expert")
    assert (expert.eligible, expert.eligible_but_approval) == (False, True)
    assert result.highest_eligible is not None
    assert result.highest_eligible.code == "deliver"


def test_what_if_extra_engineers_never_merge_with_real_ones():
    partner = deliver_partner(cert(-1), cert(7))

    hypothetical = what_if_snapshot(partner, ON, WhatIf(extra_certifications=((SERVICES, 2),)))

    ids = [c.engineer_id for c in hypothetical.certifications]
    assert ids == [-1, 7, -2, -3]
    assert all(c.passed_on == ON for c in hypothetical.certifications[2:])
    assert (
        criterion(evaluate(hypothetical, PROGRAMME, ON), "deliver", f"course:{SERVICES}").actual
        == "4"
    )


def test_empty_what_if_is_the_plain_evaluation():
    partner = expert_partner()

    assert what_if(partner, PROGRAMME, ON, WhatIf()) == evaluate(partner, PROGRAMME, ON)


@pytest.mark.parametrize(
    "scenario",
    [
        WhatIf(extra_revenue_eur=Decimal("-1")),
        WhatIf(extra_certifications=((SERVICES, -1),)),
    ],
)
def test_what_if_refuses_negative_quantities(scenario):
    with pytest.raises(ValueError, match="negative"):
        what_if(snapshot(), PROGRAMME, ON, scenario)


# ---------------------------------------------------------------------------
# Tier at risk
# ---------------------------------------------------------------------------


def test_deliver_is_at_risk_the_day_after_a_needed_certification_expires():
    partner = deliver_partner(cert(1), cert(2, expires_on=date(2027, 1, 31)))

    risk = tier_at_risk(partner, PROGRAMME, ON, "deliver")

    assert risk is not None
    assert risk.tier_code == "deliver"
    assert risk.at_risk_on == date(2027, 2, 1)
    assert risk.reason == "certification_expiry"
    assert risk.criterion.code == f"course:{SERVICES}"
    assert (risk.criterion.met, risk.criterion.actual, risk.criterion.missing) == (False, "1", "1")
    assert (risk.cause_tier_code, risk.cause) == ("deliver", risk.criterion)
    assert risk.message("fr") == (
        f"La certification HPE Services Delivery de Marie Curie expire le 31/01/2027{NBSP}: "
        "le niveau Deliver sera perdu le 01/02/2027 (1 ingénieur certifié sur 2 requis)."
    )
    assert risk.message("en") == (
        "The HPE Services Delivery certification of Marie Curie expires on 2027-01-31: "
        "the Deliver tier will be lost on 2027-02-01 (1 of 2 certified engineers required)."
    )


def test_two_engineers_expiring_the_same_day_are_both_named():
    partner = deliver_partner(
        cert(1, expires_on=date(2027, 1, 31)), cert(2, expires_on=date(2027, 1, 31))
    )

    risk = tier_at_risk(partner, PROGRAMME, ON, "deliver")

    assert risk is not None
    assert risk.message("fr") == (
        "Les certifications HPE Services Delivery de Jean Dupont et Marie Curie expirent "
        f"le 31/01/2027{NBSP}: le niveau Deliver sera perdu le 01/02/2027 "
        "(0 ingénieur certifié sur 2 requis)."
    )
    assert risk.message("en").startswith(
        "The HPE Services Delivery certifications of Jean Dupont and Marie Curie expire on "
        "2027-01-31:"
    )


def test_spare_certified_engineer_postpones_the_risk_to_the_second_expiry():
    partner = deliver_partner(
        cert(1, expires_on=date(2027, 1, 31)),
        cert(2, expires_on=date(2027, 5, 31)),
        cert(3),
    )

    risk = tier_at_risk(partner, PROGRAMME, ON, "deliver")

    assert risk is not None
    assert risk.at_risk_on == date(2027, 6, 1)
    assert "Marie Curie" in risk.message("fr")
    assert "Jean Dupont" not in risk.message("fr")


def test_renewed_certification_removes_the_risk():
    partner = deliver_partner(
        cert(1),
        cert(2, expires_on=date(2027, 1, 31)),
        cert(2, passed_on=date(2027, 1, 10), expires_on=date(2030, 1, 10)),
    )

    # The renewal is already on record (dated in the future): nothing new needs to happen.
    assert tier_at_risk(partner, PROGRAMME, ON, "deliver") is None


def test_sell_is_at_risk_when_a_sale_leaves_the_12_month_window():
    sale_day = date(2026, 3, 10)
    partner = snapshot(
        "6800",
        entries=(
            RevenueEntry(Decimal("2000"), sale_day),
            RevenueEntry(Decimal("1200"), sale_day),
            RevenueEntry(Decimal("500"), date(2026, 9, 1)),
        ),
    )

    risk = tier_at_risk(partner, PROGRAMME, ON, "sell")

    assert risk is not None
    assert risk.at_risk_on == date(2027, 3, 10)
    assert evaluate(partner, PROGRAMME, date(2027, 3, 9)).tier("sell").eligible is True
    assert risk.reason == "revenue_window"
    assert risk.criterion.code == "min_revenue"
    assert (risk.criterion.actual, risk.criterion.missing) == ("7300.00", "2700.00")
    assert risk.message("fr") == (
        f"Le chiffre d'affaires services réservé le 10/03/2026 (3{NNBSP}200,00{NBSP}€) "
        f"sortira des 12 mois glissants{NBSP}: le niveau Sell sera perdu le 10/03/2027 "
        f"(7{NNBSP}300,00{NBSP}€ sur 10{NNBSP}000,00{NBSP}€, il manquera 2{NNBSP}700,00{NBSP}€)."
    )
    assert risk.message("en") == (
        "Services revenue booked on 2026-03-10 (3,200.00 EUR) will leave the trailing 12 months: "
        "the Sell tier will be lost on 2027-03-10 (7,300.00 of 10,000.00 EUR, 2,700.00 EUR short)."
    )


def test_sale_leaving_the_window_is_harmless_when_revenue_stays_above_threshold():
    partner = snapshot("10000", entries=(RevenueEntry(Decimal("5000"), date(2026, 3, 10)),))

    assert tier_at_risk(partner, PROGRAMME, ON, "sell") is None


def test_expert_is_at_risk_when_its_approval_expires():
    partner = expert_partner(approvals=(Approval("expert", date(2027, 6, 30)),))

    risk = tier_at_risk(partner, PROGRAMME, ON, "expert")

    assert risk is not None
    assert (risk.at_risk_on, risk.reason, risk.criterion.code) == (
        date(2027, 7, 1),
        "approval_expiry",
        "approval",
    )
    assert risk.criterion.actual == "expired"
    assert risk.message("fr") == (
        f"L'approbation HP du niveau Expert expire le 30/06/2027{NBSP}: le niveau Expert sera "
        "perdu le 01/07/2027 (demande d'accréditation à renouveler)."
    )
    assert risk.message("en") == (
        "HP approval of the Expert tier expires on 2027-06-30: the Expert tier will be lost on "
        "2027-07-01 (the accreditation must be renewed)."
    )


def test_expert_is_at_risk_through_deliver_when_a_deliver_certification_expires():
    partner = expert_partner(
        certifications=(
            cert(1, SERVICES),
            cert(2, SERVICES, expires_on=date(2027, 4, 15)),
            cert(1, THREEPAR),
            cert(3, THREEPAR),
        )
    )

    risk = tier_at_risk(partner, PROGRAMME, ON, "expert")

    assert risk is not None
    assert risk.at_risk_on == date(2027, 4, 16)
    assert risk.criterion.code == "previous_tier:deliver"
    assert (risk.cause_tier_code, risk.cause.code) == ("deliver", f"course:{SERVICES}")
    assert risk.reason == "certification_expiry"
    assert risk.message("fr") == (
        f"La certification HPE Services Delivery de Marie Curie expire le 15/04/2027{NBSP}: "
        "le niveau Deliver sera perdu le 16/04/2027 (1 ingénieur certifié sur 2 requis), "
        "et avec lui le niveau Expert."
    )
    assert risk.message("en").endswith(", and with it the Expert tier.")


def test_expert_is_at_risk_through_sell_when_revenue_rolls_out():
    partner = expert_partner(
        declared="9000", entries=(RevenueEntry(Decimal("1000"), date(2026, 1, 5)),)
    )

    risk = tier_at_risk(partner, PROGRAMME, ON, "expert")

    assert risk is not None
    assert (risk.at_risk_on, risk.reason, risk.cause_tier_code) == (
        date(2027, 1, 5),
        "revenue_window",
        "sell",
    )
    assert risk.message("fr").endswith("et avec lui le niveau Expert.")


def test_no_risk_when_nothing_fails_within_the_horizon():
    assert tier_at_risk(expert_partner(), PROGRAMME, ON, "expert") is None


def test_no_risk_reported_for_a_tier_not_held_today():
    partner = deliver_partner(cert(1, expires_on=ON + timedelta(days=5)))

    assert tier_at_risk(partner, PROGRAMME, ON, "deliver") is None


def test_horizon_includes_its_last_day_and_nothing_beyond():
    partner = deliver_partner(cert(1), cert(2, expires_on=ON + timedelta(days=29)))

    at_edge = tier_at_risk(partner, PROGRAMME, ON, "deliver", horizon_days=30)

    assert at_edge is not None
    assert at_edge.at_risk_on == ON + timedelta(days=30)
    assert tier_at_risk(partner, PROGRAMME, ON, "deliver", horizon_days=29) is None


def test_earliest_of_several_threats_is_the_one_reported():
    partner = expert_partner(
        declared="9000",
        entries=(RevenueEntry(Decimal("1000"), date(2026, 6, 1)),),
        certifications=(
            cert(1, SERVICES),
            cert(2, SERVICES),
            cert(1, THREEPAR, expires_on=date(2027, 2, 28)),
            cert(3, THREEPAR),
        ),
        approvals=(Approval("expert", date(2027, 9, 30)),),
    )

    risk = tier_at_risk(partner, PROGRAMME, ON, "expert")

    assert risk is not None
    assert (risk.at_risk_on, risk.reason, risk.criterion.code) == (
        date(2027, 3, 1),
        "certification_expiry",
        f"course:{THREEPAR}",
    )


def test_unknown_tier_cannot_be_at_risk():
    with pytest.raises(KeyError):
        tier_at_risk(expert_partner(), PROGRAMME, ON, "platinum")


def test_negative_horizon_is_refused():
    with pytest.raises(ValueError, match="horizon"):
        tier_at_risk(expert_partner(), PROGRAMME, ON, "expert", horizon_days=-1)


def test_future_sale_already_on_record_can_offset_one_leaving_the_window():
    partner = snapshot(
        "5000",
        entries=(
            RevenueEntry(Decimal("5000"), date(2026, 1, 10)),
            RevenueEntry(Decimal("5000"), date(2027, 1, 10)),
        ),
    )

    # The first sale leaves the window on 10/01/2027, the day the second one is booked;
    # only when the second one leaves too is Sell lost.
    risk = tier_at_risk(partner, PROGRAMME, ON, "sell")

    assert risk is not None
    assert risk.at_risk_on == date(2028, 1, 10)
    assert "10/01/2027 (5" in risk.message("fr")


def test_tier_at_risk_only_evaluates_the_dates_where_something_stops_counting(monkeypatch):
    partner = expert_partner(
        entries=(RevenueEntry(Decimal("1"), date(2026, 2, 1)),),
        certifications=(
            cert(1, SERVICES, expires_on=date(2027, 3, 31)),
            cert(2, SERVICES),
            cert(3, SERVICES),
            cert(1, THREEPAR),
            cert(3, THREEPAR, expires_on=date(2028, 1, 9)),
            cert(4, "UNRELATED", expires_on=date(2027, 1, 1)),
        ),
    )
    evaluated_on: list[date] = []
    real_evaluate = eligibility.evaluate

    def recording_evaluate(snapshot, tiers, on):
        evaluated_on.append(on)
        return real_evaluate(snapshot, tiers, on)

    # The look-ahead lives in the engine's ``risk`` module: record the calls it makes.
    monkeypatch.setattr(eligibility.risk, "evaluate", recording_evaluate)

    risk = tier_at_risk(partner, PROGRAMME, ON, "expert")

    assert risk is not None
    assert risk.at_risk_on == date(2028, 1, 10)
    assert evaluated_on == [
        ON,
        date(2027, 2, 1),  # the 1 EUR sale leaves the window
        date(2027, 4, 1),  # Jean Dupont's services certification has expired
        date(2028, 1, 10),  # Paul Martin's 3PAR certification has expired
    ]


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

COURSES = (SERVICES, THREEPAR)


def near(days_before: int, days_after: int) -> st.SearchStrategy[date]:
    return st.integers(-days_before, days_after).map(lambda offset: ON + timedelta(days=offset))


cents = st.integers(0, 1_500_000).map(lambda n: Decimal(n) / 100)
revenue_entries = st.builds(RevenueEntry, amount_eur=cents, booked_on=near(420, 30))


@st.composite
def certifications(draw: st.DrawFn) -> Certification:
    passed_on = draw(near(1200, 20))
    return Certification(
        engineer_id=draw(st.integers(1, 4)),
        engineer_name="Engineer",
        course_code=draw(st.sampled_from(COURSES)),
        passed_on=passed_on,
        expires_on=passed_on + timedelta(days=draw(st.integers(0, 1300))),
    )


partners = st.builds(
    PartnerSnapshot,
    partner_id=st.just(1),
    declared_revenue_12m_eur=cents,
    revenue_entries=st.lists(revenue_entries, max_size=5).map(tuple),
    certifications=st.lists(certifications(), max_size=7).map(tuple),
    approvals=st.lists(
        st.builds(Approval, tier_code=st.just("expert"), valid_until=near(60, 90)), max_size=2
    ).map(tuple),
)


@st.composite
def programmes(draw: st.DrawFn) -> tuple[Tier, ...]:
    sell = Tier(
        "sell",
        "Sell",
        1,
        False,
        (Requirement("min_revenue", amount_eur=draw(cents)),),
    )
    deliver = Tier(
        "deliver",
        "Deliver",
        2,
        False,
        (
            Requirement("previous_tier", tier_code="sell"),
            Requirement("course", course_code=SERVICES, min_engineers=draw(st.integers(1, 3))),
        ),
    )
    expert = Tier(
        "expert",
        "Expert",
        3,
        draw(st.booleans()),
        (
            Requirement("previous_tier", tier_code="deliver"),
            Requirement("course", course_code=THREEPAR, min_engineers=draw(st.integers(1, 3))),
            Requirement("min_revenue", amount_eur=draw(cents)),
        ),
    )
    return (REGISTERED, sell, deliver, expert)


def assert_no_tier_lost(before: Evaluation, after: Evaluation) -> None:
    for old, new in zip(before.tiers, after.tiers, strict=True):
        assert not old.eligible or new.eligible, old.code
        assert not old.eligible_but_approval or new.eligible_but_approval, old.code


@given(
    partner=partners,
    tiers=programmes(),
    extra=revenue_entries,
    on=near(10, 10),
)
def test_more_revenue_never_costs_a_tier(partner, tiers, extra, on):
    richer = PartnerSnapshot(
        partner_id=partner.partner_id,
        declared_revenue_12m_eur=partner.declared_revenue_12m_eur,
        revenue_entries=(*partner.revenue_entries, extra),
        certifications=partner.certifications,
        approvals=partner.approvals,
    )

    assert_no_tier_lost(evaluate(partner, tiers, on), evaluate(richer, tiers, on))


@given(partner=partners, tiers=programmes(), extra=certifications(), on=near(10, 10))
def test_another_certification_never_costs_a_tier(partner, tiers, extra, on):
    better_trained = PartnerSnapshot(
        partner_id=partner.partner_id,
        declared_revenue_12m_eur=partner.declared_revenue_12m_eur,
        revenue_entries=partner.revenue_entries,
        certifications=(*partner.certifications, extra),
        approvals=partner.approvals,
    )

    assert_no_tier_lost(evaluate(partner, tiers, on), evaluate(better_trained, tiers, on))


@given(
    partner=partners,
    tiers=programmes(),
    extra_revenue=cents,
    extra_certifications=st.lists(
        st.tuples(st.sampled_from(COURSES), st.integers(0, 2)), max_size=2
    ).map(tuple),
)
def test_a_what_if_scenario_never_costs_a_tier(partner, tiers, extra_revenue, extra_certifications):
    scenario = WhatIf(extra_revenue_eur=extra_revenue, extra_certifications=extra_certifications)

    assert_no_tier_lost(evaluate(partner, tiers, ON), what_if(partner, tiers, ON, scenario))


@given(partner=partners, tiers=programmes())
def test_revenue_figures_always_add_up_and_progress_stays_between_0_and_1(partner, tiers):
    result = evaluate(partner, tiers, ON)

    for tier in result.tiers:
        for c in tier.criteria:
            assert 0.0 <= c.progress <= 1.0
            assert c.met == (c.progress == 1.0)
            if c.kind == "min_revenue":
                required, actual, missing = map(Decimal, (c.required, c.actual, c.missing))
                assert missing == (0 if c.met else required - actual)
                assert c.met == (actual >= required)
            if c.kind == "course":
                assert int(c.missing) == max(0, int(c.required) - int(c.actual))
                assert c.met == (int(c.missing) == 0)
        assert tier.eligible == all(c.met for c in tier.criteria)
        assert tier.eligible_but_approval == all(
            c.met for c in tier.criteria if c.kind != "approval"
        )


RISK_HORIZON = 60


@settings(deadline=None, max_examples=150)
@given(
    partner=partners, tiers=programmes(), tier_code=st.sampled_from(["sell", "deliver", "expert"])
)
def test_tier_at_risk_date_is_the_first_day_a_day_by_day_check_finds_the_tier_lost(
    partner, tiers, tier_code
):
    # Events are drawn close to ON so that a short horizon sees plenty of expiries.
    def eligible(day: date) -> bool:
        return evaluate(partner, tiers, day).tier(tier_code).eligible

    risk = tier_at_risk(partner, tiers, ON, tier_code, horizon_days=RISK_HORIZON)

    if not eligible(ON):
        assert risk is None
        return
    first_loss = next(
        (
            ON + timedelta(days=offset)
            for offset in range(1, RISK_HORIZON + 1)
            if not eligible(ON + timedelta(days=offset))
        ),
        None,
    )
    assert (risk.at_risk_on if risk else None) == first_loss
    if risk is not None:
        lost = evaluate(partner, tiers, risk.at_risk_on)
        assert risk.criterion in lost.tier(tier_code).criteria
        assert risk.criterion.met is False
        assert risk.cause.met is False
        assert risk.cause in lost.tier(risk.cause_tier_code).criteria
        expected_reason = {
            "course": "certification_expiry",
            "min_revenue": "revenue_window",
            "approval": "approval_expiry",
        }[risk.cause.kind]
        assert risk.reason == expected_reason
        assert set(risk.messages) == {"fr", "en"}


def test_english_messages_use_the_english_names_of_courses_and_tiers():
    sell = Tier(
        code="sell",
        name="Vente",
        name_en="Selling",
        rank=1,
        requires_approval=False,
        requirements=(Requirement(kind="min_revenue", amount_eur=Decimal("10000.00")),),
    )
    deliver = Tier(
        code="deliver",
        name="Délivrance",
        name_en="Delivery",
        rank=2,
        requires_approval=True,
        requirements=(
            Requirement(
                kind="previous_tier",
                tier_code="sell",
                tier_name="Vente",
                tier_name_en="Selling",
            ),
            Requirement(
                kind="course",
                course_code=SERVICES,
                course_name="Délivrance de services HPE",
                course_name_en="HPE Services Delivery",
                product_line="Services",
                min_engineers=2,
            ),
        ),
    )
    evaluation = evaluate(
        snapshot("0", certifications=(cert(1),)), (sell, deliver), date(2026, 6, 1)
    )
    course = criterion(evaluation, "deliver", f"course:{SERVICES}")
    assert "Délivrance de services HPE" in course.messages["fr"]
    assert (
        course.messages["en"]
        == "1 more engineer certified on HPE Services Delivery needed (1 of 2)."
    )
    previous = criterion(evaluation, "deliver", "previous_tier:sell")
    assert "niveau Vente" in previous.messages["fr"]
    assert "the Selling tier" in previous.messages["en"]
    approval = criterion(evaluation, "deliver", "approval")
    assert "the Delivery tier" in approval.messages["en"]
    assert evaluation.tier("deliver").name_en == "Delivery"
