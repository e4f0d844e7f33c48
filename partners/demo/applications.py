"""The demo's expert accreditations: approved months ago, or waiting in HP's queue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, override

from partners import eligibility as engine
from partners import selectors
from partners.demo.plan import DemoPartner
from partners.models import Accreditation, Partner, Tier
from partners.services import ACCREDITATION_VALIDITY
from servicone.models import AuditEvent
from servicone.notify import notify, programme_managers


def local_datetime(day: date, hour: int, minute: int = 0) -> datetime:
    """A demo timestamp: ``day`` at ``hour:minute``, local time."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _snapshot_dict(
    partner: Partner, snapshot: engine.PartnerSnapshot, specs: Any, on: date, held_tier: str
) -> dict[str, Any]:
    data = selectors.evaluation_as_dict(engine.evaluate(snapshot, specs, on), partner=partner)
    # Stored as it read then: the partner held Deliver when it applied.
    data["current_tier"] = held_tier
    return data


def _without_expert_application(
    plan: tuple[DemoPartner, ...], by_siren: dict[str, Partner], expert: Tier, status: str
) -> list[DemoPartner]:
    wanted = [p for p in plan if p.application and p.application.status == status]
    applied = set(
        Accreditation.objects.filter(
            partner__in=[by_siren[p.siren] for p in wanted], tier=expert
        ).values_list("partner_id", flat=True)
    )
    return [p for p in wanted if by_siren[p.siren].pk not in applied]


def seed_approved_applications(
    plan: tuple[DemoPartner, ...],
    by_siren: dict[str, Partner],
    admins: dict[str, Any],
    manager: Any,
    expert: Tier,
    today: date,
) -> int:
    """Expert accreditations approved months ago by the programme manager, with their audit."""
    todo = _without_expert_application(plan, by_siren, expert, Accreditation.Status.APPROVED)
    if not todo:
        return 0
    specs = selectors.tier_specs()
    snapshots = selectors.snapshots_for(
        Partner.objects.filter(pk__in=[by_siren[p.siren].pk for p in todo]), on=today
    )
    rows: list[tuple[DemoPartner, Accreditation]] = []
    for p in todo:
        partner, application = by_siren[p.siren], p.application
        assert application is not None
        assert application.decided_on is not None
        snapshot = snapshots[partner.pk]
        decided = engine.evaluate(snapshot, specs, application.decided_on).tier(expert.code)
        if engine.unmet_prerequisites(decided):  # a plan bug, not a demo to show
            raise AssertionError(f"demo expert {p.name} did not qualify on its approval date")
        admin = admins[p.siren]
        rows.append(
            (
                p,
                Accreditation(
                    partner=partner,
                    tier=expert,
                    status=Accreditation.Status.APPROVED,
                    created_at=local_datetime(application.submitted_on, 9, 40),
                    created_by=admin,
                    submitted_at=local_datetime(application.submitted_on, 10, 5),
                    submitted_by=admin,
                    eligibility_snapshot=_snapshot_dict(
                        partner, snapshot, specs, application.submitted_on, "deliver"
                    ),
                    decided_at=local_datetime(application.decided_on, 15, 30),
                    decided_by=manager,
                    decision_comment=application.comment,
                    decision_snapshot=_snapshot_dict(
                        partner, snapshot, specs, application.decided_on, "deliver"
                    ),
                    valid_until=application.decided_on + ACCREDITATION_VALIDITY - timedelta(days=1),
                ),
            )
        )
    created = Accreditation.objects.bulk_create([a for _, a in rows])
    events = []
    for (p, _), accreditation in zip(rows, created, strict=True):
        submitted_at, decided_at = accreditation.submitted_at, accreditation.decided_at
        # Both set just above.
        assert submitted_at is not None
        assert decided_at is not None
        common = {
            "partner": accreditation.partner,
            "object_type": Accreditation._meta.label_lower,
            "object_id": accreditation.pk,
        }
        events += [
            AuditEvent(
                action="accreditation.create",
                at=accreditation.created_at,
                actor=admins[p.siren],
                data={"tier": expert.code},
                **common,
            ),
            AuditEvent(
                action="accreditation.submit",
                at=submitted_at,
                actor=admins[p.siren],
                data={"tier": expert.code},
                **common,
            ),
            AuditEvent(
                action="accreditation.approve",
                at=decided_at,
                actor=manager,
                data={
                    "tier": expert.code,
                    "comment": accreditation.decision_comment,
                    "snapshot": accreditation.decision_snapshot,
                },
                **common,
            ),
        ]
    AuditEvent.objects.bulk_create(events)
    return len(created)


def seed_submitted_applications(
    plan: tuple[DemoPartner, ...],
    by_siren: dict[str, Partner],
    admins: dict[str, Any],
    expert: Tier,
) -> int:
    """Expert applications waiting in HP's queue, each with its evaluation snapshot."""
    todo = _without_expert_application(plan, by_siren, expert, Accreditation.Status.SUBMITTED)
    if not todo:
        return 0
    managers = programme_managers()
    # Re-read: the evaluation has just given these partners their current tier.
    partners = Partner.objects.select_related("tier").in_bulk([by_siren[p.siren].pk for p in todo])
    count = 0
    for p in todo:
        partner, application = partners[by_siren[p.siren].pk], p.application
        assert application is not None
        evaluation = selectors.evaluation_for(partner, on=application.submitted_on)
        admin = admins[p.siren]
        created_at = local_datetime(application.submitted_on, 9, 15)
        submitted_at = local_datetime(application.submitted_on, 9, 50)
        accreditation = Accreditation.objects.create(
            partner=partner,
            tier=expert,
            status=Accreditation.Status.SUBMITTED,
            created_at=created_at,
            created_by=admin,
            submitted_at=submitted_at,
            submitted_by=admin,
            eligibility_snapshot=selectors.evaluation_as_dict(evaluation, partner=partner),
        )
        for action, at in (
            ("accreditation.create", created_at),
            ("accreditation.submit", submitted_at),
        ):
            AuditEvent.objects.create(
                action=action,
                at=at,
                actor=admin,
                partner=partner,
                object_type=Accreditation._meta.label_lower,
                object_id=accreditation.pk,
                data={"tier": expert.code},
            )
        # The notification accreditation_submit sends, in the portal's language.
        with override(settings.LANGUAGE_CODE):
            names = {"tier": expert.name, "partner": partner.name}
            notify(
                recipients=managers,
                partner=partner,
                kind="accreditation_submitted",
                dedup_key=f"accreditation-submitted:{accreditation.pk}",
                subject=gettext("ServiceOne : demande d'accréditation %(tier)s de %(partner)s")
                % names,
                body=gettext("%(partner)s demande le niveau %(tier)s. Elle attend votre décision.")
                % names,
                link=f"/hp/accreditations/{accreditation.pk}/",
            )
        count += 1
    return count
