"""The evaluation: every tier, in rank order, criterion by criterion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from partners.eligibility.criteria import (
    approval_criterion,
    course_criterion,
    previous_tier_criterion,
    revenue_criterion,
)
from partners.eligibility.facts import Facts, facts_on
from partners.eligibility.inputs import (
    KIND_APPROVAL,
    KIND_COURSE,
    KIND_MIN_REVENUE,
    PartnerSnapshot,
    Tier,
)
from partners.eligibility.programme import TierPlan, compiled_programme
from partners.eligibility.results import CriterionResult, Evaluation, TierResult


def _evaluate_plans(partner_id: int, plans: Sequence[TierPlan], facts: Facts) -> Evaluation:
    results: list[TierResult] = []
    eligible: dict[str, bool] = {}
    for plan in plans:
        criteria: list[CriterionResult] = []
        others_met = True
        for rule in plan.rules:
            if rule.kind == KIND_MIN_REVENUE:
                criterion = revenue_criterion(rule, facts)
            elif rule.kind == KIND_COURSE:
                criterion = course_criterion(rule, facts)
            else:
                criterion = previous_tier_criterion(rule, eligible[rule.key])
            criteria.append(criterion)
            others_met = others_met and criterion.met
        tier_eligible = others_met
        if plan.needs_approval:
            approval = approval_criterion(plan, facts, others_met)
            criteria.append(approval)
            tier_eligible = others_met and approval.met
        tier = plan.tier
        eligible[tier.code] = tier_eligible
        results.append(
            TierResult(
                code=tier.code,
                name=tier.name,
                rank=tier.rank,
                requires_approval=plan.needs_approval,
                eligible=tier_eligible,
                eligible_but_approval=others_met,
                criteria=tuple(criteria),
                name_en=tier.name_en or tier.name,
            )
        )
    return Evaluation(
        partner_id=partner_id,
        evaluated_on=facts.on,
        tiers=tuple(results),
        revenue_12m_eur=facts.revenue,
    )


def evaluate(snapshot: PartnerSnapshot, tiers: Sequence[Tier], on: date) -> Evaluation:
    """Evaluate ``snapshot`` against every tier on date ``on``, criterion by criterion.

    Tiers are evaluated in rank order so a ``previous_tier`` criterion reuses the result
    of the lower tier. A tier without requirements is always eligible. Raises
    ``TierConfigurationError`` when the tiers are inconsistent (duplicate codes or
    ranks, a ``previous_tier`` that is not a lower-ranked tier, duplicate criteria).
    Passing the same ``Tier`` objects to successive calls reuses their compiled form.
    """
    return _evaluate_plans(snapshot.partner_id, compiled_programme(tiers), facts_on(snapshot, on))


def unmet_prerequisites(result: TierResult) -> tuple[CriterionResult, ...]:
    """The unmet criteria of ``result`` other than HP approval.

    Empty means an accreditation application may be submitted / approved.
    """
    return tuple(c for c in result.criteria if not c.met and c.kind != KIND_APPROVAL)
