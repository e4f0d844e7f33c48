"""Ids in the sales pages' query strings that cannot be ids: not found (404), never a 500."""

from __future__ import annotations

import pytest

from servicone.api.ids import MAX_ID

HUGE = str(2**70)
NOT_IDS = [HUGE, str(MAX_ID + 1), "-1", "0", "abc", "1.5"]


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("step", ["sell-assets", "sell-offering", "sell-confirm"])
def test_a_sell_step_with_an_asset_id_that_cannot_be_one_is_not_found(
    sales, customer, proliant, step, value
):
    url = f"/contracts/sell/{step.removeprefix('sell-')}/"
    response = sales.get(url, {"customer": customer.pk, "assets": [proliant.pk, value]})

    assert response.status_code == 404


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("step", ["", "assets/", "offering/", "confirm/"])
def test_a_sell_step_with_a_customer_id_that_cannot_be_one_is_not_found(
    sales, customer, step, value
):
    response = sales.get(f"/contracts/sell/{step}", {"customer": value})

    assert response.status_code == 404


@pytest.mark.parametrize("value", NOT_IDS)
def test_the_contract_list_filtered_on_a_customer_id_that_cannot_be_one_is_not_found(
    client, programme_manager, sales, value
):
    assert sales.get("/contracts/", {"customer": value}).status_code == 404
    client.force_login(programme_manager)
    assert client.get("/contracts/", {"customer": value}).status_code == 404


def test_the_largest_id_is_an_unknown_customer_or_asset(client, programme_manager, sales, customer):
    biggest = str(MAX_ID)
    assert sales.get("/contracts/sell/assets/", {"customer": biggest}).status_code == 404
    response = sales.get("/contracts/sell/assets/", {"customer": customer.pk, "assets": biggest})
    assert response.status_code == 404
    client.force_login(programme_manager)
    assert client.get("/contracts/", {"customer": biggest}).status_code == 200
