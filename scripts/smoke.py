"""Smoke test of a running production profile, over HTTP, as a user and a scraper would.

    python scripts/smoke.py http://127.0.0.1:8765

It plays the TLS proxy in front of the portal (``X-Forwarded-Proto: https`` and an
``X-Forwarded-For`` it appends to), so run the portal with ``TRUSTED_PROXY_COUNT=1``.
Needs the demo logins (``seed_demo``) and ``METRICS_TOKEN`` in the environment. Steps:
ready → log in through the login page → sell a care pack through the API → open a ticket
→ see it on its page → the worker armed its timers and beat ran the SLA sweep (read from
/metrics) → /metrics is closed without the token. Exits non-zero at the first failure.
Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any
from zoneinfo import ZoneInfo

PASSWORD = "ServiceOne-2026"  # noqa: S105 - the demo logins' password
CLIENT_IP = "203.0.113.10"  # where the "proxy" says the client connects from


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    """A browser behind the proxy: it keeps cookies itself, since the Secure ones would not
    go back over the plain-HTTP hop from the proxy to the portal in a cookie jar."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.secure: dict[str, bool] = {}
        self.opener = urllib.request.build_opener(NoRedirect())

    def call(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        sent = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": CLIENT_IP,
            "Host": urllib.parse.urlsplit(self.base).netloc,
            "Accept-Language": "fr",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(  # noqa: S310 - our own portal on loopback
            self.base + path, data=data, method=method, headers=sent
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                status, received, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, received, body = error.code, error.headers, error.read()
        for header in received.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
                self.secure[name] = bool(morsel["secure"])
        return status, dict(received), body

    def api(
        self, method: str, path: str, token: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        status, _, content = self.call(
            method,
            f"/api/v1/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        return status, json.loads(content) if content else None


def step(text: str) -> None:
    print(f"smoke: {text}", flush=True)


def check(condition: bool, text: str) -> None:
    if not condition:
        print(f"smoke: FAILED: {text}", file=sys.stderr, flush=True)
        sys.exit(1)


def wait_ready(client: Client, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, _, body = client.call("GET", "/readyz")
            if status == 200:
                return json.loads(body)
        except OSError:
            pass
        if time.monotonic() > deadline:
            check(False, f"/readyz not 200 after {timeout} s")
        time.sleep(0.5)


def metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


def metrics(client: Client) -> str:
    status, _, body = client.call(
        "GET", "/metrics", headers={"Authorization": f"Bearer {os.environ['METRICS_TOKEN']}"}
    )
    check(status == 200, f"/metrics with the token answered {status}")
    return body.decode()


def login_page(client: Client, username: str) -> None:
    status, _, body = client.call("GET", "/accounts/login/")
    check(status == 200, f"login page answered {status}")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    check(token is not None, "no CSRF token on the login page")
    assert token is not None
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    status, _, _ = client.call(
        "POST",
        "/accounts/login/",
        data=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": "https://" + urllib.parse.urlsplit(client.base).netloc + "/accounts/login/",
        },
    )
    check(status == 302, f"login answered {status}, not a redirect")
    check(client.secure.get("sessionid", False), "no Secure session cookie after login")


def api_token(client: Client, username: str) -> str:
    status, _, body = client.call(
        "POST",
        "/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    check(status == 200, f"token for {username}: {status} {body[:200]!r}")
    return str(json.loads(body)["token"])


def main(base: str) -> None:
    web = Client(base)
    ready = wait_ready(web)
    step(f"ready: {ready}")

    login_page(web, "ovesys.sales")
    status, _, _ = web.call("GET", "/")
    check(status == 200, f"home page after login answered {status}")
    step("logged in through the login page (Secure session cookie, CSRF)")

    sales = api_token(web, "ovesys.sales")
    status, offerings = web.api("GET", "offerings/?page_size=200", sales)
    check(status == 200, f"offerings: {status}")
    care_pack = next(
        o
        for o in offerings["results"]
        if o["kind"] == "care_pack" and "proliant" in o["product_lines"] and o["tier_to_sell"]
    )
    status, customer = web.api(
        "POST",
        "customers/",
        sales,
        {"name": f"Smoke {uuid.uuid4().hex[:8]}", "sites": [{"name": "Siège", "city": "Lyon"}]},
    )
    check(status == 201, f"customer: {status} {customer}")
    serial = f"SMK{uuid.uuid4().hex[:9].upper()}"
    status, asset = web.api(
        "POST",
        "assets/",
        sales,
        {
            "serial_number": serial,
            "product_line": "proliant",
            "vendor": "hp",
            "model": "DL380 Gen11",
            "customer": customer["id"],
            "site": customer["sites"][0]["id"],
        },
    )
    check(status == 201, f"asset: {status} {asset}")
    status, contract = web.api(
        "POST",
        "contracts/",
        sales,
        {
            "offering": care_pack["id"],
            "customer": customer["id"],
            "assets": [asset["id"]],
            "starts_on": datetime.now(ZoneInfo("Europe/Paris")).date().isoformat(),
        },
    )
    check(status == 201, f"sale: {status} {contract}")
    step(f"sold {care_pack['code']} as contract {contract['number']} ({contract['status']})")

    engineer = api_token(web, "ovesys.engineer")
    status, ticket = web.api(
        "POST",
        "tickets/",
        engineer,
        {"asset": asset["id"], "severity": 2, "kind": "incident", "summary": "Smoke: disque HS"},
    )
    check(status == 201, f"ticket: {status} {ticket}")
    check(len(ticket["sla"]) == 3, f"ticket without its three SLA targets: {ticket['sla']}")
    step(f"opened ticket {ticket['number']} ({ticket['delivered_by']}, {ticket['status']})")

    status, _, page = web.call("GET", f"/tickets/{ticket['id']}/")
    check(status == 200 and ticket["number"].encode() in page, f"ticket page: {status}")

    # The worker armed the new ticket's timers; beat sends the SLA sweep every 30 s.
    deadline = time.monotonic() + 75
    while True:
        text = metrics(web)
        armed = metric(
            text,
            'servicone_celery_tasks_total{outcome="succeeded",task="tickets.tasks.arm_ticket_timers"}',
        )
        swept = metric(
            text, 'servicone_celery_tasks_total{outcome="succeeded",task="tickets.tasks.sla_sweep"}'
        )
        if armed >= 1 and swept >= 1:
            break
        check(time.monotonic() < deadline, f"worker/beat not seen in /metrics ({armed}, {swept})")
        time.sleep(1)
    lag = metric(text, "servicone_sla_sweep_lag_seconds")
    check(lag < 60, f"SLA sweep lag {lag} s")
    check("django_http_requests_latency_seconds_by_view_method" in text, "no request latency")
    step(f"worker armed the timers, beat ran the sweep; SLA sweep lag {lag:.0f} s")

    status, _, _ = web.call("GET", "/metrics")
    check(status == 403, f"/metrics without the token from {CLIENT_IP} answered {status}")
    step("/metrics closed to the public; smoke passed")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765")
