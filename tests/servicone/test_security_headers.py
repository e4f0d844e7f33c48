"""The headers every answer carries: a strict Content-Security-Policy, a Permissions-Policy,
``Cache-Control: no-store`` on whatever a logged-in user or an API client gets, and
``Vary: Authorization`` on the API. Static files stay cacheable.

The route walker (``test_route_walker.py``) checks the same headers on every route it walks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from servicone.security import PERMISSIONS_POLICY
from tests.conftest import token_client

# Written out rather than read from the settings: this is the policy the pages are held to.
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
# The browser features the portal never uses are all turned off.
FEATURES_OFF = ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort")


def content_security_policy(response: Any) -> dict[str, set[str]]:
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        directives[name] = set(sources)
    return directives


def cache_control(response: Any) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def varies_on(response: Any) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def assert_policies(response: Any) -> None:
    assert content_security_policy(response) == POLICY
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    for feature in FEATURES_OFF:
        assert f"{feature}=()" in response["Permissions-Policy"]


def test_a_logged_in_page_carries_the_policies_and_is_never_stored(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/")

    assert response.status_code == 200
    assert_policies(response)
    assert {"no-store", "private"} <= cache_control(response)


def test_the_content_security_policy_allows_nothing_inline_and_no_framing(client, partner_admin):
    client.force_login(partner_admin)
    policy = content_security_policy(client.get("/programme/"))

    assert not any("'unsafe-inline'" in s or "'unsafe-eval'" in s for s in policy.values())
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["object-src"] == {"'none'"}


def test_an_api_answer_is_never_stored_and_varies_with_the_token(partner_admin):
    response = token_client(partner_admin).get("/api/v1/me/")

    assert response.status_code == 200
    assert "authorization" in varies_on(response)
    assert {"no-store", "private"} <= cache_control(response)
    assert_policies(response)


def test_an_api_refusal_without_a_token_is_never_stored_either(anon_api, db):
    # A shared cache must not hand this 401 to a caller with a token, nor the reverse.
    response = anon_api.get("/api/v1/me/")

    assert response.status_code == 401
    assert "authorization" in varies_on(response)
    assert "no-store" in cache_control(response)


def test_the_login_page_carries_the_policies_and_is_not_stored(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert_policies(response)
    assert "no-store" in cache_control(response)


def test_an_anonymous_visitor_sent_to_log_in_gets_the_policies(client, db):
    response = client.get("/tickets/")

    assert response.status_code == 302
    assert_policies(response)


@pytest.fixture
def static_files_from_the_source(settings: Any) -> None:
    """WhiteNoise serving the source folders, as in development (the production profile's
    collected, hashed files are checked in test_production.py)."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def test_a_static_file_stays_cacheable_for_a_logged_in_user(
    static_files_from_the_source, partner_admin
):
    client = Client()  # a new client: WhiteNoise reads its settings when it starts
    client.force_login(partner_admin)
    response = client.get("/static/servicone/portal.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    # A stylesheet is the same for everyone: "no-store" would have it downloaded on every page.
    assert "no-store" not in cache_control(response)
    assert "cookie" not in varies_on(response)
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Nothing inline for the policy to refuse ---------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE = re.compile(r"""\sstyle\s*=|<style[\s>]|<script(?![^>]*\ssrc=)[^>]*>""", re.IGNORECASE)


def test_no_template_has_a_style_attribute_a_style_element_or_an_inline_script():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if INLINE.search(line)
    ]
    assert found == []


def test_the_api_docs_load_their_script_and_styles_as_files(client, db):
    page = client.get("/api/docs/")
    html = page.content.decode()

    assert page.status_code == 200
    assert not INLINE.search(html), INLINE.search(html)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 3  # Swagger UI, its preset, and the portal's start-up script
    start_up = client.get(scripts[-1].replace("&amp;", "&"))
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in start_up.content.decode()
