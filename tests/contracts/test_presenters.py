"""How the sales pages word things: targets, durations, coverage states, groups, the sale draft."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from contracts.models import Asset, Contract, ContractAsset, Customer, Offering, OfferingKind
from contracts.presenters import (
    SaleDraft,
    coverage_rows,
    group_by_kind,
    hours,
    months,
    region_label,
    with_days_left,
)

TODAY = date(2026, 11, 26)


def coverage(status: str, starts_on: date, ends_on: date) -> ContractAsset:
    return ContractAsset(
        contract=Contract(status=status, starts_on=starts_on, ends_on=ends_on),
        starts_on=starts_on,
        ends_on=ends_on,
    )


def test_targets_and_durations_read_the_way_people_say_them():
    assert hours(4) == "4 h"
    assert hours(None) == "—"
    assert months(36) == "3 ans"
    assert months(12) == "1 an"
    assert months(18) == "18 mois"
    assert months(None) == "—"
    with translation.override("en"):
        assert months(36) == "3 years"


def test_a_region_reads_with_its_name_and_the_metropole_when_empty():
    assert region_label("57") == "57 — Moselle"
    assert region_label("") == "Métropole (jours fériés nationaux)"
    assert region_label("XX") == "XX"


def test_an_assets_coverage_lists_in_force_then_upcoming_quotes_past_and_cancelled():
    rows = coverage_rows(
        [
            coverage("cancelled", date(2026, 1, 1), date(2027, 1, 1)),
            coverage("active", date(2025, 1, 1), date(2026, 1, 1)),  # ended
            coverage("expired", date(2024, 1, 1), date(2025, 1, 1)),
            coverage("quote", date(2027, 1, 1), date(2028, 1, 1)),
            coverage("active", date(2027, 1, 1), date(2028, 1, 1)),  # not started
            coverage("active", date(2026, 1, 1), date(2027, 1, 1)),
        ],
        TODAY,
    )
    assert [row.state for row in rows] == [
        "in_force",
        "upcoming",
        "quote",
        "past",
        "past",
        "cancelled",
    ]
    assert [(str(row.label), row.badge) for row in rows[:4]] == [
        ("En vigueur", "ok"),
        ("À venir", "info"),
        ("Devis", "info"),
        ("Terminé", ""),
    ]
    assert (str(rows[-1].label), rows[-1].badge) == ("Annulé", "bad")


def test_offerings_are_grouped_care_packs_then_formulas_then_credits():
    items = [
        Offering(code="PS", kind=OfferingKind.PROACTIVE_CREDITS),
        Offering(code="CP", kind=OfferingKind.CARE_PACK),
        Offering(code="SC", kind=OfferingKind.CONTRACT),
        Offering(code="CP2", kind=OfferingKind.CARE_PACK),
    ]
    groups = group_by_kind(items, lambda o: o.kind)
    assert [(g.kind, g.label, [o.code for o in g.items]) for g in groups] == [
        ("care_pack", "Care Pack", ["CP", "CP2"]),
        ("contract", "Formule contractuelle", ["SC"]),
        ("proactive_credits", "Crédits Proactive Select", ["PS"]),
    ]


def test_a_kind_without_offerings_is_left_out():
    groups = group_by_kind([Offering(code="SC", kind=OfferingKind.CONTRACT)], lambda o: o.kind)
    assert [g.kind for g in groups] == ["contract"]


def test_a_contract_in_a_list_says_how_many_days_are_left():
    contract = Contract(ends_on=date(2026, 12, 26))
    (row,) = with_days_left([contract], TODAY)
    assert (row.contract, row.days_left) == (contract, 30)


@pytest.mark.parametrize(
    ("override", "query"),
    [
        ({}, "customer=7&assets=3&assets=5&offering=CP-PL-4H-24X7&starts_on=2026-12-01"),
        ({"assets": [], "starts_on": None}, "customer=7&offering=CP-PL-4H-24X7"),
        ({"customer": None, "offering": ""}, "assets=3&assets=5&starts_on=2026-12-01"),
    ],
)
def test_the_sale_draft_travels_in_the_query_string(override, query):
    draft = SaleDraft(
        customer=Customer(pk=7),
        assets=[Asset(pk=3), Asset(pk=5)],
        offering=Offering(code="CP-PL-4H-24X7"),
        starts_on=date(2026, 12, 1),
    )
    assert draft.query(**override) == query


def test_an_empty_draft_links_to_the_bare_step():
    assert SaleDraft().url("contracts:sell") == "/contracts/sell/"
    assert SaleDraft(customer=Customer(pk=7)).url("contracts:sell-assets") == (
        "/contracts/sell/assets/?customer=7"
    )
