"""The default ServiceOne programme, loaded by a data migration and editable in the admin.

Facts from the article: selling needs 10,000 EUR of services revenue over 12
months; delivering needs harder training prerequisites; the expert level
(HP-approved) unlocks complex offers such as 3PAR and Proactive Select.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

PRODUCT_LINES = [
    # code, name fr, name en, is_hp, is_complex
    ("proliant", "Serveurs ProLiant", "ProLiant servers", True, False),
    ("3par", "Stockage 3PAR StoreServ", "3PAR StoreServ storage", True, False),
    ("networking", "Réseaux", "Networking", True, False),
    ("converged", "Infrastructures convergées", "Converged infrastructure", True, True),
    ("non_hp", "Équipements non HP", "Non-HP equipment", False, True),
]

COURSES = [
    # code, name fr, name en, product line, validity months, advanced
    (
        "PL-ASE",
        "ProLiant Server Solutions (ASE)",
        "ProLiant Server Solutions (ASE)",
        "proliant",
        24,
        False,
    ),
    ("NET-ATP", "Networking ATP", "Networking ATP", "networking", 24, False),
    ("3PAR-ASE", "3PAR StoreServ Storage (ASE)", "3PAR StoreServ Storage (ASE)", "3par", 24, False),
    ("3PAR-MASE", "3PAR StoreServ Master ASE", "3PAR StoreServ Master ASE", "3par", 24, True),
    (
        "CI-MASE",
        "Infrastructures convergées Master ASE",
        "Converged Infrastructure Master ASE",
        "converged",
        24,
        True,
    ),
    (
        "PS-DELIVERY",
        "Proactive Select : délivrance",
        "Proactive Select delivery",
        "proliant",
        12,
        True,
    ),
    ("MV-SUPPORT", "Support multi-constructeurs", "Multivendor support", "non_hp", 12, False),
]

TIERS = [
    # code, rank, name fr, name en, requires approval, description
    (
        "registered",
        0,
        "Enregistré",
        "Registered",
        False,
        "Partenaire inscrit au programme ServiceOne.",
    ),
    (
        "sell",
        1,
        "Sell",
        "Sell",
        False,
        "Habilité à vendre les Care Packs et les formules contractuelles HP.",
    ),
    (
        "deliver",
        2,
        "Deliver",
        "Deliver",
        False,
        "Habilité à délivrer ou co-délivrer le support et la maintenance.",
    ),
    (
        "expert",
        3,
        "Expert",
        "Expert",
        True,
        "Niveau le plus élevé : offres complexes (3PAR) et délivrance de Proactive Select.",
    ),
]

REQUIREMENTS: list[dict[str, Any]] = [
    {"tier": "sell", "kind": "min_revenue", "amount_eur": Decimal("10000.00")},
    {"tier": "deliver", "kind": "previous_tier", "previous_tier": "sell"},
    {"tier": "deliver", "kind": "course", "course": "PL-ASE", "min_engineers": 2},
    {"tier": "deliver", "kind": "course", "course": "NET-ATP", "min_engineers": 1},
    {"tier": "expert", "kind": "previous_tier", "previous_tier": "deliver"},
    {"tier": "expert", "kind": "course", "course": "3PAR-MASE", "min_engineers": 2},
    {"tier": "expert", "kind": "course", "course": "CI-MASE", "min_engineers": 1},
    {"tier": "expert", "kind": "approval"},
]


def load_default_programme(apps: Any) -> None:
    """Create what is missing; never overwrite what a programme manager edited."""
    ProductLine = apps.get_model("partners", "ProductLine")
    Course = apps.get_model("partners", "Course")
    Tier = apps.get_model("partners", "Tier")
    TierRequirement = apps.get_model("partners", "TierRequirement")

    lines = {}
    for code, name, name_en, is_hp, is_complex in PRODUCT_LINES:
        lines[code], _ = ProductLine.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "is_hp": is_hp, "is_complex": is_complex},
        )
    courses = {}
    for code, name, name_en, line, months, advanced in COURSES:
        courses[code], _ = Course.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "product_line": lines[line],
                "validity_months": months,
                "is_advanced": advanced,
            },
        )
    tiers = {}
    for code, rank, name, name_en, approval, description in TIERS:
        tiers[code], _ = Tier.objects.get_or_create(
            code=code,
            defaults={
                "rank": rank,
                "name": name,
                "name_en": name_en,
                "requires_approval": approval,
                "description": description,
            },
        )
    for row in REQUIREMENTS:
        tier = tiers[row["tier"]]
        lookup: dict[str, Any] = {"tier": tier, "kind": row["kind"]}
        if row["kind"] == "course":
            lookup["course"] = courses[row["course"]]
        if tier.requirements.filter(**lookup).exists():
            continue
        TierRequirement.objects.create(
            **lookup,
            amount_eur=row.get("amount_eur"),
            min_engineers=row.get("min_engineers", 1),
            previous_tier=tiers[row["previous_tier"]] if "previous_tier" in row else None,
        )
