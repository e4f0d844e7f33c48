"""offerings/: the catalogue, with what the calling tier may sell and deliver."""

from __future__ import annotations

from decimal import Decimal

from contracts.models import Offering
from partners.models import ProductLine
from tests.contracts.api.helpers import API, codes
from tests.contracts.factories import offering


def test_offerings_show_the_service_level_of_each_catalogue_line(sales_api, seller):
    response = sales_api.get(f"{API}/offerings/")

    assert response.status_code == 200
    lines = {o["code"]: o for o in response.json()["results"]}
    assert set(lines) >= {"CP-PL-4H-24X7", "CP-3PAR-4H-24X7", "PS-CREDITS-10"}
    care_pack = lines["CP-PL-4H-24X7"]
    assert care_pack == {
        "id": offering("CP-PL-4H-24X7").pk,
        "code": "CP-PL-4H-24X7",
        "name": "Care Pack ProLiant intervention 4 h 24x7, 3 ans",
        "kind": "care_pack",
        "product_lines": ["proliant"],
        "coverage": "24x7",
        "response_hours": 2,
        "onsite_hours": 4,
        "onsite_next_business_day": False,
        "resolution_hours": 8,
        "duration_months": 36,
        "list_price_eur": "1450.00",
        "credits": 0,
        "description": care_pack["description"],
        "tier_to_sell": "sell",
        "tier_to_sell_name": "Sell",
        "tier_to_deliver": "deliver",
        "tier_to_deliver_name": "Deliver",
        "may_sell": True,
        "may_deliver": False,
    }
    nbd = lines["CP-PL-NBD-9X5"]
    assert (nbd["onsite_hours"], nbd["onsite_next_business_day"]) == (None, True)
    assert lines["CP-3PAR-4H-24X7"]["tier_to_deliver"] == "expert"


def test_a_sell_partner_sees_which_tier_unlocks_what_it_may_not_sell(sales_api, seller):
    lines = {o["code"]: o for o in sales_api.get(f"{API}/offerings/").json()["results"]}

    credits = lines["PS-CREDITS-10"]
    assert credits["may_sell"] is False
    assert (credits["tier_to_sell"], credits["tier_to_sell_name"]) == ("deliver", "Deliver")
    assert credits["tier_to_deliver"] == "expert"


def test_may_sell_filter_answers_for_the_callers_tier(sales_api, seller):
    sellable = sales_api.get(f"{API}/offerings/?may_sell=true").json()["results"]
    not_sellable = sales_api.get(f"{API}/offerings/?may_sell=false").json()["results"]

    assert "CP-PL-4H-24X7" in {o["code"] for o in sellable}
    assert all(o["may_sell"] for o in sellable)
    assert [o["code"] for o in not_sellable] == ["PS-CREDITS-10"]


def test_a_partner_without_a_tier_may_sell_nothing(sales_api, partner):
    assert sales_api.get(f"{API}/offerings/?may_sell=true").json()["count"] == 0


def test_hp_staff_see_the_catalogue_without_a_tier_verdict(pm_api, db):
    body = pm_api.get(f"{API}/offerings/").json()

    assert body["count"] == Offering.objects.active().count()
    assert {o["may_sell"] for o in body["results"]} == {None}
    response = pm_api.get(f"{API}/offerings/?may_sell=true")
    assert response.status_code == 400
    assert codes(response) == [("may_sell", "partner_only")]


def test_offerings_filter_by_kind_and_product_line(engineer_api, partner):
    credits = engineer_api.get(f"{API}/offerings/?kind=proactive_credits").json()["results"]
    storage = engineer_api.get(f"{API}/offerings/?product_line=3par").json()["results"]

    assert [o["code"] for o in credits] == ["PS-CREDITS-10"]
    assert {o["code"] for o in storage} == {
        "CP-3PAR-4H-24X7",
        "SC-DATACENTER-24X7",
        "PS-CREDITS-10",
    }


def test_offering_names_follow_the_request_language(sales_api, partner):
    line = sales_api.get(
        f"{API}/offerings/{offering('CP-PL-4H-24X7').pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert line["name"] == "ProLiant Care Pack 4-hour 24x7 on-site, 3 years"


def test_the_catalogue_is_read_only_in_the_api(pm_api, db):
    assert pm_api.post(f"{API}/offerings/", {"code": "X"}, format="json").status_code == 405


def test_offerings_need_authentication(anon_api, db):
    assert anon_api.get(f"{API}/offerings/").status_code == 401


def test_offering_list_costs_the_same_queries_for_9_or_40_offerings(
    sales_api, seller, django_assert_num_queries
):
    url = f"{API}/offerings/?page_size=200"
    # token, staff groups, membership, partner's tier, count, offerings, product lines
    with django_assert_num_queries(7):
        assert sales_api.get(url).status_code == 200
    template = offering("CP-PL-4H-24X7")
    lines = list(ProductLine.objects.all())
    for n in range(31):
        extra = Offering.objects.create(
            code=f"CP-X-{n}",
            name=f"Extra {n}",
            kind="care_pack",
            coverage="24x7",
            response_hours=2,
            onsite_hours=4,
            duration_months=12,
            list_price_eur=Decimal("100.00"),
            tier_to_sell=template.tier_to_sell,
            tier_to_deliver=template.tier_to_deliver,
        )
        extra.product_lines.set(lines)
    with django_assert_num_queries(7):
        body = sales_api.get(url).json()
    assert body["count"] == 40
