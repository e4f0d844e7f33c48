"""Who delivers a ticket, and why: a pure, explainable rule (no ORM).

The article's partners stay "sole deciders" of what they deliver themselves,
within what HP authorises; CDS catches everything else (HP guarantees every
service). Rules, first match wins:

1. the contract's delivery mode is CDS → CDS;
2. non-HP equipment or converged infrastructure → CDS, unless the partner is
   Expert with certified engineers on that product line;
3. the partner's tier may not deliver the offering → CDS;
4. no engineer of the partner is certified on that product line → CDS;
5. otherwise the partner (co-delivery keeps HP alongside).
"""

from __future__ import annotations

from dataclasses import dataclass

PARTNER = "partner"
CDS = "cds"


@dataclass(frozen=True, slots=True)
class RoutingInput:
    delivery_mode: str  # "partner" | "co_delivery" | "cds"
    vendor: str  # "hp" | "other"
    product_line_code: str
    product_line_name: str
    product_line_is_complex: bool  # converged infrastructure, non-HP equipment
    partner_tier_rank: int  # -1 when the partner has no tier
    partner_tier_name: str
    tier_to_deliver_rank: int
    tier_to_deliver_name: str
    expert_rank: int
    certified_on_line: bool
    # The names the English messages use (the French ones when there is none).
    product_line_name_en: str = ""
    partner_tier_name_en: str = ""
    tier_to_deliver_name_en: str = ""

    @property
    def line_en(self) -> str:
        return self.product_line_name_en or self.product_line_name

    @property
    def partner_tier_en(self) -> str:
        return self.partner_tier_name_en or self.partner_tier_name

    @property
    def tier_to_deliver_en(self) -> str:
        return self.tier_to_deliver_name_en or self.tier_to_deliver_name


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    delivered_by: str
    reason: str
    messages: dict[str, str]

    def message(self, lang: str = "fr") -> str:
        return self.messages.get(lang.split("-")[0].lower()) or self.messages["fr"]


def route(facts: RoutingInput) -> RoutingDecision:
    if facts.delivery_mode == "cds":
        return RoutingDecision(
            CDS,
            "contract_delivery_cds",
            {
                "fr": "Le contrat prévoit la délivrance par le CDS.",
                "en": "The contract provides for delivery by CDS.",
            },
        )
    is_expert = facts.partner_tier_rank >= facts.expert_rank
    if facts.vendor != "hp" or facts.product_line_is_complex:
        what_fr = (
            "un équipement non HP"
            if facts.vendor != "hp"
            else f"la gamme {facts.product_line_name}"
        )
        what_en = (
            "non-HP equipment" if facts.vendor != "hp" else f"the {facts.line_en} product line"
        )
        if not is_expert:
            return RoutingDecision(
                CDS,
                "complex_requires_expert",
                {
                    "fr": f"Intervention sur {what_fr} : réservée au CDS sauf partenaire de niveau expert.",
                    "en": f"Work on {what_en} goes to CDS unless the partner is at the expert level.",
                },
            )
        if not facts.certified_on_line:
            return RoutingDecision(
                CDS,
                "complex_no_certified_engineer",
                {
                    "fr": f"Intervention sur {what_fr} : le partenaire expert n'a pas d'ingénieur certifié sur "
                    f"{facts.product_line_name}, le CDS intervient.",
                    "en": f"Work on {what_en}: the expert partner has no engineer certified on "
                    f"{facts.line_en}, so CDS delivers.",
                },
            )
    if facts.partner_tier_rank < facts.tier_to_deliver_rank:
        return RoutingDecision(
            CDS,
            "tier_not_authorised",
            {
                "fr": f"Le niveau {facts.tier_to_deliver_name} est requis pour délivrer cette offre "
                f"(niveau du partenaire : {facts.partner_tier_name or '—'}) : le CDS intervient.",
                "en": f"The {facts.tier_to_deliver_en} tier is required to deliver this offering "
                f"(partner's tier: {facts.partner_tier_en or '—'}), so CDS delivers.",
            },
        )
    if not facts.certified_on_line:
        return RoutingDecision(
            CDS,
            "no_certified_engineer",
            {
                "fr": f"Aucun ingénieur du partenaire n'est certifié sur {facts.product_line_name} : le CDS intervient.",
                "en": f"No engineer of the partner is certified on {facts.line_en}, so CDS delivers.",
            },
        )
    if facts.delivery_mode == "co_delivery":
        return RoutingDecision(
            PARTNER,
            "partner_co_delivery",
            {
                "fr": "Co-délivrance : le partenaire intervient, HP en appui.",
                "en": "Co-delivery: the partner delivers with HP's support.",
            },
        )
    return RoutingDecision(
        PARTNER,
        "partner_authorised",
        {
            "fr": f"Le partenaire est habilité ({facts.partner_tier_name}) et a des ingénieurs certifiés sur "
            f"{facts.product_line_name} : il intervient.",
            "en": f"The partner is authorised ({facts.partner_tier_en}) and has engineers certified on "
            f"{facts.line_en}: it delivers.",
        },
    )
