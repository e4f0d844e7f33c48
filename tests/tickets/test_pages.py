"""Ticket pages: queues, CDS queue, ticket page with SLA panel and actions, opening form."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.services import contract_sell
from partners.models import Engineer
from servicone.access import PartnerRole, StaffRole
from tests.contracts.factories import asset_of, offering
from tests.partners.factories import PartnerFactory, partner_user, staff_user
from tests.tickets.factories import covered_asset
from tickets import sla
from tickets.models import (
    Organisation,
    OwnershipSegment,
    SlaState,
    SlaTarget,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.services import ACTIONS, allowed_actions, ticket_act, ticket_open

PARIS = ZoneInfo("Europe/Paris")
# A Thursday morning in Paris.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Data helpers ----------------------------------------------------------------------


def text(response) -> str:
    """The page as a reader sees its characters (entities decoded, spaces collapsed)."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def open_ticket(
    partner, actor, *, severity=2, kind="incident", at=None, asset=None, **asset_kwargs
):
    asset = asset or covered_asset(partner, **asset_kwargs)
    return ticket_open(
        asset=asset, severity=severity, kind=kind, summary="Disque 2 en panne", actor=actor, at=at
    )


def cds_ticket(partner, actor, **kwargs):
    """A ticket on a contract that entrusts delivery to CDS."""
    return open_ticket(partner, actor, delivery_mode="cds", **kwargs)


def covered_assets(partner, count, *, code="CP-PL-4H-24X7", delivery_mode=None):
    """``count`` assets of distinct customers and sites, each under an active care pack."""
    covered_asset(partner, code=code)  # tier and a certified engineer
    assets = []
    for _ in range(count):
        asset = asset_of(partner)
        contract_sell(
            partner=partner,
            customer=asset.customer,
            offering=offering(code),
            assets=[asset],
            starts_on=NOW.date(),
            actor=None,
            delivery_mode=delivery_mode,
            today=NOW.date(),
        )
        assets.append(asset)
    return assets


def action_buttons(response) -> set[str]:
    return set(re.findall(r'data-testid="action-([a-z_]+)"', response.content.decode()))


def snapshot(ticket):
    ticket = Ticket.objects.get(pk=ticket.pk)
    return (
        ticket.status,
        ticket.delivered_by,
        ticket.escalation_level,
        ticket.assigned_engineer_id,
        TicketEvent.objects.filter(ticket=ticket).count(),
    )


@pytest.fixture
def ticket(partner, partner_engineer):
    return open_ticket(partner, partner_engineer)


# --- Partner queue ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
def test_every_partner_role_sees_its_partners_tickets_in_the_queue(client, partner, ticket, role):
    client.force_login(partner_user(partner, role))
    response = client.get("/tickets/")
    assert response.status_code == 200
    page = text(response)
    assert ticket.number in page
    assert ticket.asset.serial_number in page
    assert "Ouvrir un ticket" in page


def test_the_queue_hides_another_partners_tickets(
    client, partner, other_partner, other_admin, ticket
):
    mine = open_ticket(other_partner, other_admin)
    client.force_login(other_admin)
    page = text(client.get("/tickets/"))
    assert mine.number in page
    assert ticket.number not in page


def test_the_queue_lists_open_tickets_before_closed_ones(client, partner, partner_engineer):
    done = open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=1))
    for action in ("acknowledge", "resolve", "close"):
        ticket_act(ticket=done, action=action, actor=partner_engineer)
    older_open = open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=3))
    client.force_login(partner_engineer)
    rows = re.findall(r'data-ticket="([^"]+)"', client.get("/tickets/").content.decode())
    assert rows == [older_open.number, done.number]


def test_the_queue_shows_a_live_countdown_per_target_with_its_deadline(
    client, partner_engineer, ticket
):
    client.force_login(partner_engineer)
    body = client.get("/tickets/").content.decode()
    # 24x7 care pack opened at 10:00 Paris: response 2 h, on site 4 h, resolution 8 h.
    assert 'data-target="response" data-state="running" data-due="2026-11-26T11:00:00Z"' in body
    assert 'data-target="onsite" data-state="running" data-due="2026-11-26T13:00:00Z"' in body
    assert 'data-target="resolution" data-state="running" data-due="2026-11-26T17:00:00Z"' in body
    assert "2 h 00 min 00 s" in body
    assert "servicone/countdown.js" in body
    assert '"breached": "D\\u00e9pass\\u00e9"' in body


def test_a_passed_deadline_shows_breached_in_the_queue(client, partner, partner_engineer):
    late = open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=5))
    sla.sweep(now=timezone.now())
    assert SlaTarget.objects.get(ticket=late, target="onsite").state == SlaState.BREACHED
    client.force_login(partner_engineer)
    body = client.get("/tickets/").content.decode()
    badge = re.search(
        r'data-target="onsite" data-state="([a-z]+)"[^>]*>\s*<span class="sla-value">([^<]+)<', body
    )
    assert badge.groups() == ("breached", "Dépassé")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=owned", {"owned"}),
        ("delivered_by=cds", {"cds", "sev1"}),
        ("delivered_by=partner", {"owned", "partner"}),
        ("severity=1", {"sev1"}),
        ("state=closed", set()),
        ("state=open", {"owned", "cds", "partner", "sev1"}),
    ],
)
def test_queue_filters_narrow_the_list(client, partner, partner_engineer, query, expected):
    by_name = {
        "owned": open_ticket(partner, partner_engineer),
        "cds": cds_ticket(partner, partner_engineer),
        "partner": open_ticket(partner, partner_engineer),
        "sev1": cds_ticket(partner, partner_engineer, severity=1),
    }
    ticket_act(ticket=by_name["owned"], action="acknowledge", actor=partner_engineer)
    client.force_login(partner_engineer)
    body = client.get(f"/tickets/?{query}").content.decode()
    shown = set(re.findall(r'data-ticket="([^"]+)"', body))
    assert shown == {by_name[name].number for name in expected}


def test_a_bad_filter_value_is_ignored_not_an_error(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    response = client.get("/tickets/?severity=9&status=nope")
    assert response.status_code == 200
    assert ticket.number in text(response)


def test_hp_staff_see_every_partners_tickets_and_can_filter_by_partner(
    client, partner, other_partner, partner_engineer, other_admin, programme_manager
):
    ours = open_ticket(partner, partner_engineer)
    theirs = open_ticket(other_partner, other_admin)
    client.force_login(programme_manager)
    page = text(client.get("/tickets/"))
    assert ours.number in page
    assert theirs.number in page
    assert "Tickets de tous les partenaires" in page
    filtered = text(client.get(f"/tickets/?partner={other_partner.pk}"))
    assert theirs.number in filtered
    assert ours.number not in filtered


def test_the_delivered_by_badge_explains_the_routing_on_hover(client, partner_engineer, ticket):
    client.force_login(partner_engineer)
    body = text(client.get("/tickets/"))
    assert 'data-testid="delivered-by" title="Le partenaire est habilité (Deliver)' in body


def test_a_user_without_a_role_gets_403_on_the_queue(client, db):
    from tests.partners.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get("/tickets/").status_code == 403
    assert client.get("/tickets/new/").status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client, db):
    response = client.get("/tickets/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- CDS queue ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [StaffRole.CDS_DISPATCHER, StaffRole.CDS_ENGINEER])
def test_cds_staff_see_cds_tickets_and_partner_tickets_flagged_for_backup(
    client, partner, partner_engineer, role
):
    delivered_by_cds = cds_ticket(partner, partner_engineer)
    plain_partner = open_ticket(partner, partner_engineer)
    late = open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=5))
    sla.sweep(now=timezone.now())  # the breach flags CDS backup
    assert Ticket.objects.get(pk=late.pk).cds_backup
    client.force_login(staff_user(role))
    response = client.get("/tickets/cds/")
    assert response.status_code == 200
    page = text(response)
    assert delivered_by_cds.number in page
    assert late.number in page
    assert "renfort CDS" in page
    assert plain_partner.number not in page


@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
def test_partner_users_get_403_on_the_cds_queue(client, partner, role):
    client.force_login(partner_user(partner, role))
    assert client.get("/tickets/cds/").status_code == 403


def test_the_programme_manager_is_not_cds_and_gets_403_on_the_cds_queue(client, programme_manager):
    client.force_login(programme_manager)
    assert client.get("/tickets/cds/").status_code == 403


def test_the_cds_queue_puts_the_oldest_deadline_first(
    client, partner, partner_engineer, cds_dispatcher
):
    recent = cds_ticket(partner, partner_engineer, at=timezone.now() - timedelta(minutes=10))
    older = cds_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=1))
    oldest = cds_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=6))
    client.force_login(cds_dispatcher)
    rows = re.findall(r'data-ticket="([^"]+)"', client.get("/tickets/cds/").content.decode())
    assert rows == [oldest.number, older.number, recent.number]


def test_the_cds_queue_counts_what_waits_and_what_is_breached(
    client, partner, partner_engineer, cds_dispatcher
):
    cds_ticket(partner, partner_engineer)
    open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=5))
    sla.sweep(now=timezone.now())
    client.force_login(cds_dispatcher)
    body = client.get("/tickets/cds/").content.decode()
    assert re.search(r'data-testid="cds-total">2<', body)
    assert re.search(r'data-testid="cds-breached">1<', body)
    assert re.search(r'data-testid="cds-backup-count">1<', body)


# --- Query counts --------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _fill(partner, actor, count, *, cds=False):
    for asset in covered_assets(partner, count, delivery_mode="cds" if cds else None):
        ticket_open(asset=asset, severity=2, kind="incident", summary="x", actor=actor)


def test_the_partner_queue_runs_the_same_queries_for_5_or_30_tickets(
    client, partner, partner_engineer, django_assert_num_queries
):
    client.force_login(partner_engineer)
    _fill(partner, partner_engineer, 5)
    with django_assert_num_queries(8):
        client.get("/tickets/")
    _fill(partner, partner_engineer, 25)
    with django_assert_num_queries(8):
        response = client.get("/tickets/")
    assert response.content.decode().count('data-testid="ticket-row"') == 25


def test_the_hp_queue_runs_the_same_queries_for_5_or_30_tickets(
    client, partner, partner_engineer, programme_manager
):
    client.force_login(programme_manager)
    _fill(partner, partner_engineer, 5)
    few = _queries(client, "/tickets/")
    _fill(partner, partner_engineer, 25)
    assert _queries(client, "/tickets/") == few


def test_the_cds_queue_runs_the_same_queries_for_5_or_30_tickets(
    client, partner, partner_engineer, cds_dispatcher, django_assert_num_queries
):
    client.force_login(cds_dispatcher)
    _fill(partner, partner_engineer, 5, cds=True)
    with django_assert_num_queries(9):
        client.get("/tickets/cds/")
    _fill(partner, partner_engineer, 25, cds=True)
    with django_assert_num_queries(9):
        response = client.get("/tickets/cds/")
    assert response.content.decode().count('data-testid="ticket-row"') == 25


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
        "resolved": [("acknowledge", {}), ("resolve", {})],
        "closed": [("acknowledge", {}), ("resolve", {}), ("close", {})],
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


# --- Home panels and navigation ------------------------------------------------------------------


def test_the_partner_engineer_home_lists_my_open_tickets_and_calls_to_take(
    client, partner, partner_engineer
):
    me = Engineer.objects.create(partner=partner, name="Moi", user=partner_engineer)
    mine = open_ticket(partner, partner_engineer)
    ticket_act(ticket=mine, action="acknowledge", actor=partner_engineer)
    ticket_act(ticket=mine, action="dispatch", actor=partner_engineer, engineer=me)
    waiting = open_ticket(partner, partner_engineer)
    client.force_login(partner_engineer)
    body = client.get("/").content.decode()
    assert "Mes tickets ouverts" in body
    panel = body.split('data-testid="my-tickets-panel"')[1].split("</section>")[0]
    first, second = panel.split("Appels à prendre en charge")
    assert mine.number in first
    assert waiting.number in second
    assert waiting.number not in first


def test_the_cds_home_shows_the_queue_counts_and_breaches(
    client, partner, partner_engineer, cds_dispatcher
):
    cds_ticket(partner, partner_engineer)
    late = open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=5))
    sla.sweep(now=timezone.now())
    client.force_login(cds_dispatcher)
    body = client.get("/").content.decode()
    assert re.search(r'data-testid="cds-total">2<', body)
    assert re.search(r'data-testid="cds-breached">1<', body)
    assert late.number in body


def test_the_navigation_links_to_tickets_by_role(
    client, partner_engineer, cds_dispatcher, programme_manager
):
    client.force_login(partner_engineer)
    page = text(client.get("/"))
    assert '<a href="/tickets/">Tickets</a>' in page
    assert "File CDS" not in page
    client.force_login(cds_dispatcher)
    page = text(client.get("/"))
    assert '<a href="/tickets/cds/">File CDS</a>' in page
    client.force_login(programme_manager)
    page = text(client.get("/"))
    assert '<a href="/tickets/">Tickets</a>' in page
    assert "/tickets/cds/" not in page


def test_other_partners_are_never_listed_in_the_partner_filter(client, partner_engineer):
    PartnerFactory(name="Rival SARL")
    client.force_login(partner_engineer)
    assert "Rival SARL" not in text(client.get("/tickets/"))
