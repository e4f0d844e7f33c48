"""Why CDS delivers: the CDS share of tickets split by cause (issue 16).

A ticket CDS delivers came to it one way: handed over by the partner, fallen back when
nobody took it in time, or routed to it at the opening, for a reason of the routing
(``tickets.models.RoutingReason``) that falls under one cause: the partner's delivery
area, its staffed hours, a product line it declines, its capacity (its own policy); its
tier, its certifications (the programme's rules); the contract itself. The counts are
conditional aggregates added to a query the report makes anyway: no query of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.periods import share
from tickets.models import Organisation, RoutingReason

_ROUTED = Q(delivered_by=Organisation.CDS, handed_over_at__isnull=True, fell_back_at__isnull=True)

# cause code -> (label, which CDS tickets it counts), in the order the reports list them.
CAUSES: dict[str, tuple[Promise, Q]] = {
    "area": (
        _("Zone d'intervention"),
        _ROUTED & Q(routing_reason=RoutingReason.OUTSIDE_DELIVERY_AREA),
    ),
    "hours": (
        _("Heures ouvrées"),
        _ROUTED & Q(routing_reason=RoutingReason.OUTSIDE_STAFFED_HOURS),
    ),
    "declined_line": (
        _("Gamme refusée"),
        _ROUTED & Q(routing_reason=RoutingReason.PRODUCT_LINE_DECLINED),
    ),
    "capacity": (
        _("Capacité atteinte"),
        _ROUTED & Q(routing_reason=RoutingReason.CAPACITY_REACHED),
    ),
    "tier": (
        _("Niveau du partenaire"),
        _ROUTED
        & Q(
            routing_reason__in=[
                RoutingReason.TIER_NOT_AUTHORISED,
                RoutingReason.COMPLEX_REQUIRES_EXPERT,
            ]
        ),
    ),
    "certification": (
        _("Certifications"),
        _ROUTED
        & Q(
            routing_reason__in=[
                RoutingReason.NO_CERTIFIED_ENGINEER,
                RoutingReason.COMPLEX_NO_CERTIFIED_ENGINEER,
            ]
        ),
    ),
    "contract": (
        _("Contrat délivré par le CDS"),
        _ROUTED & Q(routing_reason=RoutingReason.CONTRACT_DELIVERY_CDS),
    ),
    "handover": (
        _("Transfert par le partenaire"),
        Q(delivered_by=Organisation.CDS, handed_over_at__isnull=False),
    ),
    "fallback": (
        _("Bascule automatique"),
        Q(delivered_by=Organisation.CDS, handed_over_at__isnull=True, fell_back_at__isnull=False),
    ),
}


def cause_counts(prefix: str = "") -> dict[str, Count]:
    """Aggregates to add to a tickets query: ``cause_<code>`` per cause."""
    return {f"cause_{code}": Count(f"{prefix}id", filter=q) for code, (_label, q) in CAUSES.items()}


@dataclass(frozen=True)
class CdsCause:
    code: str
    label: str
    count: int
    pct: float | None  # of the tickets CDS delivers


def causes_from(row: dict[str, int]) -> tuple[CdsCause, ...]:
    """The causes out of a row carrying ``cause_counts``' aggregates (summed if several)."""
    counts = {code: row.get(f"cause_{code}", 0) or 0 for code in CAUSES}
    total = sum(counts.values())
    return tuple(
        CdsCause(code, str(label), counts[code], share(counts[code], total))
        for code, (label, _q) in CAUSES.items()
    )


def summed(rows: list[dict[str, int]]) -> dict[str, int]:
    """Rows of grouped aggregates added up, cause by cause."""
    return {
        f"cause_{code}": sum(row.get(f"cause_{code}", 0) or 0 for row in rows) for code in CAUSES
    }
