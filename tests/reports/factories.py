"""Tickets with outcomes set by hand, so a scorecard's every figure is known in advance."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contracts.models import ContractAsset
from tests.tickets.factories import covered_asset
from tickets.models import SlaTarget, Ticket, TicketEvent

_numbers = itertools.count(1)


@dataclass
class Coverage:
    asset: Any
    contract: Any
    offering: Any

    def ticket_fields(self) -> dict[str, Any]:
        """What a ticket under this coverage holds of it, and a severity-2 « Panne »."""
        return {
            "partner": self.contract.partner,
            "customer": self.asset.customer,
            "site": self.asset.site,
            "asset": self.asset,
            "contract": self.contract,
            "offering": self.offering,
            "severity": 2,
            "summary": "Panne",
        }


def coverage_for(partner, **kwargs) -> Coverage:
    asset = covered_asset(partner, **kwargs)
    link = ContractAsset.objects.select_related("contract__offering").get(asset=asset)
    return Coverage(asset, link.contract, link.contract.offering)


def ticket_with(
    cover: Coverage,
    *,
    opened_at: datetime,
    delivered_by: str = "partner",
    routing_reason: str = "partner_authorised",
    acknowledged: int | None = None,
    arrived: int | None = None,
    handed_over: int | None = None,
    handover_reason: str = "",
    fell_back: int | None = None,
    cds_backup: bool = False,
    status: str = "owned",
    sla: tuple[str, str, str] = ("running", "running", "running"),
    resolution_enforced: bool = True,
) -> Ticket:
    """A ticket opened at ``opened_at``; event arguments are minutes after opening."""

    def after(minutes: int | None) -> datetime | None:
        return None if minutes is None else opened_at + timedelta(minutes=minutes)

    ticket = Ticket.objects.create(
        number=f"SR-T-{next(_numbers):06d}",
        **cover.ticket_fields(),
        status=status,
        pause_reason="awaiting_parts" if status == "paused" else "",
        delivered_by=delivered_by,
        routing_reason=routing_reason,
        cds_backup=cds_backup,
        opened_at=opened_at,
        acknowledged_at=after(acknowledged),
        arrived_at=after(arrived),
        handed_over_at=after(handed_over),
        fell_back_at=after(fell_back),
    )
    if handed_over is not None:
        TicketEvent.objects.create(
            ticket=ticket,
            at=after(handed_over),
            event="handed_over",
            organisation="partner",
            detail={"reason": handover_reason},
        )
    for kind, state in zip(("response", "onsite", "resolution"), sla, strict=True):
        SlaTarget.objects.create(
            ticket=ticket,
            target=kind,
            hours=4,
            enforced=resolution_enforced or kind != "resolution",
            due_at=opened_at + timedelta(hours=4),
            state=state,
            met_at=opened_at + timedelta(hours=1) if state == "met" else None,
            breached_at=opened_at + timedelta(hours=4) if state == "breached" else None,
        )
    return ticket
