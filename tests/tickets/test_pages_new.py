"""Opening a ticket: the serial look-up, its coverage, the opening form."""

from __future__ import annotations

import pytest
import time_machine

from tests.contracts.factories import asset_of
from tests.tickets.factories import covered_asset
from tests.tickets.pages import NOW, text
from tickets.models import Ticket


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Opening a ticket ------------------------------------------------------------------------


def test_the_serial_lookup_shows_the_asset_its_site_and_coverage(client, partner, partner_engineer):
    asset = covered_asset(partner, site_kwargs={"city": "Metz", "region": "57"})
    client.force_login(partner_engineer)
    response = client.get(f"/tickets/new/?serial={asset.serial_number}")
    assert response.status_code == 200
    page = text(response)
    assert asset.customer.name in page
    assert "Metz (région 57)" in page
    assert "Care Pack ProLiant intervention 4 h 24x7, 3 ans" in page
    assert "24x7 (tous les jours, 24 h/24, jours fériés compris)" in page
    assert "Prise en charge : 2 h" in page
    assert "Intervention sur site : 4 h" in page
    assert "Remise en service : 8 h (engageant en sévérité 1 et 2)" in page
    assert "s'applique au ticket" in page
    assert 'data-testid="open-form"' in page


def test_a_next_business_day_coverage_reads_j_plus_1(client, partner, partner_engineer):
    asset = covered_asset(partner, code="CP-PL-NBD-9X5")
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/new/?serial={asset.serial_number}"))
    assert "Intervention sur site : J+1 ouvré" in page


def test_opening_a_ticket_from_the_form_routes_it_and_shows_its_page(
    client, partner, partner_engineer
):
    asset = covered_asset(partner)
    client.force_login(partner_engineer)
    response = client.post(
        "/tickets/new/",
        {
            "serial": asset.serial_number,
            "asset": asset.pk,
            "severity": "1",
            "kind": "incident",
            "summary": "Serveur arrêté",
            "description": "Plus de ventilation",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.severity == 1
    assert ticket.opened_by == partner_engineer
    page = text(client.get(response["Location"]))
    assert f"Ticket {ticket.number} ouvert." in page


def test_no_coverage_gives_a_french_refusal_and_no_form(client, partner, partner_engineer):
    asset = asset_of(partner)
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/new/?serial={asset.serial_number}"))
    assert (
        f"Aucune couverture active pour l'équipement {asset.serial_number} : aucun ticket ne peut être ouvert."
        in page
    )
    assert 'data-testid="open-form"' not in page


def test_posting_on_an_uncovered_asset_creates_nothing(client, partner, partner_engineer):
    asset = asset_of(partner)
    client.force_login(partner_engineer)
    response = client.post(
        "/tickets/new/",
        {
            "serial": asset.serial_number,
            "asset": asset.pk,
            "severity": "2",
            "kind": "incident",
            "summary": "x",
        },
    )
    assert response.status_code == 400
    assert "Aucune couverture active" in text(response)
    assert not Ticket.objects.exists()


def test_a_coverage_not_yet_begun_on_the_sites_day_offers_no_form_and_refuses_a_post(
    client, partner, partner_engineer
):
    """At 1 a.m. in Paris it is still yesterday in Cayenne: a coverage from today (Paris's
    day) has not begun on the site's. The page offers no form; a post of the asset anyway is
    refused by the opening and answered with the same page, creating nothing."""
    paris_1am = NOW.replace(hour=1)
    with time_machine.travel(paris_1am, tick=False):
        asset = covered_asset(
            partner, starts_on=paris_1am.date(), site_kwargs={"timezone": "America/Cayenne"}
        )
        client.force_login(partner_engineer)
        page = text(client.get(f"/tickets/new/?serial={asset.serial_number}"))
        assert "Aucune couverture active" in page
        assert 'data-testid="open-form"' not in page
        form = {
            "serial": asset.serial_number,
            "asset": asset.pk,
            "severity": "2",
            "kind": "incident",
            "summary": "x",
        }
        response = client.post("/tickets/new/", form)
    assert response.status_code == 400
    assert "Aucune couverture active" in text(response)
    assert 'data-testid="open-form"' not in text(response)
    assert not Ticket.objects.exists()


def test_an_unknown_serial_is_refused(client, partner_engineer):
    client.force_login(partner_engineer)
    page = text(client.get("/tickets/new/?serial=NOPE123"))
    assert (
        "Aucun équipement portant le numéro de série « NOPE123 » n'est connu chez vos clients."
        in page
    )


def test_another_partners_serial_is_unknown_and_its_asset_cannot_be_posted(
    client, partner, other_admin
):
    asset = covered_asset(partner)
    client.force_login(other_admin)
    page = text(client.get(f"/tickets/new/?serial={asset.serial_number}"))
    assert "n'est connu chez vos clients" in page
    assert asset.customer.name not in page
    response = client.post(
        "/tickets/new/",
        {
            "serial": asset.serial_number,
            "asset": asset.pk,
            "severity": "2",
            "kind": "incident",
            "summary": "x",
        },
    )
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_an_asset_other_than_the_serials_is_refused_and_creates_nothing(
    client, partner, other_partner, partner_engineer
):
    asset = covered_asset(partner)
    elsewhere = covered_asset(other_partner)
    client.force_login(partner_engineer)
    for posted in (elsewhere.pk, "x", ""):
        response = client.post(
            "/tickets/new/",
            {
                "serial": asset.serial_number,
                "asset": posted,
                "severity": "2",
                "kind": "incident",
                "summary": "Disque",
            },
        )
        assert response.status_code == 400, posted
        # One asset with this serial: the choice is hidden, its refusal is the form's.
        expected = (
            "Choisissez un équipement de la liste." if posted else "Ce champ est obligatoire."
        )
        assert expected in text(response), posted
    assert not Ticket.objects.exists()


def test_a_missing_summary_is_a_form_error_and_creates_nothing(client, partner, partner_engineer):
    asset = covered_asset(partner)
    client.force_login(partner_engineer)
    response = client.post(
        "/tickets/new/",
        {
            "serial": asset.serial_number,
            "asset": asset.pk,
            "severity": "2",
            "kind": "incident",
            "summary": "",
        },
    )
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in text(response)
    assert not Ticket.objects.exists()


def test_a_preventive_visit_without_credits_is_refused_in_french(client, partner, partner_engineer):
    asset = covered_asset(partner)
    client.force_login(partner_engineer)
    response = client.post(
        "/tickets/new/",
        {
            "serial": asset.serial_number,
            "asset": asset.pk,
            "severity": "4",
            "kind": "preventive",
            "summary": "Visite",
        },
    )
    assert response.status_code == 400
    assert "Aucun crédit Proactive Select disponible pour ce client" in text(response)
    assert not Ticket.objects.exists()


def test_cds_staff_may_open_a_ticket_on_any_partners_asset(client, partner, cds_dispatcher):
    asset = covered_asset(partner)
    client.force_login(cds_dispatcher)
    page = text(client.get(f"/tickets/new/?serial={asset.serial_number}"))
    assert "s'applique au ticket" in page
    response = client.post(
        "/tickets/new/",
        {
            "serial": asset.serial_number,
            "asset": asset.pk,
            "severity": "2",
            "kind": "incident",
            "summary": "x",
        },
    )
    assert response.status_code == 302
    assert Ticket.objects.get().partner == partner


# --- Serial numbers as people type them (issue 15, finding 3) -------------------------------------


def test_a_serial_typed_in_lower_case_with_spaces_finds_the_asset(
    client, partner, partner_engineer
):
    asset = covered_asset(partner, serial_number="CZJ0000022")
    client.force_login(partner_engineer)
    response = client.get("/tickets/new/?serial=czj+000+0022")
    page = text(response)
    assert response.status_code == 200
    assert f'data-asset="{asset.pk}"' in page
    assert 'data-testid="open-form"' in page
    assert 'value="CZJ0000022"' in page  # the box shows the serial as stored


def test_something_that_is_no_serial_number_is_said_on_the_field(client, partner_engineer):
    client.force_login(partner_engineer)
    response = client.get("/tickets/new/?serial=%3Cb%3Ex%3C%2Fb%3E")
    page = text(response)
    assert "Un numéro de série ne contient que des lettres, des chiffres" in page
    assert "n'est connu chez vos clients" not in page
    assert "<b>x</b>" not in response.content.decode()  # escaped, never markup
