"""The ticket rows the API writes out field by field equal what DRF's own fields render.

``tickets.api.serializers.rows`` writes a ticket's JSON without DRF's generic field
machinery (the list's Python time); DRF's fields stay the reference. Each ticket here is
rendered both ways, list and detail, in French and English, in a Paris site and an
overseas one: the two must be equal, key order included.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import translation
from rest_framework.request import Request

from servicone.access import StaffRole
from tests.partners.factories import staff_user
from tests.tickets.factories import certified_engineer, covered_asset
from tickets import services
from tickets.api.serializers import TicketDetailSerializer, TicketSerializer
from tickets.api.views import with_detail_data, with_list_data
from tickets.models import Ticket

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def _request(user):
    request = Request(RequestFactory().get("/api/v1/tickets/"))
    request.user = user
    return request


def _tickets(partner, actor):
    """Tickets in every shape a row can take: each status, paused, engineer or CDS user
    assigned, escalated, handed over, on a site in Paris or in Réunion, served by CDS."""
    engineer = certified_engineer(partner)
    paris = covered_asset(partner)
    reunion = covered_asset(partner, site_kwargs={"timezone": "Indian/Reunion", "region": "974"})
    cds = covered_asset(partner, delivery_mode="cds")
    made = []

    def opened(asset, **kwargs):
        ticket = services.ticket_open(
            asset=asset, severity=2, kind="incident", summary="Disque « HS »", actor=actor, **kwargs
        )
        made.append(ticket)
        return ticket

    def act(ticket, *steps):
        for step, params in steps:
            ticket = services.ticket_act(ticket=ticket, action=step, actor=actor, **params)
        return ticket

    opened(paris)
    opened(reunion, description="Ligne 1\nLigne 2")
    act(opened(paris), ("acknowledge", {}), ("dispatch", {"engineer": engineer}))
    act(opened(reunion), ("acknowledge", {}), ("pause", {"reason": "awaiting_parts"}))
    act(
        opened(paris),
        ("acknowledge", {}),
        ("resolve", {"note": "Carte remplacée"}),
        ("close", {}),
    )
    act(opened(paris), ("escalate", {"reason": "Client stratégique"}))
    act(opened(reunion), ("handover", {"reason": "Pièce introuvable"}))
    opened(cds)
    return made


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("viewer", ["partner", "hp"])
def test_every_ticket_row_is_what_drfs_fields_render(language, viewer, partner, partner_admin):
    with time_machine.travel(NOW, tick=False):
        made = _tickets(partner, partner_admin)
    user = partner_admin if viewer == "partner" else staff_user(StaffRole.PROGRAMME_MANAGER)
    context = {"request": _request(user)}
    ids = [t.pk for t in made]
    with time_machine.travel(NOW, tick=False), translation.override(language):
        for serializer, read in (
            (TicketSerializer(context=context), with_list_data),
            (TicketDetailSerializer(context=context), with_detail_data),
        ):
            rows = list(read(Ticket.objects.filter(pk__in=ids)).order_by("pk"))
            assert len(rows) == len(made)
            for ticket in rows:
                written = serializer.to_representation(ticket)
                reference = serializer.drf_representation(ticket)
                assert written == reference
                assert list(written) == list(reference)  # the same key order
                assert json.dumps(written, default=str) == json.dumps(reference, default=str)


def test_the_rows_show_instants_in_the_sites_zone_and_hours_as_decimals(partner, partner_admin):
    with time_machine.travel(NOW, tick=False):
        made = _tickets(partner, partner_admin)
    reunion = next(t for t in made if t.site.timezone == "Indian/Reunion")
    context = {"request": _request(partner_admin)}
    row = TicketSerializer(context=context).to_representation(
        with_list_data(Ticket.objects.filter(pk=reunion.pk)).get()
    )
    assert row["opened_at"] == "2026-11-26T13:00:00+04:00"
    assert [str(t["hours"]) for t in row["sla"]][:2] == ["2.00", "4.00"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Cayenne", "Pacific/Noumea"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=ZoneInfo("UTC")),  # before the clocks go forward
        datetime(2026, 10, 25, 1, 0, tzinfo=ZoneInfo("UTC")),  # as they go back
        datetime(2026, 11, 26, 9, 0, 0, 123456, tzinfo=ZoneInfo("UTC")),
    ],
)
def test_an_instant_is_written_as_drfs_datetime_field_writes_it(zone, moment):
    from django.utils import timezone
    from rest_framework import serializers

    from tickets.api.serializers.rows import instant

    with timezone.override(ZoneInfo(zone)):
        reference = serializers.DateTimeField().to_representation(moment)
    assert instant(moment, ZoneInfo(zone)) == reference
    assert instant(None, ZoneInfo(zone)) is None
