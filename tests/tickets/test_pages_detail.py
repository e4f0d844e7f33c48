"""The ticket page: header, routing, SLA panel, timeline, segments, buttons and actions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine

from partners.models import Engineer
from tests.tickets.factories import covered_asset
from tests.tickets.pages import NOW, PARIS, action_buttons, cds_ticket, open_ticket, snapshot, text
from tickets.models import Organisation, OwnershipSegment, SlaState, SlaTarget, Status, Ticket
from tickets.services import ticket_act
from tickets.transitions import ACTIONS, allowed_actions


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ticket(partner, partner_engineer):
    return open_ticket(partner, partner_engineer)


# --- Ticket page ------------------------------------------------------------------------------


def test_the_ticket_page_shows_header_asset_contract_and_routing(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert f"{ticket.number} — Disque 2 en panne" in page
    assert "Sévérité 2" in page
    assert "Incident" in page
    assert "Ouvert" in page
    assert "Escalade niveau 1" in page
    assert "Délivré par le partenaire Ovesys Test" in page
    assert "Le partenaire est habilité (Deliver) et a des ingénieurs certifiés" in page
    assert ticket.asset.serial_number in page
    assert ticket.contract.number in page
    assert "Care Pack ProLiant intervention 4 h 24x7, 3 ans" in page
    assert "Prise en charge attendue avant le 26/11/2026 12:00 (heure du site)" in page


def test_the_routing_explanation_follows_the_readers_language(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    client.cookies["django_language"] = "en"
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert "The partner is authorised (Deliver) and has engineers certified on" in page


def test_the_sla_panel_shows_each_deadline_in_the_sites_time_zone(
    client, partner, partner_engineer
):
    asset = covered_asset(partner, site_kwargs={"timezone": "Indian/Reunion", "region": "974"})
    ticket = open_ticket(partner, partner_engineer, asset=asset)
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    # 10:00 in Paris is 13:00 in La Réunion; 24x7: response 2 h, on site 4 h, resolution 8 h.
    assert "Heures affichées à l'heure du site (Indian/Reunion)" in page
    assert 'data-testid="due">26/11/2026 15:00<' in page
    assert 'data-testid="due">26/11/2026 17:00<' in page
    assert 'data-testid="due">26/11/2026 21:00<' in page
    # Warnings at 80%: 1 h 36 of 2 h.
    assert "26/11/2026 14:36" in page


def test_the_explanation_names_the_holiday_and_weekend_skipped(client, partner, partner_engineer):
    with time_machine.travel(datetime(2026, 12, 24, 19, 0, tzinfo=PARIS), tick=False):
        asset = covered_asset(partner, code="CP-PL-4H-13X5")
        ticket = open_ticket(partner, partner_engineer, asset=asset)
        client.force_login(partner_engineer)
        page = text(client.get(f"/tickets/{ticket.pk}/"))
    # 13x5 on-site 4 h from Thursday 24/12 19:00: 2 h that evening, then Christmas and the
    # weekend are skipped, 2 h on Monday morning.
    assert 'data-testid="due">28/12/2026 10:00<' in page
    assert (
        "Non compté du 24/12/2026 21:00 au 28/12/2026 08:00 : week-end et jour férié (3 j 11 h 00 min)."
        in page
    )
    assert "Jour férié : Noël, le 25/12/2026." in page
    assert "Explication de l'échéance" in page


def test_the_explanation_mentions_the_clock_change(client, partner, partner_engineer):
    with time_machine.travel(datetime(2027, 3, 28, 0, 30, tzinfo=PARIS), tick=False):
        ticket = open_ticket(partner, partner_engineer)
        client.force_login(partner_engineer)
        page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert 'data-testid="due">28/03/2027 05:30<' in page  # 4 real hours across the jump
    assert "Passage à l'heure d'été le 28/03/2027 03:00" in page


def test_the_explanation_counts_a_pause(client, partner, partner_engineer):
    ticket = open_ticket(partner, partner_engineer, at=NOW - timedelta(hours=1))
    for minutes, action, params in [
        (50, "acknowledge", {}),
        (40, "pause", {"reason": "awaiting_parts"}),
        (10, "resume", {}),
    ]:
        with time_machine.travel(NOW - timedelta(minutes=minutes), tick=False):
            ticket_act(ticket=ticket, action=action, actor=partner_engineer, **params)
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert "Pause du 26/11/2026 09:20 au 26/11/2026 09:50 : 30 min de plage non comptées." in page
    # On site: opened 09:00, 4 h, plus the 30 paused minutes.
    assert 'data-testid="due">26/11/2026 13:30<' in page


def test_a_paused_ticket_shows_paused_countdowns(client, partner_engineer, ticket):
    ticket_act(ticket=ticket, action="acknowledge", actor=partner_engineer)
    ticket_act(ticket=ticket, action="pause", actor=partner_engineer, reason="awaiting_customer")
    client.force_login(partner_engineer)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-target="onsite" data-state="paused"' in body
    assert "En attente client" in text(client.get(f"/tickets/{ticket.pk}/"))


def test_a_severity_3_resolution_target_is_shown_as_indicative(client, partner, partner_engineer):
    ticket = open_ticket(partner, partner_engineer, severity=3)
    client.force_login(partner_engineer)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-target="resolution" data-state="indicative"' in body
    assert 'data-enforced="0"' in body


def test_the_timeline_lists_every_event_with_who_and_details(client, partner, partner_engineer):
    ticket = open_ticket(partner, partner_engineer)
    engineer = Engineer.objects.filter(partner=partner).first()
    ticket_act(ticket=ticket, action="acknowledge", actor=partner_engineer)
    ticket_act(ticket=ticket, action="dispatch", actor=partner_engineer, engineer=engineer)
    ticket_act(ticket=ticket, action="escalate", actor=partner_engineer, reason="Client VIP")
    client.force_login(partner_engineer)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    events = re.findall(r'data-event="([a-z_]+)"', body)
    assert events == ["opened", "routed", "acknowledged", "dispatched", "escalated"]
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert "Ticket ouvert" in page
    assert "Prise en charge" in page
    assert f"Ingénieur : {engineer.name}" in page
    assert "Niveau 2" in page
    assert "Client VIP" in page
    assert partner_engineer.get_full_name() in page


def test_the_ownership_segments_show_partner_then_cds_after_a_handover(
    client, partner_engineer, ticket
):
    ticket_act(
        ticket=ticket, action="handover", actor=partner_engineer, reason="Pas d'ingénieur dispo"
    )
    client.force_login(partner_engineer)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert re.findall(r'data-testid="segment" data-organisation="([a-z]+)"', body) == [
        "partner",
        "cds",
    ]
    assert "transfert par le partenaire" in text(client.get(f"/tickets/{ticket.pk}/"))


def test_a_ticket_that_fell_back_to_cds_says_why_beside_its_routing(
    client, partner, partner_engineer
):
    from tickets.services import ticket_fallback_to_cds

    ticket = open_ticket(partner, partner_engineer, at=NOW - timedelta(hours=3))
    assert ticket_fallback_to_cds(ticket=ticket, at=NOW - timedelta(minutes=30))
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert "Délivré par le CDS (HP)" in page
    assert "À l'ouverture : Le partenaire est habilité (Deliver)" in page
    assert (
        "Basculé au CDS le 26/11/2026 09:30 : l'appel n'a pas été pris en charge à temps par le partenaire."
        in page
    )
    assert "bascule automatique (prise en charge non faite à temps)" in page


def test_another_partners_ticket_page_is_404(client, other_admin, ticket):
    client.force_login(other_admin)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404


def test_a_missing_ticket_is_404(client, partner_engineer):
    client.force_login(partner_engineer)
    assert client.get("/tickets/999999/").status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_on_another_partners_ticket_is_404_and_changes_nothing(
    client, other_admin, ticket, action
):
    before = snapshot(ticket)
    client.force_login(other_admin)
    response = client.post(
        f"/tickets/{ticket.pk}/actions/{action}/",
        {f"{action}-reason": "x", f"{action}-engineer": "1", f"{action}-note": "x"},
    )
    assert response.status_code == 404
    assert snapshot(ticket) == before


def test_an_unknown_action_is_404(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    assert client.post(f"/tickets/{ticket.pk}/actions/explode/").status_code == 404


def test_actions_only_accept_post(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    assert client.get(f"/tickets/{ticket.pk}/actions/acknowledge/").status_code == 405


# --- Buttons match allowed_actions -----------------------------------------------------------


@pytest.fixture
def users(
    partner,
    partner_engineer,
    partner_admin,
    partner_sales,
    cds_dispatcher,
    cds_engineer,
    programme_manager,
):
    return {
        "engineer": partner_engineer,
        "admin": partner_admin,
        "sales": partner_sales,
        "cds_dispatcher": cds_dispatcher,
        "cds_engineer": cds_engineer,
        "programme_manager": programme_manager,
    }


def _walk_to(ticket, state, partner_engineer, cds_user):
    actor = partner_engineer if ticket.delivered_by == Organisation.PARTNER else cds_user
    engineer = (
        Engineer.objects.filter(partner=ticket.partner).first()
        if ticket.delivered_by == Organisation.PARTNER
        else cds_user
    )
    steps = {
        "opened": [],
        "owned": [("acknowledge", {})],
        "dispatched": [("acknowledge", {}), ("dispatch", {"engineer": engineer})],
        "on_site": [("acknowledge", {}), ("dispatch", {"engineer": engineer}), ("arrive", {})],
        "paused": [("acknowledge", {}), ("pause", {"reason": "awaiting_parts"})],
        "resolved": [("acknowledge", {}), ("resolve", {"note": "Disque remplacé"})],
        "closed": [("acknowledge", {}), ("resolve", {"note": "Disque remplacé"}), ("close", {})],
    }[state]
    for action, params in steps:
        ticket = ticket_act(ticket=ticket, action=action, actor=actor, **params)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.parametrize(
    "status", ["opened", "owned", "dispatched", "on_site", "paused", "resolved", "closed"]
)
@pytest.mark.parametrize("delivered_by", ["partner", "cds"])
def test_the_buttons_shown_are_exactly_the_allowed_actions(
    client, partner, users, status, delivered_by
):
    if delivered_by == "cds":
        ticket = cds_ticket(partner, users["engineer"])
    else:
        ticket = open_ticket(partner, users["engineer"])
    ticket = _walk_to(ticket, status, users["engineer"], users["cds_dispatcher"])
    for name, user in users.items():
        client.force_login(user)
        response = client.get(f"/tickets/{ticket.pk}/")
        assert response.status_code == 200, name
        assert action_buttons(response) == set(allowed_actions(user, ticket)), name
    # Sanity: the table is not empty on the main path.
    if status == "opened":
        expected_owner = "engineer" if delivered_by == "partner" else "cds_dispatcher"
        assert "acknowledge" in allowed_actions(users[expected_owner], ticket)


# --- Posting actions ------------------------------------------------------------------------


def test_acknowledging_from_the_page_takes_the_call(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    response = client.post(f"/tickets/{ticket.pk}/actions/acknowledge/", follow=True)
    assert response.redirect_chain[-1][0] == f"/tickets/{ticket.pk}/"
    assert f"Ticket {ticket.number} pris en charge." in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Status.OWNED
    assert ticket.acknowledged_by == partner_engineer
    assert SlaTarget.objects.get(ticket=ticket, target="response").state == SlaState.MET


def test_dispatching_a_partner_engineer_from_the_select(client, partner, partner_engineer, ticket):
    engineer = Engineer.objects.filter(partner=partner).first()
    ticket_act(ticket=ticket, action="acknowledge", actor=partner_engineer)
    client.force_login(partner_engineer)
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert f'<option value="{engineer.pk}">{engineer.name}</option>' in page
    response = client.post(
        f"/tickets/{ticket.pk}/actions/dispatch/", {"dispatch-engineer": engineer.pk}, follow=True
    )
    assert "Ingénieur dépêché" in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert ticket.assigned_engineer == engineer


def test_the_cds_dispatch_select_lists_cds_engineers(
    client, partner, partner_engineer, cds_dispatcher, cds_engineer
):
    ticket = cds_ticket(partner, partner_engineer)
    ticket_act(ticket=ticket, action="acknowledge", actor=cds_dispatcher)
    client.force_login(cds_dispatcher)
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    assert f'<option value="{cds_engineer.pk}">{cds_engineer.get_full_name()}</option>' in page
    client.post(f"/tickets/{ticket.pk}/actions/dispatch/", {"dispatch-engineer": cds_engineer.pk})
    ticket.refresh_from_db()
    assert ticket.assigned_cds_user == cds_engineer
    assert ticket.status == Status.DISPATCHED


def test_an_action_that_does_not_fit_the_status_is_refused_with_a_message(
    client, partner_engineer, ticket
):
    before = snapshot(ticket)
    client.force_login(partner_engineer)
    response = client.post(f"/tickets/{ticket.pk}/actions/arrive/", follow=True)
    assert response.status_code == 200
    assert "Action « arrive » impossible : le ticket est au statut « Ouvert »." in text(response)
    assert snapshot(ticket) == before


def test_a_role_that_may_not_act_gets_a_message_and_nothing_changes(client, partner_sales, ticket):
    before = snapshot(ticket)
    client.force_login(partner_sales)
    response = client.post(f"/tickets/{ticket.pk}/actions/acknowledge/", follow=True)
    assert "Votre rôle ne permet pas cette action sur ce ticket." in text(response)
    assert snapshot(ticket) == before


def test_cds_may_not_work_a_partner_ticket_even_by_posting(client, cds_dispatcher, ticket):
    before = snapshot(ticket)
    client.force_login(cds_dispatcher)
    response = client.post(f"/tickets/{ticket.pk}/actions/acknowledge/", follow=True)
    assert "Votre rôle ne permet pas cette action sur ce ticket." in text(response)
    assert snapshot(ticket) == before


def test_dispatching_another_partners_engineer_is_refused(
    client, partner_engineer, other_partner, ticket
):
    stranger = Engineer.objects.create(partner=other_partner, name="Intrus")
    ticket_act(ticket=ticket, action="acknowledge", actor=partner_engineer)
    before = snapshot(ticket)
    client.force_login(partner_engineer)
    response = client.post(
        f"/tickets/{ticket.pk}/actions/dispatch/", {"dispatch-engineer": stranger.pk}, follow=True
    )
    assert "Cet ingénieur ne peut pas intervenir sur ce ticket." in text(response)
    assert snapshot(ticket) == before


def test_a_handover_needs_a_reason(client, partner_engineer, ticket):
    before = snapshot(ticket)
    client.force_login(partner_engineer)
    response = client.post(
        f"/tickets/{ticket.pk}/actions/handover/", {"handover-reason": " "}, follow=True
    )
    assert "Indiquez pourquoi le ticket est confié au CDS." in text(response)
    assert snapshot(ticket) == before


def test_handing_over_to_cds_moves_the_ticket_and_keeps_the_clock(client, partner_engineer, ticket):
    due_before = SlaTarget.objects.get(ticket=ticket, target="onsite").due_at
    client.force_login(partner_engineer)
    response = client.post(
        f"/tickets/{ticket.pk}/actions/handover/",
        {"handover-reason": "Pièce introuvable"},
        follow=True,
    )
    assert f"Ticket {ticket.number} transféré au CDS." in text(response)
    ticket.refresh_from_db()
    assert ticket.delivered_by == Organisation.CDS
    assert SlaTarget.objects.get(ticket=ticket, target="onsite").due_at == due_before
    assert OwnershipSegment.objects.filter(ticket=ticket).count() == 2
    # The partner no longer works it: no buttons left for its engineer.
    assert action_buttons(client.get(f"/tickets/{ticket.pk}/")) == set()


def test_pausing_needs_a_known_reason(client, partner_engineer, ticket):
    ticket_act(ticket=ticket, action="acknowledge", actor=partner_engineer)
    before = snapshot(ticket)
    client.force_login(partner_engineer)
    response = client.post(
        f"/tickets/{ticket.pk}/actions/pause/", {"pause-reason": "coffee"}, follow=True
    )
    assert "Sélectionnez un choix valide" in text(response)
    assert snapshot(ticket) == before
    client.post(f"/tickets/{ticket.pk}/actions/pause/", {"pause-reason": "awaiting_parts"})
    ticket.refresh_from_db()
    assert ticket.status == Status.PAUSED
    assert ticket.pause_reason == "awaiting_parts"


def test_escalating_beyond_level_3_is_refused(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    client.post(f"/tickets/{ticket.pk}/actions/escalate/")
    client.post(f"/tickets/{ticket.pk}/actions/escalate/", {"escalate-reason": "Toujours en panne"})
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3
    assert "escalate" not in action_buttons(client.get(f"/tickets/{ticket.pk}/"))
    before = snapshot(ticket)
    response = client.post(f"/tickets/{ticket.pk}/actions/escalate/", follow=True)
    assert "impossible" in text(response)
    assert snapshot(ticket) == before
