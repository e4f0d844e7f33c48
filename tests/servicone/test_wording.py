"""Issue 15, finding 9: the words the pages say, as a French or English reader expects them."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from django.template import Context, Template

from contracts.presenters import describe_asset
from partners.models import Tier
from partners.services.tiers import _tier_changed_notice
from servicone.models import Notification
from servicone.presenters import notification_title
from servicone.text import elides, french_de, french_le
from tests.partners.factories import PartnerFactory
from tests.partners.pages import (
    PARIS,
    make_deliver,
    make_expert_ready,
    set_revenue,
    submit_application,
    text,
)
from tests.tickets.factories import covered_asset
from tests.tickets.pages import open_ticket


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=PARIS), tick=False):
        yield


# --- French elision -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "de", "le"),
    [
        ("Ovesys", "d'Ovesys", "l'Ovesys"),
        ("Expert", "d'Expert", "l'Expert"),
        ("Écritel", "d'Écritel", "l'Écritel"),
        ("IBM", "d'IBM", "l'IBM"),
        ("HP", "de HP", "le HP"),  # an acronym, an aspirated h: no elision
        ("Concurrent SA", "de Concurrent SA", "le Concurrent SA"),
    ],
)
def test_de_and_le_lose_their_vowel_before_a_vowel(word, de, le):
    assert (french_de(word), french_le(word)) == (de, le)


def test_the_elides_filter_lets_a_template_pick_the_right_sentence():
    template = Template("{% load french %}{% if name|elides %}d'{% else %}de {% endif %}{{ name }}")
    assert template.render(Context({"name": "Ovesys"})) == "d'Ovesys"
    assert template.render(Context({"name": "Zenith"})) == "de Zenith"
    assert not elides("")


def test_the_tier_change_reads_d_ovesys_and_says_a_first_tier_plainly(db):
    ovesys = PartnerFactory(name="Ovesys")
    sell, deliver = Tier.objects.get(code="sell"), Tier.objects.get(code="deliver")
    assert _tier_changed_notice(ovesys, sell, deliver).body == (
        "Le niveau d'Ovesys passe de « Sell » à « Deliver »."
    )
    assert _tier_changed_notice(ovesys, None, sell).body == "Ovesys obtient le niveau « Sell »."
    gone = _tier_changed_notice(PartnerFactory(name="Zenith"), sell, None)
    assert (gone.subject, gone.body) == (
        "ServiceOne : Zenith n'a plus de niveau",
        "Zenith perd le niveau « Sell ».",
    )


# --- Plurals ---------------------------------------------------------------------------------------


def test_mon_programme_counts_criteria_with_their_plural(client, partner, partner_admin):
    set_revenue(partner, "12000.00")
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert "critère(s)" not in page
    assert "1 critère rempli sur 4" in page or "Aucun critère rempli sur" in page
    make_deliver(partner)
    page = text(client.get("/programme/"))
    assert "critère(s)" not in page
    assert re.search(r"\d critères? remplis? sur \d", page)


def test_the_review_says_submitted_once_and_counts_unmet_criteria(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    from partners.models import Certification

    Certification.objects.filter(course__code="CI-MASE").delete()
    client.force_login(programme_manager)
    page = text(client.get(f"/hp/accreditations/{application.pk}/"))
    assert "oumise soumise" not in page.lower()
    assert "Soumise</span> · envoyée le 26/11/2026 10:00" in page
    assert "critère non rempli : Ingénieurs certifiés" in page


def test_the_scorecard_says_no_ticket_rather_than_on_0_tickets(client, partner, partner_admin):
    client.force_login(partner_admin)
    page = text(client.get("/reports/scorecard/?month=2026-11"))
    assert "sur 0 tickets" not in page
    assert "Aucun ticket pris en charge ce mois-ci." in page
    assert "Aucun ticket ouvert dans le mois." in page


def test_the_scorecards_lead_agrees_with_the_plural_title(client, programme_manager):
    client.force_login(programme_manager)
    page = text(client.get("/reports/scorecard/"))
    if "Fiches de performance" in page:
        assert "Calculées à partir des tickets" in page
        assert "Calculée à partir" not in page


# --- Programme data in the reader's language -----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "model", "said"),
    [
        ("Serveurs ProLiant", "ProLiant DL380 Gen10", "Serveurs ProLiant DL380 Gen10"),
        ("ProLiant servers", "ProLiant DL380 Gen10", "ProLiant DL380 Gen10"),
        ("Stockage 3PAR StoreServ", "3PAR StoreServ 8440", "Stockage 3PAR StoreServ 8440"),
        ("Réseaux", "Aruba 6300M", "Réseaux Aruba 6300M"),
        ("Réseaux", "", "Réseaux"),
    ],
)
def test_an_asset_names_its_product_line_once(line, model, said):
    assert describe_asset(line, model) == said


def test_the_ticket_page_names_the_asset_once_and_in_english_for_an_english_reader(
    client, partner, partner_engineer
):
    ticket = open_ticket(partner, partner_engineer, model="ProLiant DL380 Gen10")
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert "Serveurs ProLiant DL380 Gen10" in page
    assert "ProLiant ProLiant" not in page
    client.cookies["django_language"] = "en"
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert "certified on ProLiant servers: it delivers." in page
    assert "Serveurs ProLiant" not in page


def test_the_hp_reviewer_is_not_told_to_submit_an_application(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    for url in (f"/hp/accreditations/{application.pk}/", f"/hp/partners/{partner.pk}/"):
        page = text(client.get(url))
        assert "déposez" not in page, url
    page = text(client.get(f"/hp/partners/{partner.pk}/"))
    assert "elle s'obtient par une demande d'accréditation du partenaire" in page


# --- Notifications -------------------------------------------------------------------------------


def test_the_notification_list_does_not_repeat_servicone_in_each_title(client, partner_admin):
    Notification.objects.create(
        recipient=partner_admin,
        kind="tier_changed",
        dedup_key="x",
        subject="ServiceOne : Ovesys Test passe au niveau Deliver",
        body="…",
    )
    client.force_login(partner_admin)
    page = text(client.get("/notifications/"))
    assert '<strong lang="fr">Ovesys Test passe au niveau Deliver</strong>' in page
    assert "ServiceOne : Ovesys" not in page
    assert notification_title("ServiceOne: the tier") == "the tier"


def test_a_routing_in_english_names_the_product_line_in_english(partner, partner_engineer):
    asset = covered_asset(partner)
    ticket = open_ticket(partner, partner_engineer, asset=asset)
    assert ticket.routing_messages["en"] == (
        "The partner is authorised (Deliver) and has engineers certified on ProLiant servers: "
        "it delivers."
    )


def test_a_contracts_delivery_reason_reads_in_the_readers_language(client, partner, partner_sales):
    from contracts.models import Contract

    covered_asset(partner, tier="sell")  # sold while Sell: CDS delivers, with the tier's reason
    contract = Contract.objects.get()
    assert contract.delivery_reason.startswith("Le niveau Deliver est requis pour délivrer")
    client.force_login(partner_sales)
    client.cookies["django_language"] = "en"
    page = text(client.get(f"/contracts/{contract.pk}/"))
    assert "The Deliver tier is required to deliver this offering" in page
    assert "est requis" not in page
