"""Reads that feed the eligibility engine: a fixed number of queries for any number of partners."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from contracts.selectors import revenue_entries_by_partner
from partners import eligibility as engine
from partners.models import Accreditation, Certification, Partner, Tier, TierRequirement

# The engine's revenue window is 365 days; certifications and approvals are read
# as of the evaluation date, plus what a tier-at-risk look-ahead needs.
REVENUE_WINDOW_DAYS = 365


def today() -> date:
    return timezone.localdate()


def tier_specs() -> tuple[engine.Tier, ...]:
    """The programme's tiers as the engine's dataclasses (two queries)."""
    tiers = list(Tier.objects.order_by("rank"))
    requirements: dict[int, list[engine.Requirement]] = defaultdict(list)
    for row in TierRequirement.objects.select_related(
        "course__product_line", "previous_tier"
    ).order_by("id"):
        requirements[row.tier_id].append(
            engine.Requirement(
                kind=row.kind,
                amount_eur=row.amount_eur,
                course_code=row.course.code if row.course else None,
                course_name=row.course.name if row.course else None,
                product_line=row.course.product_line.name if row.course else None,
                min_engineers=row.min_engineers,
                tier_code=row.previous_tier.code if row.previous_tier else None,
                tier_name=row.previous_tier.name if row.previous_tier else None,
            )
        )
    return tuple(
        engine.Tier(
            code=t.code,
            name=t.name,
            rank=t.rank,
            requires_approval=t.requires_approval,
            requirements=tuple(requirements[t.pk]),
        )
        for t in tiers
    )


def snapshots_for(partners: QuerySet[Partner], *, on: date) -> dict[int, engine.PartnerSnapshot]:
    """Engine snapshots of every partner in ``partners``: four queries whatever their number."""
    declared = dict(partners.values_list("pk", "declared_revenue_12m_eur"))
    ids = partners.values("pk")
    certs: dict[int, list[engine.Certification]] = defaultdict(list)
    rows = (
        Certification.objects.filter(engineer__partner__in=ids, engineer__is_active=True)
        .values_list(
            "engineer__partner_id",
            "engineer_id",
            "engineer__name",
            "course__code",
            "passed_on",
            "expires_on",
        )
        .order_by()
    )
    for partner_id, engineer_id, engineer_name, course_code, passed_on, expires_on in rows:
        certs[partner_id].append(
            engine.Certification(
                engineer_id=engineer_id,
                engineer_name=engineer_name,
                course_code=course_code,
                passed_on=passed_on,
                expires_on=expires_on,
            )
        )
    approvals: dict[int, list[engine.Approval]] = defaultdict(list)
    for partner_id, tier_code, valid_until in (
        Accreditation.objects.filter(
            partner__in=ids, status=Accreditation.Status.APPROVED, valid_until__gte=on
        )
        .values_list("partner_id", "tier__code", "valid_until")
        .order_by()
    ):
        approvals[partner_id].append(engine.Approval(tier_code=tier_code, valid_until=valid_until))
    revenue = revenue_entries_by_partner(
        None if len(declared) > 500 else list(declared),
        since=on - timedelta(days=REVENUE_WINDOW_DAYS - 1),
        until=on,
    )
    return {
        pk: engine.PartnerSnapshot(
            partner_id=pk,
            declared_revenue_12m_eur=amount or Decimal("0"),
            revenue_entries=tuple(
                engine.RevenueEntry(amount_eur=a, booked_on=d) for a, d in revenue.get(pk, ())
            ),
            certifications=tuple(certs.get(pk, ())),
            approvals=tuple(approvals.get(pk, ())),
        )
        for pk, amount in declared.items()
    }


def snapshot_for(partner: Partner, *, on: date | None = None) -> engine.PartnerSnapshot:
    on = on or today()
    return snapshots_for(Partner.objects.filter(pk=partner.pk), on=on)[partner.pk]


def evaluation_for(partner: Partner, *, on: date | None = None) -> engine.Evaluation:
    on = on or today()
    return engine.evaluate(snapshot_for(partner, on=on), tier_specs(), on)


def services_revenue_12m(partner: Partner, *, on: date | None = None) -> Decimal:
    on = on or today()
    return engine.services_revenue_12m_eur(snapshot_for(partner, on=on), on)


def evaluation_as_dict(
    evaluation: engine.Evaluation, *, partner: Partner, lang: str = "fr"
) -> dict:
    """The evaluation as the API and the stored snapshots show it (JSON-ready)."""
    return {
        "partner": partner.pk,
        "evaluated_at": evaluation.evaluated_on.isoformat(),
        "current_tier": partner.tier.code if partner.tier_id else None,
        "services_revenue_12m_eur": f"{evaluation.revenue_12m_eur:.2f}",
        "tiers": [
            {
                "code": t.code,
                "name": t.name,
                "rank": t.rank,
                "requires_approval": t.requires_approval,
                "eligible": t.eligible,
                "eligible_but_approval": t.eligible_but_approval,
                "criteria": [
                    {
                        "code": c.code,
                        "kind": c.kind,
                        "met": c.met,
                        "required": c.required,
                        "actual": c.actual,
                        "missing": c.missing,
                        "message": c.message(lang),
                        "messages": dict(c.messages),
                        "progress": c.progress,
                    }
                    for c in t.criteria
                ],
            }
            for t in evaluation.tiers
        ],
    }
