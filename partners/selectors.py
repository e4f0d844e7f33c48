"""Reads of the programme: what feeds the eligibility engine (a fixed number of queries for
any number of partners), and what the programme pages list."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string

from partners import eligibility as engine
from partners.models import (
    Accreditation,
    Certification,
    Course,
    DeliveryPolicy,
    Engineer,
    EngineerAvailability,
    Membership,
    Partner,
    Tier,
    TierRequirement,
)

RevenueSource = Callable[..., dict[int, list[tuple[Decimal, date]]]]


def today() -> date:
    return timezone.localdate()


@cache
def _revenue_source() -> RevenueSource:
    source: RevenueSource = import_string(settings.SERVICONE_REVENUE_SOURCE)
    return source


def revenue_entries_by_partner(
    partner_ids: Iterable[int] | None, *, since: date, until: date
) -> dict[int, list[tuple[Decimal, date]]]:
    """Services revenue booked in ``[since, until]`` per partner: ``(amount, booked_on)``.

    The sales are contracts, a layer above the programme: the setting
    ``SERVICONE_REVENUE_SOURCE`` names the function that reads them (one query), so
    the programme depends on what it needs, not on the contracts app.
    """
    return _revenue_source()(partner_ids, since=since, until=until)


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
                course_name_en=(row.course.name_en or None) if row.course else None,
                tier_name_en=(row.previous_tier.name_en or None) if row.previous_tier else None,
            )
        )
    return tuple(
        engine.Tier(
            code=t.code,
            name=t.name,
            rank=t.rank,
            requires_approval=t.requires_approval,
            requirements=tuple(requirements[t.pk]),
            name_en=t.name_en or None,
        )
        for t in tiers
    )


def snapshots_for(partners: QuerySet[Partner], *, on: date) -> dict[int, engine.PartnerSnapshot]:
    """Engine snapshots of every partner in ``partners``: five queries whatever their number.

    This is the nightly sweep's and the benchmark's hot path (10,000 partners and
    ~50,000 certifications in about 0.2 s of CPU). Two things keep it there: the
    certification rows skip the ORM's per-value conversion (``_certifications_by_partner``),
    and Python's cyclic garbage collector is paused while the ~70,000 snapshot objects
    are built (``_cyclic_gc_paused``).
    """
    with _cyclic_gc_paused():
        declared = dict(partners.values_list("pk", "declared_revenue_12m_eur"))
        ids = partners.values("pk")
        certs = _certifications_by_partner(ids)
        approvals: dict[int, list[engine.Approval]] = defaultdict(list)
        for partner_id, tier_code, valid_until in (
            Accreditation.objects.filter(
                partner__in=ids, status=Accreditation.Status.APPROVED, valid_until__gte=on
            )
            .values_list("partner_id", "tier__code", "valid_until")
            .order_by()
        ):
            if valid_until is not None:  # the filter excludes NULL; this narrows the type
                approvals[partner_id].append(
                    engine.Approval(tier_code=tier_code, valid_until=valid_until)
                )
        # The engine's revenue window; certifications and approvals are read as of
        # ``on``, plus what a tier-at-risk look-ahead needs.
        revenue = revenue_entries_by_partner(
            None if len(declared) > 500 else list(declared),
            since=engine.revenue_window_start(on),
            until=on,
        )
        snapshot = engine.PartnerSnapshot
        entry = engine.RevenueEntry
        zero = Decimal("0")
        result: dict[int, engine.PartnerSnapshot] = {}
        for pk, amount in declared.items():
            entries = revenue.get(pk)
            held = certs.get(pk)
            approved = approvals.get(pk)
            result[pk] = snapshot(
                partner_id=pk,
                declared_revenue_12m_eur=amount or zero,
                revenue_entries=tuple([entry(amount_eur=a, booked_on=d) for a, d in entries])
                if entries
                else (),
                certifications=tuple(held) if held else (),
                approvals=tuple(approved) if approved else (),
            )
        return result


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (not reference counting) for a bulk build.

    Each collection rescans every live container object; building tens of thousands
    of them triggers dozens of collections that find nothing to free (the snapshots
    hold no reference cycles): measured at 100-170 ms of the ~300 ms this selector took
    for 10,000 partners. Reference counting still frees everything as usual, and the
    collector is switched back on only if it was on (a caller may have paused it).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _certifications_by_partner(
    partner_ids: QuerySet[Partner, Any],
) -> dict[int, list[engine.Certification]]:
    """Certifications of the active engineers of ``partner_ids``, per partner (one query).

    The ORM builds the SQL (quoting, joins, the partner sub-query); the rows are read
    from the cursor. Every column is an integer, a string or a date that both database
    drivers already return as Python values (Django's SQLite backend registers a date
    converter and enables it on its connections; psycopg2 returns dates), so the ORM's
    per-value converters would only add Python calls: 100,000 of them for 50,000 rows.
    """
    query = (
        Certification.objects.filter(engineer__partner__in=partner_ids, engineer__is_active=True)
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
    sql, params = query.query.sql_with_params()
    certification = engine.Certification
    certs: dict[int, list[engine.Certification]] = {}
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for partner_id, engineer_id, engineer_name, course_code, passed_on, expires_on in rows:
        cert = certification(engineer_id, engineer_name, course_code, passed_on, expires_on)
        held = certs.get(partner_id)
        if held is None:
            certs[partner_id] = [cert]
        else:
            held.append(cert)
    return certs


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
) -> dict[str, Any]:
    """The evaluation as the API and the stored snapshots show it (JSON-ready)."""
    return {
        "partner": partner.pk,
        "evaluated_at": evaluation.evaluated_on.isoformat(),
        "current_tier": partner.tier.code if partner.tier is not None else None,
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


# --- The programme pages' reads ---------------------------------------------------------------


def programme_partners() -> QuerySet[Partner]:
    """Partners with what their programme page shows of them (tier, tier after grace)."""
    return Partner.objects.select_related("tier", "pending_tier")


def tiers_by_rank() -> QuerySet[Tier]:
    return Tier.objects.order_by("rank")


def tier_by_code(code: str) -> Tier | None:
    return Tier.objects.filter(code=code).first() if code else None


def courses_by_code() -> QuerySet[Course]:
    return Course.objects.order_by("code")


def partner_accreditations(partner_id: int) -> QuerySet[Accreditation]:
    """The partner's applications, latest first."""
    return (
        Accreditation.objects.filter(partner_id=partner_id)
        .select_related("tier", "submitted_by", "decided_by")
        .order_by("-created_at", "-id")
    )


def active_certifications(partner: Partner) -> QuerySet[Certification]:
    """Certifications of the partner's active engineers, soonest expiry first."""
    return (
        Certification.objects.filter(engineer__partner=partner, engineer__is_active=True)
        .select_related("engineer", "course")
        .order_by("expires_on", "engineer__name", "id")
    )


def _next_period(column: str, now: datetime) -> Subquery:
    """A column of the engineer's current or next absence / on-call period."""
    return Subquery(
        EngineerAvailability.objects.filter(engineer=OuterRef("pk"), ends_at__gt=now)
        .order_by("starts_at", "id")
        .values(column)[:1]
    )


def team_engineers(partner: Partner) -> QuerySet[Engineer]:
    """The partner's active engineers with their certifications, latest expiry first, and
    their current or next absence or on-call period (``away_*``, in the same query)."""
    now = timezone.now()
    return (
        Engineer.objects.filter(partner=partner, is_active=True)
        .annotate(
            away_kind=_next_period("kind", now),
            away_from=_next_period("starts_at", now),
            away_until=_next_period("ends_at", now),
        )
        .prefetch_related(
            Prefetch(
                "certifications",
                queryset=Certification.objects.select_related("course").order_by(
                    "-expires_on", "id"
                ),
            )
        )
        .order_by("name", "id")
    )


def partner_members(partner: Partner) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(partner=partner).select_related("user").order_by("user__username")
    )


def submitted_accreditations() -> QuerySet[Accreditation]:
    """HP's approval queue: submitted applications, oldest first."""
    return (
        Accreditation.objects.filter(status=Accreditation.Status.SUBMITTED)
        .select_related("partner__tier", "tier", "submitted_by")
        .order_by("submitted_at", "id")
    )


def recent_decisions(limit: int = 10) -> QuerySet[Accreditation]:
    return (
        Accreditation.objects.filter(
            status__in=[Accreditation.Status.APPROVED, Accreditation.Status.REJECTED]
        )
        .select_related("partner", "tier", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def accreditations_for_review() -> QuerySet[Accreditation]:
    """Applications with everything HP's review page shows of them."""
    return Accreditation.objects.select_related(
        "partner", "partner__tier", "tier", "submitted_by", "decided_by"
    )


def pending_accreditations() -> QuerySet[Accreditation]:
    return Accreditation.objects.filter(status=Accreditation.Status.SUBMITTED)


def active_partners() -> QuerySet[Partner]:
    return Partner.objects.filter(is_active=True)


def active_partners_per_tier() -> dict[int | None, int]:
    """How many active partners hold each tier (by tier id; ``None``: no tier)."""
    return {
        row["tier_id"]: row["n"]
        for row in active_partners().order_by().values("tier_id").annotate(n=Count("id"))
    }


def partners_in_grace() -> QuerySet[Partner]:
    """Active partners in a grace period, the first to fall first."""
    return (
        active_partners()
        .filter(grace_until__isnull=False)
        .select_related("tier", "pending_tier")
        .order_by("grace_until", "name")
    )


def partner_listing(*, tier_filter: str = "", search: str = "") -> QuerySet[Partner]:
    """Active partners by name, of one tier (``"none"``: without one) or matching ``search``."""
    listed = active_partners().select_related("tier", "pending_tier").order_by("name", "id")
    if tier_filter == "none":
        listed = listed.filter(tier__isnull=True)
    elif tier_filter:
        listed = listed.filter(tier__code=tier_filter)
    if search:
        listed = listed.filter(Q(name__icontains=search) | Q(siren=search))
    return listed


# --- Delivery policy ---------------------------------------------------------------------


def policy_versions(partner_ids: Iterable[int]) -> dict[int, list[DeliveryPolicy]]:
    """Every version of these partners' delivery policies, newest effective first (two
    queries, whatever the number of partners): what routing many tickets reads."""
    found: dict[int, list[DeliveryPolicy]] = defaultdict(list)
    versions = (
        DeliveryPolicy.objects.filter(partner_id__in=set(partner_ids))
        .prefetch_related("product_lines_declined")
        .order_by("partner_id", "-effective_from", "-created_at", "-id")
    )
    for version in versions:
        found[version.partner_id].append(version)
    return dict(found)


def in_force(
    versions: Iterable[DeliveryPolicy], *, at: datetime, on: date
) -> DeliveryPolicy | None:
    """The version in force at ``at`` (``on`` its day where it applies): the latest
    effective date that has come, among versions that existed then (no query)."""
    for version in versions:  # newest effective first (``policy_versions``' order)
        if version.effective_from <= on and version.created_at <= at:
            return version
    return None


def policy_in_force(partner_id: int, *, at: datetime, on: date) -> DeliveryPolicy | None:
    """The partner's delivery policy in force at ``at`` (two queries)."""
    return in_force(policy_versions([partner_id]).get(partner_id, []), at=at, on=on)


def policy_for_display(partner: Partner) -> DeliveryPolicy | None:
    """What the policy page and the API show: the version in force now, else the next
    scheduled one, else nothing (two queries)."""
    versions = policy_versions([partner.pk]).get(partner.pk, [])
    now = timezone.now()
    current = in_force(versions, at=now, on=today())
    if current is not None:
        return current
    return min(versions, key=lambda v: (v.effective_from, v.created_at), default=None)


def scheduled_policies(partner: Partner) -> list[DeliveryPolicy]:
    """Versions whose effective date is still to come, soonest first."""
    return list(
        DeliveryPolicy.objects.filter(partner=partner, effective_from__gt=today())
        .select_related("created_by")
        .order_by("effective_from", "created_at", "id")
    )


def certified_engineer_counts(partner_ids: Iterable[int], *, on: date) -> dict[int, int]:
    """Active engineers holding a certification valid on ``on``, per partner (one query)."""
    rows = (
        Engineer.objects.filter(
            partner_id__in=set(partner_ids),
            is_active=True,
            certifications__passed_on__lte=on,
            certifications__expires_on__gte=on,
        )
        .values("partner_id")
        .annotate(n=Count("id", distinct=True))
    )
    return {row["partner_id"]: row["n"] for row in rows}
