"""Demo tickets in every state (``seed_demo``), opened in the past through the services.

About a fifth of the tickets on partner contracts end up delivered by CDS:
routed there (complex or non-HP equipment, contracts entrusted to CDS), handed
over by the partner, or fallen back when nobody took the call. Idempotent:
nothing is created when tickets already exist.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from contracts.models import Asset
from partners.models import Engineer
from servicone.access import StaffRole
from servicone.errors import DomainError
from tickets.models import Kind, Organisation, PauseReason, Status, Ticket
from tickets.selectors import engineer_certified_on
from tickets.services import ticket_act, ticket_fallback_to_cds, ticket_open

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SUMMARIES = [
    "Serveur arrêté, voyant santé rouge",
    "Disque en défaut sur la baie",
    "Alimentation redondante en panne",
    "Commutateur cœur de réseau injoignable",
    "Erreurs mémoire corrigibles en rafale",
    "Contrôleur RAID dégradé",
    "Ventilateur bruyant, alerte température",
    "Lien 10 GbE instable",
]
# What the engineer wrote when service was restored (a report is required to resolve).
REPORTS = [
    "Disque remplacé, RAID reconstruit, contrôle santé vert.",
    "Alimentation remplacée, redondance rétablie.",
    "Barrette mémoire remplacée, tests mémoire sans erreur.",
    "Micrologiciel mis à jour, lien stable depuis une heure.",
]
# The status each demo ticket is driven to, with how often.
PLAN = [
    (Status.OPENED, 3),
    (Status.OWNED, 3),
    (Status.DISPATCHED, 3),
    (Status.ON_SITE, 2),
    (Status.PAUSED, 2),
    (Status.RESOLVED, 3),
    (Status.CLOSED, 6),
]
STEPS = {
    Status.OPENED: [],
    Status.OWNED: ["acknowledge"],
    Status.DISPATCHED: ["acknowledge", "dispatch"],
    Status.ON_SITE: ["acknowledge", "dispatch", "arrive"],
    Status.PAUSED: ["acknowledge", "dispatch", "pause"],
    Status.RESOLVED: ["acknowledge", "dispatch", "arrive", "resolve"],
    Status.CLOSED: ["acknowledge", "dispatch", "arrive", "resolve", "close"],
}


def _worker_for(
    ticket: Ticket, cds_users: list[User]
) -> tuple[User | None, Engineer | User | None]:
    """(actor, engineer to dispatch) for the organisation delivering ``ticket``."""
    if ticket.delivered_by == Organisation.CDS:
        return cds_users[0], cds_users[-1]
    admin = ticket.partner.memberships.filter(role="admin").select_related("user").first()
    engineer = (
        Engineer.objects.filter(partner=ticket.partner, is_active=True).order_by("id").first()
    )
    return (admin.user if admin else None), engineer


@transaction.atomic
def seed_tickets_demo(*, seed: int = 20261126) -> dict[str, int]:
    if Ticket.objects.exists():
        return {"tickets": 0}
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    cds_users = list(
        get_user_model()
        .objects.filter(groups__name__in=[StaffRole.CDS_DISPATCHER, StaffRole.CDS_ENGINEER])
        .order_by("groups__name", "id")
    )
    if not cds_users:
        return {"tickets": 0}
    assets = list(
        Asset.objects.filter(coverages__is_active=True)
        .select_related("customer__partner")
        .distinct()
        .order_by("id")
    )
    now = timezone.now()
    made = 0
    statuses = [status for status, weight in PLAN for _ in range(weight)]
    for index, asset in enumerate(assets):
        status = statuses[index % len(statuses)]
        # Open tickets are recent; finished ones spread over the last two months.
        hours_ago = rng.randint(1, 3) if status in (Status.OPENED,) else rng.randint(6, 24 * 60)
        opened_at = now - timedelta(hours=hours_ago, minutes=rng.randint(0, 59))
        partner_admin = (
            asset.customer.partner.memberships.filter(role="admin").select_related("user").first()
        )
        try:
            ticket = ticket_open(
                asset=asset,
                severity=rng.choice([1, 2, 2, 3, 3, 4]),
                kind=Kind.INCIDENT,
                summary=rng.choice(SUMMARIES),
                actor=partner_admin.user if partner_admin else None,
                at=opened_at,
            )
        except DomainError:
            continue
        made += 1
        at = opened_at
        # One partner ticket in twenty is handed over to CDS by the partner.
        if ticket.delivered_by == Organisation.PARTNER and index % 20 == 5:
            actor, _ = _worker_for(ticket, cds_users)
            at += timedelta(minutes=20)
            ticket = ticket_act(
                ticket=ticket,
                action="handover",
                actor=actor,
                at=at,
                reason="Pièce non disponible chez nous",
            )
        # One in twenty-five is left untaken until the ownership window ends.
        if (
            ticket.delivered_by == Organisation.PARTNER
            and index % 25 == 7
            and ticket.ownership_due_at
        ):
            ticket_fallback_to_cds(ticket=ticket, at=max(ticket.ownership_due_at, at))
            ticket.refresh_from_db()
            at = ticket.fell_back_at or at
        for action in STEPS[status]:
            actor, engineer = _worker_for(ticket, cds_users)
            at += timedelta(minutes=rng.randint(15, 150))
            if at > now:
                break
            params: dict[str, Any] = {}
            if action == "dispatch":
                params["engineer"] = engineer
                # One not certified on the asset's line goes with a reason (ticket_dispatch).
                if isinstance(engineer, Engineer) and not engineer_certified_on(
                    engineer, product_line_id=asset.product_line_id, on=at.date()
                ):
                    params["reason"] = "Seul ingénieur disponible ce jour-là."
            if action == "resolve":
                params["note"] = rng.choice(REPORTS)
            if action == "pause":
                params["reason"] = rng.choice(PauseReason.values)
            try:
                ticket = ticket_act(ticket=ticket, action=action, actor=actor, at=at, **params)
            except DomainError:
                break
    return {"tickets": made}
