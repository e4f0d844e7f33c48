"""The routing table, exhaustively: every combination, with the reason asserted."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from django.utils import translation

from tickets.models import RoutingReason
from tickets.routing import CDS, PARTNER, PolicyFacts, RoutingInput, route

TIERS = {"none": -1, "registered": 0, "sell": 1, "deliver": 2, "expert": 3}
LINES = {
    # code: (is_complex, name)
    "proliant": (False, "Serveurs ProLiant"),
    "3par": (False, "Stockage 3PAR StoreServ"),
    "networking": (False, "Réseaux"),
    "converged": (True, "Infrastructures convergées"),
    "non_hp": (True, "Équipements non HP"),
}
MODES = ("partner", "co_delivery", "cds")
VENDORS = ("hp", "other")
TIER_TO_DELIVER = ("deliver", "expert")
CERTIFIED = (True, False)


def expected(mode, vendor, line, tier, to_deliver, certified):
    """The rule as the product brief states it, written independently of the code."""
    if mode == "cds":
        return CDS, "contract_delivery_cds"
    complex_line = LINES[line][0] or vendor != "hp"
    if complex_line and TIERS[tier] < TIERS["expert"]:
        return CDS, "complex_requires_expert"
    if complex_line and not certified:
        return CDS, "complex_no_certified_engineer"
    if TIERS[tier] < TIERS[to_deliver]:
        return CDS, "tier_not_authorised"
    if not certified:
        return CDS, "no_certified_engineer"
    if mode == "co_delivery":
        return PARTNER, "partner_co_delivery"
    return PARTNER, "partner_authorised"


CASES = list(itertools.product(MODES, VENDORS, LINES, TIERS, TIER_TO_DELIVER, CERTIFIED))


@pytest.mark.parametrize(("mode", "vendor", "line", "tier", "to_deliver", "certified"), CASES)
def test_routing_table(mode, vendor, line, tier, to_deliver, certified):
    decision = route(
        RoutingInput(
            delivery_mode=mode,
            vendor=vendor,
            product_line_code=line,
            product_line_name=LINES[line][1],
            product_line_is_complex=LINES[line][0],
            partner_tier_rank=TIERS[tier],
            partner_tier_name=tier,
            tier_to_deliver_rank=TIERS[to_deliver],
            tier_to_deliver_name=to_deliver.capitalize(),
            expert_rank=TIERS["expert"],
            certified_on_line=certified,
        )
    )
    assert (decision.delivered_by, decision.reason) == expected(
        mode, vendor, line, tier, to_deliver, certified
    )
    assert decision.message("fr")
    assert decision.message("en")
    assert decision.message("fr") != decision.message("en")


def test_the_table_has_every_combination():
    assert len(CASES) == 3 * 2 * 5 * 5 * 2 * 2


def test_an_expert_certified_on_converged_infrastructure_delivers_it():
    decision = route(
        RoutingInput(
            "partner",
            "hp",
            "converged",
            "Infrastructures convergées",
            True,
            3,
            "Expert",
            3,
            "Expert",
            3,
            True,
        )
    )
    assert decision.delivered_by == PARTNER


def test_the_reason_names_the_missing_tier_in_both_languages():
    decision = route(
        RoutingInput(
            "partner", "hp", "3par", "Stockage 3PAR", False, 2, "Deliver", 3, "Expert", 3, True
        )
    )
    assert decision.reason == "tier_not_authorised"
    assert "Expert" in decision.message("fr")
    assert "Expert" in decision.message("en")


# --- The partner's delivery policy (issue 16), after the programme's rules -----------------

OPENING = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # the partner's next opening
# What the programme's rules alone decide: (mode, tier, certified) and the outcome.
PROGRAMME = {
    "authorised": (("partner", "deliver", True), (PARTNER, "partner_authorised")),
    "co_delivery": (("co_delivery", "deliver", True), (PARTNER, "partner_co_delivery")),
    "tier": (("partner", "registered", True), (CDS, "tier_not_authorised")),
    "contract": (("cds", "deliver", True), (CDS, "contract_delivery_cds")),
}
AREAS = ("in", "out", "unknown")  # the site's département in the area, outside, not known
HOURS = ("staffed", "outside")  # opened within the partner's staffed hours or not
CONTRACT_COVERAGE = ("24x7", "9x5")  # the partner's staffed hours are 9x5 throughout
HAND_BACK = (True, False)
DECLINED = (True, False)
LOAD = ("uncapped", "under", "reached")  # no cap; 3 open for 2 engineers x 2; 4 open


def expected_with_policy(programme, area, hours, coverage, hand_back, declined, load):
    """The issue's rules, in its order, written independently of the code."""
    outcome = PROGRAMME[programme][1]
    if outcome[0] == CDS:
        return (*outcome, None)
    if area == "out":
        return CDS, "outside_delivery_area", None
    if hours == "outside" and coverage == "24x7":
        return CDS, "outside_staffed_hours", OPENING if hand_back else None
    if declined:
        return CDS, "product_line_declined", None
    if load == "reached":
        return CDS, "capacity_reached", None
    return (*outcome, None)


POLICY_CASES = list(
    itertools.product(PROGRAMME, AREAS, HOURS, CONTRACT_COVERAGE, HAND_BACK, DECLINED, LOAD)
)


@pytest.mark.parametrize(
    ("programme", "area", "hours", "coverage", "hand_back", "declined", "load"), POLICY_CASES
)
def test_routing_table_with_the_partners_delivery_policy(
    programme, area, hours, coverage, hand_back, declined, load
):
    (mode, tier, certified), _outcome = PROGRAMME[programme]
    policy = PolicyFacts(
        departments=frozenset({"59", "62"}),
        site_department={"in": "59", "out": "13", "unknown": None}[area],
        staffed_coverage="9x5",
        contract_coverage=coverage,
        opened_in_staffed_hours=hours == "staffed",
        next_staffed_opening=OPENING,
        hand_back_at_opening=hand_back,
        product_line_declined=declined,
        open_onsite_tickets={"uncapped": 9, "under": 3, "reached": 4}[load],
        certified_engineers=2,
        max_open_tickets_per_engineer=None if load == "uncapped" else 2,
    )
    decision = route(
        RoutingInput(
            delivery_mode=mode,
            vendor="hp",
            product_line_code="proliant",
            product_line_name="Serveurs ProLiant",
            product_line_is_complex=False,
            partner_tier_rank=TIERS[tier],
            partner_tier_name=tier,
            tier_to_deliver_rank=TIERS["deliver"],
            tier_to_deliver_name="Deliver",
            expert_rank=TIERS["expert"],
            certified_on_line=certified,
            policy=policy,
        )
    )
    assert (decision.delivered_by, decision.reason, decision.hand_back_at) == (
        expected_with_policy(programme, area, hours, coverage, hand_back, declined, load)
    )
    assert decision.reason in RoutingReason.values
    assert decision.message("fr") != decision.message("en")


def test_the_policy_table_has_every_combination():
    assert len(POLICY_CASES) == 4 * 3 * 2 * 2 * 2 * 2 * 3


def test_every_reason_the_router_gives_is_a_labelled_routing_reason():
    given = {expected(*case)[1] for case in CASES} | {
        expected_with_policy(*case)[1] for case in POLICY_CASES
    }
    assert given == set(RoutingReason.values)
    with translation.override("en"):
        assert RoutingReason("outside_delivery_area").label == (
            "Site outside the partner's delivery area"
        )


def test_the_area_reason_names_the_sites_departement():
    decision = route(
        RoutingInput(
            "partner",
            "hp",
            "proliant",
            "Serveurs ProLiant",
            False,
            2,
            "Deliver",
            2,
            "Deliver",
            3,
            True,
            policy=PolicyFacts(
                departments=frozenset({"59"}),
                site_department="13",
                staffed_coverage="9x5",
                contract_coverage="9x5",
                opened_in_staffed_hours=True,
                next_staffed_opening=None,
                hand_back_at_opening=False,
                product_line_declined=False,
                open_onsite_tickets=0,
                certified_engineers=1,
                max_open_tickets_per_engineer=None,
            ),
        )
    )
    assert "13 Bouches-du-Rhône" in decision.message("fr")
    assert "outside the partner's delivery area" in decision.message("en")
