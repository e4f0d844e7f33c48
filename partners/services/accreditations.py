"""Accreditation applications for the tiers HP approves: draft → submitted → decided.

Each move locks the application, checks who may make it and from which status,
stores the evaluation as it stands, writes an audit row and notifies the other side.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext, override
from django.utils.translation import gettext_lazy as _

from partners import eligibility as engine
from partners import selectors
from partners.models import Accreditation, Partner, Tier
from partners.services.tiers import partner_apply_evaluation
from servicone.access import AnyUser, is_partner_admin, is_programme_manager
from servicone.audit import audit
from servicone.errors import DomainError, NotAllowed, StateConflict
from servicone.notify import notify, partner_admins, programme_managers
from servicone.presenters import active_language
from servicone.text import elides
from webhooks.events import event_emit
from webhooks.models import EventType

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# An approved accreditation lasts this long unless renewed (a new application).
ACCREDITATION_VALIDITY = relativedelta(months=12)


def _user(actor: AnyUser) -> User | None:
    """The actor as the application's ``…_by`` user (``None`` for an anonymous caller)."""
    return actor if isinstance(actor, get_user_model()) else None


def _lock_accreditation(accreditation: Accreditation) -> Accreditation:
    return (
        Accreditation.objects.select_for_update()
        .select_related("partner", "tier")
        .get(pk=accreditation.pk)
    )


def _evaluation_snapshot(partner: Partner, on: date) -> tuple[engine.Evaluation, dict[str, Any]]:
    evaluation = selectors.evaluation_for(partner, on=on)
    return evaluation, selectors.evaluation_as_dict(evaluation, partner=partner)


@transaction.atomic
def accreditation_create(*, partner: Partner, tier: Tier, actor: AnyUser) -> Accreditation:
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
                partner=partner, tier=tier, created_by=_user(actor)
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


@transaction.atomic
def accreditation_submit(
    *, accreditation: Accreditation, actor: AnyUser, today: date | None = None
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
    locked.submitted_by = _user(actor)
    locked.eligibility_snapshot = snapshot
    locked.save(update_fields=["status", "submitted_at", "submitted_by", "eligibility_snapshot"])
    audit(
        action="accreditation.submit",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        tier=locked.tier.code,
    )
    event_emit(
        type=EventType.ACCREDITATION_SUBMITTED, partner_id=locked.partner_id, resource_id=locked.pk
    )
    with override(settings.LANGUAGE_CODE):
        names = {"tier": locked.tier.name, "partner": locked.partner.name}
        notify(
            recipients=programme_managers(),
            partner=locked.partner,
            kind="accreditation_submitted",
            dedup_key=f"accreditation-submitted:{locked.pk}",
            subject=(
                gettext("ServiceOne : demande d'accréditation %(tier)s d'%(partner)s")
                if elides(locked.partner.name)
                else gettext("ServiceOne : demande d'accréditation %(tier)s de %(partner)s")
            )
            % names,
            body=gettext("%(partner)s demande le niveau %(tier)s. Elle attend votre décision.")
            % names,
            link=f"/hp/accreditations/{locked.pk}/",
        )
    return locked


@transaction.atomic
def accreditation_apply(
    *, partner: Partner, tier: Tier, actor: AnyUser, today: date | None = None
) -> Accreditation:
    """« Demander l'accréditation » : a submitted application, or nothing at all.

    Refused (``prerequisites_unmet``) while any criterion of ``tier`` other than HP
    approval is unmet: HP could only reject it. Otherwise the draft is created and
    submitted in one transaction (``accreditation_create``, ``accreditation_submit``).
    """
    today = today or selectors.today()
    try:
        result = selectors.evaluation_for(partner, on=today).tier(tier.code)
    except KeyError:
        raise DomainError("unknown_tier", _("Niveau inconnu."), field="tier") from None
    if engine.unmet_prerequisites(result):
        raise DomainError(
            "prerequisites_unmet",
            _("Demande impossible : les autres critères du niveau %(tier)s ne sont pas remplis.")
            % {"tier": tier.display_name},
            field="tier",
        )
    application = accreditation_create(partner=partner, tier=tier, actor=actor)
    return accreditation_submit(accreditation=application, actor=actor, today=today)


@transaction.atomic
def accreditation_withdraw(*, accreditation: Accreditation, actor: AnyUser) -> Accreditation:
    """Draft or submitted → withdrawn, by the partner's administrator."""
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
    locked.decided_by = _user(actor)
    locked.save(update_fields=["status", "decided_at", "decided_by"])
    audit(action="accreditation.withdraw", actor=actor, partner=locked.partner, obj=locked)
    return locked


def _decision_notice(tier: str, approve: bool, comment: str) -> tuple[str, str]:
    """Subject and body of the decision, in the language active when called."""
    names = {"tier": tier}
    if approve:
        subject = gettext("ServiceOne : votre demande de niveau %(tier)s est validée") % names
        body = gettext("Votre demande de niveau %(tier)s est validée.") % names
    else:
        subject = gettext("ServiceOne : votre demande de niveau %(tier)s est refusée") % names
        body = gettext("Votre demande de niveau %(tier)s est refusée.") % names
    if comment:
        body += "\n" + gettext("Commentaire de HP : %(comment)s") % {"comment": comment}
    return subject, body


def _decide(
    *,
    accreditation: Accreditation,
    actor: AnyUser,
    comment: str,
    approve: bool,
    today: date | None,
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
                ngettext(
                    "Validation impossible : %(count)s critère non rempli — %(details)s",
                    "Validation impossible : %(count)s critères non remplis — %(details)s",
                    len(unmet),
                )
                % {
                    "count": len(unmet),
                    # In the reader's language, like the rest of the message.
                    "details": " ; ".join(c.message(active_language()) for c in unmet),
                },
            )
    elif not comment:
        raise DomainError(
            "comment_required", _("Un refus doit être motivé par un commentaire."), field="comment"
        )

    locked.status = Accreditation.Status.APPROVED if approve else Accreditation.Status.REJECTED
    locked.decided_at = timezone.now()
    locked.decided_by = _user(actor)
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
    event_emit(
        type=EventType.ACCREDITATION_DECIDED, partner_id=locked.partner_id, resource_id=locked.pk
    )
    with override(settings.LANGUAGE_CODE):
        subject, body = _decision_notice(locked.tier.name, approve, comment)
        notify(
            recipients=partner_admins(locked.partner),
            partner=locked.partner,
            kind="accreditation_decided",
            dedup_key=f"accreditation-decided:{locked.pk}",
            subject=subject,
            body=body,
            link="/programme/",
        )
    if approve:
        # The approval criterion is now met: the tier is granted in this transaction.
        partner_apply_evaluation(partner=locked.partner, today=today)
    return locked


def accreditation_approve(
    *, accreditation: Accreditation, actor: AnyUser, comment: str = "", today: date | None = None
) -> Accreditation:
    """Submitted → approved; refused (``prerequisites_unmet``) while any criterion is unmet."""
    with transaction.atomic():
        return _decide(
            accreditation=accreditation, actor=actor, comment=comment, approve=True, today=today
        )


def accreditation_reject(
    *, accreditation: Accreditation, actor: AnyUser, comment: str, today: date | None = None
) -> Accreditation:
    """Submitted → rejected, with a mandatory comment."""
    with transaction.atomic():
        return _decide(
            accreditation=accreditation, actor=actor, comment=comment, approve=False, today=today
        )
