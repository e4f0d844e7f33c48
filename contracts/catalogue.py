"""The default catalogue, loaded by a data migration and editable in the admin.

Care packs are packaged warranty extensions priced per asset; contractual
formulas (the majority of the business) are priced per contract; Proactive
Select is sold as credits consumed by delivered preventive services. 3PAR and
Proactive Select delivery need the Expert tier.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# code, name fr, name en, kind, product lines, coverage, response h, onsite h (None = NBD),
# resolution h, months, price, credits, tier to sell, tier to deliver
OFFERINGS: list[tuple[Any, ...]] = [
    (
        "CP-PL-4H-24X7",
        "Care Pack ProLiant intervention 4 h 24x7, 3 ans",
        "ProLiant Care Pack 4-hour 24x7 on-site, 3 years",
        "care_pack",
        ["proliant"],
        "24x7",
        2,
        4,
        8,
        36,
        "1450.00",
        0,
        "sell",
        "deliver",
    ),
    (
        "CP-PL-4H-13X5",
        "Care Pack ProLiant intervention 4 h 13x5, 3 ans",
        "ProLiant Care Pack 4-hour 13x5 on-site, 3 years",
        "care_pack",
        ["proliant"],
        "13x5",
        2,
        4,
        12,
        36,
        "980.00",
        0,
        "sell",
        "deliver",
    ),
    (
        "CP-PL-NBD-9X5",
        "Care Pack ProLiant J+1 ouvré 9x5, 3 ans",
        "ProLiant Care Pack next business day 9x5, 3 years",
        "care_pack",
        ["proliant"],
        "9x5",
        4,
        None,
        None,
        36,
        "520.00",
        0,
        "sell",
        "deliver",
    ),
    (
        "CP-NET-NBD-9X5",
        "Care Pack Réseaux J+1 ouvré 9x5, 3 ans",
        "Networking Care Pack next business day 9x5, 3 years",
        "care_pack",
        ["networking"],
        "9x5",
        4,
        None,
        None,
        36,
        "390.00",
        0,
        "sell",
        "deliver",
    ),
    (
        "CP-3PAR-4H-24X7",
        "Care Pack 3PAR StoreServ 4 h 24x7, 3 ans",
        "3PAR StoreServ Care Pack 4-hour 24x7, 3 years",
        "care_pack",
        ["3par"],
        "24x7",
        1,
        4,
        6,
        36,
        "6900.00",
        0,
        "sell",
        "expert",
    ),
    (
        "SC-FOUNDATION-13X5",
        "Foundation Care 13x5 (serveurs et réseaux), 1 an",
        "Foundation Care 13x5 (servers and networking), 1 year",
        "contract",
        ["proliant", "networking"],
        "13x5",
        2,
        4,
        12,
        12,
        "3600.00",
        0,
        "sell",
        "deliver",
    ),
    (
        "SC-DATACENTER-24X7",
        "Datacenter Care 24x7 (serveurs, stockage, réseaux, convergé), 1 an",
        "Datacenter Care 24x7 (servers, storage, networking, converged), 1 year",
        "contract",
        ["proliant", "3par", "networking", "converged"],
        "24x7",
        1,
        4,
        6,
        12,
        "12000.00",
        0,
        "sell",
        "expert",
    ),
    (
        "SC-MULTIVENDOR-9X5",
        "Support multi-constructeurs 9x5 (non HP, convergé), 1 an",
        "Multivendor support 9x5 (non-HP, converged), 1 year",
        "contract",
        ["non_hp", "converged"],
        "9x5",
        4,
        None,
        24,
        12,
        "2400.00",
        0,
        "sell",
        "expert",
    ),
    (
        "PS-CREDITS-10",
        "Proactive Select, 10 crédits (services préventifs), 1 an",
        "Proactive Select, 10 credits (preventive services), 1 year",
        "proactive_credits",
        ["proliant", "3par", "networking", "converged"],
        "9x5",
        4,
        None,
        None,
        12,
        "5000.00",
        10,
        "deliver",
        "expert",
    ),
]


def load_default_catalogue(apps: Any) -> None:
    """Create missing offerings; never overwrite what a programme manager edited."""
    Offering = apps.get_model("contracts", "Offering")
    ProductLine = apps.get_model("partners", "ProductLine")
    Tier = apps.get_model("partners", "Tier")
    tiers = {t.code: t for t in Tier.objects.all()}
    lines = {p.code: p for p in ProductLine.objects.all()}
    for (
        code,
        name,
        name_en,
        kind,
        product_lines,
        coverage,
        response,
        onsite,
        resolution,
        months,
        price,
        credits,
        sell,
        deliver,
    ) in OFFERINGS:
        if Offering.objects.filter(code=code).exists():
            continue
        offering = Offering.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            coverage=coverage,
            response_hours=response,
            onsite_hours=onsite,
            onsite_next_business_day=onsite is None,
            resolution_hours=resolution,
            duration_months=months,
            list_price_eur=Decimal(price),
            credits=credits,
            tier_to_sell=tiers[sell],
            tier_to_deliver=tiers[deliver],
        )
        offering.product_lines.set([lines[c] for c in product_lines])
