"""The same figure reads the same on every page that shows it (issue 15, finding 6)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine

from partners.models import Accreditation
from tests.partners.pages import (
    PARIS,
    eur_fr,
    make_expert_ready,
    set_revenue,
    set_tier,
    submit_application,
    text,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_oldest_pending_accreditation_is_as_old_on_the_home_page_the_queue_and_the_dashboard(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    # Late in the evening, 8 days 10 hours 30 minutes before: the 17th, 9 days ago.
    with time_machine.travel(datetime(2026, 11, 17, 22, 30, tzinfo=PARIS), tick=False):
        submit_application(partner, partner_admin)
    application = Accreditation.objects.get(status="submitted")
    client.force_login(programme_manager)

    home = text(client.get("/"))
    queue = text(client.get("/hp/accreditations/"))
    review = text(client.get(f"/hp/accreditations/{application.pk}/"))
    dashboard = text(client.get("/reports/programme/"))

    assert "La plus ancienne attend depuis 9 jours." in home
    assert re.search(r'data-testid="age">\s*9 jours', queue)
    assert "en attente depuis 9 jours" in review
    assert "La plus ancienne attend depuis 9 jours." in dashboard
    assert "8 jours" not in home + queue + review + dashboard


def test_a_deliver_partner_sees_no_revenue_threshold_it_does_not_have(
    client, partner, partner_admin
):
    set_tier(partner, "deliver")
    set_revenue(partner, "86400.00")
    client.force_login(partner_admin)

    programme = text(client.get("/programme/"))
    scorecard = text(client.get("/reports/scorecard/"))
    revenue_csv = client.get("/reports/scorecard/", {"export": "revenue"})
    assert revenue_csv["Content-Type"].startswith("text/csv")

    assert "Seuil à maintenir" not in programme
    assert "Seuil du niveau" not in programme
    for page in (scorecard, revenue_csv.content.decode()):
        assert "Seuil du niveau actuel" not in page
        assert "Seuil du niveau suivant" not in page
        assert "Seuil Deliver" not in page
        assert "Seuil Expert" not in page


def test_a_sell_partner_reads_the_threshold_of_its_own_tier_on_both_pages(
    client, partner, partner_admin
):
    set_tier(partner, "sell")
    set_revenue(partner, "12500.00")
    client.force_login(partner_admin)

    programme = text(client.get("/programme/"))
    scorecard = text(client.get("/reports/scorecard/"))

    assert f"Seuil à maintenir pour le niveau Sell : {eur_fr('10 000,00')}" in programme
    assert "Seuil Sell" in scorecard
    assert "Seuil Deliver" not in scorecard
    assert "Aucun seuil de chiffre d'affaires au-dessus du niveau actuel." in scorecard
