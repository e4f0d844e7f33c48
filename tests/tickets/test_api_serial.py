"""``POST /api/v1/tickets/`` with ``serial`` instead of ``asset``: an integration knows the
serial number on the box, not our ids. Same look-up and tenancy as the ticket page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicone.access import StaffRole
from tests.conftest import token_client
from tests.contracts.factories import asset_of
from tests.partners.factories import staff_user
from tests.servicone.factories import key_client, make_api_key
from tests.tickets.factories import covered_asset
from tickets.models import Ticket

URL = "/api/v1/tickets/"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def opening(**asset_or_serial: Any) -> dict[str, Any]:
    return {"severity": 2, "kind": "incident", "summary": "Disque en panne", **asset_or_serial}


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_a_ticket_opens_from_the_serial_number_as_on_the_page(admin_api, partner):
    asset = covered_asset(partner, serial_number="CZJ2026001")

    response = admin_api.post(URL, opening(serial="  CZJ2026001 "), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["asset"] == asset.pk
    assert Ticket.objects.get().asset == asset


def test_an_integration_key_opens_a_ticket_from_a_serial(partner):
    covered_asset(partner, serial_number="CZJ2026002")
    _row, key = make_api_key(partner, scopes=["tickets:write"])
    response = key_client(key).post(URL, opening(serial="CZJ2026002"), format="json")
    assert response.status_code == 201, response.json()


def test_hp_staff_open_from_any_partners_serial(partner):
    asset = covered_asset(partner, serial_number="CZJ2026003")
    client = token_client(staff_user(StaffRole.CDS_DISPATCHER))
    response = client.post(URL, opening(serial="CZJ2026003"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["asset"] == asset.pk


def test_an_unknown_uncovered_or_another_partners_serial_is_not_entitled(
    admin_api, partner, other_partner
):
    asset_of(partner, serial_number="CZJUNCOVERED")
    covered_asset(other_partner, serial_number="CZJTHEIRS01")

    answers = {
        serial: admin_api.post(URL, opening(serial=serial), format="json")
        for serial in ("CZJNOBODY01", "CZJUNCOVERED", "CZJTHEIRS01")
    }

    for serial, response in answers.items():
        assert response.status_code == 400, serial
        assert codes(response) == [("serial", "not_entitled")], serial
        assert serial in response.json()["errors"][0]["message"]
    # Another partner's serial reads exactly like one nobody has.
    unknown, theirs = answers["CZJNOBODY01"].json(), answers["CZJTHEIRS01"].json()
    assert theirs == {
        "errors": [
            {**e, "message": e["message"].replace("CZJNOBODY01", "CZJTHEIRS01")}
            for e in unknown["errors"]
        ]
    }
    assert not Ticket.objects.exists()


def test_a_serial_two_vendors_share_is_a_clear_400(admin_api, partner):
    hp = covered_asset(partner, serial_number="SN-SHARED")
    other = asset_of(partner, serial_number="SN-SHARED", vendor="other", line="non_hp")

    response = admin_api.post(URL, opening(serial="SN-SHARED"), format="json")

    assert response.status_code == 400
    assert codes(response) == [("serial", "ambiguous_serial")]
    message = response.json()["errors"][0]["message"]
    assert str(hp.pk) in message
    assert str(other.pk) in message
    assert not Ticket.objects.exists()


def test_a_held_registration_of_the_same_serial_is_no_ambiguity(admin_api, partner, other_partner):
    """Another partner claimed the serial after ours: its registration is held, ours is the box."""
    covered_asset(partner, serial_number="SN-HELD")
    asset_of(other_partner, serial_number="SN-HELD", registration="held")
    client = token_client(staff_user(StaffRole.PROGRAMME_MANAGER))
    response = client.post(URL, opening(serial="SN-HELD"), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "asset", "required"),
        ({"serial": ""}, "serial", "blank"),
        ({"serial": "x" * 65}, "serial", "max_length"),
    ],
)
def test_neither_asset_nor_serial_names_the_field(admin_api, partner, body, field, code):
    response = admin_api.post(URL, opening(**body), format="json")
    assert response.status_code == 400
    assert codes(response) == [(field, code)]


def test_both_asset_and_serial_is_refused(admin_api, partner):
    asset = covered_asset(partner, serial_number="CZJ2026004")
    response = admin_api.post(URL, opening(asset=asset.pk, serial="CZJ2026004"), format="json")
    assert response.status_code == 400
    assert codes(response) == [("serial", "invalid")]
    assert not Ticket.objects.exists()


def test_the_schema_offers_serial_for_opening(client, db):
    schema = client.get("/api/schema/?format=json").json()
    request = schema["components"]["schemas"]["TicketOpenRequest"]
    assert {"asset", "serial"} <= set(request["properties"])
    assert "asset" not in request.get("required", [])
