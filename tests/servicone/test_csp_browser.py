"""Every page family, as each role, in Chromium under the portal's Content-Security-Policy.

The policy allows no inline script or style: a page that still had a ``style=`` attribute, a
``<style>`` element or an inline script would have it refused, and Chromium reports each
refusal (a ``securitypolicyviolation`` event and a console message). The test fails on any
such report, and on what a refused style would break: charts without their colours or
size, progress bars without their width.

The browser and the live server share the real clock: tickets are opened minutes ago so
they belong to the current month, the scorecard's default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import ContractAsset
from reports import charts
from servicone.models import Notification
from tests.conftest import login
from tests.partners.factories import PASSWORD, certify, set_tier, submitted_application
from tests.tickets.factories import covered_asset
from tickets.services import ticket_acknowledge, ticket_handover, ticket_open

pytestmark = pytest.mark.browser

# Records every refusal the page reports, from the first script on (an init script runs
# before the page's own and outside its policy).
VIOLATION_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`
  );
});
"""


def rgb(hex_colour: str) -> str:
    """``#0b5cab`` as the browser's computed style writes it: ``rgb(11, 92, 171)``."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


BRAND, OK = rgb(charts.BRAND), rgb(charts.OK)
PALETTE = {rgb(colour) for colour in charts.PALETTE}


@dataclass
class Portal:
    ticket: int
    cds_ticket: int
    asset: int
    customer: int
    contract: int
    accreditation: int
    partner: int


@dataclass
class Visitor:
    """One role's browser: its page, and every CSP refusal reported on it."""

    page: Any
    base_url: str
    console: list[str] = field(default_factory=list)

    def visit(self, path: str, ready: str | None = None) -> list[str]:
        """Open ``path``, wait for ``ready`` (a selector) if given, and return the refusals."""
        self.console.clear()
        response = self.page.goto(f"{self.base_url}{path}")
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"
        if ready:
            expect(self.page.locator(ready).first).to_be_visible()
        # A refusal is reported by an event queued while the page loads: it has run by the
        # time this later script does.
        reported = self.page.evaluate("window.__cspViolations || []")
        return [*reported, *self.console]


@pytest.fixture
def portal(partner, partner_admin, partner_sales, partner_engineer, other_partner) -> Portal:
    """A Deliver partner short of some criteria (bars part filled), with tickets of this
    month (one handed over to CDS), an application for Expert, and a second partner at Sell."""
    asset = covered_asset(partner)
    certify(partner, "3PAR-MASE", 1, passed_on=timezone.localdate() - timedelta(days=30))
    partner.declared_revenue_12m_eur = Decimal("14000.00")
    partner.save(update_fields=["declared_revenue_12m_eur"])
    set_tier(other_partner, "sell")
    opened = timezone.now() - timedelta(minutes=30)
    tickets = []
    for i in range(3):
        ticket = ticket_open(
            asset=asset,
            severity=3,
            kind="incident",
            summary="Ventilateur bruyant",
            actor=partner_engineer,
            at=opened + timedelta(minutes=i),
        )
        tickets.append(ticket)
    ticket_acknowledge(ticket=tickets[0], actor=partner_engineer, at=opened + timedelta(minutes=5))
    ticket_handover(
        ticket=tickets[2],
        actor=partner_engineer,
        reason="Pièce introuvable",
        at=opened + timedelta(minutes=6),
    )
    application = submitted_application(partner, partner_admin)
    for user in (partner_admin, partner_sales, partner_engineer):
        Notification.objects.create(
            recipient=user,
            partner=partner,
            kind="csp",
            dedup_key="csp",
            subject="Ticket transféré",
            body="Le ticket a été transféré au CDS.",
            link=f"/tickets/{tickets[2].pk}/",
        )
    return Portal(
        ticket=tickets[0].pk,
        cds_ticket=tickets[2].pk,
        asset=asset.pk,
        customer=asset.customer_id,
        contract=ContractAsset.objects.get(asset=asset).contract_id,
        accreditation=application.pk,
        partner=partner.pk,
    )


@pytest.fixture
def open_as(page: Any, _playwright_browser: Any) -> Iterator[Callable[[str | None], Visitor]]:
    """``open_as(username)``: a browser of that user's own, logged in (``None``: anonymous)."""
    contexts = []

    def open_browser(username: str | None) -> Visitor:
        context = _playwright_browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(15_000)
        context.add_init_script(VIOLATION_LISTENER)
        contexts.append(context)
        browser_page = context.new_page()
        browser_page.base_url = page.base_url
        visitor = Visitor(browser_page, page.base_url)
        browser_page.on(
            "console",
            lambda message: visitor.console.append(message.text)
            if "Content Security Policy" in message.text
            else None,
        )
        if username is not None:
            login(browser_page, username, PASSWORD)
        return visitor

    yield open_browser
    for context in contexts:
        context.close()


# --- What a refused style would break ----------------------------------------------------------

BARS_JS = """
() => [...document.querySelectorAll(".progress, .hbar")]
  .filter((bar) => bar.getClientRects().length > 0)  // shown (not in a closed <details>)
  .map((bar) => {
  const rect = bar.querySelector("rect");
  const asked = rect ? parseFloat(rect.getAttribute("width")) : NaN;
  return {
    asked,
    drawn: rect ? rect.getBoundingClientRect().width : 0,
    track: bar.getBoundingClientRect().width,
    height: rect ? rect.getBoundingClientRect().height : 0,
    fill: rect ? getComputedStyle(rect).fill : "",
  };
})
"""


def assert_bars_drawn(visitor: Visitor, *, at_least: int, part_filled: bool = False) -> None:
    """Each progress bar filled to its value, in the portal's colours; some not empty."""
    bars = visitor.page.evaluate(BARS_JS)
    assert len(bars) >= at_least, bars
    for bar in bars:
        assert bar["height"] > 0, bar
        assert bar["fill"] in (BRAND, OK), bar
        expected = bar["track"] * bar["asked"] / 100
        assert abs(bar["drawn"] - expected) <= 2.5, bar  # the 2 px floor of an empty count
    assert any(bar["drawn"] > 10 for bar in bars), bars
    if part_filled:
        assert any(10 < bar["drawn"] < bar["track"] - 10 for bar in bars), bars


CHART_JS = """
(testid) => {
  const svg = document.querySelector(`[data-testid=${testid}] svg`);
  if (!svg) { return null; }
  const box = svg.getBoundingClientRect();
  const title = svg.querySelector("text.title");
  const series = svg.querySelector(".series rect, .series path.line");
  const style = series ? getComputedStyle(series) : null;
  return {
    width: box.width,
    height: box.height,
    shapes: svg.querySelectorAll(".series rect, .series path").length,
    titleSize: title ? getComputedStyle(title).fontSize : "",
    titleAnchor: title ? getComputedStyle(title).textAnchor : "",
    seriesFill: style ? style.fill : "",
    seriesStroke: style ? style.stroke : "",
  };
}
"""


def assert_charts_drawn(visitor: Visitor, *testids: str) -> None:
    """Each chart drawn at size, styled by the portal's stylesheet, its series coloured."""
    for testid in testids:
        chart = visitor.page.evaluate(CHART_JS, testid)
        assert chart is not None, testid
        assert chart["width"] > 200, (testid, chart)
        assert chart["height"] > 50, (testid, chart)
        assert chart["shapes"] > 0, (testid, chart)
        assert chart["titleSize"] == "15px", (testid, chart)
        assert chart["titleAnchor"] == "middle", (testid, chart)
        # Unstyled, a series would fill black and stroke nothing.
        assert {chart["seriesFill"], chart["seriesStroke"]} & PALETTE, (testid, chart)


# --- The pages ----------------------------------------------------------------------------------


def test_partner_pages_run_under_the_policy_with_their_bars_and_charts(
    open_as, portal, partner_admin, partner_sales, partner_engineer
):
    anonymous = open_as(None)
    assert anonymous.visit("/accounts/login/", "#id_username") == []

    admin = open_as("p.admin")
    pages = {
        "/": "h1",
        "/programme/": "[data-testid=current-tier]",
        "/programme/team/": "h1",
        "/programme/users/": "h1",
        "/programme/accreditations/": "h1",
        "/catalogue/": "h1",
        "/contracts/": "h1",
        f"/contracts/{portal.contract}/": "h1",
        "/customers/": "h1",
        f"/customers/{portal.customer}/": "h1",
        f"/assets/{portal.asset}/": "h1",
        "/tickets/": "[data-testid=ticket-row]",
        f"/tickets/{portal.ticket}/": "[data-testid=countdown-onsite]",
        "/tickets/new/": "h1",
        "/reports/scorecard/": "[data-testid=chart-sla] svg",
        "/notifications/": "h1",
        "/accounts/password/": "h1",
        "/accounts/2fa/": "h1",
    }
    for path, ready in pages.items():
        assert admin.visit(path, ready) == [], path
        if path == "/programme/":
            assert_bars_drawn(admin, at_least=3, part_filled=True)
        if path == "/reports/scorecard/":
            assert_charts_drawn(
                admin, "chart-sla", "chart-delivery", "chart-tickets-trend", "chart-revenue"
            )
            assert_bars_drawn(admin, at_least=1)
    # The countdowns' script runs: the badge counts down, in minutes and seconds.
    admin.visit(f"/tickets/{portal.ticket}/")
    expect(admin.page.locator("[data-testid=countdown-onsite] .sla-value")).to_contain_text(" min ")
    # The API's interactive documentation: Swagger UI draws every operation.
    assert admin.visit("/api/docs/", ".swagger-ui .opblock") == []

    sales = open_as("p.sales")
    for path, ready in {
        "/": "h1",
        "/contracts/sell/": "h1",
        f"/contracts/sell/assets/?customer={portal.customer}": "h1",
        "/customers/": "h1",
        "/programme/": "[data-testid=current-tier]",
    }.items():
        assert sales.visit(path, ready) == [], path

    engineer = open_as("p.engineer")
    for path, ready in {
        "/": "h1",
        "/tickets/": "[data-testid=ticket-row]",
        f"/tickets/{portal.ticket}/": "[data-testid=countdown-onsite]",
        "/programme/team/": "h1",
    }.items():
        assert engineer.visit(path, ready) == [], path


def test_hp_pages_and_the_admin_run_under_the_policy_with_their_bars_and_charts(
    open_as, portal, programme_manager, cds_dispatcher
):
    manager = open_as("hp.pm")
    pages = {
        "/": "h1",
        "/hp/programme/": "[data-testid=tier-count]",
        f"/hp/partners/{portal.partner}/": "[data-testid=current-tier]",
        "/hp/accreditations/": "h1",
        f"/hp/accreditations/{portal.accreditation}/": "h1",
        "/reports/programme/": "[data-testid=chart-organisations] svg",
        f"/reports/scorecard/?partner={portal.partner}": "[data-testid=chart-sla] svg",
        "/admin/": "#content",
        "/admin/partners/partner/": "#result_list",
        f"/admin/partners/partner/{portal.partner}/change/": "#content-main form",
        "/api/docs/": ".swagger-ui .opblock",
    }
    for path, ready in pages.items():
        assert manager.visit(path, ready) == [], path
        if path == "/hp/programme/":
            assert_bars_drawn(manager, at_least=3)
        if path == f"/hp/partners/{portal.partner}/":
            assert_bars_drawn(manager, at_least=3, part_filled=True)
        if path == "/reports/programme/":
            assert_charts_drawn(manager, "chart-organisations", "chart-tickets-trend")
        if path.startswith("/reports/scorecard/"):
            assert_charts_drawn(manager, "chart-sla", "chart-delivery", "chart-revenue")

    dispatcher = open_as("cds.disp")
    for path, ready in {
        "/": "h1",
        "/tickets/cds/": "[data-testid=ticket-row]",
        f"/tickets/{portal.cds_ticket}/": "[data-testid=countdown-onsite]",
        "/hp/programme/": "[data-testid=tier-count]",
        "/notifications/": "h1",
    }.items():
        assert dispatcher.visit(path, ready) == [], path
