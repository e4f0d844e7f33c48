"""The catalogue: the offerings on sale, what a partner's tier allows of each, product lines."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.models import Offering
from partners.models import Partner, ProductLine


def partner_with_tier(partner_id: int) -> Partner:
    """The partner and its tier read fresh: the tier decides what may be sold."""
    return Partner.objects.select_related("tier").get(pk=partner_id)


@dataclass(frozen=True)
class CatalogueLine:
    offering: Offering
    may_sell: bool
    may_deliver: bool
    tier_to_sell_name: str
    tier_to_deliver_name: str


def catalogue_for(partner: Partner | None) -> list[CatalogueLine]:
    """Every active offering with what ``partner``'s tier allows (two queries)."""
    rank = partner.tier.rank if partner is not None and partner.tier is not None else -1
    offerings = (
        Offering.objects.active()
        .select_related("tier_to_sell", "tier_to_deliver")
        .prefetch_related("product_lines")
    )
    return [
        CatalogueLine(
            offering=o,
            may_sell=rank >= o.tier_to_sell.rank,
            may_deliver=rank >= o.tier_to_deliver.rank,
            tier_to_sell_name=o.tier_to_sell.display_name,
            tier_to_deliver_name=o.tier_to_deliver.display_name,
        )
        for o in offerings
    ]


def catalogue_lines(
    partner: Partner | None, *, kind: str = "", line_code: str = ""
) -> list[CatalogueLine]:
    """``catalogue_for`` narrowed to one kind of offering and one product line (codes)."""
    lines = catalogue_for(partner)
    if kind:
        lines = [c for c in lines if c.offering.kind == kind]
    if line_code:
        lines = [
            c for c in lines if any(p.code == line_code for p in c.offering.product_lines.all())
        ]
    return lines


def product_lines() -> list[ProductLine]:
    return list(ProductLine.objects.order_by("name"))


def offering_on_catalogue(code: str) -> Offering | None:
    try:
        return (
            Offering.objects.active()
            .select_related("tier_to_sell", "tier_to_deliver")
            .get(code=code)
        )
    except Offering.DoesNotExist:
        return None
