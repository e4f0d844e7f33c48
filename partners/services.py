"""Writes of the programme: engineers, certifications, revenue, tiers, accreditations.

Every public service is keyword-only, runs in one transaction, locks what it
changes, writes an audit event and schedules side effects on commit.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from partners import eligibility as engine
from partners import selectors, tiering
from partners.models import (
    Accreditation,
    Certification,
    Course,
    Engineer,
    Membership,
    Partner,
    Tier,
    TierPeriod,
)
from servicone.access import is_partner_admin, is_programme_manager
from servicone.audit import audit
from servicone.errors import DomainError, NotAllowed, StateConflict
from servicone.jobs import enqueue_on_commit
from servicone.notify import notify, partner_admins, programme_managers

log = logging.getLogger(__name__)

# An approved accreditation lasts this long unless renewed (a new application).
ACCREDITATION_VALIDITY = relativedelta(months=12)
# A renewal may be recorded while the current certification is in its last days.
CERTIFICATION_RENEWAL_WINDOW_DAYS = 90


def _schedule_tier_evaluation(partner_id: int) -> None:
    enqueue_on_commit("partners.tasks.evaluate_partner_tier", partner_id)


# --- Engineers and certifications ------------------------------------------------------


@transaction.atomic
def engineer_create(*, partner: Partner, name: str, email: str = "", actor: Any) -> Engineer:
    name = name.strip()
    if not name:
        raise DomainError("required", _("Le nom de l'ingénieur est obligatoire."), field="name")
    email = email.strip().lower()
    if email and Engineer.objects.filter(partner=partner, email=email).exists():
        raise DomainError(
            "duplicate_email",
            _("Un ingénieur de ce partenaire a déjà cette adresse e-mail."),
            field="email",
        )
    engineer = Engineer.objects.create(partner=partner, name=name, email=email)
    audit(action="engineer.create", actor=actor, partner=partner, obj=engineer, name=name)
    return engineer


@transaction.atomic
def partner_user_create(
    *,
    partner: Partner,
    username: str,
    email: str,
    password: str,
    role: str,
    actor: Any,
    first_name: str = "",
    last_name: str = "",
) -> Any:
    """A portal login for one of the partner's people, with its role there; audited.

    The caller (form or serializer) has checked the input's shape and the password
    rules; a username taken meanwhile by a concurrent request is a 400 on ``username``.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(
                username=username,
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
    except IntegrityError:
        raise DomainError(
            "unique", _("Cet identifiant est déjà utilisé."), field="username"
        ) from None
    membership = Membership.objects.create(user=user, partner=partner, role=role)
    audit(
        action="membership.create",
        actor=actor,
        partner=partner,
        obj=membership,
        username=user.get_username(),
        role=role,
    )
    user.membership = membership
    return user


def certification_expiry(course: Course, passed_on: date) -> date:
    """Valid through the day before the same date ``validity_months`` later."""
    return passed_on + relativedelta(months=course.validity_months) - timedelta(days=1)


@transaction.atomic
def certification_create(
    *, engineer: Engineer, course: Course, passed_on: date, actor: Any, today: date | None = None
) -> Certification:
    """Record that ``engineer`` passed ``course``; refuses future dates and duplicates."""
    today = today or selectors.today()
    if passed_on > today:
        raise DomainError(
            "passed_in_future",
            _("La date d'obtention ne peut pas être dans le futur."),
            field="passed_on",
        )
    # Lock the engineer: two concurrent submissions of the same pass cannot both pass the check.
    Engineer.objects.select_for_update().get(pk=engineer.pk)
    current = (
        Certification.objects.filter(engineer=engineer, course=course)
        .valid_on(passed_on)
        .order_by("-expires_on")
        .first()
    )
    if (
        current is not None
        and (current.expires_on - passed_on).days > CERTIFICATION_RENEWAL_WINDOW_DAYS
    ):
        raise DomainError(
            "duplicate_certification",
            _(
                "Cet ingénieur détient déjà une certification valide sur cette formation (jusqu'au %(date)s)."
            )
            % {"date": engine.format_date_fr(current.expires_on)},
            field="course",
        )
    try:
        with transaction.atomic():
            certification = Certification.objects.create(
                engineer=engineer,
                course=course,
                passed_on=passed_on,
                expires_on=certification_expiry(course, passed_on),
            )
    except IntegrityError:
        raise DomainError(
            "duplicate_certification",
            _("Cette certification est déjà enregistrée."),
            field="course",
        ) from None
    audit(
        action="certification.create",
        actor=actor,
        partner=engineer.partner,
        obj=certification,
        engineer=engineer.name,
        course=course.code,
        passed_on=passed_on.isoformat(),
        expires_on=certification.expires_on.isoformat(),
    )
    _schedule_tier_evaluation(engineer.partner_id)
    return certification


# --- Revenue ------------------------------------------------------------------------------


@transaction.atomic
def partner_set_declared_revenue(*, partner: Partner, amount_eur: Decimal, actor: Any) -> Partner:
    """HP staff record revenue made outside the portal (e.g. ASP/PSP records); audited."""
    if not is_programme_manager(actor):
        raise NotAllowed("forbidden", _("Seul HP peut modifier le chiffre d'affaires déclaré."))
    if amount_eur < 0:
        raise DomainError(
            "negative_amount",
            _("Le montant ne peut pas être négatif."),
            field="declared_revenue_12m_eur",
        )
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    before = locked.declared_revenue_12m_eur
    if before == amount_eur:
        return locked
    locked.declared_revenue_12m_eur = amount_eur
    locked.save(update_fields=["declared_revenue_12m_eur"])
    audit(
        action="partner.declared_revenue",
        actor=actor,
        partner=locked,
        obj=locked,
        before=f"{before:.2f}",
        after=f"{amount_eur:.2f}",
    )
    _schedule_tier_evaluation(locked.pk)
    return locked


# --- Tier assignment ----------------------------------------------------------------------


def _tier_by_code(tiers: dict[str, Tier], code: str | None) -> Tier | None:
    return tiers.get(code) if code else None


def _send_grace_notice(partner: Partner, decision: tiering.TierDecision, kind: str) -> None:
    with override(settings.LANGUAGE_CODE):
        current = partner.tier.name if partner.tier_id else "—"
        pending = decision.pending_tier_code or "—"
        until = engine.format_date_fr(decision.grace_until) if decision.grace_until else ""
        if kind == "grace_started":
            subject = (
                f"ServiceOne : votre niveau {current} est en période de grâce jusqu'au {until}"
            )
        else:
            subject = f"ServiceOne : plus que {decision.reminder_days} jours pour conserver le niveau {current}"
        body = (
            f"{partner.name} ne remplit plus les critères du niveau {current}.\n"
            f"Sans action de votre part, le niveau passera à « {pending} » le {until}.\n"
            "Consultez la page « Mon programme » du portail pour voir exactement ce qui manque."
        )
    recipients = partner_admins(partner)
    key = f"tier-grace:{partner.pk}:{decision.grace_until}:{kind}:{decision.reminder_days or 0}"
    notify(
        recipients=recipients,
        partner=partner,
        kind="tier_grace",
        dedup_key=key,
        subject=subject,
        body=body,
        link="/programme/",
    )


def _send_tier_changed(partner: Partner, old: Tier | None, new: Tier | None) -> None:
    with override(settings.LANGUAGE_CODE):
        subject = f"ServiceOne : {partner.name} passe au niveau {new.name if new else '—'}"
        body = (
            f"Le niveau de {partner.name} passe de « {old.name if old else '—'} » "
            f"à « {new.name if new else '—'} »."
        )
    notify(
        recipients=partner_admins(partner),
        partner=partner,
        kind="tier_changed",
        dedup_key=f"tier-changed:{partner.pk}:{new.code if new else 'none'}:{selectors.today()}",
        subject=subject,
        body=body,
        link="/programme/",
    )


def tier_period_record(*, partner: Partner, tier: Tier | None, on: date) -> None:
    """Close the partner's open tier period on ``on`` and open one for ``tier`` (if any).

    Called inside the tier decision's transaction, with the partner row locked.
    A change and its reversal on the same day leave a zero-length period, which
    counts for no day.
    """
    TierPeriod.objects.filter(partner=partner, ended_on__isnull=True).update(ended_on=on)
    if tier is not None:
        TierPeriod.objects.create(partner=partner, tier=tier, started_on=on)


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
    highest = evaluation.highest_eligible
    state = tiering.TierState(
        tier_code=locked.tier.code if locked.tier_id else None,
        tier_rank=locked.tier.rank if locked.tier_id else None,
        pending_tier_code=None,
        grace_until=locked.grace_until,
    )
    decision = tiering.decide(
        state,
        target_code=highest.code if highest else None,
        target_rank=highest.rank if highest else None,
        today=today,
        grace_days=settings.TIER_GRACE_DAYS,
    )
    old_tier = locked.tier
    fields = ["evaluated_on"]
    locked.evaluated_on = today
    if decision.changes_tier:
        locked.tier = _tier_by_code(tiers, decision.tier_code)
        locked.tier_since = today
        locked.grace_until = None
        locked.pending_tier = None
        fields += ["tier", "tier_since", "grace_until", "pending_tier"]
    elif decision.action == "cancel_grace":
        locked.grace_until = None
        locked.pending_tier = None
        fields += ["grace_until", "pending_tier"]
    elif decision.action in ("start_grace", "in_grace"):
        locked.grace_until = decision.grace_until
        locked.pending_tier = _tier_by_code(tiers, decision.pending_tier_code)
        fields += ["grace_until", "pending_tier"]
    locked.save(update_fields=fields)

    if decision.action not in ("keep", "in_grace"):
        log.info("partner %s tier decision %s", locked.pk, decision)
    if decision.changes_tier:
        tier_period_record(partner=locked, tier=locked.tier, on=today)
        audit(
            action=f"tier.{decision.action}",
            actor=None,
            partner=locked,
            obj=locked,
            before=old_tier.code if old_tier else None,
            after=decision.tier_code,
            on=today.isoformat(),
        )
        _send_tier_changed(locked, old_tier, locked.tier)
    elif decision.action == "start_grace":
        audit(
            action="tier.grace_started",
            actor=None,
            partner=locked,
            obj=locked,
            tier=state.tier_code,
            pending=decision.pending_tier_code,
            grace_until=decision.grace_until.isoformat() if decision.grace_until else None,
        )
        _send_grace_notice(locked, decision, "grace_started")
    elif decision.action == "cancel_grace":
        audit(
            action="tier.grace_cancelled",
            actor=None,
            partner=locked,
            obj=locked,
            tier=state.tier_code,
        )
    if decision.reminder_days:
        _send_grace_notice(locked, decision, "grace_reminder")
    partner.tier = locked.tier
    partner.grace_until = locked.grace_until
    partner.pending_tier = locked.pending_tier
    return decision


# --- Accreditations -------------------------------------------------------------------------


def _lock_accreditation(accreditation: Accreditation) -> Accreditation:
    return (
        Accreditation.objects.select_for_update()
        .select_related("partner", "tier")
        .get(pk=accreditation.pk)
    )


@transaction.atomic
def accreditation_create(*, partner: Partner, tier: Tier, actor: Any) -> Accreditation:
    """A draft application for a tier that needs HP approval."""
    if not (is_partner_admin(actor, partner) or is_programme_manager(actor)):
        raise NotAllowed(
            "forbidden", _("Seul l'administrateur du partenaire peut demander une accréditation.")
        )
    if not tier.requires_approval:
        raise DomainError(
            "approval_not_required",
            _("Le niveau %(tier)s est attribué automatiquement : aucune demande n'est nécessaire.")
            % {"tier": tier.name},
            field="tier",
        )
    if Accreditation.objects.open().filter(partner=partner, tier=tier).exists():
        raise StateConflict(
            "already_open", _("Une demande est déjà en cours pour ce niveau."), field="tier"
        )
    try:
        with transaction.atomic():
            accreditation = Accreditation.objects.create(
                partner=partner, tier=tier, created_by=actor
            )
    except IntegrityError:
        raise StateConflict(
            "already_open", _("Une demande est déjà en cours pour ce niveau."), field="tier"
        ) from None
    audit(
        action="accreditation.create",
        actor=actor,
        partner=partner,
        obj=accreditation,
        tier=tier.code,
    )
    return accreditation


def _evaluation_snapshot(partner: Partner, on: date) -> tuple[engine.Evaluation, dict[str, Any]]:
    evaluation = selectors.evaluation_for(partner, on=on)
    return evaluation, selectors.evaluation_as_dict(evaluation, partner=partner)


@transaction.atomic
def accreditation_submit(
    *, accreditation: Accreditation, actor: Any, today: date | None = None
) -> Accreditation:
    """Draft → submitted, with the evaluation stored as it stands now."""
    today = today or selectors.today()
    locked = _lock_accreditation(accreditation)
    if not (is_partner_admin(actor, locked.partner) or is_programme_manager(actor)):
        raise NotAllowed(
            "forbidden", _("Seul l'administrateur du partenaire peut soumettre la demande.")
        )
    if locked.status != Accreditation.Status.DRAFT:
        raise StateConflict(
            "invalid_status",
            _("Seule une demande en brouillon peut être soumise (statut actuel : %(status)s).")
            % {"status": locked.get_status_display()},
        )
    _evaluation, snapshot = _evaluation_snapshot(locked.partner, today)
    locked.status = Accreditation.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = actor
    locked.eligibility_snapshot = snapshot
    locked.save(update_fields=["status", "submitted_at", "submitted_by", "eligibility_snapshot"])
    audit(
        action="accreditation.submit",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        tier=locked.tier.code,
    )
    with override(settings.LANGUAGE_CODE):
        notify(
            recipients=programme_managers(),
            partner=locked.partner,
            kind="accreditation_submitted",
            dedup_key=f"accreditation-submitted:{locked.pk}",
            subject=f"ServiceOne : demande d'accréditation {locked.tier.name} de {locked.partner.name}",
            body=f"{locked.partner.name} demande le niveau {locked.tier.name}. Elle attend votre décision.",
            link=f"/hp/accreditations/{locked.pk}/",
        )
    return locked


@transaction.atomic
def accreditation_withdraw(*, accreditation: Accreditation, actor: Any) -> Accreditation:
    locked = _lock_accreditation(accreditation)
    if not is_partner_admin(actor, locked.partner):
        raise NotAllowed(
            "forbidden", _("Seul l'administrateur du partenaire peut retirer la demande.")
        )
    if locked.status not in (Accreditation.Status.DRAFT, Accreditation.Status.SUBMITTED):
        raise StateConflict(
            "invalid_status",
            _(
                "Seule une demande en brouillon ou soumise peut être retirée (statut actuel : %(status)s)."
            )
            % {"status": locked.get_status_display()},
        )
    locked.status = Accreditation.Status.WITHDRAWN
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.save(update_fields=["status", "decided_at", "decided_by"])
    audit(action="accreditation.withdraw", actor=actor, partner=locked.partner, obj=locked)
    return locked


def _decide(
    *, accreditation: Accreditation, actor: Any, comment: str, approve: bool, today: date | None
) -> Accreditation:
    today = today or selectors.today()
    if not is_programme_manager(actor):
        raise NotAllowed(
            "forbidden", _("Seul un responsable programme HP peut décider d'une accréditation.")
        )
    locked = _lock_accreditation(accreditation)
    if locked.status != Accreditation.Status.SUBMITTED:
        raise StateConflict(
            "invalid_status",
            _("Seule une demande soumise peut être décidée (statut actuel : %(status)s).")
            % {"status": locked.get_status_display()},
        )
    comment = (comment or "").strip()
    evaluation, snapshot = _evaluation_snapshot(locked.partner, today)
    if approve:
        unmet = engine.unmet_prerequisites(evaluation.tier(locked.tier.code))
        if unmet:
            raise DomainError(
                "prerequisites_unmet",
                _("Validation impossible : %(count)s critère(s) non rempli(s) — %(details)s")
                % {"count": len(unmet), "details": " ; ".join(c.message("fr") for c in unmet)},
            )
    elif not comment:
        raise DomainError(
            "comment_required", _("Un refus doit être motivé par un commentaire."), field="comment"
        )

    locked.status = Accreditation.Status.APPROVED if approve else Accreditation.Status.REJECTED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decision_comment = comment
    locked.decision_snapshot = snapshot
    fields = ["status", "decided_at", "decided_by", "decision_comment", "decision_snapshot"]
    if approve:
        locked.valid_until = today + ACCREDITATION_VALIDITY - timedelta(days=1)
        fields.append("valid_until")
    locked.save(update_fields=fields)
    audit(
        action="accreditation.approve" if approve else "accreditation.reject",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        tier=locked.tier.code,
        comment=comment,
        snapshot=snapshot,
    )
    with override(settings.LANGUAGE_CODE):
        verdict = "validée" if approve else "refusée"
        notify(
            recipients=partner_admins(locked.partner),
            partner=locked.partner,
            kind="accreditation_decided",
            dedup_key=f"accreditation-decided:{locked.pk}",
            subject=f"ServiceOne : votre demande de niveau {locked.tier.name} est {verdict}",
            body=f"Votre demande de niveau {locked.tier.name} est {verdict}."
            + (f"\nCommentaire de HP : {comment}" if comment else ""),
            link="/programme/",
        )
    if approve:
        # The approval criterion is now met: the tier is granted in this transaction.
        partner_apply_evaluation(partner=locked.partner, today=today)
    return locked


def accreditation_approve(
    *, accreditation: Accreditation, actor: Any, comment: str = "", today: date | None = None
) -> Accreditation:
    """Submitted → approved; refused (``prerequisites_unmet``) while any criterion is unmet."""
    with transaction.atomic():
        return _decide(
            accreditation=accreditation, actor=actor, comment=comment, approve=True, today=today
        )


def accreditation_reject(
    *, accreditation: Accreditation, actor: Any, comment: str, today: date | None = None
) -> Accreditation:
    """Submitted → rejected, with a mandatory comment."""
    with transaction.atomic():
        return _decide(
            accreditation=accreditation, actor=actor, comment=comment, approve=False, today=today
        )


# --- The nightly evaluation -------------------------------------------------------------------


def partners_evaluate_all(*, today: date | None = None, batch_size: int = 500) -> dict[str, int]:
    """Evaluate every active partner and apply tier moves; a few queries per batch.

    Partners whose state does not change are not written. Each change runs in its
    own transaction with the partner row locked (``partner_apply_evaluation``).
    """
    today = today or selectors.today()
    specs = selectors.tier_specs()
    tiers = {t.code: t for t in Tier.objects.all()}
    counts: dict[str, int] = {}
    ids = list(Partner.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        chunk = Partner.objects.filter(pk__in=ids[start : start + batch_size]).select_related(
            "tier"
        )
        snapshots = selectors.snapshots_for(chunk, on=today)
        for partner in chunk:
            evaluation = engine.evaluate(snapshots[partner.pk], specs, today)
            highest = evaluation.highest_eligible
            state = tiering.TierState(
                tier_code=partner.tier.code if partner.tier_id else None,
                tier_rank=partner.tier.rank if partner.tier_id else None,
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
            if decision.action == "keep" and partner.evaluated_on == today:
                counts["keep"] = counts.get("keep", 0) + 1
                continue
            if decision.action == "keep":
                Partner.objects.filter(pk=partner.pk).update(evaluated_on=today)
                counts["keep"] = counts.get("keep", 0) + 1
                continue
            applied = partner_apply_evaluation(
                partner=partner, today=today, evaluation=evaluation, tiers=tiers
            )
            counts[applied.action] = counts.get(applied.action, 0) + 1
    return counts
