"""Report pages: the partner scorecard, HP's programme dashboard and their CSV downloads."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicone.access import PartnerRole
from tests.partners.factories import (
    PartnerFactory,
    certify,
    partner_user,
    submitted_application,
)
from tests.tickets.factories import covered_asset
from tickets.models import SlaState, SlaTarget, SlaTargetKind
from tickets.services import ticket_acknowledge, ticket_handover, ticket_open

PARIS = ZoneInfo("Europe/Paris")
# A Thursday morning in Paris.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)
NNBSP = "\u202f"
NBSP = "\u00a0"
BOM = "\ufeff"


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response) -> str:
    """The page as a reader sees its characters (entities decoded, spaces collapsed)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def in_english(client):
    client.cookies["django_language"] = "en"


def make_tickets(partner, engineer, count, *, start=None):
    """``count`` tickets of ``partner`` opened in November 2026: a mix of outcomes.

    Every third is taken in charge after 30 minutes (response met), every fourth has
    its on-site target breached, every fifth is handed over to CDS.
    """
    # Under contract since September, so tickets can be opened in October and November.
    asset = covered_asset(partner, starts_on=date(2026, 9, 1), today=date(2026, 9, 1))
    start = start or datetime(2026, 11, 2, 9, 0, tzinfo=PARIS)
    made = []
    for i in range(count):
        at = start + timedelta(hours=5 * i)
        ticket = ticket_open(
            asset=asset, severity=2, kind="incident", summary="Disque en panne", actor=None, at=at
        )
        if i % 3 == 0:
            ticket = ticket_acknowledge(
                ticket=ticket, actor=engineer, at=at + timedelta(minutes=30)
            )
        if i % 4 == 1:
            SlaTarget.objects.filter(ticket=ticket, target=SlaTargetKind.ONSITE).update(
                state=SlaState.BREACHED
            )
        if i % 5 == 2:
            ticket = ticket_handover(ticket=ticket, actor=engineer, reason="Pièce indisponible")
        made.append(ticket)
    return made


@pytest.fixture
def tickets(partner, partner_engineer):
    return make_tickets(partner, partner_engineer, 6)


# --- Scorecard: access ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
def test_every_partner_role_sees_its_own_scorecard(client, partner, role):
    client.force_login(partner_user(partner, role))
    response = client.get("/reports/scorecard/")
    assert response.status_code == 200
    page = text(response)
    assert "Fiche de performance — Ovesys Test" in page
    assert "novembre 2026" in page
    assert 'data-testid="kpi-compliance"' in page


def test_a_partner_user_naming_its_own_partner_sees_the_scorecard(client, partner, partner_admin):
    client.force_login(partner_admin)
    assert client.get(f"/reports/scorecard/?partner={partner.pk}").status_code == 200


def test_another_partners_scorecard_does_not_exist_for_a_partner_user(
    client, partner_admin, other_partner
):
    client.force_login(partner_admin)
    assert client.get(f"/reports/scorecard/?partner={other_partner.pk}").status_code == 404
    export = f"/reports/scorecard/?partner={other_partner.pk}&export=sla"
    assert client.get(export).status_code == 404


def test_hp_staff_pick_any_partner_and_see_its_scorecard(
    client, programme_manager, partner, other_partner
):
    client.force_login(programme_manager)
    picker = text(client.get("/reports/scorecard/"))
    assert "Choisissez un partenaire pour afficher sa fiche de performance." in picker
    assert "Ovesys Test" in picker
    assert "Concurrent SA" in picker
    response = client.get(f"/reports/scorecard/?partner={other_partner.pk}")
    assert response.status_code == 200
    assert "Fiche de performance — Concurrent SA" in text(response)


def test_cds_staff_see_a_partners_scorecard(client, cds_dispatcher, partner):
    client.force_login(cds_dispatcher)
    assert client.get(f"/reports/scorecard/?partner={partner.pk}").status_code == 200


def test_hp_staff_get_404_for_an_unknown_partner(client, programme_manager):
    client.force_login(programme_manager)
    assert client.get("/reports/scorecard/?partner=999999").status_code == 404
    assert client.get("/reports/scorecard/?partner=abc").status_code == 404


def test_a_user_without_role_gets_403_on_the_scorecard(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x-42-long"))
    assert client.get("/reports/scorecard/").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/reports/scorecard/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Scorecard: content -----------------------------------------------------------------------


def test_scorecard_shows_kpis_tables_and_charts_of_the_month(client, partner_admin, tickets):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?month=2026-11")
    assert response.status_code == 200
    page = text(response)
    body = response.content.decode()
    # 6 tickets: 2 taken in charge (both met), 2 on-site breaches: 2 met of 4 decided.
    assert "2 respectés sur 4 engagements échus" in page
    assert f"50,0{NBSP}%" in page
    assert "6 tickets ouverts dans le mois" in page
    assert "30 min" in page  # median ownership
    for title in (
        "Respect des engagements de service",
        "Délais depuis l'ouverture (minutes écoulées)",
        "Tickets par organisation qui délivre",
        "Pourquoi le CDS délivre",
        "Évolution sur 12 mois",
        "Crédits Proactive Select",
        "Certifications expirant dans les 90 jours",
        "Chiffre d'affaires et seuils du programme",
    ):
        assert title in page
    for testid in ("sla", "delivery", "compliance-trend", "tickets-trend", "revenue"):
        assert f'data-testid="chart-{testid}"' in body
    assert body.count('role="img" aria-label=') >= 5
    assert "<script" not in body.split("<main", 1)[1]
    # Accessible tables: a caption, column and row headers.
    assert (
        '<caption class="visually-hidden">Respect des engagements de service — novembre 2026'
        in body
    )
    assert '<th scope="col" class="num">Respectés</th>' in body
    assert '<th scope="row">Prise en charge</th>' in body
    # One CSV link per table, in both number formats.
    assert body.count("Télécharger en CSV") == 8
    assert "?month=2026-11&amp;export=sla&amp;numbers=fr" in body
    assert "?month=2026-11&amp;export=sla&amp;numbers=en" in body


def test_scorecard_formats_numbers_and_dates_the_french_way(client, partner, partner_admin):
    partner.declared_revenue_12m_eur = "12345.60"
    partner.save(update_fields=["declared_revenue_12m_eur"])
    certify(partner, "PL-ASE", 1, passed_on=date(2024, 1, 10), expires_on=date(2027, 1, 31))
    client.force_login(partner_admin)
    page = text(client.get("/reports/scorecard/"))
    assert f"12{NNBSP}345,60{NBSP}€" in page
    assert "31/01/2027" in page


def test_scorecard_in_english(client, partner_admin, tickets):
    in_english(client)
    client.force_login(partner_admin)
    page = text(client.get("/reports/scorecard/?month=2026-11"))
    assert "November 2026" in page
    assert "50.0%" in page
    assert "Scorecard — " in page
    assert "Service level compliance" in page
    assert "Tickets by delivering organisation" in page
    assert "Download as CSV" in page


def test_a_partner_without_tickets_gets_a_message_instead_of_charts(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?month=2026-11")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="chart-sla-empty"' in body
    assert 'data-testid="chart-tickets-trend-empty"' in body
    assert "Aucun ticket sur la période" in text(response)
    # The revenue chart has something to draw even without tickets.
    assert "<svg" in body.split('data-testid="chart-revenue"', 1)[1].split("</figure>", 1)[0]


def test_month_navigation_goes_back_and_stops_at_the_current_month(client, partner_admin):
    client.force_login(partner_admin)
    body = client.get("/reports/scorecard/").content.decode()
    assert "?month=2026-10" in body
    assert 'data-testid="month-next"' not in body
    body = client.get("/reports/scorecard/?month=2026-09").content.decode()
    assert "?month=2026-08" in body
    assert "?month=2026-10" in body
    assert "septembre 2026" in html.unescape(body)


@pytest.mark.parametrize("month", ["2026-13", "novembre", "2026/11", "1999-01"])
def test_a_bad_month_is_a_400_with_a_clear_message(client, partner_admin, month):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/", {"month": month})
    assert response.status_code == 400
    page = text(response)
    assert f"Le mois « {month} » n'est pas valide : indiquez-le sous la forme AAAA-MM" in page


def test_a_bad_month_is_explained_in_english(client, partner_admin):
    in_english(client)
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?month=2026-13")
    assert response.status_code == 400
    assert 'data-testid="month-error"' in response.content.decode()
    assert "The month “2026-13” is not valid: write it as YYYY-MM" in text(response)


# --- Scorecard: CSV ---------------------------------------------------------------------------


def test_csv_in_french_number_format(client, partner_admin, tickets):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?month=2026-11&export=sla&numbers=fr")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="scorecard-ovesys-test-2026-11-sla.csv"'
    )
    content = response.content.decode("utf-8")
    assert content.startswith(BOM + "Engagement;Période;Respectés;Dépassés;En cours;")
    lines = content.split("\r\n")
    assert "Intervention sur site;Mois;0;2;4;0,0" in lines


def test_csv_in_english_number_format(client, partner_admin, tickets):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?month=2026-11&export=sla&numbers=en")
    assert response.status_code == 200
    content = response.content.decode("utf-8")
    assert not content.startswith(BOM)
    assert content.startswith("Engagement,Période,Respectés,")
    assert "Prise en charge,Mois,2,0,4,100.0" in content.split("\r\n")


def test_csv_headers_follow_the_language(client, partner_admin):
    in_english(client)
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?export=certifications&numbers=en")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-2026-11-certifications.csv"')


def test_hp_staff_download_a_partners_csv(client, programme_manager, partner, tickets):
    client.force_login(programme_manager)
    response = client.get(f"/reports/scorecard/?partner={partner.pk}&month=2026-11&export=delivery")
    assert response.status_code == 200
    assert (
        'filename="scorecard-ovesys-test-2026-11-delivery.csv"' in response["Content-Disposition"]
    )


def test_an_unknown_table_is_a_404_with_the_list_of_tables(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?export=nope")
    assert response.status_code == 404
    message = response.content.decode()
    assert "Tableau inconnu « nope »" in message
    assert "sla, times, delivery" in message


def test_an_unknown_number_format_is_a_400(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?export=sla&numbers=de")
    assert response.status_code == 400
    assert "Format de nombres inconnu « de »" in response.content.decode()


def test_a_csv_of_a_bad_month_is_a_400(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/reports/scorecard/?export=sla&month=2026-00")
    assert response.status_code == 400
    assert "AAAA-MM" in response.content.decode()


# --- Programme dashboard ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
def test_partner_users_get_403_on_the_programme_dashboard(client, partner, role):
    client.force_login(partner_user(partner, role))
    assert client.get("/reports/programme/").status_code == 403
    assert client.get("/reports/programme/?export=tiers").status_code == 403


def test_programme_manager_sees_the_dashboard(
    client, programme_manager, partner, partner_admin, partner_engineer
):
    make_tickets(partner, partner_engineer, 4)
    other = PartnerFactory(name="Risque SARL")
    application_partner = PartnerFactory(name="Candidat SAS")
    from tests.partners.factories import make_expert_ready, set_tier

    make_expert_ready(application_partner, on=date(2026, 6, 1))
    set_tier(application_partner, "deliver")
    application = submitted_application(
        application_partner, partner_user(application_partner, PartnerRole.ADMIN)
    )
    certify(other, "PL-ASE", 2, passed_on=date(2024, 1, 5), expires_on=date(2027, 1, 10))
    other.declared_revenue_12m_eur = "12000.00"
    other.save(update_fields=["declared_revenue_12m_eur"])
    set_tier(other, "sell")
    client.force_login(programme_manager)
    response = client.get("/reports/programme/")
    assert response.status_code == 200
    page = text(response)
    body = response.content.decode()
    for title in (
        "Partenaires par niveau",
        "Demandes d'accréditation en attente",
        "Respect des engagements par organisation",
        "Partenaires dont le niveau est menacé dans les 90 jours",
        "Évolution sur 12 mois",
    ):
        assert title in page
    for testid in ("tiers", "organisations", "tickets-trend"):
        assert f'data-testid="chart-{testid}"' in body
    assert f'href="/hp/accreditations/{application.pk}/">Candidat SAS</a>' in body
    assert 'href="/hp/accreditations/">Ouvrir la file de validation' in body
    assert "CDS (HP)" in page
    assert f'href="/reports/scorecard/?partner={partner.pk}&amp;month=2026-11">Ovesys Test' in body


def test_cds_staff_see_the_dashboard_without_the_approval_links(client, cds_dispatcher, partner):
    client.force_login(cds_dispatcher)
    response = client.get("/reports/programme/")
    assert response.status_code == 200
    assert "/hp/accreditations/" not in response.content.decode()


def test_dashboard_bad_month_is_a_400(client, programme_manager):
    client.force_login(programme_manager)
    response = client.get("/reports/programme/?month=26-11")
    assert response.status_code == 400
    assert "Le mois « 26-11 » n'est pas valide" in text(response)


def test_dashboard_csv_downloads(client, programme_manager, partner, partner_engineer):
    make_tickets(partner, partner_engineer, 3)
    client.force_login(programme_manager)
    response = client.get("/reports/programme/?month=2026-11&export=organisations&numbers=fr")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="programme-2026-11-organisations.csv"'
    )
    content = response.content.decode()
    assert content.startswith(BOM + "Organisation;Tickets;")
    response = client.get("/reports/programme/?month=2026-11&export=tiers&numbers=en")
    assert response.content.decode().startswith("Mois,Au,")
    assert client.get("/reports/programme/?export=unknown").status_code == 404


def test_links_to_the_reports_from_the_navigation_and_the_hp_overview(
    client, partner_admin, programme_manager
):
    client.force_login(partner_admin)
    assert 'href="/reports/scorecard/"' in client.get("/").content.decode()
    client.force_login(programme_manager)
    body = client.get("/hp/programme/").content.decode()
    assert 'href="/reports/programme/"' in body
    assert 'href="/reports/scorecard/"' in body


# --- Query counts -----------------------------------------------------------------------------


# Session, the user with its roles, membership and partner (one query); the partner again for
# the scorecard; 26 for the scorecard's figures (the selectors' aggregates: a duration
# percentile is read only when some ticket reached that event); the unread notifications count.
SCORECARD_QUERIES = 29
# The same plus the list of partners HP staff pick from.
HP_SCORECARD_QUERIES = 30
DASHBOARD_QUERIES = 16


def test_scorecard_query_count_does_not_grow_with_tickets(
    client, partner, partner_admin, partner_engineer, django_assert_num_queries
):
    make_tickets(partner, partner_engineer, 3)
    client.force_login(partner_admin)
    with django_assert_num_queries(SCORECARD_QUERIES):
        assert client.get("/reports/scorecard/?month=2026-11").status_code == 200
    make_tickets(partner, partner_engineer, 27, start=datetime(2026, 10, 5, 8, 0, tzinfo=PARIS))
    with django_assert_num_queries(SCORECARD_QUERIES):
        assert client.get("/reports/scorecard/?month=2026-11").status_code == 200


def test_hp_scorecard_query_count_does_not_grow_with_tickets(
    client, partner, programme_manager, partner_engineer, django_assert_num_queries
):
    make_tickets(partner, partner_engineer, 3)
    client.force_login(programme_manager)
    url = f"/reports/scorecard/?partner={partner.pk}&month=2026-11"
    with django_assert_num_queries(HP_SCORECARD_QUERIES):
        assert client.get(url).status_code == 200
    make_tickets(partner, partner_engineer, 27)
    PartnerFactory.create_batch(5)
    with django_assert_num_queries(HP_SCORECARD_QUERIES):
        assert client.get(url).status_code == 200


def test_dashboard_query_count_does_not_grow_with_tickets_or_partners(
    client, partner, programme_manager, partner_engineer, django_assert_num_queries
):
    make_tickets(partner, partner_engineer, 3)
    client.force_login(programme_manager)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get("/reports/programme/?month=2026-11").status_code == 200
    make_tickets(partner, partner_engineer, 27)
    for other in PartnerFactory.create_batch(3):
        make_tickets(other, None, 2)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get("/reports/programme/?month=2026-11").status_code == 200
