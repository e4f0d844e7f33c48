"""Who delivers a ticket, and why: a pure, explainable rule (no ORM).

The article's partners stay "sole deciders" of what they deliver themselves,
within what HP authorises; CDS catches everything else (HP guarantees every
service). Rules, first match wins:

1. the contract's delivery mode is CDS → CDS;
2. non-HP equipment or converged infrastructure → CDS, unless the partner is
   Expert with certified engineers on that product line;
3. the partner's tier may not deliver the offering → CDS;
4. no engineer of the partner is certified on that product line → CDS;
5. otherwise the partner (co-delivery keeps HP alongside),

unless the partner's delivery policy in force at the opening (issue 16) says otherwise,
in this order:

6. the site's département is outside the partner's area → CDS;
7. opened outside the partner's staffed hours on a contract whose coverage goes beyond
   them → CDS takes the out-of-hours response (and, when the policy asks for it, hands
   the ticket back to the partner at its next opening: ``RoutingDecision.hand_back_at``);
8. the partner declines the product line → CDS;
9. the partner's open on-site tickets reached its capacity (per certified engineer) → CDS.

A site whose département is unknown (no postal code) is not judged outside the area.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from partners.departments import DEPARTMENTS

PARTNER = "partner"
CDS = "cds"

# How far each calendar reaches: a contract "goes beyond" staffed hours of a lower rank.
COVERAGE_RANK = {"9x5": 0, "13x5": 1, "24x7": 2}


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """The partner's delivery policy in force at the opening, read against this call."""

    departments: frozenset[str]
    site_department: str | None  # None: unknown (no postal code, or outside the table)
    staffed_coverage: str  # "24x7" | "13x5" | "9x5"
    contract_coverage: str
    opened_in_staffed_hours: bool
    next_staffed_opening: datetime | None  # when the partner's staffed hours open next
    hand_back_at_opening: bool
    product_line_declined: bool
    open_onsite_tickets: int  # the partner's open tickets it delivers
    certified_engineers: int  # its active engineers with a valid certification
    max_open_tickets_per_engineer: int | None  # None: no cap

    @property
    def outside_area(self) -> bool:
        return self.site_department is not None and self.site_department not in self.departments

    @property
    def coverage_beyond_staffed_hours(self) -> bool:
        return COVERAGE_RANK.get(self.contract_coverage, 0) > COVERAGE_RANK.get(
            self.staffed_coverage, 0
        )

    @property
    def capacity(self) -> int | None:
        if self.max_open_tickets_per_engineer is None:
            return None
        return self.max_open_tickets_per_engineer * self.certified_engineers

    @property
    def capacity_reached(self) -> bool:
        capacity = self.capacity
        return capacity is not None and self.open_onsite_tickets >= capacity


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
    # The partner's delivery policy in force (None: it has set none, today's rules only).
    policy: PolicyFacts | None = None

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
    # Outside staffed hours with a hand-back: when the ticket returns to the partner.
    hand_back_at: datetime | None = field(default=None)

    def message(self, lang: str = "fr") -> str:
        return self.messages.get(lang.split("-")[0].lower()) or self.messages["fr"]


def route(facts: RoutingInput) -> RoutingDecision:
    decision = _route_by_programme(facts)
    if decision.delivered_by == PARTNER and facts.policy is not None:
        return _route_by_policy(facts, facts.policy) or decision
    return decision


def _route_by_policy(facts: RoutingInput, policy: PolicyFacts) -> RoutingDecision | None:
    """What the partner's own policy says about a call the programme would give it."""
    if policy.outside_area:
        where = policy.site_department or ""
        name = DEPARTMENTS.get(where, where)
        return RoutingDecision(
            CDS,
            "outside_delivery_area",
            {
                "fr": f"Le site ({where} {name}) est hors de la zone d'intervention du "
                "partenaire : le CDS intervient.",
                "en": f"The site ({where} {name}) is outside the partner's delivery area, "
                "so CDS delivers.",
            },
        )
    if not policy.opened_in_staffed_hours and policy.coverage_beyond_staffed_hours:
        hand_back_at = policy.next_staffed_opening if policy.hand_back_at_opening else None
        then_fr = " ; le ticket revient au partenaire à son ouverture." if hand_back_at else "."
        then_en = "; the ticket returns to the partner when it opens." if hand_back_at else "."
        return RoutingDecision(
            CDS,
            "outside_staffed_hours",
            {
                "fr": f"Ouvert hors des heures ouvrées du partenaire ({policy.staffed_coverage}) "
                f"sur un contrat {policy.contract_coverage} : le CDS assure la réponse hors "
                f"heures{then_fr}",
                "en": f"Opened outside the partner's business hours ({policy.staffed_coverage}) "
                f"on a {policy.contract_coverage} contract: CDS takes the out-of-hours "
                f"response{then_en}",
            },
            hand_back_at=hand_back_at,
        )
    if policy.product_line_declined:
        return RoutingDecision(
            CDS,
            "product_line_declined",
            {
                "fr": f"Le partenaire ne délivre pas la gamme {facts.product_line_name} : "
                "le CDS intervient.",
                "en": f"The partner does not deliver the {facts.line_en} product line, "
                "so CDS delivers.",
            },
        )
    if policy.capacity_reached:
        return RoutingDecision(
            CDS,
            "capacity_reached",
            {
                "fr": f"Capacité du partenaire atteinte ({policy.open_onsite_tickets} tickets "
                f"ouverts pour {policy.certified_engineers} ingénieurs certifiés, "
                f"{policy.max_open_tickets_per_engineer} au plus chacun) : le CDS intervient.",
                "en": f"The partner's capacity is reached ({policy.open_onsite_tickets} open "
                f"tickets for {policy.certified_engineers} certified engineers, at most "
                f"{policy.max_open_tickets_per_engineer} each), so CDS delivers.",
            },
        )
    return None


def _route_by_programme(facts: RoutingInput) -> RoutingDecision:
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


# --- What-if: past tickets replayed against another policy ---------------------------------

# What the programme's own rules send to CDS: a policy cannot bring those back.
PROGRAMME_CDS_REASONS = frozenset(
    {
        "contract_delivery_cds",
        "complex_requires_expert",
        "complex_no_certified_engineer",
        "tier_not_authorised",
        "no_certified_engineer",
    }
)


@dataclass(frozen=True, slots=True)
class PastTicket:
    """A ticket as opened, with what a replay needs (``tickets.selectors.past_tickets``)."""

    opened_at: datetime
    routing_reason: str  # as recorded: tells what the programme's rules decided
    site_department: str | None
    site_timezone: str
    site_region: str
    contract_coverage: str
    product_line_id: int


@dataclass(frozen=True, slots=True)
class WhatIf:
    partner: int
    cds: int

    @property
    def total(self) -> int:
        return self.partner + self.cds


def replay(
    tickets: Iterable[PastTicket],
    *,
    departments: frozenset[str],
    staffed_coverage: str,
    declined_line_ids: frozenset[int],
    is_open: Callable[[str, str, str, datetime], bool],
) -> WhatIf:
    """Where these tickets would have gone under this area, these hours and these declined
    lines: the same rules as ``route`` (capacity aside: it depends on each moment's load).

    ``is_open(coverage, timezone, region, at)`` says whether staffed hours are open (the SLA
    clock's calendars, passed in to keep the replay free of their set-up cost per call).
    """
    partner = cds = 0
    for ticket in tickets:
        if ticket.routing_reason in PROGRAMME_CDS_REASONS:
            cds += 1
            continue
        goes_to_cds = (
            (ticket.site_department is not None and ticket.site_department not in departments)
            or (
                COVERAGE_RANK.get(ticket.contract_coverage, 0)
                > COVERAGE_RANK.get(staffed_coverage, 0)
                and not is_open(
                    staffed_coverage, ticket.site_timezone, ticket.site_region, ticket.opened_at
                )
            )
            or ticket.product_line_id in declined_line_ids
        )
        if goes_to_cds:
            cds += 1
        else:
            partner += 1
    return WhatIf(partner, cds)
