"""Muting a ticket from its page and through the API."""

from __future__ import annotations

import html

import pytest

from tests.tickets.factories import covered_asset
from tickets.models import TicketMute
from tickets.services import ticket_open


@pytest.fixture
def ticket(partner, partner_admin):
    asset = covered_asset(partner)
    return ticket_open(
        asset=asset, severity=2, kind="incident", summary="Panne", actor=partner_admin
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_ticket_page_mutes_and_unmutes_the_ticket_for_the_viewer(
    client, ticket, partner_engineer, partner_admin
):
    client.force_login(partner_engineer)
    assert 'data-testid="mute"' in text(client.get(f"/tickets/{ticket.pk}/"))

    response = client.post(f"/tickets/{ticket.pk}/mute/", {"mute": "1"}, follow=True)

    page = text(response)
    assert "Ticket en sourdine : vous ne recevrez plus de notification à son sujet." in page
    assert 'data-testid="muted"' in page
    assert list(TicketMute.objects.values_list("user", flat=True)) == [partner_engineer.pk]
    client.force_login(partner_admin)  # muted for whoever asked, no one else
    assert 'data-testid="mute"' in text(client.get(f"/tickets/{ticket.pk}/"))

    client.force_login(partner_engineer)
    page = text(client.post(f"/tickets/{ticket.pk}/mute/", {"mute": "0"}, follow=True))
    assert "Vous serez de nouveau notifié pour ce ticket." in page
    assert not TicketMute.objects.exists()


def test_another_partners_ticket_cannot_be_muted_it_does_not_exist(client, ticket, other_admin):
    client.force_login(other_admin)
    assert client.post(f"/tickets/{ticket.pk}/mute/", {"mute": "1"}).status_code == 404
    assert not TicketMute.objects.exists()


def test_the_api_reads_mutes_and_unmutes_a_ticket_for_the_caller(ticket, engineer_api, cds_api):
    url = f"/api/v1/tickets/{ticket.pk}/mute/"
    assert engineer_api.get(url).json() == {"ticket": ticket.pk, "muted": False}

    assert engineer_api.post(url).json() == {"ticket": ticket.pk, "muted": True}
    assert engineer_api.post(url).json() == {"ticket": ticket.pk, "muted": True}
    assert cds_api.get(url).json() == {"ticket": ticket.pk, "muted": False}

    assert engineer_api.delete(url).json() == {"ticket": ticket.pk, "muted": False}
    assert not TicketMute.objects.exists()


def test_the_api_answers_404_for_another_partners_ticket(ticket, other_api):
    response = other_api.post(f"/api/v1/tickets/{ticket.pk}/mute/")
    assert response.status_code == 404
    assert not TicketMute.objects.exists()


def test_the_schema_describes_muting(admin_api):
    schema = admin_api.get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/tickets/{id}/mute/"]
    assert {"get", "post", "delete"} <= set(operations)
    assert "/api/v1/me/notification-preferences/" in schema["paths"]
