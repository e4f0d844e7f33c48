"""Every API view says which area of an API key's scopes it belongs to (servicone.api.scopes)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from servicone.api.scopes import (
    DECLARABLE,
    EVERY_KEY,
    PEOPLE_ONLY,
    KeyCredentials,
    ScopeMissing,
    check_key_scope,
)
from tests.servicone import routes


def _declared(callback) -> object:
    initkwargs = getattr(callback, "initkwargs", None) or {}
    return initkwargs.get("api_area", getattr(callback.cls, "api_area", None))


def test_every_api_view_declares_its_area():
    undeclared = []
    walked = 0
    for template, _params, callback in routes.urlconf_routes():
        if not template.startswith(routes.API_PREFIX):
            continue
        assert hasattr(callback, "cls"), f"{template}: not a DRF view"
        walked += 1
        if _declared(callback) not in DECLARABLE:
            undeclared.append(f"{template} ({callback.cls.__qualname__})")
    assert walked >= 60
    assert undeclared == [], "set api_area on these views (servicone.api.scopes)"


def test_managing_keys_and_ones_token_is_for_people_only():
    areas = {
        template: _declared(callback)
        for template, _params, callback in routes.urlconf_routes()
        if template.startswith(routes.API_PREFIX)
    }
    assert areas["/api/v1/api-keys/"] == PEOPLE_ONLY
    assert areas["/api/v1/api-keys/%(pk)s/"] == PEOPLE_ONLY
    assert areas["/api/v1/auth/token/"] == PEOPLE_ONLY
    assert areas["/api/v1/me/"] == EVERY_KEY


ALL = KeyCredentials(id=1, partner_id=None, scopes=frozenset({"tickets:write"}))


@pytest.mark.parametrize("area", [None, "", "everything", PEOPLE_ONLY])
def test_a_view_without_a_known_area_refuses_every_key(area):
    with pytest.raises(ScopeMissing):
        check_key_scope(SimpleNamespace(api_area=area), "GET", ALL)


@pytest.mark.parametrize(
    ("method", "area", "allowed"),
    [
        ("GET", "tickets", True),
        ("HEAD", "tickets", True),
        ("OPTIONS", "tickets", True),
        ("POST", "tickets", True),
        ("DELETE", "tickets", True),
        ("GET", "contracts", False),
        ("GET", EVERY_KEY, True),
    ],
)
def test_safe_methods_read_the_others_write(method, area, allowed):
    view = SimpleNamespace(api_area=area)
    if allowed:
        check_key_scope(view, method, ALL)
    else:
        with pytest.raises(ScopeMissing):
            check_key_scope(view, method, ALL)
    reader = KeyCredentials(id=1, partner_id=None, scopes=frozenset({"tickets:read"}))
    if area == "tickets" and method in ("POST", "DELETE"):
        with pytest.raises(ScopeMissing):
            check_key_scope(view, method, reader)
