"""The route walker: every page and API route × method, checked without a test of its own.

Routes come from the URLconf and the published API schema (``routes.py``); who may use each
is declared in ``route_rights.py``. For every route × method:

- an anonymous caller is sent to log in (pages, the admin) or gets a 401 in the API's error
  format;
- another partner's ids answer exactly like ids that do not exist: same status (404), same
  body, for each partner role;
- a role without the right is refused (403; the admin sends non-staff users to its login);
- a role with the right is served (no 401/403/404/405, no server error);
- every answer carries the security headers (CSP, Permissions-Policy; no-store once logged in
  and on the API; ``Vary: Authorization`` on the API);
- an API key acts as its owner's admin (a partner's admin, HP's programme manager) within its
  scopes: served where that role is and the route's area is in the key's scopes, else 403
  ``scope_missing``; another partner's ids are 404s to it too; it opens no page and no admin.

One data set serves the whole module: two partners, each with its users, an engineer and a
certification, an accreditation application, a customer with a site and an asset under a
contract, a ticket, notifications, a webhook endpoint with a delivery and an API key;
HP staff of each role; API keys of partner Alpha and of HP, with every scope, with one
scope, and with every scope but one. Every test runs in a savepoint
rolled back afterwards, so a POST that changes something changes it for that test only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import resolve
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contracts.models import ContractAsset, Offering
from partners.models import Certification, Course, Tier
from servicone.access import PartnerRole, StaffRole
from servicone.api.scopes import EVERY_KEY, needed_scope
from servicone.apikeys import SCOPES, WRITE, Area
from servicone.models import Notification
from servicone.security import PERMISSIONS_POLICY
from tests.conftest import rolled_back_at
from tests.partners.factories import (
    PartnerFactory,
    partner_user,
    staff_user,
    submitted_application,
)
from tests.servicone import route_rights, routes
from tests.servicone.factories import make_api_key
from tests.servicone.route_rights import (
    ADMIN,
    CDS_DISPATCHER,
    CDS_ENGINEER,
    ENGINEER,
    PM,
    SALES,
)
from tests.tickets.factories import covered_asset
from tickets.services import ticket_open
from webhooks.services import endpoint_create, endpoint_ping

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday morning
MISSING_ID = 999_999_999

# Each test in its own savepoint (pytest-django's transaction per test), inside the
# transaction that holds the module's data set.
pytestmark = pytest.mark.django_db

PARTNER_ROLES = (ADMIN, SALES, ENGINEER)
STAFF_ROLES = (PM, CDS_DISPATCHER, CDS_ENGINEER)
ROLES = PARTNER_ROLES + STAFF_ROLES
# API keys with every scope: partner Alpha's acts as its admin, HP's as a programme manager.
KEY_ADMIN, KEY_PM = "key.admin", "key.pm"
KEY_ROLES = {KEY_ADMIN: ADMIN, KEY_PM: PM}
_PARTNER_ROLE = {ADMIN: PartnerRole.ADMIN, SALES: PartnerRole.SALES, ENGINEER: PartnerRole.ENGINEER}
_STAFF_ROLE = {
    PM: StaffRole.PROGRAMME_MANAGER,
    CDS_DISPATCHER: StaffRole.CDS_DISPATCHER,
    CDS_ENGINEER: StaffRole.CDS_ENGINEER,
}


@dataclass
class Tenant:
    """A partner with one of everything a route can name."""

    ids: dict[str, int]
    users: dict[str, Any]
    notifications: dict[str, int] = field(default_factory=dict)


def _notification(user: Any, partner: Any = None) -> int:
    return Notification.objects.create(
        recipient=user,
        partner=partner,
        kind="walker",
        dedup_key="walker",
        subject="Avis",
        body="Avis",
        link="/",
    ).pk


def _tenant(name: str) -> Tenant:
    partner = PartnerFactory(name=name)
    users = {
        role: partner_user(partner, _PARTNER_ROLE[role], username=f"{name.lower()}.{role}")
        for role in PARTNER_ROLES
    }
    asset = covered_asset(partner, today=NOW.date())
    contract = ContractAsset.objects.get(asset=asset).contract
    certification = Certification.objects.filter(engineer__partner=partner).first()
    assert certification is not None
    ticket = ticket_open(
        asset=asset,
        severity=2,
        kind="incident",
        summary="Disque en panne",
        actor=users[ENGINEER],
        at=NOW,
    )
    accreditation = submitted_application(partner, users[ADMIN])
    webhook, _secret = endpoint_create(
        actor=users[ADMIN],
        partner=partner,
        url=f"https://hooks.{name.lower()}.example.com/in",
        events=["ticket.opened"],
    )
    delivery = endpoint_ping(endpoint=webhook, actor=users[ADMIN])
    api_key, _key = make_api_key(partner, by=users[ADMIN], scopes=["tickets:read"])
    tenant = Tenant(
        ids={
            "partner": partner.pk,
            "engineer": certification.engineer_id,
            "certification": certification.pk,
            "accreditation": accreditation.pk,
            "customer": asset.customer_id,
            "site": asset.site_id,
            "asset": asset.pk,
            "contract": contract.pk,
            "ticket": ticket.pk,
            "webhook": webhook.pk,
            "delivery": delivery.pk,
            "api_key": api_key.pk,
        },
        users=users,
    )
    for role, user in users.items():
        tenant.notifications[role] = _notification(user, partner)
    return tenant


class World:
    """The module's data set and a logged-in client per role."""

    def __init__(self) -> None:
        self.a = _tenant("Alpha")
        self.b = _tenant("Bravo")
        self.staff = {
            role: staff_user(_STAFF_ROLE[role], username=f"hp.{role}") for role in STAFF_ROLES
        }
        self.staff_notifications = {role: _notification(user) for role, user in self.staff.items()}
        self.catalogue = {
            "course": Course.objects.order_by("pk").values_list("pk", flat=True)[0],
            "tier": Tier.objects.order_by("pk").values_list("pk", flat=True)[0],
            "offering": Offering.objects.order_by("pk").values_list("pk", flat=True)[0],
        }
        # One handler each for the API and the pages, shared by every client: a client's own
        # loads the middleware on its first request (about 1 ms, for some 3,400 clients).
        self.handlers = {"api": APIClient().handler, "page": Client().handler}
        # A session and a token per role, made once. Each request gets a fresh client
        # carrying them: a client remembers cookies (a logout or a login would change them
        # for every later test), the database forgets with each test's savepoint.
        self.sessions: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        for role, user in {**self.a.users, **self.staff}.items():
            client = Client()
            client.force_login(user)
            self.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            self.tokens[role] = Token.objects.create(user=user).key
        self.keys: dict[str, str] = {}
        owners = {KEY_ADMIN: self.a.users[ADMIN].membership.partner, KEY_PM: None}
        for role, partner in owners.items():
            by = self.a.users[ADMIN] if partner is not None else self.staff[PM]
            self.keys[role] = make_api_key(partner, by=by)[1]
            for scope in SCOPES:
                area = scope.split(":")[0]
                # Without what grants ``scope``: itself, and the area's write for a read.
                grantors = {scope, f"{area}:{WRITE}"}
                without = [s for s in SCOPES if s not in grantors]
                self.keys[_scoped(role, "+", scope)] = make_api_key(partner, by=by, scopes=[scope])[
                    1
                ]
                self.keys[_scoped(role, "-", scope)] = make_api_key(partner, by=by, scopes=without)[
                    1
                ]

    def ids_for(self, role: str, tenant: Tenant) -> Callable[[str], object]:
        """Ids of ``tenant``'s objects; a notification is the one addressed to ``role``."""
        role = KEY_ROLES.get(role.split(" ")[0], role)

        def ids(kind: str) -> object:
            if kind == "notification":
                if role in self.staff_notifications:
                    return self.staff_notifications[role]
                return tenant.notifications[role]
            if kind in self.catalogue:
                return self.catalogue[kind]
            return tenant.ids[kind]

        return ids

    def missing_ids(self, kind: str) -> object:
        """An id no object has, for each object that belongs to a partner."""
        return self.catalogue.get(kind, MISSING_ID)

    def request(self, role: str | None, route: routes.Route, path: str) -> Any:
        """``route``'s method on ``path`` as ``role`` (``None``: anonymous), with no body.

        In a savepoint rolled back at once: what one role's request changes (a renewal, an
        acknowledged ticket) is not what the next role finds.
        """
        with transaction.atomic():
            response = self._send(role, route, path)
            transaction.set_rollback(True)
        return response

    def _send(self, role: str | None, route: routes.Route, path: str) -> Any:
        if route.family == routes.API:
            api = APIClient()
            api.handler = self.handlers["api"]
            if role in self.keys:
                api.credentials(HTTP_AUTHORIZATION=f"Bearer {self.keys[role]}")
            elif role is not None:
                api.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
            if route.method == "GET":
                return api.get(path)
            return api.generic(route.method, path, "{}", content_type="application/json")
        client = Client()
        client.handler = self.handlers["page"]
        if role in self.keys:  # a key sent to a page: it counts for nothing there
            return client.generic(
                route.method, path, HTTP_AUTHORIZATION=f"Bearer {self.keys[role]}"
            )
        if role is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client.generic(route.method, path)


def _scoped(role: str, sign: str, scope: str) -> str:
    """The key of ``role``'s owner with only ``scope`` (+), or every scope but it (-)."""
    return f"{role} {sign}{scope}"


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module inside a transaction that is rolled back at its end."""
    with rolled_back_at(NOW, django_db_blocker):
        yield World()


# --- What each check expects -----------------------------------------------------------------

ROUTES = routes.all_routes()


def _rights(route: routes.Route) -> frozenset[str] | None:
    if route.key not in route_rights.RIGHTS:
        pytest.fail(f"{route.key}: say who may use it in RIGHTS (tests/servicone/route_rights.py)")
    return route_rights.RIGHTS[route.key]


def _is_open(route: routes.Route) -> bool:
    if route.family == routes.ADMIN:
        return route.template in route_rights.ADMIN_OPEN
    return route.key in route_rights.RIGHTS and _rights(route) is None


def _has_tenant_parameter(route: routes.Route) -> bool:
    try:
        return bool(routes.tenant_parameters(route))
    except routes.UnknownParameter:
        return True  # walked, so that the test says which parameter is unknown


def _api_area(path: str) -> object:
    """What the API view behind ``path`` declares (``servicone.api.scopes``)."""
    callback = resolve(path).func
    initkwargs = getattr(callback, "initkwargs", None) or {}
    return initkwargs.get("api_area", getattr(getattr(callback, "cls", None), "api_area", None))


def _keys_may_call(path: str) -> bool:
    """Whether a key with every scope may call the view behind ``path`` (not people-only)."""
    return _api_area(path) in (*Area.values, EVERY_KEY)


def _served(response: Any) -> bool:
    return response.status_code < 500 and response.status_code not in (401, 403, 404, 405)


def _scope_missing(response: Any) -> bool:
    if response.status_code != 403:
        return False
    return [e["code"] for e in response.json()["errors"]] == ["scope_missing"]


def _ids(routes_: list[routes.Route]) -> list[str]:
    return [r.key for r in routes_]


GUARDED = [r for r in ROUTES if not _is_open(r)]
WITH_TENANT_IDS = [r for r in GUARDED if _has_tenant_parameter(r)]
PORTAL = [r for r in GUARDED if r.family != routes.ADMIN]
ADMIN_ROUTES = [r for r in GUARDED if r.family == routes.ADMIN]


ADMIN_LOGIN = "/admin/login/"


def _login_urls(route: routes.Route, path: str) -> set[str]:
    """Where a caller who must log in is sent: the portal's login page; in the admin, the
    admin's own login page (Django lets the admin's index and its logged-in users' pages
    send there, and the portal's login middleware catches the other admin pages first)."""
    logins = {resolve_url(settings.LOGIN_URL)}
    if route.family == routes.ADMIN:
        logins.add(ADMIN_LOGIN)
    return {redirect_to_login(path, login)["Location"] for login in logins}


def assert_error_format(response: Any) -> None:
    """The API's one error format: ``{"errors": [{"field", "code", "message"}, ...]}``."""
    body = response.json()
    assert set(body) == {"errors"}, body
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}, error
        assert isinstance(error["code"], str), error
        assert error["code"], error
        assert isinstance(error["message"], str), error
        assert error["message"], error


def assert_security_headers(route: routes.Route, response: Any, *, logged_in: bool) -> None:
    """The policies on every answer; never stored when it is a logged-in user's or the API's;
    an API answer varies with the token (test_security_headers.py checks them one by one)."""
    assert response.has_header("Content-Security-Policy"), route.key
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY, route.key
    if logged_in or route.family == routes.API:
        assert "no-store" in response.get("Cache-Control", ""), route.key
    if route.family == routes.API:
        assert "Authorization" in response.get("Vary", ""), route.key


def _comparable(response: Any, paths: tuple[str, ...]) -> object:
    """The body as the caller reads it, with the requested path blanked (a page may print
    it) and the CSRF token (masked anew on every answer) left out."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json()
    text = response.content.decode()
    for path in paths:
        text = text.replace(path, "<path>")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


# --- The walk -------------------------------------------------------------------------------


def test_every_route_declares_who_may_use_it() -> None:
    walked = {r.key for r in ROUTES if r.family != routes.ADMIN}
    assert sorted(walked - route_rights.RIGHTS.keys()) == [], (
        "routes nobody said who may use: add them to RIGHTS (tests/servicone/route_rights.py)"
    )
    assert sorted(route_rights.RIGHTS.keys() - walked) == [], "RIGHTS names routes that are gone"
    admin_templates = {r.template for r in ROUTES if r.family == routes.ADMIN}
    assert admin_templates >= route_rights.ADMIN_OPEN


def test_every_path_parameter_names_a_known_object() -> None:
    unknown = []
    for route in ROUTES:
        try:
            routes.tenant_parameters(route)
        except routes.UnknownParameter as error:
            unknown.append(str(error))
    assert unknown == []


def test_every_api_route_of_the_urlconf_is_in_the_published_schema() -> None:
    published = {routes.shape(r.template) for r in ROUTES if r.family == routes.API}
    served = {
        routes.shape(template)
        for template, params, _callback in routes.urlconf_routes()
        if template.startswith(routes.API_PREFIX) and "format" not in params
    }
    assert sorted(served - published) == []
    assert sorted(published - served) == []


def test_the_walk_covers_pages_api_and_admin() -> None:
    families = {family: sum(r.family == family for r in ROUTES) for family in routes.FAMILIES}
    # Lower bounds only: new routes raise them, a walk that lost a family fails.
    assert families[routes.PAGE] >= 60
    assert families[routes.API] >= 60
    assert families[routes.ADMIN] >= 100


# Walked in a loop per family rather than a test each: hundreds of one-request tests cost
# far more in test set-up than in requests. A failure lists every route that failed.


@pytest.mark.parametrize("family", routes.FAMILIES)
def test_an_anonymous_caller_must_log_in(world: World, family: str) -> None:
    failures = []
    walked = [r for r in GUARDED if r.family == family]
    for route in walked:
        path = routes.fill(route, world.ids_for(ADMIN, world.a))
        response = world.request(None, route, path)
        assert_security_headers(route, response, logged_in=False)
        if route.family == routes.API:
            if response.status_code != 401 or not response.has_header("WWW-Authenticate"):
                failures.append(f"{route.key}: {response.status_code}")
            else:
                assert_error_format(response)
        elif response.status_code != 302 or response["Location"] not in _login_urls(route, path):
            failures.append(f"{route.key}: {response.status_code} {response.get('Location')}")
    assert walked
    assert failures == []


@pytest.mark.parametrize("route", WITH_TENANT_IDS, ids=_ids(WITH_TENANT_IDS))
def test_another_partners_ids_answer_exactly_like_ids_that_do_not_exist(
    world: World, route: routes.Route
) -> None:
    for role in PARTNER_ROLES:
        others = routes.fill(route, world.ids_for(role, world.b))
        missing = routes.fill(route, world.missing_ids)
        other_answer = world.request(role, route, others)
        missing_answer = world.request(role, route, missing)
        # The API looks the object up before it checks the role (API.md: another partner's
        # object is a 404 whatever the method); a page refuses a role before reading ids.
        allowed = role in (_rights(route) or ())
        expected = 404 if route.family == routes.API or allowed else 403
        assert (other_answer.status_code, missing_answer.status_code) == (expected, expected), role
        paths = (others, missing)
        assert _comparable(other_answer, paths) == _comparable(missing_answer, paths), role
    if route.family != routes.API:
        return
    # A partner's key is as blind to another partner as the partner's people are.
    others = routes.fill(route, world.ids_for(ADMIN, world.b))
    missing = routes.fill(route, world.missing_ids)
    other_answer = world.request(KEY_ADMIN, route, others)
    missing_answer = world.request(KEY_ADMIN, route, missing)
    expected = 404 if _keys_may_call(others) else 403
    assert (other_answer.status_code, missing_answer.status_code) == (expected, expected)
    paths = (others, missing)
    assert _comparable(other_answer, paths) == _comparable(missing_answer, paths)


@pytest.mark.parametrize("route", PORTAL, ids=_ids(PORTAL))
def test_each_role_is_served_or_refused_as_declared(world: World, route: routes.Route) -> None:
    allowed = _rights(route) or frozenset()
    for role in ROLES:
        response = world.request(role, route, routes.fill(route, world.ids_for(role, world.a)))
        assert_security_headers(route, response, logged_in=True)
        status = response.status_code
        if role in allowed:
            assert status < 500, (role, status)
            assert status not in (401, 403, 404, 405), (role, status)
        else:
            assert status == 403, (role, status)
        if route.family == routes.API and 400 <= status < 500:
            assert_error_format(response)
    if route.family == routes.API:
        _check_keys(world, route, allowed)


def _check_keys(world: World, route: routes.Route, allowed: frozenset[str]) -> None:
    """A key is served where its owner's admin is and its scopes reach; else 403."""
    path = routes.fill(route, world.ids_for(ADMIN, world.a))
    area = _api_area(path)
    for key_role, base in KEY_ROLES.items():
        response = world.request(key_role, route, path)
        assert_security_headers(route, response, logged_in=True)
        if 400 <= response.status_code < 500:
            assert_error_format(response)
        if base not in allowed:
            assert response.status_code == 403, (key_role, response.status_code)
            continue
        if not _keys_may_call(path):  # people only: keys and tokens are managed by people
            assert _scope_missing(response), (key_role, response.status_code)
            continue
        assert _served(response), (key_role, response.status_code)
        if area == EVERY_KEY:
            continue
        scope = needed_scope(str(area), route.method)
        only = world.request(_scoped(key_role, "+", scope), route, path)
        assert _served(only), (key_role, scope, only.status_code)
        without = world.request(_scoped(key_role, "-", scope), route, path)
        assert _scope_missing(without), (key_role, scope, without.status_code)


@pytest.mark.parametrize("family", [routes.PAGE, routes.ADMIN])
def test_an_api_key_opens_no_page(world: World, family: str) -> None:
    # HP's key, the most powerful: a page answers it as it answers an anonymous caller.
    failures = []
    walked = [r for r in GUARDED if r.family == family]
    for route in walked:
        path = routes.fill(route, world.ids_for(ADMIN, world.a))
        response = world.request(KEY_PM, route, path)
        if response.status_code != 302 or response["Location"] not in _login_urls(route, path):
            failures.append(f"{route.key}: {response.status_code}")
    assert walked
    assert failures == []


def test_the_admin_sends_partner_users_to_its_login(world: World) -> None:
    # As the partner's administrator, the partner user with the most rights: the admin lets
    # in staff only (Django's is_staff, which no partner user has), whatever the partner role.
    failures = []
    for route in ADMIN_ROUTES:
        path = routes.fill(route, world.ids_for(ADMIN, world.a))
        response = world.request(ADMIN, route, path)
        assert_security_headers(route, response, logged_in=True)
        if (
            response.status_code != 302
            or response["Location"] != redirect_to_login(path, ADMIN_LOGIN)["Location"]
        ):
            failures.append(f"{route.key}: {response.status_code}")
    assert ADMIN_ROUTES
    assert failures == []
