"""Ticket queues: the partner queue, the CDS queue, their query counts, the home panels."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicone.access import PartnerRole, StaffRole
from tests.partners.factories import PartnerFactory, partner_user, staff_user
from tests.tickets.factories import certified_engineer
from tests.tickets.pages import NOW, cds_ticket, covered_assets, open_ticket, text
from tickets import selectors, sla
from tickets.models import SlaState, SlaTarget, Ticket
from tickets.services import ticket_act, ticket_open


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


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
    for action, params in (("acknowledge", {}), ("resolve", {"note": "Fait"}), ("close", {})):
        ticket_act(ticket=done, action=action, actor=partner_engineer, **params)
    older_open = open_ticket(partner, partner_engineer, at=timezone.now() - timedelta(hours=3))
    client.force_login(partner_engineer)
    # « Ouverts et clos » (issue 15: the list itself opens on the open tickets only).
    rows = re.findall(r'data-ticket="([^"]+)"', client.get("/tickets/?state=").content.decode())
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
    with django_assert_num_queries(6):
        client.get("/tickets/")
    _fill(partner, partner_engineer, 25)
    with django_assert_num_queries(6):
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
    with django_assert_num_queries(6):
        client.get("/tickets/cds/")
    _fill(partner, partner_engineer, 25, cds=True)
    with django_assert_num_queries(6):
        response = client.get("/tickets/cds/")
    assert response.content.decode().count('data-testid="ticket-row"') == 25


def test_the_cds_queue_counts_and_pages_from_its_summary_and_counts_a_filter_itself(
    client, partner, partner_engineer, cds_dispatcher
):
    """Unfiltered, the page's count is the summary's total (not counted twice); a filter
    counts what it keeps. Both page the same way."""
    client.force_login(cds_dispatcher)
    _fill(partner, partner_engineer, 27, cds=True)
    first = client.get("/tickets/cds/").content.decode()
    assert 'data-testid="ticket-count">27 tickets<' in first
    second = client.get("/tickets/cds/?page=2").content.decode()
    assert second.count('data-testid="ticket-row"') == 2
    assert 'data-testid="ticket-count">27 tickets<' in second
    Ticket.objects.filter(pk=Ticket.objects.order_by("id").first().pk).update(severity=1)
    body = client.get("/tickets/cds/?severity=1").content.decode()
    assert 'data-testid="ticket-count">1 ticket<' in body
    assert body.count('data-testid="ticket-row"') == 1


# --- Home panels and navigation ------------------------------------------------------------------


def test_the_partner_engineer_home_lists_my_open_tickets_and_calls_to_take(
    client, partner, partner_engineer
):
    me = certified_engineer(partner, name="Moi", user=partner_engineer)
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


def test_the_cds_queue_orders_by_the_earliest_pending_enforced_deadline(partner, partner_engineer):
    """Met, paused and indicative targets do not count; a ticket with none pending comes last."""
    now = timezone.now()
    tickets = [
        cds_ticket(partner, partner_engineer, at=now - timedelta(minutes=50 - i)) for i in range(6)
    ]
    targets = SlaTarget.objects.filter(ticket__in=tickets)
    # 0: every target met; 1: indicative only; 2: response paused, on-site in 3 h;
    # 3: response met, on-site due in 10 min; 4: response breached an hour ago; 5: as opened.
    targets.filter(ticket=tickets[0]).update(state=SlaState.MET, met_at=now)
    targets.filter(ticket=tickets[1]).update(enforced=False)
    targets.filter(ticket=tickets[2], target="response").update(state=SlaState.PAUSED)
    targets.filter(ticket=tickets[2], target="onsite").update(due_at=now + timedelta(hours=3))
    targets.filter(ticket=tickets[3], target="response").update(state=SlaState.MET, met_at=now)
    targets.filter(ticket=tickets[3], target="onsite").update(due_at=now + timedelta(minutes=10))
    targets.filter(ticket=tickets[4], target="response").update(
        state=SlaState.BREACHED, due_at=now - timedelta(hours=1)
    )

    def earliest_pending(ticket):
        due = [
            t.due_at
            for t in SlaTarget.objects.filter(ticket=ticket)
            if t.enforced
            and t.met_at is None
            and t.state in (SlaState.RUNNING, SlaState.WARNED, SlaState.BREACHED)
            and t.due_at is not None
        ]
        return min(due) if due else None

    expected = sorted(
        tickets,
        key=lambda t: (earliest_pending(t) is None, earliest_pending(t) or now, t.opened_at, t.pk),
    )
    assert [t.pk for t in expected][:2] == [tickets[4].pk, tickets[3].pk]
    assert {t.pk for t in expected[-2:]} == {tickets[0].pk, tickets[1].pk}
    queued = [t.pk for t in selectors.cds_queue_tickets() if t.pk in {x.pk for x in tickets}]
    assert queued == [t.pk for t in expected]
