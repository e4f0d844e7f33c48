"""The portal's realistic mix under load, through its pages and its API (locust).

``bench/load/run.py`` prepares the data and the production profile and runs this file;
by hand, against a portal seeded with ``seed_demo`` and started with
``TRUSTED_PROXY_COUNT=1`` (raise the API throttles, see run.py)::

    bench/load/.venv/bin/locust -f bench/load/locustfile.py --headless \
        --host http://127.0.0.1:8000 --users 50 --spawn-rate 5 --run-time 3m

Who does what (several virtual users share each demo login, each with its own session):

- partner admins (``ovesys.admin``): « Mon programme » and the scorecard;
- partner sales (``ovesys.sales``): the sell flow through its four pages, after registering
  a fresh asset on the customer's page of step 2 (a sale needs assets not yet covered);
- partner engineers (``ovesys.engineer``): open a ticket from a serial number, then take it,
  dispatch an engineer, arrive and resolve through the ticket page's action forms;
- integrations (a token of ``ovesys.admin``): entitlement look-ups by serial and the ticket
  list, through the API;
- HP staff (``hp.programme``): the programme dashboard, the approval queue and any
  partner's scorecard; CDS (``cds.dispatch``): the CDS queue and a ticket of it.

Every request goes as the TLS proxy would forward it (``X-Forwarded-Proto: https``, the
client's address in ``X-Forwarded-For``); each virtual user's cookie jar sends the portal's
Secure cookies back over the plain-HTTP hop, as the browser does over HTTPS to the proxy.
Requests are named by kind (``page: …``, ``post: …``, ``api: …``) so that the statistics
group them; any status outside 2xx/3xx is a failure, and so is a page that does not offer
the next step (a login redirect, a missing form).

Set by run.py: ``LOAD_MEASURE_SECONDS``, how long to measure once every virtual user has
logged in (the statistics are reset then, and the run stops after that long: the ramp's
logins, a password hash each, are not the portal's steady state); ``LOAD_SUMMARY_JSON``,
where to write at the end the percentiles per kind of request (pages, form posts, API
reads, API writes), merged from locust's own histograms.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import random
import re
import urllib.request
import uuid
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser
from locust.stats import StatsEntry

PASSWORD = os.environ.get("LOAD_PASSWORD", "ServiceOne-2026")  # the demo logins' password
# Think time: 2–8 s between two pages of a person, 1–3 s between two calls of an
# integration; LOAD_THINK_SCALE multiplies both (0.5: twice as busy).
THINK_SCALE = float(os.environ.get("LOAD_THINK_SCALE") or 1)
# The HP logins (run.py gives them a second factor: DEBUG=0 requires one of HP staff) and
# the recovery codes it gives them (``RECOVERY_PREFIX`` + 8 digits, from 0).
HP_LOGINS = ("hp.programme", "cds.dispatch")
RECOVERY_PREFIX = "ld"
_recovery_numbers = itertools.count()
# The client addresses the "proxy" reports: one per virtual user, in the benchmarking
# network of RFC 2544 (198.18.0.0/15).
_client_numbers = itertools.count()
# Serial numbers under coverage in force: found at the start through the API, then every
# asset the sales users cover. Shared by the engineers and the integrations.
COVERED: collections.deque[str] = collections.deque(maxlen=2000)
SOLD_CARE_PACK = "CP-PL-4H-24X7"
# Requests reach the portal over plain HTTP from "the proxy": Secure cookies go back on it.
BEHIND_THE_PROXY = DefaultCookiePolicy(secure_protocols=("https", "http"))


# --- HTML: the forms and links a browser would use ----------------------------------------------


class Page(HTMLParser):
    """The forms of a page (inputs, selects with their options, textareas) and its links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: list[dict[str, Any]] | None = None
        self._option: dict[str, Any] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"attrs": a, "inputs": [], "selects": {}, "textareas": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["inputs"].append(a)
        elif tag == "select":
            self._select = self._form["selects"].setdefault(a.get("name", ""), [])
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value", ""), "selected": "selected" in a, "text": ""}
            self._select.append(self._option)
        elif tag == "textarea":
            self._form["textareas"].append(a.get("name", ""))

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None

    def form(self, **attrs: str) -> dict[str, Any] | None:
        """The first form whose attributes include these (``data_testid="x"`` for data-testid)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        for form in self.forms:
            if all(form["attrs"].get(k) == v for k, v in wanted.items()):
                return form
        return None

    def form_with(self, field: str) -> dict[str, Any] | None:
        """The first form with a field of this name."""
        for form in self.forms:
            names = {f.get("name") for f in form["inputs"]} | set(form["selects"])
            if field in names | set(form["textareas"]):
                return form
        return None


def submitted(form: dict[str, Any]) -> list[tuple[str, str]]:
    """What the browser sends without the user touching anything: hidden fields, checked boxes
    and radios, and each select's selected (else first) option."""
    pairs = []
    for field in form["inputs"]:
        kind = field.get("type", "text")
        if not field.get("name") or "disabled" in field:
            continue
        if kind == "hidden" or (kind in ("checkbox", "radio") and "checked" in field):
            pairs.append((field["name"], field.get("value", "on")))
    for name, options in form["selects"].items():
        chosen = next((o for o in options if o["selected"]), options[0] if options else None)
        if chosen is not None:
            pairs.append((name, chosen["value"]))
    return pairs


def option_value(form: dict[str, Any], select: str, *, text: str = "") -> str:
    """The first non-empty option of a select (containing ``text`` when given)."""
    for option in form["selects"].get(select, []):
        if option["value"] and text.lower() in option["text"].lower():
            return str(option["value"])
    return ""


# --- Users ---------------------------------------------------------------------------------------


class PortalUser(FastHttpUser):
    """A person (or a system) behind the TLS proxy, with a session of its own."""

    abstract = True
    wait_time = between(2 * THINK_SCALE, 8 * THINK_SCALE)  # between two pages
    username = ""
    # Fail instead of hanging when the portal stops answering.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        n = next(_client_numbers)
        self.headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"198.18.{n // 250}.{n % 250 + 1}",
            "Accept-Language": "fr",
        }
        self.origin = "https://" + urlsplit(self.host).netloc
        self.client.cookiejar.set_policy(BEHIND_THE_PROXY)
        try:
            self.begin()
        finally:
            user_started(self.environment)

    def begin(self) -> None:
        """What the user does once, before its tasks: log in through the login page."""
        self.login()

    # Every request goes through these two, which decide what a failure is.

    def page(self, name: str, path: str) -> str | None:
        """GET a page; None (a failure recorded under ``name``) unless it answers 200."""
        with self.client.get(
            path,
            name=name,
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"{response.status_code} {where}".strip())
                return None
            return str(response.text)

    def post(self, name: str, path: str, fields: list[tuple[str, str]]) -> str | None:
        """POST a form as the browser would; the redirect's target, or None (a failure)."""
        with self.client.post(
            path,
            name=name,
            data=urlencode(fields),
            headers={
                **self.headers,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.origin + path,
            },
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or "/accounts/login/" in location:
                response.failure(f"{response.status_code} {location}".strip())
                return None
            return str(urlsplit(location)._replace(scheme="", netloc="").geturl())

    def login(self) -> None:
        # Where the portal sends a visitor without a session (LoginRequiredMiddleware).
        login = "/accounts/login/?next=/"
        html = self.page("page: login", login)
        form = Page(html).form_with("password") if html else None
        if form is None:
            raise StopUser
        fields = [*submitted(form), ("username", self.username), ("password", PASSWORD)]
        landing = self.post("post: login", login, fields)
        if landing is None:
            raise StopUser
        if self.username in HP_LOGINS:
            # The portal sends HP staff from any page to the code page until they give one.
            landing = self.second_factor(f"/accounts/2fa/verify/?{urlencode({'next': landing})}")
            if landing is None:
                raise StopUser
        self.page("page: home", landing)

    def second_factor(self, path: str) -> str | None:
        """HP staff must give a second factor with DEBUG=0: one of the recovery codes
        run.py gave the login (single use each, like a code from the app, which several
        virtual users sharing one login could not each use within the same 30 s)."""
        html = self.page("page: two-factor", path)
        form = Page(html).form_with("code") if html else None
        if form is None:
            return None
        code = f"{RECOVERY_PREFIX}{next(_recovery_numbers):08d}"
        return self.post("post: two-factor", path, [*submitted(form), ("code", code)])

    def think(self) -> None:
        self.wait()

    def form(self, name: str, html: str | None, **attrs: str) -> dict[str, Any] | None:
        """The page's form to go on with; a page without it is a failure of ``name``."""
        if html is None:
            return None  # the request failed: already counted
        form = Page(html).form(**attrs)
        if form is None:
            self.missing(name, f"no form {attrs}")
        return form

    def missing(self, name: str, why: str) -> None:
        """Record a failure of a page that answered 200 without the next step."""
        self.environment.events.request.fire(
            request_type="GET",
            name=name,
            response_time=0,
            response_length=0,
            exception=AssertionError(why),
            context={},
        )


class PartnerAdmin(PortalUser):
    weight = 2
    username = "ovesys.admin"

    @task(3)
    def programme(self) -> None:
        self.page("page: programme", "/programme/")

    @task(2)
    def scorecard(self) -> None:
        self.page("page: scorecard", "/reports/scorecard/")


class PartnerSales(PortalUser):
    weight = 3
    username = "ovesys.sales"

    @task
    def sell(self) -> None:
        """Catalogue, then customer → a fresh asset → care pack → confirmation → contract."""
        if self.page("page: catalogue", "/catalogue/") is None:
            return
        self.think()
        html = self.page("page: sell customer", "/contracts/sell/")
        customers = (
            [link for link in Page(html).links if link.startswith("/contracts/sell/assets/")]
            if html
            else []
        )
        if not customers:
            return
        self.think()
        step2 = random.choice(customers)
        html = self.page("page: sell assets", step2)
        form = self.form("page: sell assets", html, data_testid="new-asset-form")
        if form is None:
            return
        serial = "LD" + uuid.uuid4().hex[:10].upper()
        fields = [
            *submitted(form),
            ("asset-serial_number", serial),
            ("asset-vendor", "hp"),
            ("asset-product_line", option_value(form, "asset-product_line", text="ProLiant")),
            ("asset-model", "DL380 Gen11"),
            ("asset-site", option_value(form, "asset-site")),
        ]
        self.think()
        chosen = self.post("post: sell add asset", step2, fields)
        html = self.page("page: sell assets", chosen) if chosen else None
        form = self.form("page: sell assets", html, data_testid="assets-form")
        if form is None:
            return
        self.think()
        html = self.page(
            "page: sell offering", form["attrs"]["action"] + "?" + urlencode(submitted(form))
        )
        form = self.form("page: sell offering", html, data_testid="offering-form")
        if form is None:
            return
        offered = [
            f["value"]
            for f in form["inputs"]
            if f.get("name") == "offering" and "disabled" not in f
        ]
        if SOLD_CARE_PACK not in offered:
            self.missing("page: sell offering", f"{SOLD_CARE_PACK} not offered")
            return
        starts_on = next(f["value"] for f in form["inputs"] if f.get("name") == "starts_on")
        confirm = (
            form["attrs"]["action"]
            + "?"
            + urlencode(
                [
                    *[(k, v) for k, v in submitted(form) if k != "offering"],
                    ("offering", SOLD_CARE_PACK),
                    ("starts_on", starts_on),
                ]
            )
        )
        self.think()
        html = self.page("page: sell confirm", confirm)
        form = self.form("page: sell confirm", html, data_testid="confirm-form")
        if form is None:
            return
        self.think()
        contract = self.post("post: sell confirm", confirm, [*submitted(form), ("action", "sell")])
        if contract is None:
            return
        COVERED.append(serial)
        self.page("page: contract", contract)


ACTIONS = ("acknowledge", "dispatch", "arrive", "resolve")
DISPATCH_FIELDS = ("dispatch-engineer", "dispatch-reason")


class PartnerEngineer(PortalUser):
    weight = 3
    username = "ovesys.engineer"

    @task
    def open_and_work_a_ticket(self) -> None:
        """Look the serial up, open the ticket, then take it to « resolved » action by action."""
        if not COVERED:
            return
        self.page("page: tickets", "/tickets/")
        self.think()
        self.page("page: ticket new", "/tickets/new/")
        serial = random.choice(COVERED)
        html = self.page("page: ticket lookup", "/tickets/new/?" + urlencode({"serial": serial}))
        form = self.form("page: ticket lookup", html, data_testid="open-form")
        if form is None:
            return
        radios = [f["value"] for f in form["inputs"] if f.get("name") == "asset"]
        fields = [
            *[(k, v) for k, v in submitted(form) if k != "asset"],
            ("asset", radios[0] if radios else ""),
            ("severity", str(random.choice((1, 2, 2, 3, 3, 4)))),
            ("kind", "incident"),
            ("summary", "Charge : disque en panne"),
            ("description", "Ouvert par le test de charge."),
        ]
        self.think()
        ticket = self.post("post: ticket open", "/tickets/new/", fields)
        html = self.page("page: ticket", ticket) if ticket else None
        for action in ACTIONS:
            if html is None:
                return  # the previous request failed: already counted
            form = Page(html).form(data_action=action)
            if form is None:
                if action != "acknowledge":
                    self.missing("page: ticket", f"no {action} action after the previous one")
                return  # routed to CDS at opening: CDS takes the call, not the partner
            fields = submitted(form)
            if action == "dispatch":
                fields = [(k, v) for k, v in fields if k not in DISPATCH_FIELDS]
                # The first engineer is the best ranked (certified on the line when the
                # partner has one); a reason goes too, required when not certified.
                fields.append(("dispatch-engineer", option_value(form, "dispatch-engineer")))
                fields.append(("dispatch-reason", "Test de charge"))
            elif action == "resolve":
                fields.append(("resolve-note", "Disque remplacé, RAID reconstruit."))
            self.think()
            back = self.post(f"post: ticket {action}", form["attrs"]["action"], fields)
            html = self.page("page: ticket", back) if back else None


class Integration(PortalUser):
    """A partner's system calling the API with a token, every 1–3 s."""

    weight = 3
    username = "ovesys.admin"
    wait_time = between(1 * THINK_SCALE, 3 * THINK_SCALE)

    def begin(self) -> None:
        with self.client.post(
            "/api/v1/auth/token/",
            name="api post: token",
            json={"username": self.username, "password": PASSWORD},
            headers=self.headers,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))
                raise StopUser
            token = response.json()["token"]
        self.api_headers = {**self.headers, "Authorization": f"Token {token}"}

    def api(self, name: str, path: str) -> None:
        with self.client.get(
            path, name=name, headers=self.api_headers, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))

    @task(4)
    def entitlements(self) -> None:
        # Mostly known serials, sometimes one the partner does not hold (an empty answer).
        if COVERED and random.random() < 0.8:
            serial = random.choice(COVERED)
        else:
            serial = "ZZ" + uuid.uuid4().hex[:8].upper()
        self.api("api: entitlements", "/api/v1/entitlements/?" + urlencode({"serial": serial}))

    @task(1)
    def tickets(self) -> None:
        self.api("api: tickets", "/api/v1/tickets/?page_size=50")


class HpStaff(PortalUser):
    weight = 1
    username = "hp.programme"

    def begin(self) -> None:
        self.login()
        html = self.page("page: scorecard picker", "/reports/scorecard/")
        form = Page(html).form_with("partner") if html else None
        self.partners = [
            o["value"] for o in (form["selects"].get("partner", []) if form else []) if o["value"]
        ]

    @task(2)
    def dashboard(self) -> None:
        self.page("page: programme report", "/reports/programme/")

    @task(2)
    def approvals(self) -> None:
        self.page("page: accreditation queue", "/hp/accreditations/")

    @task(1)
    def any_scorecard(self) -> None:
        if self.partners:
            partner = random.choice(self.partners)
            self.page("page: scorecard (HP)", f"/reports/scorecard/?partner={partner}")


TICKET_LINK = re.compile(r'href="(/tickets/\d+/)"')


class CdsDispatcher(PortalUser):
    weight = 1
    username = "cds.dispatch"

    @task
    def queue(self) -> None:
        html = self.page("page: cds queue", "/tickets/cds/")
        links = TICKET_LINK.findall(html or "")
        if links:
            self.think()
            self.page("page: ticket", random.choice(links[:20]))


# --- Set-up, measured window and summary --------------------------------------------------------

# Seconds to measure once every virtual user has logged in (run.py sets it): the logins of
# the ramp (a password hash each, all at once) are not the portal's steady state.
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS") or 0)
_users_started = itertools.count(1)


def user_started(environment: Any) -> None:
    """After the last user's start: statistics from zero, and the end of the run planned."""
    options = environment.parsed_options
    if not MEASURE_SECONDS or options is None or next(_users_started) != options.num_users:
        return
    environment.runner.stats.reset_all()
    print(
        f"load: all {options.num_users} users logged in; statistics reset, "
        f"measuring {MEASURE_SECONDS:g} s",
        flush=True,
    )
    gevent.spawn_later(MEASURE_SECONDS, environment.runner.quit)


@events.test_start.add_listener
def find_covered_serials(environment: Any, **_kwargs: Any) -> None:
    """The partner's serial numbers under a coverage a ticket can be opened on (API, once)."""
    if COVERED:
        return
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "198.19.255.1",
        "Content-Type": "application/json",
    }

    def call(path: str, body: dict[str, Any] | None = None, **extra: str) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the portal under test, on loopback
            environment.host.rstrip("/") + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={**headers, **extra},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read())

    token = call("/api/v1/auth/token/", {"username": "ovesys.engineer", "password": PASSWORD})
    path = "/api/v1/assets/?covered=true&page_size=200"
    while path:
        answer = call(path, Authorization=f"Token {token['token']}")
        for asset in answer["results"]:
            if any(c["kind"] != "proactive_credits" for c in asset["coverage"]):
                COVERED.append(asset["serial_number"])
        following = answer.get("next")
        path = str(urlsplit(following)._replace(scheme="", netloc="").geturl()) if following else ""
    print(f"load: {len(COVERED)} covered serial numbers found for the engineers", flush=True)


KINDS = (
    ("pages", lambda name, method: name.startswith("page:")),
    ("form posts", lambda name, method: name.startswith("post:")),
    ("API reads", lambda name, method: name.startswith("api:") and method == "GET"),
    ("API writes", lambda name, method: name.startswith("api post:")),
)


@events.quitting.add_listener
def write_summary(environment: Any, **_kwargs: Any) -> None:
    target = os.environ.get("LOAD_SUMMARY_JSON")
    if not target:
        return
    stats = environment.stats
    summary: dict[str, Any] = {}
    for kind, matches in KINDS:
        merged = StatsEntry(stats, kind, "", use_response_times_cache=False)
        for (name, method), entry in stats.entries.items():
            if matches(name, method):
                merged.extend(entry)
        if not merged.num_requests and not merged.num_failures:
            continue
        summary[kind] = {
            "requests": merged.num_requests,
            "failures": merged.num_failures,
            "rps": merged.total_rps,
            "p50": merged.get_response_time_percentile(0.5),
            "p95": merged.get_response_time_percentile(0.95),
            "p99": merged.get_response_time_percentile(0.99),
        }
    with open(target, "w", encoding="utf-8") as out:
        json.dump(summary, out)
