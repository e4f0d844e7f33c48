"""HP's ranking of partners by SLA compliance and volume, over the 12 months to a month.

What each partner delivered itself is what its compliance measures (CDS's deliveries on
its tickets count for CDS); the volume is every ticket its customers opened. Three
queries whatever the number of partners.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from partners.models import Partner
from reports.periods import Month, share
from reports.selectors.figures import enforced_targets, opened_tickets
from tickets.models import Organisation, SlaState


@dataclass(frozen=True)
class PartnerRank:
    partner_id: int
    name: str
    tier: str
    tickets: int
    by_partner: int
    by_cds: int
    met: int
    breached: int

    @property
    def compliance_pct(self) -> float | None:
        return share(self.met, self.met + self.breached)

    @property
    def cds_pct(self) -> float | None:
        return share(self.by_cds, self.tickets)


# ``?sort=`` values: the best compliance first by default (volume breaks ties).
SORTS = ("-compliance", "compliance", "-tickets", "tickets", "name")
DEFAULT_SORT = "-compliance"


def _key(sort: str) -> Callable[[PartnerRank], tuple[Any, ...]]:
    def compliance(r: PartnerRank) -> float:
        return r.compliance_pct if r.compliance_pct is not None else -1.0

    keys: dict[str, Callable[[PartnerRank], tuple[Any, ...]]] = {
        "-compliance": lambda r: (-compliance(r), -r.tickets, r.name),
        "compliance": lambda r: (r.compliance_pct is None, compliance(r), -r.tickets, r.name),
        "-tickets": lambda r: (-r.tickets, -compliance(r), r.name),
        "tickets": lambda r: (r.tickets, -compliance(r), r.name),
        "name": lambda r: (r.name.casefold(), r.partner_id),
    }
    return keys[sort]


def partner_ranking(last: Month, *, sort: str = DEFAULT_SORT) -> tuple[PartnerRank, ...]:
    """Partners with tickets in the 12 months to ``last``, ranked as ``sort`` says."""
    months = last.trailing(12)
    sort = sort if sort in SORTS else DEFAULT_SORT
    volume = {
        row["partner_id"]: row
        for row in opened_tickets(None, months[0], months[-1])
        .values("partner_id")
        .annotate(
            n=Count("id"),
            by_partner=Count("id", filter=Q(delivered_by=Organisation.PARTNER)),
            by_cds=Count("id", filter=Q(delivered_by=Organisation.CDS)),
        )
    }
    outcomes = {
        row["ticket__partner_id"]: row
        for row in enforced_targets(None, months[0], months[-1])
        .filter(ticket__delivered_by=Organisation.PARTNER)
        .values("ticket__partner_id")
        .annotate(
            met=Count("id", filter=Q(state=SlaState.MET)),
            breached=Count("id", filter=Q(state=SlaState.BREACHED)),
        )
    }
    partners = Partner.objects.filter(pk__in=volume).select_related("tier")
    ranks = [
        PartnerRank(
            partner_id=p.pk,
            name=p.name,
            tier=p.tier.display_name if p.tier else "—",
            tickets=volume[p.pk]["n"],
            by_partner=volume[p.pk]["by_partner"],
            by_cds=volume[p.pk]["by_cds"],
            met=outcomes.get(p.pk, {}).get("met", 0),
            breached=outcomes.get(p.pk, {}).get("breached", 0),
        )
        for p in partners
    ]
    ranks.sort(key=_key(sort))
    return tuple(ranks)
