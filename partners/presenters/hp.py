"""HP's pages: the approval queue, an application under review, the programme overview."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from partners import eligibility as engine
from partners import selectors
from partners.models import Accreditation, Partner, Tier
from partners.presenters.criteria import (
    Labels,
    evaluated_criterion_row,
    stored_criterion_row,
)
from servicone.presenters import format_eur

# The grace list of the overview shows this many partners (and counts them all beyond).
IN_GRACE_SHOWN = 20


# --- The approval queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    application: Accreditation
    age_days: int  # days since it was submitted


def approval_queue(applications: Iterable[Accreditation], on: date) -> list[QueueRow]:
    return [
        QueueRow(application=a, age_days=Accreditation.days_waiting(a.submitted_at, on))
        for a in applications
    ]


# --- An application under review -------------------------------------------------------------


def snapshot_comparison(
    labels: Labels, snapshot: dict[str, Any] | None, live: engine.Evaluation, tier_rank: int
) -> list[dict[str, Any]]:
    """Per tier up to the applied one: each criterion at submission beside today's."""
    stored = {t["code"]: t for t in (snapshot or {}).get("tiers", [])}
    blocks = []
    for result in live.tiers:
        if result.rank > tier_rank or not result.criteria:
            continue
        before = {c["code"]: c for c in stored.get(result.code, {}).get("criteria", [])}
        rows = []
        for criterion in result.criteria:
            now = evaluated_criterion_row(labels, criterion)
            then_raw = before.pop(criterion.code, None)
            then = stored_criterion_row(labels, then_raw) if then_raw is not None else None
            changed = then is None or then["met"] != now["met"] or then["actual"] != now["actual"]
            rows.append({"label": now["label"], "then": then, "now": now, "changed": changed})
        for gone in before.values():
            rows.append(
                {
                    "label": labels.criterion(gone["code"], gone["kind"]),
                    "then": stored_criterion_row(labels, gone),
                    "now": None,
                    "changed": True,
                }
            )
        stored_tier = stored.get(result.code, {})
        blocks.append(
            {
                "code": result.code,
                "name": labels.tier(result.code),
                "eligible_then": stored_tier.get("eligible_but_approval")
                if result.requires_approval
                else stored_tier.get("eligible"),
                "eligible_now": result.eligible_but_approval
                if result.requires_approval
                else result.eligible,
                "rows": rows,
                "changes": sum(1 for r in rows if r["changed"]),
            }
        )
    return blocks


def iso_date(value: str | None) -> date | None:
    """A stored ``YYYY-MM-DD``, or ``None`` when missing or unreadable."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def accreditation_review(application: Accreditation) -> dict[str, Any]:
    """HP's review page: the evaluation stored at submission beside today's, what is unmet."""
    on = selectors.today()
    labels = Labels.load(hp_reader=True)  # HP reviews: criteria said about the partner
    live = engine.evaluate(
        selectors.snapshot_for(application.partner, on=on), selectors.tier_specs(), on
    )
    snapshot = application.eligibility_snapshot or {}
    try:
        applied = live.tier(application.tier.code)
        unmet = [labels.criterion(c.code, c.kind) for c in engine.unmet_prerequisites(applied)]
    except KeyError:
        unmet = []
    revenue_then = snapshot.get("services_revenue_12m_eur")
    comparison = snapshot_comparison(labels, snapshot, live, application.tier.rank)
    submitted_on = (
        timezone.localdate(application.submitted_at) if application.submitted_at else None
    )
    return {
        "application": application,
        "partner": application.partner,
        "is_submitted": application.status == Accreditation.Status.SUBMITTED,
        "age_days": Accreditation.days_waiting(application.submitted_at, on)
        if submitted_on
        else None,
        "snapshot_date": iso_date(snapshot.get("evaluated_at")),
        "revenue_then": format_eur(revenue_then) if revenue_then is not None else "—",
        "revenue_now": format_eur(live.revenue_12m_eur),
        "revenue_changed": revenue_then is not None
        and Decimal(revenue_then) != live.revenue_12m_eur,
        "comparison": comparison,
        "changed_rows": [row for block in comparison for row in block["rows"] if row["changed"]],
        "unmet_now": unmet,
        "today": on,
    }


# --- The programme overview -------------------------------------------------------------------


def partners_per_tier(tiers: Iterable[Tier], counts: dict[int | None, int]) -> list[dict[str, Any]]:
    """One bar per tier (and « Sans niveau » first when some partners hold none)."""
    peak = max(counts.values(), default=0) or 1
    per_tier = [
        {
            "code": tier.code,
            "name": tier.display_name,
            "count": counts.get(tier.pk, 0),
            "width": round(100 * counts.get(tier.pk, 0) / peak),
        }
        for tier in tiers
    ]
    if counts.get(None):
        per_tier.insert(
            0,
            {
                "code": "none",
                "name": _("Sans niveau"),
                "count": counts[None],
                "width": round(100 * counts[None] / peak),
            },
        )
    return per_tier


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    revenue_12m: str  # formatted in the reader's language


def partner_rows(partners: list[Partner], on: date) -> list[PartnerRow]:
    """The listed partners with their revenue, read for this page only, in bulk."""
    snapshots = (
        selectors.snapshots_for(
            selectors.active_partners().filter(pk__in=[p.pk for p in partners]), on=on
        )
        if partners
        else {}
    )
    return [
        PartnerRow(
            partner=partner,
            revenue_12m=format_eur(engine.services_revenue_12m_eur(snapshots[partner.pk], on)),
        )
        for partner in partners
    ]


def programme_overview(on: date) -> dict[str, Any]:
    """The overview's summary: partners per tier, those in grace, applications waiting."""
    tiers = list(selectors.tiers_by_rank())
    counts = selectors.active_partners_per_tier()
    in_grace = list(selectors.partners_in_grace()[:IN_GRACE_SHOWN])
    return {
        "per_tier": partners_per_tier(tiers, counts),
        "total": sum(counts.values()),
        "in_grace": in_grace,
        "in_grace_count": selectors.partners_in_grace().count()
        if len(in_grace) >= IN_GRACE_SHOWN
        else len(in_grace),
        "pending": selectors.pending_accreditations().count(),
        "tiers": tiers,
        "today": on,
    }


def hp_summary() -> dict[str, Any]:
    """What the programme manager's home panel shows."""
    on = selectors.today()
    queue = selectors.pending_accreditations()
    oldest = queue.order_by("submitted_at").values_list("submitted_at", flat=True).first()
    return {
        "pending": queue.count(),
        "oldest_days": Accreditation.days_waiting(oldest, on) if oldest else None,
        "in_grace": selectors.partners_in_grace().count(),
    }
