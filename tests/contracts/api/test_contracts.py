"""contracts/: selling, reading, and the actions on a contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from contracts.models import Contract, CreditEntry
from contracts.services import contract_cancel
from tests.contracts.api.helpers import API, codes, errors, nothing_sold, sale, sell
from tests.contracts.factories import asset_of
from tests.partners.factories import set_tier


def test_a_seller_sells_a_care_pack(sales_api, asset, partner_sales):
    response = sales_api.post(f"{API}/contracts/", sale(asset), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    contract = Contract.objects.get()
    assert {k: body[k] for k in ("id", "number", "partner", "status", "ends_on", "price_eur")} == {
        "id": contract.pk,
        "number": f"SO-2026-{contract.pk:06d}",
        "partner": asset.customer.partner_id,
        "status": "active",
        "ends_on": "2029-03-01",
        "price_eur": "1450.00",
    }
    # A Sell partner may not deliver: CDS does, and the contract says why.
    assert body["delivery_mode"] == "cds"
    assert "Deliver" in body["delivery_reason"]
    assert (body["customer"], body["assets"], body["offering_code"]) == (
        asset.customer_id,
        [asset.pk],
        "CP-PL-4H-24X7",
    )
    assert (body["starts_on"], body["booked_on"]) == ("2026-03-02", "2026-03-02")
    assert contract.sold_by == partner_sales


def test_the_offering_may_be_given_by_code_and_the_start_defaults_to_today(admin_api, asset):
    payload = {"offering": "CP-PL-4H-13X5", "customer": asset.customer_id, "assets": [asset.pk]}

    response = admin_api.post(f"{API}/contracts/", payload, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["offering_code"], response.json()["starts_on"]) == (
        "CP-PL-4H-13X5",
        "2026-03-02",
    )


def test_selling_a_deliver_only_offering_as_a_sell_partner_is_refused_and_creates_nothing(
    sales_api, asset
):
    response = sales_api.post(
        f"{API}/contracts/", sale(asset, "PS-CREDITS-10", assets=[]), format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("offering", "tier_not_allowed")]
    message = errors(response)[0]["message"]
    assert "Deliver" in message  # the tier needed
    assert "Sell" in message  # the partner's own
    assert nothing_sold()
    assert not CreditEntry.objects.exists()


def test_a_registered_partner_may_not_sell_even_a_care_pack(sales_api, partner):
    set_tier(partner, "registered")
    asset = asset_of(partner)

    response = sales_api.post(f"{API}/contracts/", sale(asset), format="json")

    assert codes(response) == [("offering", "tier_not_allowed")]
    assert nothing_sold()


def test_overlapping_coverage_is_refused(sales_api, asset):
    first = sell(asset.customer.partner, [asset])

    response = sales_api.post(
        f"{API}/contracts/", sale(asset, starts_on="2027-01-01"), format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("assets", "coverage_overlap")]
    assert first.number in errors(response)[0]["message"]
    assert list(Contract.objects.all()) == [first]


def test_a_sale_moves_a_partner_from_9000_eur_to_eligible_for_sell_in_the_same_cycle(
    admin_api, seller, asset
):
    seller.declared_revenue_12m_eur = Decimal("9000.00")
    seller.save(update_fields=["declared_revenue_12m_eur"])
    eligibility = f"{API}/partners/{seller.pk}/eligibility/"

    def sell_tier(body: dict[str, Any]) -> dict[str, Any]:
        return next(t for t in body["tiers"] if t["code"] == "sell")

    before = sell_tier(admin_api.get(eligibility).json())
    assert before["eligible"] is False
    response = admin_api.post(f"{API}/contracts/", sale(asset), format="json")
    assert response.status_code == 201, response.content
    after = admin_api.get(eligibility).json()

    assert sell_tier(after)["eligible"] is True
    assert after["current_tier"] == "sell"
    partner_body = admin_api.get(f"{API}/partners/{seller.pk}/").json()
    assert partner_body["services_revenue_12m_eur"] == "10450.00"
    assert partner_body["grace_until"] is None


@pytest.mark.parametrize("field", ["customer", "assets"])
def test_another_partners_customer_or_asset_in_a_sale_is_404_and_creates_nothing(
    sales_api, asset, other_asset, field
):
    foreign = {"customer": other_asset.customer_id, "assets": [asset.pk, other_asset.pk]}[field]

    response = sales_api.post(f"{API}/contracts/", sale(asset, **{field: foreign}), format="json")

    assert response.status_code == 404
    assert codes(response) == [(field, "not_found")]
    assert str(other_asset.customer.partner.name) not in response.content.decode()
    assert nothing_sold()


@pytest.mark.parametrize("client_name", ["engineer_api", "pm_api", "cds_api"])
def test_only_the_partners_admin_and_sales_may_sell(client_name, request, asset):
    api = request.getfixturevalue(client_name)

    response = api.post(f"{API}/contracts/", sale(asset), format="json")

    assert response.status_code == 403
    assert nothing_sold()


def test_selling_needs_authentication(anon_api, asset):
    assert anon_api.post(f"{API}/contracts/", sale(asset), format="json").status_code == 401
    assert nothing_sold()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"offering": None}, [("offering", "null")]),
        ({"offering": "NO-SUCH-SKU"}, [("offering", "does_not_exist")]),
        ({"starts_on": "02/03/2026"}, [("starts_on", "invalid")]),
        ({"starts_on": "2026-03-01"}, [("starts_on", "start_in_past")]),
        ({"assets": "12"}, [("assets", "not_a_list")]),
        ({"assets": []}, [("assets", "required")]),
        ({"delivery_mode": "drone"}, [("delivery_mode", "invalid_choice")]),
        ({"delivery_mode": "partner"}, [("delivery_mode", "delivery_mode_not_allowed")]),
        ({"quote": "maybe"}, [("quote", "invalid")]),
    ],
)
def test_bad_sale_input_is_400_naming_the_field_and_creates_nothing(
    sales_api, asset, change, expected
):
    response = sales_api.post(f"{API}/contracts/", sale(asset, **change), format="json")

    assert response.status_code == 400
    assert codes(response) == expected
    assert nothing_sold()


def test_a_missing_field_is_named(sales_api, asset):
    response = sales_api.post(f"{API}/contracts/", {"assets": [asset.pk]}, format="json")

    assert response.status_code == 400
    assert set(codes(response)) == {("offering", "required"), ("customer", "required")}


def test_an_asset_line_the_offering_does_not_cover_is_400(sales_api, seller):
    switch = asset_of(seller, line="networking")

    response = sales_api.post(f"{API}/contracts/", sale(switch), format="json")

    assert codes(response) == [("assets", "product_line_not_covered")]
    assert nothing_sold()


def test_an_asset_of_another_customer_of_the_partner_is_400(sales_api, asset, seller):
    elsewhere = asset_of(seller)

    response = sales_api.post(
        f"{API}/contracts/", sale(asset, assets=[asset.pk, elsewhere.pk]), format="json"
    )

    assert codes(response) == [("assets", "asset_not_of_customer")]
    assert nothing_sold()


def test_selling_twice_with_one_idempotency_key_creates_one_contract(sales_api, asset):
    url = f"{API}/contracts/"

    first = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="sale-42")
    again = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="sale-42")
    other = sales_api.post(
        url, sale(asset, starts_on="2030-01-01"), format="json", HTTP_IDEMPOTENCY_KEY="sale-42"
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Contract.objects.count() == 1
    assert other.status_code == 409
    assert codes(other) == [("Idempotency-Key", "idempotency_key_reused")]


def test_a_refused_sale_does_not_burn_its_idempotency_key(sales_api, asset, seller):
    url = f"{API}/contracts/"
    set_tier(seller, "registered")
    refused = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="k")
    set_tier(seller, "sell")

    retried = sales_api.post(url, sale(asset), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert refused.status_code == 400
    assert retried.status_code == 201


def test_a_partner_lists_only_its_own_contracts(engineer_api, asset, other_contract):
    own = sell(asset.customer.partner, [asset])

    body = engineer_api.get(f"{API}/contracts/").json()

    assert [c["id"] for c in body["results"]] == [own.pk]


def test_hp_staff_list_every_partners_contracts(cds_api, asset, other_contract):
    own = sell(asset.customer.partner, [asset])

    body = cds_api.get(f"{API}/contracts/").json()

    assert {c["id"] for c in body["results"]} == {own.pk, other_contract.pk}


def test_contracts_filter_by_status_customer_offering_and_end(engineer_api, seller):
    first, second, third = asset_of(seller), asset_of(seller), asset_of(seller)
    care_pack = sell(seller, [first])
    formula = sell(seller, [second], code="SC-FOUNDATION-13X5")
    cancelled = sell(seller, [third], code="CP-PL-NBD-9X5")
    contract_cancel(contract=cancelled, actor=None, reason="Doublon")

    def ids(query: str) -> set[int]:
        return {c["id"] for c in engineer_api.get(f"{API}/contracts/?{query}").json()["results"]}

    assert ids("status=active") == {care_pack.pk, formula.pk}
    assert ids("status=cancelled") == {cancelled.pk}
    assert ids(f"customer={second.customer_id}") == {formula.pk}
    assert ids("offering=CP-PL-4H-24X7") == {care_pack.pk}
    assert ids(f"offering={formula.offering_id}") == {formula.pk}
    assert ids(f"asset={first.pk}") == {care_pack.pk}
    # SC-FOUNDATION is one year: its last covered day is 2027-03-01.
    assert ids("ends_before=2027-03-01") == {formula.pk}
    assert ids("ends_before=2027-02-28") == set()
    bad = engineer_api.get(f"{API}/contracts/?ends_before=soon")
    assert bad.status_code == 400
    assert codes(bad) == [("ends_before", "invalid")]


def test_contract_list_costs_the_same_queries_for_5_or_40_contracts(
    admin_api, seller, django_assert_num_queries
):
    def make(n: int) -> None:
        for _ in range(n):
            sell(seller, [asset_of(seller)])

    url = f"{API}/contracts/?page_size=100"
    make(5)
    # token (it brings the tenant scope), count, contracts with offering and customer, assets
    with django_assert_num_queries(4):
        assert admin_api.get(url).json()["count"] == 5
    make(35)
    with django_assert_num_queries(4):
        assert admin_api.get(url).json()["count"] == 40


def test_contract_list_is_paginated_with_page_size_capped_at_200(admin_api, seller):
    for _ in range(3):
        sell(seller, [asset_of(seller)])

    page = admin_api.get(f"{API}/contracts/?page_size=2").json()
    capped = admin_api.get(f"{API}/contracts/?page_size=500").json()

    assert (page["count"], len(page["results"])) == (3, 2)
    assert page["next"].endswith("page=2&page_size=2")
    assert len(capped["results"]) == 3


def test_another_partners_contract_is_404(admin_api, other_contract):
    response = admin_api.get(f"{API}/contracts/{other_contract.pk}/")

    assert response.status_code == 404
    assert codes(response) == [(None, "not_found")]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "cancel", {"reason": "Essai"}),
        ("post", "activate", {}),
        ("post", "renew", {}),
        ("get", "credits", None),
        ("post", "credits/consume", {"credits": 1}),
    ],
)
def test_every_action_on_another_partners_contract_is_404_and_changes_nothing(
    admin_api, other_contract, method, path, payload
):
    url = f"{API}/contracts/{other_contract.pk}/{path}/"

    response = getattr(admin_api, method)(url, payload, format="json")

    assert response.status_code == 404
    other_contract.refresh_from_db()
    assert other_contract.status == "active"
    assert Contract.objects.count() == 1


def test_a_quote_is_created_then_activated(sales_api, asset, seller):
    quoted = sales_api.post(f"{API}/contracts/", sale(asset, quote=True), format="json").json()
    assert (quoted["status"], quoted["booked_on"]) == ("quote", None)
    assert sales_api.get(f"{API}/entitlements/?serial={asset.serial_number}").json() == []

    response = sales_api.post(f"{API}/contracts/{quoted['id']}/activate/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["booked_on"]) == ("active", "2026-03-02")
    assert len(sales_api.get(f"{API}/entitlements/?serial={asset.serial_number}").json()) == 1
    again = sales_api.post(f"{API}/contracts/{quoted['id']}/activate/")
    assert again.status_code == 409
    assert codes(again) == [(None, "invalid_status")]


def test_a_seller_cancels_a_contract_and_coverage_ends(sales_api, asset):
    contract = sell(asset.customer.partner, [asset])
    url = f"{API}/contracts/{contract.pk}/cancel/"

    response = sales_api.post(url, {"reason": "Client parti"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert sales_api.get(f"{API}/assets/{asset.pk}/").json()["covered"] is False
    again = sales_api.post(url, {"reason": "Encore"}, format="json")
    assert again.status_code == 409
    assert codes(again) == [(None, "invalid_status")]


def test_cancelling_without_a_reason_is_400(sales_api, asset):
    contract = sell(asset.customer.partner, [asset])

    response = sales_api.post(f"{API}/contracts/{contract.pk}/cancel/", {}, format="json")

    assert response.status_code == 400
    assert codes(response) == [("reason", "required")]
    contract.refresh_from_db()
    assert contract.status == "active"


def test_renewing_creates_the_follow_on_contract_once(admin_api, asset):
    contract = sell(asset.customer.partner, [asset])
    url = f"{API}/contracts/{contract.pk}/renew/"

    response = admin_api.post(url)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["renewed_from"], body["starts_on"], body["ends_on"]) == (
        contract.pk,
        "2029-03-02",
        "2032-03-01",
    )
    assert body["assets"] == [asset.pk]
    again = admin_api.post(url)
    assert again.status_code == 409
    assert codes(again) == [(None, "already_renewed")]


def test_renewing_twice_with_one_idempotency_key_answers_the_same(admin_api, asset):
    contract = sell(asset.customer.partner, [asset])
    url = f"{API}/contracts/{contract.pk}/renew/"

    first = admin_api.post(url, HTTP_IDEMPOTENCY_KEY="renew-1")
    again = admin_api.post(url, HTTP_IDEMPOTENCY_KEY="renew-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Contract.objects.count() == 2


@pytest.mark.parametrize("path", ["cancel", "activate", "renew"])
@pytest.mark.parametrize("client_name", ["engineer_api", "pm_api", "cds_api"])
def test_only_the_partners_sellers_act_on_its_contracts(client_name, request, asset, path):
    contract = sell(asset.customer.partner, [asset])
    api = request.getfixturevalue(client_name)

    response = api.post(f"{API}/contracts/{contract.pk}/{path}/", {"reason": "x"}, format="json")

    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.status == "active"
    assert Contract.objects.count() == 1
