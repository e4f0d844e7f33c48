"""In Chromium: the header at 1366 px and on a phone, the error pages, the favicon (FR and EN)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import login
from tests.partners.factories import PASSWORD, partner_user

ROW_JS = """
() => [...document.querySelectorAll("nav.mainnav a")].map((a) => {
  const box = a.getBoundingClientRect();
  return {text: a.textContent.trim(), top: Math.round(box.top), bottom: Math.round(box.bottom),
          current: a.getAttribute("aria-current") === "page"};
})
"""


def menu_items(page):
    return page.evaluate(ROW_JS)


def in_english(page):
    page.click("button[data-lang=en]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.parametrize("who", ["p.admin", "hp.pm"])
def test_the_menu_holds_on_one_row_at_1366_px_with_one_current_item(
    page, who, partner_admin, programme_manager
):
    page.set_viewport_size({"width": 1366, "height": 800})
    login(page, who, PASSWORD)
    for language in ("fr", "en"):
        items = menu_items(page)
        assert len(items) >= 9
        assert len({item["top"] for item in items}) == 1, items  # one row
        assert [item["text"] for item in items if item["current"]] == [
            "Accueil" if language == "fr" else "Home"
        ]
        header = page.locator("[data-testid=topbar]").bounding_box()
        assert header["height"] < 110, header
        if language == "fr":
            in_english(page)


@pytest.mark.browser
def test_in_the_sell_flow_only_contracts_is_current(page, partner, partner_sales):
    from tests.contracts.factories import CustomerFactory

    customer = CustomerFactory(partner=partner, name="Clinique des Cèdres")
    page.set_viewport_size({"width": 1366, "height": 800})
    login(page, "p.sales", PASSWORD)
    page.goto(f"{page.base_url}/contracts/sell/assets/?customer={customer.pk}")
    assert [i["text"] for i in menu_items(page) if i["current"]] == ["Contrats"]


@pytest.mark.browser
def test_on_a_phone_the_menu_opens_and_closes_with_its_button_in_both_languages(
    page, partner, partner_engineer
):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "p.engineer", PASSWORD)
    toggle = page.locator("[data-testid=menu-toggle]")
    menu = page.locator("#site-menu")
    header = page.locator("[data-testid=topbar]")

    assert header.bounding_box()["height"] < 70  # not a third of the screen
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(menu).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.locator("a", has_text="Tickets")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    # The account menu: the person's settings and the way out.
    page.click("[data-testid=account-menu] summary")
    expect(page.locator("[data-testid=two-factor-link]")).to_be_visible()
    page.click("h1")  # a click elsewhere closes it
    expect(page.locator("[data-testid=two-factor-link]")).to_be_hidden()

    in_english(page)
    toggle.click()
    expect(menu.locator("a", has_text="Scorecard")).to_be_visible()
    toggle.click()
    expect(menu).to_be_hidden()
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.browser
def test_errors_are_portal_pages_in_french_then_english_and_no_icon_is_missing(
    page, partner, partner_admin
):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    login(page, "p.admin", PASSWORD)
    assert missing == []  # the favicon included

    page.goto(f"{page.base_url}/nowhere/")
    error = page.locator("[data-testid=error-page]")
    expect(error.locator("h1")).to_have_text("Page introuvable")
    expect(page.locator("nav.mainnav")).to_be_visible()
    in_english(page)
    expect(error.locator("h1")).to_have_text("Page not found")
    page.click("[data-testid=error-home]")
    page.wait_for_load_state()
    assert page.url == f"{page.base_url}/"

    sales = partner_user(partner, "sales")
    page.context.clear_cookies()
    login(page, sales.username, PASSWORD)
    page.goto(f"{page.base_url}/programme/users/")
    expect(error.locator("h1")).to_have_text("Accès refusé")
    in_english(page)
    expect(error.locator("h1")).to_have_text("Access denied")

    icon = page.request.get(f"{page.base_url}/favicon.ico")
    assert icon.status == 200
    assert "svg" in icon.headers["content-type"]
