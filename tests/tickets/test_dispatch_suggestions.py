"""Dispatch suggestions (issue 16): available now, from the site's département or a
neighbouring one, then the least loaded — each with the reason for its rank."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine

from partners.models import EngineerAvailability
from tests.partners.factories import delivery_policy
from tests.tickets.factories import certified_engineer
from tests.tickets.pages import NOW, PARIS, open_ticket, text
from tickets import dispatch
from tickets.models import Ticket
from tickets.selectors import dispatch_candidates
from tickets.services import ticket_act

API = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


# --- The ranking (pure) ------------------------------------------------------------------


def facts(engineer_id, name, *, department="", absent=False, on_call=False, load=0):
    return dispatch.EngineerFacts(
        engineer_id=engineer_id,
        name=name,
        open_tickets=load,
        certified_on_line=True,
        department=department,
        absent=absent,
        on_call=on_call,
    )


def test_available_engineers_come_before_absent_ones():
    ranked = dispatch.rank([facts(1, "Anne", absent=True), facts(2, "Bruno", load=5)])
    assert [(c.name, c.available) for c in ranked] == [("Bruno", True), ("Anne", False)]
    assert ranked[1].reasons == ("certified_on_line", "absent", "unknown_department")


def test_the_sites_departement_then_a_neighbour_then_the_others():
    ranked = dispatch.rank(
        [
            facts(1, "Anne", department="13", load=0),
            facts(2, "Bruno", department="62", load=1),
            facts(3, "Chloé", department="59", load=4),
            facts(4, "David", load=0),
        ],
        site_department="59",
    )
    assert [(c.name, c.reasons[2]) for c in ranked] == [
        ("Chloé", "same_department"),
        ("Bruno", "neighbouring_department"),
        ("Anne", "other_department"),
        ("David", "unknown_department"),
    ]


def test_out_of_hours_only_those_on_call_are_available():
    ranked = dispatch.rank(
        [facts(1, "Anne", department="59"), facts(2, "Bruno", department="13", on_call=True)],
        site_department="59",
        in_staffed_hours=False,
    )
    assert [(c.name, c.available, c.reasons[1]) for c in ranked] == [
        ("Bruno", True, "on_call"),
        ("Anne", False, "off_duty"),
    ]


def test_certification_still_ranks_first():
    uncertified = dispatch.EngineerFacts(
        engineer_id=9, name="Zoé", open_tickets=0, certified_on_line=False, department="59"
    )
    ranked = dispatch.rank(
        [uncertified, facts(1, "Anne", department="13", absent=True)], site_department="59"
    )
    assert [c.name for c in ranked] == ["Anne", "Zoé"]


# --- Gathered from the database -----------------------------------------------------------


@pytest.fixture
def lille_ticket(partner, partner_engineer):
    ticket = open_ticket(partner, partner_engineer, site_kwargs={"postal_code": "59000"})
    return ticket_act(ticket=ticket, action="acknowledge", actor=partner_engineer)


@pytest.fixture
def team(partner):
    """Three certified engineers: one in Lille (59) absent today, one in Arras (62), one in
    Marseille (13) on call tonight."""
    lille = certified_engineer(partner, name="Léa Lille", home_department="59")
    arras = certified_engineer(partner, name="Arnaud Arras", home_department="62")
    marseille = certified_engineer(partner, name="Marc Marseille", home_department="13")
    EngineerAvailability.objects.create(
        engineer=lille,
        kind="absence",
        starts_at=NOW - timedelta(hours=2),
        ends_at=NOW + timedelta(days=1),
    )
    EngineerAvailability.objects.create(
        engineer=marseille,
        kind="on_call",
        starts_at=datetime(2026, 11, 26, 18, 0, tzinfo=PARIS),
        ends_at=datetime(2026, 11, 27, 8, 0, tzinfo=PARIS),
    )
    return lille, arras, marseille


def test_the_list_reads_absences_and_home_departements(lille_ticket, team):
    ranked = dispatch_candidates(lille_ticket, on=NOW.date())
    names = [c.name for c in ranked]
    # Arras is next door and available; Léa is in Lille but away; the rest after.
    assert names.index("Arnaud Arras") < names.index("Léa Lille")
    arras = next(c for c in ranked if c.name == "Arnaud Arras")
    assert arras.reasons == ("certified_on_line", "available", "neighbouring_department")


def test_out_of_the_partners_staffed_hours_the_engineer_on_call_leads(partner, lille_ticket, team):
    delivery_policy(partner, staffed_coverage="9x5")
    night = datetime(2026, 11, 26, 22, 0, tzinfo=PARIS)
    ranked = dispatch_candidates(lille_ticket, on=night.date(), at=night)
    assert ranked[0].name == "Marc Marseille"
    assert ranked[0].reasons[1] == "on_call"


def test_the_candidates_still_cost_two_queries(
    partner, lille_ticket, team, django_assert_num_queries
):
    delivery_policy(partner)
    for index in range(6):
        certified_engineer(partner, name=f"Ingénieur {index}", home_department="62")
    ticket = Ticket.objects.select_related("asset").get(pk=lille_ticket.pk)
    with django_assert_num_queries(2):
        assert len(dispatch_candidates(ticket, on=NOW.date())) == 10


def test_the_page_and_the_api_show_the_same_list(client, partner_engineer, lille_ticket, team):
    client.force_login(partner_engineer)
    page = client.get(f"/tickets/{lille_ticket.pk}/")
    body = text(page)
    assert "Absent en ce moment." in body
    assert "D'un département voisin (62 — Pas-de-Calais)." in body
    rows = client.get(f"{API}/tickets/{lille_ticket.pk}/dispatch-candidates/").json()
    on_page = [
        int(engineer)
        for engineer in re.findall(
            r'data-testid="candidate" data-engineer="(\d+)"', page.content.decode()
        )
    ]
    assert [row["engineer"] for row in rows] == on_page
    arras = next(row for row in rows if row["name"] == "Arnaud Arras")
    assert arras["department"] == "62"
    assert arras["available"] is True
    assert arras["certified_on_line"] is True
    assert arras["open_tickets"] == 0
    assert "D'un département voisin" in arras["rank_reason"]


def test_the_api_answers_in_english(client, partner_engineer, lille_ticket, team):
    client.force_login(partner_engineer)
    rows = client.get(
        f"{API}/tickets/{lille_ticket.pk}/dispatch-candidates/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    lille = next(row for row in rows if row["name"] == "Léa Lille")
    assert "Away right now." in lille["rank_reason"]


def test_another_partners_ticket_has_no_candidates_to_show(client, other_admin, lille_ticket):
    client.force_login(other_admin)
    response = client.get(f"{API}/tickets/{lille_ticket.pk}/dispatch-candidates/")
    assert response.status_code == 404
