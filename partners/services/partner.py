"""The partner record: creation, edits and the declared revenue, by HP programme managers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from partners.services.tiers import partner_apply_evaluation, schedule_tier_evaluation
from servicone.access import AnyUser, is_programme_manager
from servicone.audit import audit
from servicone.errors import DomainError, NotAllowed

SIREN_TAKEN = _("Un partenaire avec ce SIREN existe déjà.")


def _siren_taken() -> DomainError:
    # The unique constraint caught a SIREN taken by a concurrent request.
    return DomainError("unique", SIREN_TAKEN, field="siren")


def _programme_manager_only(actor: AnyUser) -> None:
    if not is_programme_manager(actor):
        raise NotAllowed("forbidden", _("Seul un responsable programme HP peut faire cela."))


@transaction.atomic
def partner_create(
    *,
    actor: AnyUser,
    name: str,
    siren: str = "",
    city: str = "",
    is_active: bool = True,
    legacy_programme: str = "",
    declared_revenue_12m_eur: Decimal | None = None,
) -> Partner:
    """A new partner, audited, with its declared revenue and the tier it qualifies for.

    The declared revenue goes through ``partner_set_declared_revenue`` so it is audited
    like any later change; the tier comes from the normal evaluation (Registered, or
    Sell with enough revenue). A SIREN already taken is a 400 on ``siren``.
    """
    _programme_manager_only(actor)
    try:
        with transaction.atomic():
            partner = Partner.objects.create(
                name=name,
                siren=siren,
                city=city,
                is_active=is_active,
                legacy_programme=legacy_programme,
            )
    except IntegrityError:
        raise _siren_taken() from None
    audit(
        action="partner.create",
        actor=actor,
        partner=partner,
        obj=partner,
        name=partner.name,
        siren=partner.siren,
    )
    if declared_revenue_12m_eur:
        partner_set_declared_revenue(
            partner=partner, amount_eur=declared_revenue_12m_eur, actor=actor
        )
    partner_apply_evaluation(partner=partner)
    return Partner.objects.select_related("tier", "pending_tier").get(pk=partner.pk)


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    actor: AnyUser,
    name: str | None = None,
    siren: str | None = None,
    city: str | None = None,
    is_active: bool | None = None,
    legacy_programme: str | None = None,
    declared_revenue_12m_eur: Decimal | None = None,
) -> Partner:
    """Change the given fields (``None``: left as is); one audit row lists what changed.

    The declared revenue goes through ``partner_set_declared_revenue`` (its own audit
    row, and a tier re-evaluation). A SIREN already taken is a 400 on ``siren``.
    """
    _programme_manager_only(actor)
    given: dict[str, Any] = {
        "name": name,
        "siren": siren,
        "city": city,
        "is_active": is_active,
        "legacy_programme": legacy_programme,
    }
    changes = {
        field: value
        for field, value in given.items()
        if value is not None and getattr(partner, field) != value
    }
    if changes:
        before = {field: getattr(partner, field) for field in changes}
        for field, value in changes.items():
            setattr(partner, field, value)
        try:
            with transaction.atomic():
                partner.save(update_fields=list(changes))
        except IntegrityError:
            raise _siren_taken() from None
        audit(
            action="partner.update",
            actor=actor,
            partner=partner,
            obj=partner,
            changes={f: [str(before[f]), str(v)] for f, v in changes.items()},
        )
    if declared_revenue_12m_eur is not None:
        partner_set_declared_revenue(
            partner=partner, amount_eur=declared_revenue_12m_eur, actor=actor
        )
    return Partner.objects.select_related("tier", "pending_tier").get(pk=partner.pk)


@transaction.atomic
def partner_set_declared_revenue(
    *, partner: Partner, amount_eur: Decimal, actor: AnyUser
) -> Partner:
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
    schedule_tier_evaluation(locked.pk)
    return locked
