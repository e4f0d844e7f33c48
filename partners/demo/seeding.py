"""Writing the demo plan: partners, admins, teams, then the tiers by the normal evaluation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from partners import selectors
from partners.demo.applications import (
    local_datetime,
    seed_approved_applications,
    seed_submitted_applications,
)
from partners.demo.plan import DemoEngineer, DemoPartner, demo_plan, ovesys_team
from partners.models import Certification, Course, Engineer, Membership, Partner, Tier, TierPeriod
from partners.services import certification_expiry, partners_evaluate_all, tier_periods_backfill
from servicone.access import PartnerRole
from servicone.models import AuditEvent


@dataclass(frozen=True)
class DemoSeedResult:
    partners_created: int
    engineers_created: int
    certifications_created: int
    accreditations_created: int
    evaluation: dict[str, int]


@transaction.atomic
def seed_programme_demo(
    *,
    ovesys: Partner | None = None,
    programme_manager: Any = None,
    today: date | None = None,
) -> DemoSeedResult:
    """Create the demo programme data that is missing, then evaluate every partner's tier.

    ``ovesys`` gets its engineers and certifications; ``programme_manager`` is who
    decided the approved expert accreditations.
    """
    today = today or selectors.today()
    plan = demo_plan(today, grace_days=settings.TIER_GRACE_DAYS)
    tiers = {t.code: t for t in Tier.objects.all()}

    # Partners, by SIREN. Those seeded in grace hold the tier they are about to lose.
    known = set(
        Partner.objects.filter(siren__in=[p.siren for p in plan]).values_list("siren", flat=True)
    )
    fresh = [p for p in plan if p.siren not in known]
    Partner.objects.bulk_create(
        [
            Partner(
                name=p.name,
                siren=p.siren,
                city=p.city,
                legacy_programme=p.legacy_programme,
                declared_revenue_12m_eur=p.declared_revenue_eur,
                tier=tiers[p.grace.held_tier] if p.grace else None,
                tier_since=p.grace.tier_since if p.grace else None,
                grace_until=p.grace.until if p.grace else None,
                pending_tier=tiers[p.grace.pending_tier] if p.grace else None,
            )
            for p in fresh
        ]
    )
    by_siren = {p.siren: p for p in Partner.objects.filter(siren__in=[p.siren for p in plan])}
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=local_datetime(p.grace.started_on, 2, 15),
                action="tier.grace_started",
                partner=by_siren[p.siren],
                object_type=Partner._meta.label_lower,
                object_id=by_siren[p.siren].pk,
                data={
                    "tier": p.grace.held_tier,
                    "pending": p.grace.pending_tier,
                    "grace_until": p.grace.until.isoformat(),
                },
            )
            for p in fresh
            if p.grace
        ]
    )

    admins = _seed_admins(plan, by_siren)
    teams: list[tuple[Partner, tuple[DemoEngineer, ...]]] = [
        (by_siren[p.siren], p.engineers) for p in plan
    ]
    if ovesys is not None:
        teams.append((ovesys, ovesys_team(today)))
    engineers_created, certifications_created = _seed_teams(teams)

    manager = programme_manager if getattr(programme_manager, "pk", None) else None
    accreditations = seed_approved_applications(
        plan, by_siren, admins, manager, tiers["expert"], today
    )
    # Tiers follow from the data: the normal nightly evaluation, run now. Its first run
    # grants ~130 tiers; a log line for each would bury the demo logins `make run` prints.
    services_log = logging.getLogger("partners.services")
    level = services_log.level
    services_log.setLevel(logging.WARNING)
    try:
        evaluation = partners_evaluate_all(today=today)
    finally:
        services_log.setLevel(level)
    accreditations += seed_submitted_applications(plan, by_siren, admins, tiers["expert"])
    tier_periods_backfill(today=today)
    history = [by_siren[p.siren] for p in fresh]
    if (
        ovesys is not None
        and not TierPeriod.objects.filter(partner=ovesys).exclude(started_on=today).exists()
    ):
        history.append(ovesys)  # its first seeding: the pilot's past, like everyone's
    _seed_tier_history(history, tiers, today, pilot=ovesys)
    return DemoSeedResult(
        partners_created=len(fresh),
        engineers_created=engineers_created,
        certifications_created=certifications_created,
        accreditations_created=accreditations,
        evaluation=evaluation,
    )


def _seed_tier_history(
    partners: list[Partner], tiers: dict[str, Tier], today: date, pilot: Partner | None = None
) -> None:
    """A believable past for the "partners per tier" chart: the programme grew over 18 months.

    The evaluation just opened every demo partner's period today; each is moved back
    to a date derived from the partner's SIREN, with the lower tiers it climbed through
    before. The same partner gets the same past whatever its key in the database (keys
    depend on what the database held before: on PostgreSQL, a sequence is not rolled back).
    The ``pilot`` (Ovesys, "testée en pilote l'année dernière") has been at its tier the
    longest: since about 18 months.
    """
    ladder = [tiers[code] for code in ("sell", "deliver", "expert")]
    periods = list(
        TierPeriod.objects.filter(partner__in=partners, ended_on__isnull=True).select_related(
            "tier"
        )
    )
    sirens = {p.pk: p.siren for p in partners}
    history: list[TierPeriod] = []
    for period in periods:
        siren = sirens[period.partner_id]
        seed = (int(siren) if siren.isdigit() else period.partner_id) * 7919
        step = 60 + seed % 150  # days spent on each lower tier
        days = 20 + (539 if pilot is not None and period.partner_id == pilot.pk else seed % 540)
        start = today - timedelta(days=days)
        climbed = [t for t in ladder if t.rank < period.tier.rank]
        begin = start - timedelta(days=step * len(climbed))
        for tier in climbed:
            history.append(
                TierPeriod(
                    partner_id=period.partner_id,
                    tier=tier,
                    started_on=begin,
                    ended_on=begin + timedelta(days=step),
                )
            )
            begin += timedelta(days=step)
        period.started_on = start
    TierPeriod.objects.bulk_update(periods, ["started_on"])
    TierPeriod.objects.bulk_create(history)
    # "Depuis le …" is when the current period began: the same fact as the history's.
    since = [Partner(pk=p.partner_id, tier_since=p.started_on) for p in periods]
    Partner.objects.bulk_update(since, ["tier_since"])


def _seed_admins(plan: tuple[DemoPartner, ...], by_siren: dict[str, Partner]) -> dict[str, Any]:
    """Each demo partner's admin (username = e-mail, unusable password); by SIREN."""
    user_model = get_user_model()
    wanted = {p.admin[2]: p for p in plan}
    known = set(user_model.objects.filter(username__in=wanted).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [
            user_model(
                username=email,
                email=email,
                first_name=p.admin[0],
                last_name=p.admin[1],
                password=make_password(None),
            )
            for email, p in wanted.items()
            if email not in known
        ]
    )
    users = {u.username: u for u in user_model.objects.filter(username__in=wanted)}
    with_membership = set(
        Membership.objects.filter(user__in=users.values()).values_list("user_id", flat=True)
    )
    Membership.objects.bulk_create(
        [
            Membership(user=users[email], partner=by_siren[p.siren], role=PartnerRole.ADMIN)
            for email, p in wanted.items()
            if users[email].pk not in with_membership
        ]
    )
    return {p.siren: users[p.admin[2]] for p in plan}


def _seed_teams(teams: list[tuple[Partner, tuple[DemoEngineer, ...]]]) -> tuple[int, int]:
    courses = {c.code: c for c in Course.objects.all()}
    partner_ids = [partner.pk for partner, _ in teams]
    known = set(
        Engineer.objects.filter(partner_id__in=partner_ids).values_list("partner_id", "email")
    )
    logins = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[e.username for _, team in teams for e in team if e.username],
            engineer__isnull=True,
        )
    }
    new_engineers = [
        Engineer(
            partner=partner,
            name=e.name,
            email=e.email,
            user=logins.get(e.username) if e.username else None,
        )
        for partner, team in teams
        for e in team
        if (partner.pk, e.email) not in known
    ]
    Engineer.objects.bulk_create(new_engineers)
    engineers = {
        (partner_id, email): pk
        for pk, partner_id, email in Engineer.objects.filter(
            partner_id__in=partner_ids
        ).values_list("pk", "partner_id", "email")
    }
    existing = Certification.objects.filter(engineer_id__in=engineers.values())
    passes = set(existing.values_list("engineer_id", "course__code", "passed_on"))
    # An engineer already certified on a course keeps their history: a run on a later
    # day must not add a second, re-dated certification of the same course.
    held = {(engineer, course) for engineer, course, _ in passes}
    new_certifications = []
    for partner, team in teams:
        for e in team:
            engineer_id = engineers[(partner.pk, e.email)]
            for cert in e.certifications:
                if (engineer_id, cert.course, cert.passed_on) in passes or (
                    engineer_id,
                    cert.course,
                ) in held:
                    continue
                course = courses[cert.course]
                new_certifications.append(
                    Certification(
                        engineer_id=engineer_id,
                        course=course,
                        passed_on=cert.passed_on,
                        expires_on=certification_expiry(course, cert.passed_on),
                    )
                )
    Certification.objects.bulk_create(new_certifications)
    return len(new_engineers), len(new_certifications)
