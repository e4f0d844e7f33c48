"""contracts/{id}/credits/: the Proactive Select ledger and its consumption."""

from __future__ import annotations

import pytest

from contracts.models import CreditEntry
from tests.contracts.api.helpers import API, codes, sell


def test_a_deliver_partner_buys_credits_and_both_sides_see_the_ledger(
    admin_api, pm_api, credits_contract
):
    url = f"{API}/contracts/{credits_contract.pk}/credits/"

    ours, hp = admin_api.get(url), pm_api.get(url)

    assert ours.status_code == hp.status_code == 200
    assert ours.json() == hp.json()
    [purchase] = ours.json()["results"]
    assert {k: purchase[k] for k in ("kind", "credits", "balance_after", "reference")} == {
        "kind": "purchased",
        "credits": 10,
        "balance_after": 10,
        "reference": credits_contract.number,
    }
    assert purchase["at"] == "2026-03-02T10:00:00+01:00"


@pytest.mark.parametrize("client_name", ["admin_api", "cds_api", "pm_api"])
def test_hp_staff_and_the_partner_admin_consume_credits(client_name, request, credits_contract):
    api = request.getfixturevalue(client_name)

    response = api.post(
        f"{API}/contracts/{credits_contract.pk}/credits/consume/",
        {"credits": 3, "reference": "Visite préventive T-17"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in ("kind", "credits", "balance_after", "reference")} == {
        "kind": "consumed",
        "credits": -3,
        "balance_after": 7,
        "reference": "Visite préventive T-17",
    }
    credits_contract.refresh_from_db()
    assert credits_contract.credits_balance == 7


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api"])
def test_other_partner_users_may_read_but_not_consume_credits(
    client_name, request, credits_contract
):
    api = request.getfixturevalue(client_name)
    base = f"{API}/contracts/{credits_contract.pk}/credits/"

    assert api.get(base).status_code == 200
    assert api.post(f"{base}consume/", {"credits": 1}, format="json").status_code == 403
    assert CreditEntry.objects.count() == 1


def test_consuming_more_than_the_balance_is_400_and_consumes_nothing(admin_api, credits_contract):
    response = admin_api.post(
        f"{API}/contracts/{credits_contract.pk}/credits/consume/", {"credits": 11}, format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("credits", "insufficient_credits")]
    assert CreditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "expected"),
    [({}, [("credits", "required")]), ({"credits": 0}, [("credits", "min_value")])],
)
def test_bad_consumption_input_is_400_naming_the_field(
    admin_api, credits_contract, payload, expected
):
    response = admin_api.post(
        f"{API}/contracts/{credits_contract.pk}/credits/consume/", payload, format="json"
    )

    assert codes(response) == expected


def test_consuming_credits_of_a_care_pack_is_409(admin_api, asset):
    contract = sell(asset.customer.partner, [asset])

    response = admin_api.post(
        f"{API}/contracts/{contract.pk}/credits/consume/", {"credits": 1}, format="json"
    )

    assert response.status_code == 409
    assert codes(response) == [(None, "no_credits")]


def test_a_retried_consumption_with_one_idempotency_key_consumes_once(admin_api, credits_contract):
    url = f"{API}/contracts/{credits_contract.pk}/credits/consume/"

    first = admin_api.post(url, {"credits": 2}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = admin_api.post(url, {"credits": 2}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    credits_contract.refresh_from_db()
    assert credits_contract.credits_balance == 8


def test_the_ledger_costs_the_same_queries_for_2_or_9_entries(
    admin_api, credits_contract, django_assert_num_queries
):
    from contracts.services import credits_consume

    url = f"{API}/contracts/{credits_contract.pk}/credits/"
    credits_consume(contract=credits_contract, credits=1, actor=None)
    # token (it brings the tenant scope), the contract, count, entries
    with django_assert_num_queries(4):
        assert admin_api.get(url).json()["count"] == 2
    for _ in range(7):
        credits_consume(contract=credits_contract, credits=1, actor=None)
    with django_assert_num_queries(4):
        body = admin_api.get(url).json()
    assert body["count"] == 9
    assert body["results"][-1]["balance_after"] == 2
