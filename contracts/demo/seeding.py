"""Writing the demo's customers: customers, sites, assets and contracts, set-wise.

Hundreds of sales through ``contract_sell`` (each re-evaluating the partner's tier) would
take most of a minute; the contracts are written as it writes them instead, with its
own rules for the end date, the price and who delivers (``contract_end``,
``contract_price``, ``delivery_for``). What the plan sells, each partner's tier may sell.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

from contracts.demo.plan import DemoCustomer, DemoPartnerRef, demo_customers
from contracts.models import (
    Asset,
    Contract,
    ContractAsset,
    CreditEntry,
    Customer,
    Offering,
    OfferingKind,
    Site,
)
from contracts.services import contract_end, contract_price, delivery_for
from partners.models import Membership, Partner, ProductLine, Tier
from partners.selectors import today as local_today
from servicone.access import PartnerRole

PARIS = ZoneInfo("Europe/Paris")


def demo_sellers() -> list[Partner]:
    """The demo partners that may sell (Sell and above), Ovesys first, then by tier and name."""
    partners = list(
        Partner.objects.filter(tier__rank__gte=_sell_rank(), is_active=True)
        .select_related("tier")
        .order_by("-tier__rank", "name")
    )
    partners.sort(key=lambda p: (p.name != "Ovesys", -_rank(p), p.name))
    return partners


def _sell_rank() -> int:
    sell = Tier.objects.filter(code="sell").values_list("rank", flat=True).first()
    return sell if sell is not None else 1


def _rank(partner: Partner) -> int:
    return partner.tier.rank if partner.tier is not None else -1


def _refs(partners: list[Partner]) -> list[DemoPartnerRef]:
    """What the plan needs of each partner: who delivers, who sells Proactive Select."""
    deliver = Tier.objects.filter(code="deliver").values_list("rank", flat=True).first() or 2
    proactive = set(
        Partner.objects.filter(
            pk__in=[p.pk for p in partners],
            engineers__is_active=True,
            engineers__certifications__course__code="PS-DELIVERY",
        ).values_list("pk", flat=True)
    )
    return [
        DemoPartnerRef(
            id=p.pk,
            name=p.name,
            city=p.city,
            delivers=_rank(p) >= deliver,
            # Ovesys piloted it; the experts certified on it co-deliver it.
            proactive_select=p.name == "Ovesys" or (p.pk in proactive and _code(p) == "expert"),
        )
        for p in partners
    ]


def _code(partner: Partner) -> str:
    return partner.tier.code if partner.tier is not None else ""


@transaction.atomic
def seed_contracts_demo(*, seed: int = 26112026) -> dict[str, int]:
    """Customers, sites, assets and contracts of every demo partner that may sell.

    Idempotent: nothing is created when those partners have customers already.
    """
    sellers = demo_sellers()
    if not sellers or Customer.objects.filter(partner__in=sellers).exists():
        return {"customers": 0, "sites": 0, "assets": 0, "contracts": 0}
    today = local_today()
    plan = demo_customers(_refs(sellers), today, seed=seed)

    customers = Customer.objects.bulk_create(
        [Customer(partner_id=c.partner_id, name=c.name) for c in plan]
    )
    sites = Site.objects.bulk_create(
        [
            Site(
                customer=customer,
                name=s.name,
                city=s.city,
                postal_code=s.postal_code,
                region=s.region,
                timezone=s.timezone,
            )
            for customer, planned in zip(customers, plan, strict=True)
            for s in planned.sites
        ]
    )
    lines = dict(ProductLine.objects.values_list("code", "pk"))
    site_of = iter(sites)
    assets = []
    for customer, planned in zip(customers, plan, strict=True):
        for s in planned.sites:
            site = next(site_of)
            assets += [
                Asset(
                    customer=customer,
                    site=site,
                    serial_number=a.serial,
                    vendor=a.vendor,
                    product_line_id=lines[a.line],
                    model=a.model,
                )
                for a in s.assets
            ]
    Asset.objects.bulk_create(assets)
    by_serial = {a.serial_number: a for a in assets}

    sold = _sell(sellers, customers, plan, by_serial, today)
    return {
        "customers": len(customers),
        "sites": len(sites),
        "assets": len(assets),
        "contracts": len(sold),
    }


def _sell(
    sellers: list[Partner],
    customers: list[Customer],
    plan: tuple[DemoCustomer, ...],
    by_serial: dict[str, Asset],
    today: date,
) -> list[Contract]:
    """The planned contracts, set-wise, as ``contract_sell`` writes them (its own rules for
    the end date, the price and who delivers; the tier at sale time is the plan's)."""
    offerings = {o.code: o for o in Offering.objects.select_related("tier_to_deliver")}
    by_id = {p.pk: p for p in sellers}
    admins = dict(
        Membership.objects.filter(partner__in=sellers, role=PartnerRole.ADMIN)
        .order_by("id")
        .values_list("partner_id", "user_id")
    )
    contracts: list[Contract] = []
    covered: list[list[Asset]] = []
    for customer, planned in zip(customers, plan, strict=True):
        partner = by_id[planned.partner_id]
        for sale in sorted(planned.contracts, key=lambda c: c.starts_on):
            offering = offerings[sale.offering]
            assets = [by_serial[serial] for serial in sale.serials]
            mode, reason = delivery_for(partner, offering, sale.delivery_mode)
            ends_on = contract_end(offering, sale.starts_on)
            contracts.append(
                Contract(
                    number=f"T-{uuid.uuid4().hex[:16]}",
                    partner=partner,
                    customer=customer,
                    offering=offering,
                    status=Contract.Status.ACTIVE if ends_on >= today else Contract.Status.EXPIRED,
                    starts_on=sale.starts_on,
                    ends_on=ends_on,
                    price_eur=contract_price(offering, len(assets)),
                    delivery_mode=mode,
                    delivery_reason=reason,
                    booked_on=sale.starts_on,
                    sold_by_id=admins.get(partner.pk),
                    credits_balance=offering.credits,
                )
            )
            covered.append(assets)
    Contract.objects.bulk_create(contracts, batch_size=500)
    for contract in contracts:
        # As ``contract_sell`` numbers them: the year of the start and the row id.
        contract.number = f"SO-{contract.starts_on.year}-{contract.pk:06d}"
    Contract.objects.bulk_update(contracts, ["number"], batch_size=500)
    ContractAsset.objects.bulk_create(
        [
            ContractAsset(
                contract=contract,
                asset=asset,
                kind=contract.offering.kind,
                starts_on=contract.starts_on,
                ends_on=contract.ends_on,
                is_active=contract.status == Contract.Status.ACTIVE,
            )
            for contract, assets in zip(contracts, covered, strict=True)
            for asset in assets
        ],
        batch_size=500,
    )
    CreditEntry.objects.bulk_create(
        [
            CreditEntry(
                contract=contract,
                kind=CreditEntry.Kind.PURCHASED,
                credits=contract.credits_balance,
                balance_after=contract.credits_balance,
                at=datetime.combine(contract.starts_on, time(9), tzinfo=PARIS),
                actor_id=contract.sold_by_id,
                reference=contract.number,
            )
            for contract in contracts
            if contract.offering.kind == OfferingKind.PROACTIVE_CREDITS
        ]
    )
    return contracts
