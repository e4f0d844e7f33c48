"""Opening a ticket: entitlement, routing, its three SLA targets, ownership and timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from contracts.models import Asset
from servicone.errors import DomainError
from tickets import routing, sla, sla_clock
from tickets.models import (
    Kind,
    Organisation,
    OwnershipSegment,
    SegmentReason,
    SlaTarget,
    SlaTargetKind,
    Ticket,
    TicketEvent,
    TicketEventKind,
)
from tickets.routing_facts import credits_contract_for, opening_coverage, routing_facts
from tickets.webhook_events import emit
from webhooks.models import EventType

if TYPE_CHECKING:
    from tickets.transitions import Actor

from tickets.services.common import (
    _after_commit,
    _now,
    _timeline_line,
    _user,
)


@dataclass(frozen=True)
class Opening:
    """A ticket just opened, with the rows opening wrote: its reader needs not reload them."""

    ticket: Ticket
    targets: list[SlaTarget]  # response, on-site, resolution
    timeline: list[TicketEvent]
    segment: OwnershipSegment


# --- Opening ------------------------------------------------------------------------------

# What opening reads of the asset (a caller that has them joined spares a query).
_ASSET_RELATED = ("site", "product_line", "customer")


def ticket_open(
    *,
    asset: Asset,
    severity: int,
    kind: str,
    summary: str,
    actor: Actor,
    description: str = "",
    at: datetime | None = None,
) -> Ticket:
    """Open a ticket on a covered asset and route it; 400 ``not_entitled`` without coverage."""
    return ticket_opening(
        asset=asset,
        severity=severity,
        kind=kind,
        summary=summary,
        actor=actor,
        description=description,
        at=at,
    ).ticket


@transaction.atomic
def ticket_opening(
    *,
    asset: Asset,
    severity: int,
    kind: str,
    summary: str,
    actor: Actor,
    description: str = "",
    at: datetime | None = None,
) -> Opening:
    """``ticket_open``, answering with the rows it wrote (the API shows them without a reload).

    Its three SLA targets, routing, ownership segment, two timeline lines and the webhook
    event. ``asset`` with its site, product line and customer joined spares one query.
    """
    at = at or _now()
    if severity not in (1, 2, 3, 4):
        raise DomainError("invalid", _("La sévérité va de 1 à 4."), field="severity")
    if kind not in Kind.values:
        raise DomainError("invalid_choice", _("Type d'intervention inconnu."), field="kind")
    summary = (summary or "").strip()
    if not summary:
        raise DomainError("required", _("Décrivez le problème en une ligne."), field="summary")
    if not all(name in asset._state.fields_cache for name in _ASSET_RELATED):
        asset = Asset.objects.select_related(*_ASSET_RELATED).get(pk=asset.pk)
    local_day = at.astimezone(ZoneInfo(asset.site.timezone)).date()
    coverage = opening_coverage(asset, on=local_day, at=at)
    if coverage is None:
        raise DomainError(
            "not_entitled",
            _(
                "L'équipement %(serial)s n'a pas de couverture active : aucun ticket ne peut être ouvert."
            )
            % {"serial": asset.serial_number},
            field="asset",
        )
    contract = coverage.contract
    offering = contract.offering
    credits_contract = None
    route_offering = offering
    if kind == Kind.PREVENTIVE:
        credits_contract = credits_contract_for(asset, local_day)
        if credits_contract is None:
            raise DomainError(
                "no_credits",
                _(
                    "Aucun crédit Proactive Select disponible pour ce client : la visite préventive ne peut pas être planifiée."
                ),
                field="kind",
            )
        route_offering = credits_contract.offering
    decision = routing.route(
        routing_facts(
            asset=asset,
            contract=contract,
            offering=route_offering,
            on=local_day,
            at=at,
            coverage=coverage,
        )
    )
    ticket = Ticket.objects.create(
        number=f"T-{uuid.uuid4().hex[:16]}",
        partner=contract.partner,
        customer=asset.customer,
        site=asset.site,
        asset=asset,
        contract=contract,
        offering=offering,
        credits_contract=credits_contract,
        severity=severity,
        kind=kind,
        summary=summary[:200],
        description=description,
        delivered_by=decision.delivered_by,
        routing_reason=decision.reason,
        routing_messages=decision.messages,
        hand_back_at=decision.hand_back_at,
        opened_by=_user(actor),
        opened_at=at,
    )
    ticket.number = f"TK-{at.year}-{ticket.pk:06d}"
    targets = sla.targets_create(ticket)
    response = next(t for t in targets if t.target == SlaTargetKind.RESPONSE)
    if decision.delivered_by == Organisation.PARTNER:
        ticket.ownership_due_at = _ownership_due(ticket, response)
    ticket.save(update_fields=["number", "ownership_due_at"])
    segment = OwnershipSegment.objects.create(
        ticket=ticket,
        organisation=decision.delivered_by,
        partner=ticket.partner if decision.delivered_by == Organisation.PARTNER else None,
        started_at=at,
        reason=SegmentReason.OPENED,
    )
    timeline = TicketEvent.objects.bulk_create(
        [
            _timeline_line(
                ticket,
                TicketEventKind.OPENED,
                actor,
                at,
                severity=severity,
                kind=kind,
                summary=ticket.summary,
            ),
            _timeline_line(
                ticket,
                TicketEventKind.ROUTED,
                None,
                at,
                delivered_by=decision.delivered_by,
                reason=decision.reason,
                messages=decision.messages,
                **(
                    {"hand_back_at": decision.hand_back_at.isoformat()}
                    if decision.hand_back_at
                    else {}
                ),
            ),
        ]
    )
    # The webhook event: one INSERT; its body is rendered by the fan-out, after the commit.
    emit(ticket, EventType.TICKET_OPENED, at)
    _after_commit(ticket)
    return Opening(ticket=ticket, targets=targets, timeline=timeline, segment=segment)


def _ownership_due(
    ticket: Ticket, response: SlaTarget, start: datetime | None = None
) -> datetime | None:
    """The end of the ownership window for a partner holding the call from ``start``."""
    ratio = settings.OWNERSHIP_WINDOW_RATIO
    if (ratio == 1 or response.next_business_day) and start is None:
        return response.due_at
    if response.next_business_day:  # handed back: the day's window, not an earlier one
        return max(response.due_at or ticket.opened_at, start or ticket.opened_at)
    minutes = sla.warning_minutes(response.hours or Decimal(0), ratio)
    return sla_clock.add_business_minutes(
        sla.calendar_for(ticket), start or ticket.opened_at, minutes
    )
