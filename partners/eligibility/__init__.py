"""ServiceOne eligibility engine: which programme tiers a partner qualifies for, and why.

Pure rules: plain frozen dataclasses in, plain frozen dataclasses out; no Django, no ORM,
no clock (the evaluation date is always passed in). Selectors build a ``PartnerSnapshot``
and the ``Tier`` rows; services store the resulting ``Evaluation``; the API, the pages,
the scheduled evaluation and the benchmark all call the same functions.

Definitions used everywhere:

* Services revenue over 12 trailing months = the partner's declared figure + every revenue
  entry booked inside the window, the 365 days ending on the evaluation date inclusive
  (an entry booked on day D counts from D to D + 364). Entries dated after the
  evaluation date do not count yet.
* A certification is valid from ``passed_on`` through ``expires_on`` inclusive; an HP
  approval is valid through ``valid_until`` inclusive.
* A course requirement counts distinct engineers, not certifications.

The modules, in the order they build on each other: ``inputs`` (what the engine reads),
``results`` (what it answers), ``text`` (message helpers), ``facts`` (one partner on one
date), ``programme`` (tiers compiled once), ``criteria``, ``evaluation``, ``scenarios``
(what-if) and ``risk`` (tier at risk). Callers import from this package only.
"""

from partners.eligibility.evaluation import evaluate, unmet_prerequisites
from partners.eligibility.facts import revenue_window_start, services_revenue_12m_eur
from partners.eligibility.inputs import (
    DEFAULT_RISK_HORIZON_DAYS,
    EXPIRY_WARNING_DAYS,
    KIND_APPROVAL,
    KIND_COURSE,
    KIND_MIN_REVENUE,
    KIND_PREVIOUS_TIER,
    REASON_APPROVAL_EXPIRY,
    REASON_CERTIFICATION_EXPIRY,
    REASON_REVENUE_WINDOW,
    REQUIREMENT_KINDS,
    REVENUE_WINDOW_DAYS,
    WHAT_IF_EXPIRES_ON,
    Approval,
    Certification,
    PartnerSnapshot,
    Requirement,
    RevenueEntry,
    Tier,
    TierConfigurationError,
    WhatIf,
)
from partners.eligibility.results import (
    CriterionResult,
    Evaluation,
    ExpiringCertification,
    TierResult,
    TierRisk,
)
from partners.eligibility.risk import tier_at_risk
from partners.eligibility.scenarios import what_if, what_if_snapshot
from partners.eligibility.text import (
    CENT,
    NBSP,
    NNBSP,
    format_date_en,
    format_date_fr,
    format_eur_en,
    format_eur_fr,
    format_number_en,
    format_number_fr,
)

__all__ = [
    "CENT",
    "DEFAULT_RISK_HORIZON_DAYS",
    "EXPIRY_WARNING_DAYS",
    "KIND_APPROVAL",
    "KIND_COURSE",
    "KIND_MIN_REVENUE",
    "KIND_PREVIOUS_TIER",
    "NBSP",
    "NNBSP",
    "REASON_APPROVAL_EXPIRY",
    "REASON_CERTIFICATION_EXPIRY",
    "REASON_REVENUE_WINDOW",
    "REQUIREMENT_KINDS",
    "REVENUE_WINDOW_DAYS",
    "WHAT_IF_EXPIRES_ON",
    "Approval",
    "Certification",
    "CriterionResult",
    "Evaluation",
    "ExpiringCertification",
    "PartnerSnapshot",
    "Requirement",
    "RevenueEntry",
    "Tier",
    "TierConfigurationError",
    "TierResult",
    "TierRisk",
    "WhatIf",
    "evaluate",
    "format_date_en",
    "format_date_fr",
    "format_eur_en",
    "format_eur_fr",
    "format_number_en",
    "format_number_fr",
    "revenue_window_start",
    "services_revenue_12m_eur",
    "tier_at_risk",
    "unmet_prerequisites",
    "what_if",
    "what_if_snapshot",
]
