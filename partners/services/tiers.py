"""Tier assignment: one partner after a change, or every partner in the nightly sweep.

The pure rule (``partners.tiering.decide``) says what happens; these services lock the
partner, store the move, keep the tier history (``TierPeriod``), write the audit row and
notify the partner's administrators.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext, override

from partners import eligibility as engine
from partners import selectors, tiering
from partners.models import Partner, Tier, TierPeriod
from servicone.audit import audit
from servicone.jobs import enqueue_on_commit
from servicone.notify import Message, notify, notify_many, partner_admin_ids, partner_admins
from servicone.text import elides, single_line
from webhooks.events import EventSpec, event_emit, events_emit
from webhooks.models import EventType

log = logging.getLogger(__name__)

# Every field a tier decision may write, for the nightly sweep's one bulk update.
DECISION_FIELDS = ("evaluated_on", "tier", "tier_since", "grace_until", "pending_tier")


def schedule_tier_evaluation(partner_id: int) -> None:
    """Re-evaluate the partner's tier once the current transaction commits."""
    enqueue_on_commit("partners.tasks.evaluate_partner_tier", partner_id)


# --- The decision --------------------------------------------------------------------------


def _tier_decision(
    partner: Partner, evaluation: engine.Evaluation, today: date
) -> tuple[tiering.TierState, tiering.TierDecision]:
    """The partner's tier state as stored, and what today's evaluation does to it."""
    tier = partner.tier
    highest = evaluation.highest_eligible
    state = tiering.TierState(
        tier_code=tier.code if tier is not None else None,
        tier_rank=tier.rank if tier is not None else None,
        pending_tier_code=None,
        grace_until=partner.grace_until,
    )
    decision = tiering.decide(
        state,
        target_code=highest.code if highest else None,
        target_rank=highest.rank if highest else None,
        today=today,
        grace_days=settings.TIER_GRACE_DAYS,
    )
    return state, decision


def _tier_by_code(tiers: dict[str, Tier], code: str | None) -> Tier | None:
    return tiers.get(code) if code else None


def _leaves_partner_as_is(
    partner: Partner, decision: tiering.TierDecision, tiers: dict[str, Tier]
) -> bool:
    """Nothing to store but the evaluation date, and nothing to send."""
    if decision.action == "keep":
        return True
    if decision.action != "in_grace" or decision.reminder_days:
        return False
    pending = _tier_by_code(tiers, decision.pending_tier_code)
    return partner.grace_until == decision.grace_until and partner.pending_tier_id == (
        pending.pk if pending is not None else None
    )


def _apply_decision(
    partner: Partner, decision: tiering.TierDecision, tiers: dict[str, Tier], today: date
) -> list[str]:
    """Set the decision on ``partner`` (in memory); the fields that were set."""
    fields = ["evaluated_on"]
    partner.evaluated_on = today
    if decision.changes_tier:
        partner.tier = _tier_by_code(tiers, decision.tier_code)
        partner.tier_since = today
        partner.grace_until = None
        partner.pending_tier = None
        fields += ["tier", "tier_since", "grace_until", "pending_tier"]
    elif decision.action == "cancel_grace":
        partner.grace_until = None
        partner.pending_tier = None
        fields += ["grace_until", "pending_tier"]
    elif decision.action in ("start_grace", "in_grace"):
        partner.grace_until = decision.grace_until
        partner.pending_tier = _tier_by_code(tiers, decision.pending_tier_code)
        fields += ["grace_until", "pending_tier"]
    return fields


# --- What the partner's administrators read --------------------------------------------------


@dataclass(frozen=True)
class _Notice:
    kind: str
    dedup_key: str
    subject: str
    body: str
    link: str = "/programme/"

    def message(self, partner_id: int, recipient_ids: list[int]) -> Message:
        return Message(
            recipient_ids=recipient_ids,
            kind=self.kind,
            dedup_key=self.dedup_key,
            subject=self.subject,
            body=self.body,
            partner_id=partner_id,
            link=self.link,
        )


def _grace_notice(partner: Partner, decision: tiering.TierDecision, kind: str) -> _Notice:
    """The grace period started (``grace_started``) or ends soon (``grace_reminder``)."""
    with override(settings.LANGUAGE_CODE):
        current = partner.tier.name if partner.tier is not None else "—"
        pending = decision.pending_tier_code or "—"
        until = engine.format_date_fr(decision.grace_until) if decision.grace_until else ""
        if kind == "grace_started":
            subject = gettext(
                "ServiceOne : votre niveau %(tier)s est en période de grâce jusqu'au %(date)s"
            ) % {"tier": current, "date": until}
        else:
            subject = gettext(
                "ServiceOne : plus que %(days)s jours pour conserver le niveau %(tier)s"
            ) % {"days": decision.reminder_days, "tier": current}
        body = gettext(
            "%(partner)s ne remplit plus les critères du niveau %(tier)s.\n"
            "Sans action de votre part, le niveau passera à « %(pending)s » le %(date)s.\n"
            "Consultez la page « Mon programme » du portail pour voir exactement ce qui manque."
        ) % {"partner": partner.name, "tier": current, "pending": pending, "date": until}
    return _Notice(
        kind="tier_grace",
        dedup_key=(
            f"tier-grace:{partner.pk}:{decision.grace_until}:{kind}:{decision.reminder_days or 0}"
        ),
        subject=subject,
        body=body,
    )


def _tier_changed_notice(partner: Partner, old: Tier | None, new: Tier | None) -> _Notice:
    with override(settings.LANGUAGE_CODE):
        names = {
            "partner": partner.name,
            "old": old.name if old else "",
            "new": new.name if new else "",
        }
        if new is None:
            subject = gettext("ServiceOne : %(partner)s n'a plus de niveau") % names
            body = gettext("%(partner)s perd le niveau « %(old)s ».") % names
        else:
            subject = gettext("ServiceOne : %(partner)s passe au niveau %(tier)s") % {
                "partner": partner.name,
                "tier": new.name,
            }
            if old is None:
                body = gettext("%(partner)s obtient le niveau « %(new)s ».") % names
            elif elides(partner.name):  # « Le niveau d'Ovesys », not « de Ovesys »
                body = (
                    gettext("Le niveau d'%(partner)s passe de « %(old)s » à « %(new)s ».") % names
                )
            else:
                body = (
                    gettext("Le niveau de %(partner)s passe de « %(old)s » à « %(new)s ».") % names
                )
    return _Notice(
        kind="tier_changed",
        dedup_key=f"tier-changed:{partner.pk}:{new.code if new else 'none'}:{selectors.today()}",
        subject=subject,
        body=body,
    )


def _audit_and_notices(
    partner: Partner,
    state: tiering.TierState,
    decision: tiering.TierDecision,
    old_tier: Tier | None,
    today: date,
) -> list[_Notice]:
    """Audit the decision just stored on ``partner``; the notices it calls for."""
    notices = []
    if decision.action not in ("keep", "in_grace"):
        log.info("partner %s tier decision %s", partner.pk, decision)
    if decision.changes_tier:
        audit(
            action=f"tier.{decision.action}",
            actor=None,
            partner=partner,
            obj=partner,
            before=old_tier.code if old_tier else None,
            after=decision.tier_code,
            on=today.isoformat(),
        )
        notices.append(_tier_changed_notice(partner, old_tier, partner.tier))
    elif decision.action == "start_grace":
        audit(
            action="tier.grace_started",
            actor=None,
            partner=partner,
            obj=partner,
            tier=state.tier_code,
            pending=decision.pending_tier_code,
            grace_until=decision.grace_until.isoformat() if decision.grace_until else None,
        )
        notices.append(_grace_notice(partner, decision, "grace_started"))
    elif decision.action == "cancel_grace":
        audit(
            action="tier.grace_cancelled",
            actor=None,
            partner=partner,
            obj=partner,
            tier=state.tier_code,
        )
    if decision.reminder_days:
        notices.append(_grace_notice(partner, decision, "grace_reminder"))
    return notices


# --- Tier history ---------------------------------------------------------------------------


def tier_period_record(*, partner: Partner, tier: Tier | None, on: date) -> None:
    """Close the partner's open tier period on ``on`` and open one for ``tier`` (if any).

    Called inside the tier decision's transaction, with the partner row locked.
    A change and its reversal on the same day leave a zero-length period, which
    counts for no day.
    """
    TierPeriod.objects.filter(partner=partner, ended_on__isnull=True).update(ended_on=on)
    if tier is not None:
        TierPeriod.objects.create(partner=partner, tier=tier, started_on=on)


def _tier_periods_record(partners: list[Partner], on: date) -> None:
    """``tier_period_record`` for many partners: one update and one insert."""
    if not partners:
        return
    TierPeriod.objects.filter(partner__in=[p.pk for p in partners], ended_on__isnull=True).update(
        ended_on=on
    )
    TierPeriod.objects.bulk_create(
        [
            TierPeriod(partner=p, tier_id=p.tier_id, started_on=on)
            for p in partners
            if p.tier_id is not None
        ]
    )


def tier_periods_backfill(*, today: date | None = None) -> int:
    """Open a period for every partner holding a tier without one (migrations, seeding)."""
    today = today or selectors.today()
    open_period = TierPeriod.objects.filter(partner=OuterRef("pk"), ended_on__isnull=True)
    missing = Partner.objects.filter(tier__isnull=False).exclude(Exists(open_period))
    rows = [
        TierPeriod(
            partner_id=pk,
            tier_id=tier_id,
            started_on=since or timezone.localdate(created_at),
        )
        for pk, tier_id, since, created_at in missing.values_list(
            "pk", "tier_id", "tier_since", "created_at"
        )
    ]
    TierPeriod.objects.bulk_create(rows)
    return len(rows)


# --- One partner ----------------------------------------------------------------------------


@transaction.atomic
def partner_apply_evaluation(
    *,
    partner: Partner,
    today: date | None = None,
    evaluation: engine.Evaluation | None = None,
    tiers: dict[str, Tier] | None = None,
) -> tiering.TierDecision:
    """Grant, keep or (after the grace period) withdraw the partner's tier; idempotent."""
    today = today or selectors.today()
    locked = (
        Partner.objects.select_for_update(of=("self",)).select_related("tier").get(pk=partner.pk)
    )
    evaluation = evaluation or selectors.evaluation_for(locked, on=today)
    tiers = tiers or {t.code: t for t in Tier.objects.all()}
    state, decision = _tier_decision(locked, evaluation, today)
    old_tier = locked.tier
    locked.save(update_fields=_apply_decision(locked, decision, tiers, today))
    if decision.changes_tier:
        tier_period_record(partner=locked, tier=locked.tier, on=today)
        event_emit(type=EventType.TIER_CHANGED, partner_id=locked.pk, resource_id=locked.pk)
    for notice in _audit_and_notices(locked, state, decision, old_tier, today):
        notify(
            recipients=partner_admins(locked),
            partner=locked,
            kind=notice.kind,
            dedup_key=notice.dedup_key,
            subject=notice.subject,
            body=notice.body,
            link=notice.link,
        )
    partner.tier = locked.tier
    partner.grace_until = locked.grace_until
    partner.pending_tier = locked.pending_tier
    return decision


# --- The nightly evaluation -------------------------------------------------------------------


def partners_evaluate_all(*, today: date | None = None, batch_size: int = 500) -> dict[str, int]:
    """Evaluate every active partner and apply tier moves; a fixed number of queries per batch.

    A partner whose outcome does not change is not written (its evaluation date aside,
    stamped for the whole batch in one update when it is not today's yet). The others
    are locked, updated in one bulk update with their tier periods, audited and notified
    exactly as ``partner_apply_evaluation`` does, in one transaction per batch.

    Should a batch fail, whatever the reason, its partners are evaluated one by one
    (``partner_apply_evaluation``, each in its own transaction): a partner that fails
    again is left as it was, logged and counted (``failed``) and evaluated by the next
    run; the others are written. Returns how many partners each action concerned.
    """
    today = today or selectors.today()
    specs = selectors.tier_specs()
    tiers = {t.code: t for t in Tier.objects.all()}
    counts: Counter[str] = Counter()
    ids = list(Partner.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch_ids = ids[start : start + batch_size]
        try:
            # The reads need no savepoint: the writes are one UPDATE (the evaluation
            # dates) and ``_apply_evaluations``' own transaction, rolled back if it fails.
            counts.update(_evaluate_batch(batch_ids, specs=specs, tiers=tiers, today=today))
        except Exception:
            log.warning(
                "tier evaluation of a batch of %s partners failed: evaluating them one by one",
                len(batch_ids),
                exc_info=True,
            )
            counts.update(_evaluate_one_by_one(batch_ids, tiers=tiers, today=today))
    return dict(counts)


def _evaluate_batch(
    batch_ids: list[int], *, specs: tuple[engine.Tier, ...], tiers: dict[str, Tier], today: date
) -> Counter[str]:
    """The set-wise path: a fixed number of queries, however many partners."""
    counts: Counter[str] = Counter()
    batch = Partner.objects.filter(pk__in=batch_ids)
    snapshots = selectors.snapshots_for(batch, on=today)
    evaluations: dict[int, engine.Evaluation] = {}
    stale: list[int] = []
    for partner in batch.select_related("tier"):
        evaluation = engine.evaluate(snapshots[partner.pk], specs, today)
        _state, decision = _tier_decision(partner, evaluation, today)
        if not _leaves_partner_as_is(partner, decision, tiers):
            evaluations[partner.pk] = evaluation
            continue
        counts[decision.action] += 1
        if partner.evaluated_on != today:
            stale.append(partner.pk)
    if stale:
        Partner.objects.filter(pk__in=stale).update(evaluated_on=today)
    if evaluations:
        counts.update(_apply_evaluations(evaluations, tiers=tiers, today=today))
    return counts


def _evaluate_one_by_one(
    batch_ids: list[int], *, tiers: dict[str, Tier], today: date
) -> Counter[str]:
    """The fall-back of a failed batch: each partner alone, a failure skipped and counted."""
    counts: Counter[str] = Counter()
    for partner in Partner.objects.filter(pk__in=batch_ids).order_by("pk"):
        try:
            decision = partner_apply_evaluation(partner=partner, today=today, tiers=tiers)
        except Exception as error:  # this partner's failure, not the run's
            counts["failed"] += 1
            log.error(
                "tier evaluation of partner %s failed; retried at the next run: %s",
                partner.pk,
                single_line(f"{type(error).__name__}: {error}", limit=300),
                exc_info=error,
            )
            continue
        counts[decision.action] += 1
    return counts


@transaction.atomic
def _apply_evaluations(
    evaluations: dict[int, engine.Evaluation], *, tiers: dict[str, Tier], today: date
) -> Counter[str]:
    """Store the decisions of partners whose outcome changes, set-wise; actions counted."""
    # Decided again on the locked rows: a change since the batch was read is not overwritten.
    locked = list(
        Partner.objects.select_for_update(of=("self",))
        .select_related("tier")
        .filter(pk__in=list(evaluations))
        .order_by("pk")
    )
    counts: Counter[str] = Counter()
    moved: list[Partner] = []
    decided: list[tuple[Partner, tiering.TierState, tiering.TierDecision, Tier | None]] = []
    for partner in locked:
        state, decision = _tier_decision(partner, evaluations[partner.pk], today)
        counts[decision.action] += 1
        old_tier = partner.tier
        _apply_decision(partner, decision, tiers, today)
        if decision.changes_tier:
            moved.append(partner)
        decided.append((partner, state, decision, old_tier))
    Partner.objects.bulk_update(locked, list(DECISION_FIELDS))
    _tier_periods_record(moved, today)
    events_emit(EventSpec(EventType.TIER_CHANGED, p.pk, p.pk) for p in moved)
    notices = [
        (partner.pk, notice)
        for partner, state, decision, old_tier in decided
        for notice in _audit_and_notices(partner, state, decision, old_tier, today)
    ]
    if notices:
        admins = partner_admin_ids(partner_id for partner_id, _notice in notices)
        notify_many(notice.message(pk, admins.get(pk, [])) for pk, notice in notices)
    return counts
