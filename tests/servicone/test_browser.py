"""End to end in Chromium: log in, read French, switch to English."""

from __future__ import annotations

import pytest

from tests.conftest import login_with_form
from tests.partners.factories import PASSWORD


@pytest.mark.browser
def test_partner_admin_sees_the_partner_in_french_then_switches_to_english(page, partner_admin):
    login_with_form(page, "p.admin", PASSWORD)
    heading = page.locator("h1")
    assert heading.inner_text() == "Espace partenaire — Ovesys Test"
    assert page.locator("[data-testid=partner-name]").inner_text() == "Ovesys Test"
    page.click("button[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Partner space — Ovesys Test"
    assert page.locator("html").get_attribute("lang") == "en"
