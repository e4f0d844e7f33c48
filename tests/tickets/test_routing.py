"""The routing table, exhaustively: every combination, with the reason asserted."""

from __future__ import annotations

import itertools

import pytest

from tickets.routing import CDS, PARTNER, RoutingInput, route

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
