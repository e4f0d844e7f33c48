"""Every route of the portal, walked from the URLconf and the published API schema.

The route walker (``test_route_walker.py``) checks each route × method with no test of its
own: pages come from ``django.urls.get_resolver()`` walked recursively, the API from the
OpenAPI schema the server publishes at ``/api/schema/``. A path parameter is filled from
``PARAMETERS`` (which object's id it takes); a name missing there stops the walk, so
whoever adds a route says what it takes. Who may use a route is declared in
``tests/servicone/route_rights.py``, which the walker keeps in step with the routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from inspect import getclosurevars
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

PAGE, API, ADMIN = "page", "api", "admin"
FAMILIES = (PAGE, API, ADMIN)
API_PREFIX = "/api/"
ADMIN_PREFIX = "/admin/"
# An HTML page is only ever asked with these (links and forms).
PAGE_METHODS = ("GET", "POST")
SCHEMA_URL = "/api/schema/?format=json"


@dataclass(frozen=True)
class Route:
    family: str  # PAGE, API or ADMIN
    method: str
    template: str  # "/contracts/%(contract_id)s/": a %-format string of the path
    params: tuple[str, ...]

    @property
    def display(self) -> str:
        """``/contracts/{contract_id}/``: how the route reads in a test id or a table."""
        return re.sub(r"%\((\w+)\)s", r"{\1}", self.template)

    @property
    def key(self) -> str:
        return f"{self.method} {self.display}"

    @property
    def segment(self) -> str:
        """The resource the route is about (``/api/v1/tickets/{id}/`` -> ``tickets``)."""
        parts = [p for p in self.display.split("/") if p and not p.startswith("{")]
        if self.family == API and parts[:2] == ["api", "v1"]:
            parts = parts[2:]
        return parts[0] if parts else ""

    def path(self, values: Mapping[str, object]) -> str:
        return self.template % {name: values[name] for name in self.params}


# --- Path parameters ------------------------------------------------------------------------
# Parameter -> the object whose id it takes. ``id``/``pk`` name a different object on each
# resource: those are looked up by (resource, name) first. Kinds in TENANT_KINDS belong to a
# partner (another partner's must answer as if it did not exist); CONSTANTS are not ids.
PARAMETERS: dict[str | tuple[str, str], str] = {
    "accreditation_id": "accreditation",
    "partner_id": "partner",
    "contract_id": "contract",
    "customer_id": "customer",
    "asset_id": "asset",
    "ticket_id": "ticket",
    "action": "ticket_action",
    "endpoint_id": "webhook",
    "delivery_id": "delivery",
    "key_id": "api_key",
    ("notifications", "pk"): "notification",
    ("accreditations", "id"): "accreditation",
    ("api-keys", "id"): "api_key",
    ("assets", "id"): "asset",
    ("asset-claims", "id"): "asset",
    ("certifications", "id"): "certification",
    ("contracts", "id"): "contract",
    ("courses", "id"): "course",
    ("customers", "id"): "customer",
    ("engineers", "id"): "engineer",
    ("offerings", "id"): "offering",
    ("partners", "id"): "partner",
    ("partners", "partner_pk"): "partner",
    ("tickets", "id"): "ticket",
    ("tiers", "id"): "tier",
    ("webhooks", "id"): "webhook",
}
TENANT_KINDS = frozenset(
    {
        "partner",
        "engineer",
        "certification",
        "accreditation",
        "customer",
        "asset",
        "contract",
        "ticket",
        "notification",
        "webhook",
        "delivery",
        "api_key",
    }
)
# The ticket page's action buttons post to .../actions/<action>/: any action will do.
CONSTANTS = {"ticket_action": "acknowledge"}
# The admin is walked for callers it refuses before it reads a parameter (anonymous users
# and partner users, who are not staff): these only have to make a well-formed URL.
ADMIN_PARAMETERS = {
    "object_id": "1",
    "id": "1",
    "pk": "1",
    "content_type_id": "1",
    "app_label": "partners",
    "url": "no-such-page/",
}


class UnknownParameter(LookupError):
    pass


def parameter_kind(route: Route, name: str) -> str:
    """What ``name`` takes on ``route``; an unknown name is an error naming the route."""
    if route.family == ADMIN:
        if name not in ADMIN_PARAMETERS:
            raise UnknownParameter(
                f"{route.key}: no value is known for the admin's path parameter {name!r}. "
                "Add one to ADMIN_PARAMETERS (tests/servicone/routes.py)."
            )
        return ADMIN
    kind = PARAMETERS.get((route.segment, name)) or PARAMETERS.get(name)
    if kind is None:
        raise UnknownParameter(
            f"{route.key}: no object is known for the path parameter {name!r}. Say which "
            "object's id it takes in PARAMETERS (tests/servicone/routes.py)."
        )
    return kind


def fill(route: Route, ids: Callable[[str], object]) -> str:
    """The route's path with each parameter from ``ids(kind)`` (constants and, in the admin,
    ADMIN_PARAMETERS as they are)."""
    values: dict[str, object] = {}
    for name in route.params:
        kind = parameter_kind(route, name)
        if kind == ADMIN:
            values[name] = ADMIN_PARAMETERS[name]
        elif kind in CONSTANTS:
            values[name] = CONSTANTS[kind]
        else:
            values[name] = ids(kind)
    return route.path(values)


def tenant_parameters(route: Route) -> list[str]:
    """The parameters that take the id of a partner's object (all checked to be known)."""
    return [name for name in route.params if parameter_kind(route, name) in TENANT_KINDS]


# --- The URLconf ----------------------------------------------------------------------------


def _patterns(
    resolver: URLResolver, prefix: str = "/", params: tuple[str, ...] = ()
) -> Iterator[tuple[str, tuple[str, ...], Any]]:
    for entry in resolver.url_patterns:
        # ``normalize`` is what ``reverse()`` uses: a %-format string and the group names.
        fmt, names = normalize(entry.pattern.regex.pattern)[0]
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + fmt, params + tuple(names))
        elif isinstance(entry, URLPattern):
            yield prefix + fmt, params + tuple(names), entry.callback


def _page_methods(callback: Any) -> tuple[str, ...]:
    """The methods a page view answers: its ``require_http_methods`` list, its class's
    handlers, else both (a view without a decorator answers any method)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return tuple(
            m
            for m in PAGE_METHODS
            if m.lower() in view_class.http_method_names and hasattr(view_class, m.lower())
        )
    func = callback
    while func is not None:
        allowed = getclosurevars(func).nonlocals.get("request_method_list")
        if allowed is not None:
            return tuple(m for m in PAGE_METHODS if m in allowed)
        func = getattr(func, "__wrapped__", None)
    return PAGE_METHODS


def urlconf_routes() -> list[tuple[str, tuple[str, ...], Any]]:
    """``(template, params, callback)`` of every URL pattern, the API's included."""
    return list(_patterns(get_resolver()))


def page_routes() -> list[Route]:
    routes = []
    for template, params, callback in urlconf_routes():
        if template.startswith(API_PREFIX):
            continue  # the API is walked from its schema
        family = ADMIN if template.startswith(ADMIN_PREFIX) else PAGE
        for method in _page_methods(callback):
            routes.append(Route(family, method, template, params))
    return routes


# --- The published API schema ---------------------------------------------------------------

# API routes of the URLconf that the schema rightly leaves out (each answers GET).
OUTSIDE_THE_SCHEMA = {
    "/api/v1/": "the browsable API root",
    "/api/schema/": "the schema itself",
    "/api/docs/": "the interactive documentation of the schema",
}


def published_schema() -> dict[str, Any]:
    """The OpenAPI document ``/api/schema/`` serves (anonymous: the schema is public)."""
    response = Client().get(SCHEMA_URL)
    if response.status_code != 200:
        raise RuntimeError(f"{SCHEMA_URL} answered {response.status_code}")
    schema: dict[str, Any] = json.loads(response.content)
    return schema


def api_routes(schema: Mapping[str, Any]) -> list[Route]:
    routes = []
    for display, operations in schema["paths"].items():
        template = re.sub(r"\{(\w+)\}", r"%(\1)s", display)
        params = tuple(re.findall(r"\{(\w+)\}", display))
        for method in operations:
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                routes.append(Route(API, method.upper(), template, params))
    for path in OUTSIDE_THE_SCHEMA:
        routes.append(Route(API, "GET", path, ()))
    return routes


def shape(template: str) -> str:
    """A path with its parameters blanked, to compare URLconf and schema spellings."""
    return re.sub(r"%\(\w+\)s|\{\w+\}", "{}", template)


def all_routes() -> list[Route]:
    return sorted(
        page_routes() + api_routes(published_schema()),
        key=lambda r: (r.family, r.display, r.method),
    )
