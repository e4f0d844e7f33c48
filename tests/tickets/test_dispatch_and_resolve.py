"""Guarded ticket steps: a report to resolve, certified engineers first, a reason for the others."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine

from partners.models import Engineer
from servicone.errors import DomainError
from tests.partners.factories import EngineerFactory
from tests.tickets.factories import certified_engineer
from tests.tickets.pages import NOW, cds_ticket, open_ticket, snapshot, text
from tickets import dispatch
from tickets.models import Status, Ticket, TicketEvent
from tickets.selectors import dispatch_candidates
from tickets.services import ticket_act

API = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ticket(partner, partner_engineer):
    """A ProLiant ticket the partner owns; its partner has one certified engineer already."""
    ticket = open_ticket(partner, partner_engineer)
    return ticket_act(ticket=ticket, action="acknowledge", actor=partner_engineer)


@pytest.fixture
def novice(partner):
    """An engineer of the partner certified on networking only, not on ProLiant."""
    return certified_engineer(partner, line="networking", name="Zoé Novice")


def dispatch_event(ticket) -> TicketEvent:
    return TicketEvent.objects.get(ticket=ticket, event="dispatched")


# --- The ranking (pure) ------------------------------------------------------------------------


def facts(engineer_id, name, load, certified):
    return dispatch.EngineerFacts(
        engineer_id=engineer_id, name=name, open_tickets=load, certified_on_line=certified
    )


def test_certified_engineers_come_first_then_the_least_loaded_then_by_name():
    ranked = dispatch.rank(
        [
            facts(1, "Anne", 0, False),
            facts(2, "Bruno", 3, True),
            facts(3, "Chloé", 1, True),
            facts(4, "Alain", 1, True),
        ]
    )
    assert [(c.rank, c.name, c.rank_reason) for c in ranked] == [
        (1, "Alain", "certified_on_line"),
        (2, "Chloé", "certified_on_line"),
        (3, "Bruno", "certified_on_line"),
        (4, "Anne", "not_certified_on_line"),
    ]
    assert [c.needs_reason for c in ranked] == [False, False, False, True]


def test_cds_engineers_rank_by_load_and_need_no_reason():
    ranked = dispatch.rank([facts(1, "Xavier", 2, None), facts(2, "Yann", 0, None)])
    assert [(c.name, c.rank_reason, c.needs_reason) for c in ranked] == [
        ("Yann", "cds_engineer", False),
        ("Xavier", "cds_engineer", False),
    ]


# --- The candidates (selector) -----------------------------------------------------------------


def test_the_candidates_carry_their_certifications_and_open_tickets(
    partner, partner_engineer, ticket, novice
):
    busy = Engineer.objects.get(partner=partner, certifications__course__code="PL-ASE")
    ticket_act(ticket=ticket, action="dispatch", actor=partner_engineer, engineer=busy)
    ranked = dispatch_candidates(ticket, on=NOW.date())
    assert [(c.name, c.certified_on_line, c.open_tickets) for c in ranked] == [
        (busy.name, True, 1),
        ("Zoé Novice", False, 0),
    ]
    assert [(h.course, h.on_line) for h in ranked[0].certifications] == [
        ("ProLiant Server Solutions (ASE)", True)
    ]
    assert [(h.course, h.on_line) for h in ranked[1].certifications] == [("Networking ATP", False)]


def test_an_expired_certification_does_not_count(partner, ticket):
    lapsed = certified_engineer(partner, name="Ancien")
    lapsed.certifications.update(passed_on=date(2023, 1, 5), expires_on=date(2025, 1, 5))
    ranked = {c.name: c for c in dispatch_candidates(ticket, on=NOW.date())}
    assert ranked["Ancien"].certified_on_line is False
    assert ranked["Ancien"].certifications == ()


def test_the_candidates_cost_two_queries_however_many_engineers(
    partner, ticket, django_assert_num_queries
):
    for index in range(8):
        certified_engineer(partner, name=f"Ingénieur {index}")
        EngineerFactory(partner=partner)
    ticket = Ticket.objects.select_related("asset").get(pk=ticket.pk)  # as the page reads it
    with django_assert_num_queries(2):
        assert len(dispatch_candidates(ticket, on=NOW.date())) == 17


# --- Dispatching (service) -----------------------------------------------------------------------


def test_an_engineer_not_certified_on_the_line_is_refused_without_a_reason(
    partner_engineer, ticket, novice
):
    before = snapshot(ticket)
    with pytest.raises(DomainError) as refused:
        ticket_act(ticket=ticket, action="dispatch", actor=partner_engineer, engineer=novice)
    assert (refused.value.code, refused.value.field) == ("reason_required", "reason")
    assert str(refused.value.message) == (
        "Zoé Novice n'est pas certifié sur Serveurs ProLiant : indiquez pourquoi vous "
        "l'envoyez quand même."
    )
    assert snapshot(ticket) == before


def test_with_a_reason_the_engineer_goes_and_the_timeline_keeps_it(
    partner_engineer, ticket, novice
):
    ticket_act(
        ticket=ticket,
        action="dispatch",
        actor=partner_engineer,
        engineer=novice,
        reason="Seule disponible, accompagnée à distance",
    )
    assert Ticket.objects.get(pk=ticket.pk).assigned_engineer == novice
    assert dispatch_event(ticket).detail == {
        "engineer": "Zoé Novice",
        "certified": False,
        "reason": "Seule disponible, accompagnée à distance",
    }


def test_a_cds_engineer_needs_no_reason(partner, partner_engineer, cds_dispatcher, cds_engineer):
    ticket = cds_ticket(partner, partner_engineer)
    ticket = ticket_act(ticket=ticket, action="acknowledge", actor=cds_dispatcher)
    ticket_act(ticket=ticket, action="dispatch", actor=cds_dispatcher, engineer=cds_engineer)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED


# --- Resolving (service) -------------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_resolving_without_a_report_is_refused_and_changes_nothing(partner_engineer, ticket, note):
    before = snapshot(ticket)
    with pytest.raises(DomainError) as refused:
        ticket_act(ticket=ticket, action="resolve", actor=partner_engineer, note=note)
    assert (refused.value.code, refused.value.field) == ("required", "note")
    assert snapshot(ticket) == before


def test_the_report_is_kept_on_the_timeline(partner_engineer, ticket):
    ticket_act(ticket=ticket, action="resolve", actor=partner_engineer, note=" Disque remplacé ")
    assert TicketEvent.objects.get(ticket=ticket, event="resolved").detail == {
        "note": "Disque remplacé"
    }


# --- The ticket page -----------------------------------------------------------------------------


def test_the_ticket_page_lists_certified_engineers_first_with_certifications_and_load(
    client, partner, partner_engineer, ticket, novice
):
    certified = Engineer.objects.get(partner=partner, certifications__course__code="PL-ASE")
    client.force_login(partner_engineer)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    page = text(client.get(f"/tickets/{ticket.pk}/"))
    rows = re.findall(r'data-testid="candidate" data-engineer="(\d+)" data-certified="(\w+)"', body)
    assert rows == [(str(certified.pk), "yes"), (str(novice.pk), "no")]
    assert "ProLiant Server Solutions (ASE), valable jusqu'au 04/01/2028" in page
    assert "Networking ATP, valable jusqu'au 04/01/2028" in page
    assert "Certifié sur Serveurs ProLiant ; aucun ticket en cours." in page
    assert (
        "Non certifié sur Serveurs ProLiant : un motif est requis pour l'envoyer ; aucun ticket "
        "en cours." in page
    )
    # The select: certified first, in groups that say so; each option is the engineer's name.
    select = re.search(r'<select name="dispatch-engineer".*?</select>', body, re.S).group(0)
    assert re.findall(r'<optgroup label="([^"]+)">', select) == [
        "Certifiés sur Serveurs ProLiant",
        "Non certifiés sur Serveurs ProLiant (motif requis)",
    ]
    assert re.findall(r'<option value="(\d+)"', select) == [str(certified.pk), str(novice.pk)]


def test_the_ticket_page_costs_the_same_queries_for_1_or_19_engineers(
    client, partner, partner_engineer, ticket, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(partner_engineer)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/tickets/{ticket.pk}/")
    for index in range(18):
        certified_engineer(partner, name=f"Ingénieur {index}", line=("proliant", "3par")[index % 2])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(f"/tickets/{ticket.pk}/")
    assert response.content.decode().count('data-testid="candidate"') == 19


def test_sending_an_uncertified_engineer_from_the_page_asks_for_a_reason(
    client, partner_engineer, ticket, novice
):
    before = snapshot(ticket)
    client.force_login(partner_engineer)
    response = client.post(
        f"/tickets/{ticket.pk}/actions/dispatch/", {"dispatch-engineer": novice.pk}, follow=True
    )
    assert "Zoé Novice n'est pas certifié sur Serveurs ProLiant : indiquez pourquoi" in text(
        response
    )
    assert snapshot(ticket) == before
    response = client.post(
        f"/tickets/{ticket.pk}/actions/dispatch/",
        {"dispatch-engineer": novice.pk, "dispatch-reason": "Seule disponible"},
        follow=True,
    )
    page = text(response)
    assert "Ingénieur : Zoé Novice" in page
    assert "Non certifié sur la gamme de l'équipement" in page
    assert "Motif : Seule disponible" in page


def test_resolving_from_the_page_needs_a_report_which_the_timeline_shows(
    client, partner_engineer, ticket
):
    before = snapshot(ticket)
    client.force_login(partner_engineer)
    response = client.post(f"/tickets/{ticket.pk}/actions/resolve/", {}, follow=True)
    assert "Rédigez le compte rendu de l'intervention : il est requis pour résoudre." in text(
        response
    )
    assert snapshot(ticket) == before
    response = client.post(
        f"/tickets/{ticket.pk}/actions/resolve/",
        {"resolve-note": "Alimentation remplacée"},
        follow=True,
    )
    assert "Compte rendu : Alimentation remplacée" in text(response)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_the_refusals_read_in_english(client, partner_engineer, ticket, novice):
    client.force_login(partner_engineer)
    client.cookies["django_language"] = "en"
    page = text(
        client.post(
            f"/tickets/{ticket.pk}/actions/dispatch/",
            {"dispatch-engineer": novice.pk},
            follow=True,
        )
    )
    assert (
        "Zoé Novice is not certified on ProLiant servers: say why you are sending them anyway."
        in page
    )
    assert "Certified on ProLiant servers; no open ticket." in page
    page = text(client.post(f"/tickets/{ticket.pk}/actions/resolve/", {}, follow=True))
    assert "Write the intervention report: it is required to resolve the ticket." in page


# --- The API -----------------------------------------------------------------------------------


def test_the_api_refuses_an_uncertified_engineer_without_a_reason_naming_it(
    admin_api, ticket, novice
):
    url = f"{API}/tickets/{ticket.pk}/dispatch/"
    response = admin_api.post(url, {"engineer": novice.pk}, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("reason", "reason_required")
    ]
    response = admin_api.post(url, {"engineer": novice.pk, "reason": "Seule dispo"}, format="json")
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["detail"] == {
        "engineer": "Zoé Novice",
        "certified": False,
        "reason": "Seule dispo",
    }


def test_the_api_needs_a_report_to_resolve_and_keeps_it(admin_api, ticket):
    url = f"{API}/tickets/{ticket.pk}/resolve/"
    for body in ({}, {"note": "  "}):
        response = admin_api.post(url, body, format="json")
        assert response.status_code == 400
        assert [e["field"] for e in response.json()["errors"]] == ["note"]
    response = admin_api.post(url, {"note": "Carte mère remplacée"}, format="json")
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["detail"] == {"note": "Carte mère remplacée"}
