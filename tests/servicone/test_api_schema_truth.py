"""What the schema fuzzing (``test_api_conformance.py``, on PostgreSQL) found the published
schema got wrong, held here on every run: each answer matches what the schema documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from partners.models import Engineer, Tier, TierRequirement
from tests.conftest import token_client
from tests.contracts.factories import CustomerFactory
from tests.servicone.schema_client import answers_as_documented, published_schema
from tests.tickets.factories import covered_asset
from tickets.services import ticket_open

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def schema(db: None) -> Iterator[Any]:
    with published_schema() as loaded:
        yield loaded


def token_of(user: Any) -> str:
    return token_client(user).user.auth_token.key


def test_a_list_page_past_the_end_is_a_documented_404(schema, partner_admin):
    response = answers_as_documented(
        schema, "GET", "/api/v1/tickets/", token_of(partner_admin), query={"page": 99}
    )
    assert response.status_code == 404


def test_a_path_no_route_matches_is_a_404_in_the_error_format(admin_api):
    for path in ("/api/v1/tickets/0.5/", "/api/v1/nothing/", "/api/nothing"):
        response = admin_api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {
            "errors": [{"field": None, "code": "not_found", "message": "Pas trouvé."}]
        }


def test_a_page_no_route_matches_is_still_the_html_page(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_customer_without_siren_matches_the_schema(schema, partner, partner_admin):
    customer = CustomerFactory(partner=partner, siren="")
    answers_as_documented(
        schema,
        "GET",
        "/api/v1/customers/{id}/",
        token_of(partner_admin),
        path_parameters={"id": customer.pk},
    )


def test_a_partner_without_siren_matches_the_schema(schema, programme_manager):
    response = answers_as_documented(
        schema,
        "POST",
        "/api/v1/partners/",
        token_of(programme_manager),
        body={"name": "Sans SIREN"},
        media_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["siren"] == ""


def test_an_engineer_without_email_matches_the_schema(schema, partner, partner_admin):
    response = answers_as_documented(
        schema,
        "POST",
        "/api/v1/engineers/",
        token_of(partner_admin),
        body={"name": "Sans Courriel"},
        media_type="application/json",
    )
    assert response.status_code == 201
    assert Engineer.objects.get(name="Sans Courriel").email == ""


def test_a_ticket_that_is_not_paused_matches_the_schema(schema, partner, partner_admin):
    asset = covered_asset(partner)
    ticket = ticket_open(
        asset=asset, severity=2, kind="incident", summary="Panne", actor=partner_admin
    )
    assert ticket.pause_reason == ""
    for path, params in (
        ("/api/v1/tickets/", {}),
        ("/api/v1/tickets/{id}/", {"path_parameters": {"id": ticket.pk}}),
    ):
        answers_as_documented(schema, "GET", path, token_of(partner_admin), **params)


def test_tiers_whose_requirements_name_no_previous_tier_match_the_schema(schema, partner_admin):
    assert TierRequirement.objects.filter(previous_tier__isnull=True).exists()
    assert Tier.objects.exists()
    answers_as_documented(schema, "GET", "/api/v1/tiers/", token_of(partner_admin))


def test_every_operation_documents_its_errors_in_the_error_format(client, db):
    document = client.get("/api/schema/?format=json").json()
    errors = {"$ref": "#/components/schemas/ApiErrors"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "429"):
                response = operation["responses"].get(status)
                assert response is not None, (method, path, status)
                content = response["content"]["application/json"]["schema"]
                assert content == errors or "Errors" in content.get("$ref", ""), (
                    method,
                    path,
                    status,
                )
    item = document["components"]["schemas"]["ApiErrorItem"]
    assert set(item["required"]) == {"field", "code", "message"}
