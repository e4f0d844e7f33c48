"""What the ticket page tests share: the frozen morning, reading a page, making tickets."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.services import contract_sell
from tests.contracts.factories import asset_of, offering
from tests.tickets.factories import covered_asset
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_open

PARIS = ZoneInfo("Europe/Paris")
# A Thursday morning in Paris.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


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
