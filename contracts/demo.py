"""Demo customers, sites, assets and contracts (``seed_demo``), through the real services.

Every delivering partner gets a few end customers across France (metropolitan
sites, Alsace-Moselle, La Réunion), an installed base and contracts sold about
seven months ago, so tickets can be opened on them. Idempotent: nothing is
created when the demo partners already have customers.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction

from contracts.models import Customer, Offering
from contracts.services import asset_create, contract_sell, customer_create, site_create
from partners.models import Partner, ProductLine, Tier
from partners.selectors import today as local_today

CUSTOMERS = [
    # name, site name, city, postal code, region, time zone
    ("CHU Lyon-Est", "Bâtiment informatique", "Bron", "69500", "", "Europe/Paris"),
    ("Transports Mosellans", "Dépôt central", "Metz", "57000", "57", "Europe/Paris"),
    ("Brasseries d'Alsace", "Site de production", "Strasbourg", "67000", "6AE", "Europe/Paris"),
    ("Océan Indien Logistique", "Entrepôt du Port", "Le Port", "97420", "974", "Indian/Reunion"),
    ("Mutuelle des Flandres", "Siège", "Lille", "59000", "", "Europe/Paris"),
    ("Ville de Nantes", "Datacenter municipal", "Nantes", "44000", "", "Europe/Paris"),
]
# product line code, vendor, model
INSTALLED_BASE = [
    ("proliant", "hp", "ProLiant DL380 Gen11"),
    ("proliant", "hp", "ProLiant DL360 Gen10"),
    ("networking", "hp", "Aruba 6300M"),
    ("3par", "hp", "3PAR StoreServ 8440"),
    ("converged", "hp", "Synergy 12000"),
    ("non_hp", "other", "Dell PowerEdge R750"),
]
# What each installed-base line is sold: care pack for servers and networks,
# formulas for storage/converged/multivendor.
OFFER_FOR_LINE = {
    "proliant": ["CP-PL-4H-24X7", "CP-PL-NBD-9X5", "CP-PL-4H-13X5"],
    "networking": ["CP-NET-NBD-9X5"],
    "3par": ["CP-3PAR-4H-24X7"],
    "converged": ["SC-DATACENTER-24X7"],
    "non_hp": ["SC-MULTIVENDOR-9X5"],
}


def demo_sellers(limit: int) -> list[Partner]:
    """Demo partners that deliver (Ovesys first), then the best sellers."""
    partners = list(
        Partner.objects.filter(tier__rank__gte=2, is_active=True)
        .select_related("tier")
        .order_by("-tier__rank", "name")
    )
    partners.sort(key=lambda p: (p.name != "Ovesys", -_tier(p).rank, p.name))
    return partners[:limit]


def _tier(partner: Partner) -> Tier:
    assert partner.tier is not None  # demo sellers are chosen by their tier
    return partner.tier


@transaction.atomic
def seed_contracts_demo(*, partners: int = 12, seed: int = 26112026) -> dict[str, int]:
    sellers = demo_sellers(partners)
    if not sellers or Customer.objects.filter(partner__in=sellers).exists():
        return {"customers": 0, "contracts": 0}
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = local_today()
    sold_on = today - timedelta(days=210)
    lines = {p.code: p for p in ProductLine.objects.all()}
    offerings = {o.code: o for o in Offering.objects.all()}
    counts = {"customers": 0, "sites": 0, "assets": 0, "contracts": 0}
    serial = 0
    for index, partner in enumerate(sellers):
        actor = partner.memberships.filter(role="admin").select_related("user").first()
        user = actor.user if actor else None
        chosen = CUSTOMERS if partner.name == "Ovesys" else rng.sample(CUSTOMERS, 2)
        for name, site_name, city, postal, region, tz in chosen:
            customer = customer_create(partner=partner, name=name, actor=user)
            site = site_create(
                customer=customer,
                name=site_name,
                city=city,
                postal_code=postal,
                region=region,
                timezone_name=tz,
                actor=user,
            )
            counts["customers"] += 1
            counts["sites"] += 1
            # Mostly servers and networks; storage, converged and non-HP gear (which
            # CDS delivers unless the partner is expert) are rarer.
            base = INSTALLED_BASE[:3] + rng.sample(INSTALLED_BASE[3:], 1)
            for line, vendor, model in base:
                serial += 1
                prefix = "CZJ" if vendor == "hp" else "DLX"
                asset = asset_create(
                    customer=customer,
                    site=site,
                    serial_number=f"{prefix}{index:02d}{serial:05d}",
                    product_line=lines[line],
                    vendor=vendor,
                    model=model,
                    actor=user,
                )
                counts["assets"] += 1
                code = rng.choice(OFFER_FOR_LINE[line])
                offering = offerings[code]
                # A few contracts are entrusted to CDS by the partner's own choice.
                mode = "cds" if rng.random() < 0.05 else None
                contract_sell(
                    partner=partner,
                    customer=customer,
                    offering=offering,
                    assets=[asset],
                    starts_on=sold_on,
                    actor=user,
                    delivery_mode=mode,
                    today=sold_on,
                )
                counts["contracts"] += 1
        if partner.name == "Ovesys" or (_tier(partner).code == "expert" and index % 2 == 0):
            first = Customer.objects.filter(partner=partner).order_by("id").first()
            if (
                first is not None
                and _tier(partner).rank >= offerings["PS-CREDITS-10"].tier_to_sell.rank
            ):
                contract_sell(
                    partner=partner,
                    customer=first,
                    offering=offerings["PS-CREDITS-10"],
                    assets=[],
                    starts_on=sold_on,
                    actor=user,
                    today=sold_on,
                )
                counts["contracts"] += 1
    return counts
