"""The views operations need (issue 15, finding 10): how late a CDS ticket is, HP's ranking of
partners, what changed in an application, the tickets list opening on open tickets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from partners.models import Certification
from tests.partners.factories import PartnerFactory, partner_user
from tests.partners.pages import make_expert_ready, submit_application
from tests.reports.test_pages import in_english, make_tickets
from tests.tickets.pages import NOW, cds_ticket, open_ticket, text
from tickets import sla
from tickets.models import SlaState, SlaTarget, SlaTargetKind
from tickets.services import ticket_act


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


# --- The tickets list ---------------------------------------------------------------------


def test_the_tickets_list_opens_on_the_open_tickets_and_shows_all_when_asked(
    client, partner, partner_engineer
):
    done = open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=2))
    for action, params in (
        ("acknowledge", {}),
        ("resolve", {"note": "Disque remplacé."}),  # a report is required (issue 15)
        ("close", {}),
    ):
        ticket_act(ticket=done, action=action, actor=partner_engineer, **params)
    still_open = open_ticket(partner, partner_engineer)
    client.force_login(partner_engineer)

    first = client.get("/tickets/").content.decode()
    everything = client.get("/tickets/?state=").content.decode()

    assert re.findall(r'data-ticket="([^"]+)"', first) == [still_open.number]
    assert re.search(r'<option value="open" selected>Ouverts</option>', first)
    assert 'href="/tickets/">Effacer' not in first  # the default is not a filter to clear
    assert re.findall(r'data-ticket="([^"]+)"', everything) == [still_open.number, done.number]


# --- The CDS queue ------------------------------------------------------------------------


def test_the_cds_queue_says_how_late_each_ticket_is_the_most_overdue_first(
    client, partner, partner_engineer, cds_dispatcher
):
    fresh = cds_ticket(partner, partner_engineer, at=timezone.now() - timedelta(minutes=20))
    late = cds_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=3))
    later = cds_ticket(
        partner, partner_engineer, at=timezone.now() - timedelta(hours=6, minutes=10)
    )
    sla.sweep(now=timezone.now())
    client.force_login(cds_dispatcher)

    body = client.get("/tickets/cds/").content.decode()

    assert re.findall(r'data-ticket="([^"]+)"', body) == [later.number, late.number, fresh.number]
    cells = [text_of(c) for c in re.findall(r'data-testid="lateness">(.*?)</td>', body, re.S)]
    # 24x7 care pack: response 2 h. Opened 6 h 10 ago: 4 h 10 late; 3 h ago: 1 h late.
    assert cells == [
        "Prise en charge : en retard de 4 h 10",
        "Prise en charge : en retard de 1 h 00",
        "Prise en charge : dans 1 h 40",
    ]
    in_english(client)
    english = client.get("/tickets/cds/").content.decode()
    assert "Response: 4 h 10 late" in text_of(english)


def text_of(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"\s+", " ", fragment)).strip()


# --- HP's ranking of partners -------------------------------------------------------------


@pytest.fixture
def ranked(partner, partner_engineer):
    """Three partners with tickets in November: Ovesys Test breaches, the others do not."""
    make_tickets(partner, partner_engineer, 6)
    others = []
    for name, count in (("Alpha Maintenance", 4), ("Bêta Services", 2)):
        other = PartnerFactory(name=name)
        make_tickets(other, partner_user(other, "engineer"), count)
        SlaTarget.objects.filter(ticket__partner=other, state=SlaState.BREACHED).update(
            state=SlaState.MET
        )
        others.append(other)
    return partner, others


def test_hp_sees_partners_ranked_by_compliance_on_the_scorecard_page_before_picking_one(
    client, programme_manager, ranked
):
    client.force_login(programme_manager)
    page = client.get("/reports/scorecard/").content.decode()
    rows = re.findall(r'data-testid="ranking-row">.*?<th scope="row">(.*?)</th>', page, re.S)
    names = [text_of(r) for r in rows]
    assert names[-1] == "Ovesys Test"  # breaches: last by compliance
    assert set(names) == {"Alpha Maintenance", "Bêta Services", "Ovesys Test"}
    partner = ranked[0]
    assert f'href="?partner={partner.pk}&amp;month=2026-11"' in page

    by_volume = client.get("/reports/scorecard/?sort=-tickets").content.decode()
    rows = re.findall(r'data-testid="ranking-row">.*?<th scope="row">(.*?)</th>', by_volume, re.S)
    assert [text_of(r) for r in rows] == ["Ovesys Test", "Alpha Maintenance", "Bêta Services"]


def test_the_ranking_downloads_as_csv(client, programme_manager, ranked):
    client.force_login(programme_manager)
    response = client.get("/reports/scorecard/?export=ranking&sort=-tickets")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Partenaire;Niveau;Tickets;Délivrés par le partenaire;Part du CDS (%);"
        "Engagements respectés;Engagements dépassés;Taux de respect (%)"
    )
    assert lines[1].startswith("Ovesys Test;Deliver;6;")


def test_the_ranking_costs_the_same_queries_for_3_or_6_partners(
    client, programme_manager, ranked, django_assert_num_queries
):
    client.force_login(programme_manager)
    client.get("/reports/scorecard/")
    with django_assert_num_queries(7) as captured:
        client.get("/reports/scorecard/")
    for name in ("Gamma", "Delta", "Epsilon"):
        other = PartnerFactory(name=name)
        make_tickets(other, partner_user(other, "engineer"), 1)
    with django_assert_num_queries(len(captured.captured_queries)):
        client.get("/reports/scorecard/")


# --- What changed in an application -------------------------------------------------------


def test_the_review_shows_what_changed_and_each_unchanged_criterion_once(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    Certification.objects.filter(course__code="CI-MASE").delete()
    client.force_login(programme_manager)

    page = text(client.get(f"/hp/accreditations/{application.pk}/"))

    assert "Ce qui a changé depuis la soumission" in page
    changes = re.findall(r'data-testid="change">(.*?)</li>', page)
    assert changes == [
        "Ingénieurs certifiés Infrastructures convergées Master ASE : rempli → non rempli (0 / 1)"
    ]
    assert page.count('data-testid="unchanged"') >= 4
    assert "Inchangé depuis la soumission" in page


def test_the_review_says_when_nothing_changed(client, programme_manager, partner, partner_admin):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    page = text(client.get(f"/hp/accreditations/{application.pk}/"))
    assert 'data-testid="nothing-changed"' in page
    assert 'class="changed"' not in page


def test_an_unmet_target_still_waiting_is_due_in_not_late(partner, partner_engineer):
    from tickets.lateness import lateness

    ticket = open_ticket(partner, partner_engineer)
    found = lateness(SlaTarget.objects.filter(ticket=ticket), timezone.now())
    assert (found.target, found.overdue, found.minutes) == (SlaTargetKind.RESPONSE, False, 120)
