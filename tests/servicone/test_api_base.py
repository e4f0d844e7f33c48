"""The API's conventions (API.md): auth, me/, error format, schema, throttling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from servicone.access import StaffRole
from servicone.api.throttling import ScopedRateThrottle
from tests.partners.factories import PASSWORD, partner_user, staff_user


def test_token_endpoint_returns_the_users_token(partner_admin, anon_api):
    response = anon_api.post(
        "/api/v1/auth/token/", {"username": "p.admin", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_token_endpoint_refuses_a_wrong_password_with_401(partner_admin, anon_api):
    response = anon_api.post(
        "/api/v1/auth/token/", {"username": "p.admin", "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "field": None,
                "code": "invalid_credentials",
                "message": "Identifiant ou mot de passe incorrect.",
            }
        ]
    }


def test_token_endpoint_names_the_missing_field_in_a_400(anon_api, db):
    response = anon_api.post("/api/v1/auth/token/", {"username": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "password", "code": "required", "message": "Ce champ est obligatoire."}
    ]


def test_error_messages_follow_accept_language(anon_api, db):
    response = anon_api.post(
        "/api/v1/auth/token/", {"username": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["errors"][0]["message"] == "This field is required."


def test_me_returns_the_callers_partner_and_role(admin_api, partner):
    response = admin_api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": "p.admin",
        "is_staff": False,
        "partner": {"id": partner.pk, "name": "Ovesys Test"},
        "roles": ["admin"],
    }


def test_me_for_a_programme_manager_lists_the_staff_role(pm_api):
    body = pm_api.get("/api/v1/me/").json()
    assert body["is_staff"] is True
    assert body["partner"] is None
    assert body["roles"] == ["programme_manager"]


def test_me_without_a_token_is_401_in_the_error_format(anon_api, db):
    response = anon_api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["errors"][0]["code"] == "not_authenticated"
    assert body["errors"][0]["field"] is None


def test_me_with_an_unknown_token_is_401(anon_api, db):
    anon_api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = anon_api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_browser_session_works_on_the_api(client, partner_admin):
    client.force_login(partner_admin)
    assert client.get("/api/v1/me/").json()["username"] == "p.admin"


def test_unknown_api_route_is_404(admin_api):
    assert admin_api.get("/api/v1/nothing-here/").status_code == 404


# The clock stands still: across a minute boundary the sliding window weighs the earlier
# tries less and would let the third one through.
@time_machine.travel(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC), tick=False)
def test_token_endpoint_is_throttled_with_429(anon_api, partner_admin, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/minute"})
    for _ in range(2):
        anon_api.post(
            "/api/v1/auth/token/", {"username": "p.admin", "password": "x"}, format="json"
        )
    response = anon_api.post(
        "/api/v1/auth/token/", {"username": "p.admin", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"


def test_openapi_schema_describes_the_base_endpoints(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]


def test_interactive_docs_are_served_without_external_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html
    assert "jsdelivr" not in html


@pytest.mark.parametrize("role", [StaffRole.CDS_DISPATCHER, StaffRole.CDS_ENGINEER])
def test_cds_staff_are_staff_without_a_partner(role, client, db):
    user = staff_user(role)
    client.force_login(user)
    body = client.get("/api/v1/me/").json()
    assert body["is_staff"] is True
    assert body["roles"] == [role]


def test_partner_user_is_never_staff(db, client):
    user = partner_user(role="engineer")
    client.force_login(user)
    assert client.get("/api/v1/me/").json()["is_staff"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Clinique\x00du Parc"}, "name"),
        ({"name": "Clinique \x1b[31mrouge"}, "name"),
        ({"name": "Clinique", "sites": [{"name": "Siège\x07", "city": "Metz"}]}, "sites[0].name"),
    ],
)
def test_a_control_character_in_any_text_is_refused_naming_the_field_and_nothing_created(
    admin_api, body, field
):
    from contracts.models import Customer

    response = admin_api.post("/api/v1/customers/", body, format="json")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        (field, "control_character")
    ]
    assert not Customer.objects.exists()


def test_line_breaks_and_tabs_are_text_not_controls(admin_api):
    response = admin_api.post(
        "/api/v1/customers/", {"name": "Clinique\tdu Parc\r\nOuest"}, format="json"
    )

    assert response.status_code == 201
