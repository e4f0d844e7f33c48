"""End to end in Chromium: a partner applies for Expert, HP approves, the partner is Expert."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from partners import selectors
from partners.models import Accreditation, Certification, Course, Engineer, Tier
from partners.services import certification_expiry
from tests.conftest import login
from tests.partners.factories import PASSWORD


def _certify(partner, course_code, count, passed_on):
    course = Course.objects.get(code=course_code)
    for i in range(count):
        engineer = Engineer.objects.create(partner=partner, name=f"{course_code} Ingénieur {i + 1}")
        Certification.objects.create(
            engineer=engineer,
            course=course,
            passed_on=passed_on,
            expires_on=certification_expiry(course, passed_on),
        )


@pytest.fixture
def expert_ready_partner(partner):
    """Deliver today, and every Expert criterion met except HP approval."""
    # Dates relative to the real day: the browser and the live server share the real clock.
    passed_on = selectors.today() - timedelta(days=60)
    partner.declared_revenue_12m_eur = Decimal("10000.00")
    partner.tier = Tier.objects.get(code="deliver")
    partner.tier_since = passed_on
    partner.save()
    _certify(partner, "PL-ASE", 2, passed_on)
    _certify(partner, "NET-ATP", 1, passed_on)
    _certify(partner, "3PAR-MASE", 2, passed_on)
    _certify(partner, "CI-MASE", 1, passed_on)
    return partner


@pytest.mark.browser
def test_partner_applies_for_expert_hp_approves_and_the_partner_sees_expert(
    page, expert_ready_partner, partner_admin, programme_manager
):
    # The partner admin sees the gap to the next tier: only HP approval is missing.
    login(page, "p.admin", PASSWORD)
    page.click("nav.mainnav >> text=Mon programme")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Mon programme"
    assert page.locator("[data-testid=current-tier]").inner_text() == "Deliver"
    expert = page.locator("article[data-tier=expert]")
    assert "Validation HP requise" in expert.locator(".tier-head").inner_text()
    approval = expert.locator("li[data-criterion=approval]")
    assert "Approbation HP requise" in approval.inner_text()
    assert "déposez une demande d'accréditation pour le niveau Expert" in approval.inner_text()
    assert expert.locator("li.criterion.unmet").count() == 1

    # … and submits the application.
    page.click("[data-testid=apply-expert]")
    page.wait_for_load_state()
    assert (
        "Votre demande d'accréditation au niveau Expert est soumise à HP."
        in page.locator(".messages").inner_text()
    )
    assert (
        "en attente de la décision HP"
        in page.locator("[data-testid=open-applications]").inner_text()
    )
    assert page.locator("[data-testid=apply-expert]").count() == 0
    assert Accreditation.objects.get().status == Accreditation.Status.SUBMITTED

    # A programme manager, in another browser session, approves it from the queue.
    hp_context = page.context.browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    hp_context.set_default_timeout(15_000)
    try:
        hp = hp_context.new_page()
        hp.base_url = page.base_url
        login(hp, "hp.pm", PASSWORD)
        assert hp.locator("[data-testid=pending-count]").inner_text() == "1"
        hp.click("nav.mainnav >> text=Accréditations à valider")
        hp.wait_for_load_state()
        row = hp.locator("[data-testid=queue-row]")
        assert row.count() == 1
        assert "Ovesys Test" in row.inner_text()
        assert "0 jour" in row.locator("[data-testid=age]").inner_text()
        row.locator("text=Examiner").click()
        hp.wait_for_load_state()
        assert "Demande d'accréditation Expert — Ovesys Test" in hp.locator("h1").inner_text()
        assert hp.locator("tr.changed").count() == 0
        hp.fill("#id_approve-comment", "Références 3PAR vérifiées.")
        hp.click("[data-testid=approve]")
        hp.wait_for_load_state()
        assert (
            "Accréditation validée : Ovesys Test passe au niveau Expert."
            in hp.locator(".messages").inner_text()
        )
        assert "Aucune demande en attente" in hp.locator("main").inner_text()
    finally:
        hp_context.close()

    # The partner sees the new tier, and the decision in its notifications.
    page.goto(f"{page.base_url}/programme/")
    assert page.locator("[data-testid=current-tier]").inner_text() == "Expert"
    assert "Le niveau le plus élevé du programme est atteint." in page.locator("main").inner_text()
    assert page.locator("[data-testid=unread-count]").is_visible()
    page.click("[data-testid=notifications-link]")
    page.wait_for_load_state()
    notifications = page.locator(".notifications").inner_text()
    assert "votre demande de niveau Expert est validée" in notifications
    assert "Commentaire de HP : Références 3PAR vérifiées." in notifications
    assert "Ovesys Test passe au niveau Expert" in notifications
