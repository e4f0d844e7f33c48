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

Beside this file (locust puts its folder on ``sys.path``): ``portal_user.py``, the virtual
user every one above is (requests, log-in, second factor, the measured window), and
``html_forms.py``, the forms and links of a page as a browser reads them.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

from html_forms import Page, option_value, submitted
from locust import between, events, task
from locust.exception import StopUser
from locust.stats import StatsEntry
from portal_user import PASSWORD, THINK_SCALE, USERS_NOT_LOGGED_IN, PortalUser

# Serial numbers under coverage in force: found at the start through the API, then every
# asset the sales users cover. Shared by the engineers and the integrations.
COVERED: collections.deque[str] = collections.deque(maxlen=2000)
SOLD_CARE_PACK = "CP-PL-4H-24X7"


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


# --- Set-up and summary -------------------------------------------------------------------------


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
        json.dump({"kinds": summary, "users_not_logged_in": USERS_NOT_LOGGED_IN[0]}, out)
