"""HP's arbitration of a serial number claimed by two partners.

The rule (``contracts.models.AssetRegistration``): the first registration of a serial
number (per vendor) is confirmed; a later one by another partner is accepted but *held*,
unusable for coverage and tickets, until an HP programme manager decides:

* ``asset_claim_assign`` — the claim is right: the held registration is confirmed and the
  former holder's is rejected, its coverage in force ending that day (its contracts stay,
  for the record and for HP to settle);
* ``asset_claim_reject`` — the claim is wrong: the held registration is rejected.

Each decision locks the rows it changes, is audited on both partners' trails, and
notifies both partners' administrators without naming the other partner.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from contracts.models import Asset, AssetRegistration, ContractAsset
from contracts.services.common import Actor, recorded_user
from servicone.access import AnyUser, is_programme_manager
from servicone.audit import audit
from servicone.errors import NotAllowed, StateConflict
from servicone.notify import notify, partner_admins, programme_managers

# Where HP reviews the held registrations (the page; the notifications link to it).
REVIEW_PATH_NAME = "contracts:asset-claims"


def claim_held_notice(asset: Asset) -> None:
    """Tell HP's programme managers a registration waits for their decision."""
    partner = asset.customer.partner
    with override(settings.LANGUAGE_CODE):
        names = {"serial": asset.serial_number, "partner": partner.name}
        notify(
            recipients=programme_managers(),
            partner=partner,
            kind="asset_claim_held",
            dedup_key=f"asset-claim-held:{asset.pk}",
            subject=gettext("ServiceOne : équipement %(serial)s à vérifier") % names,
            body=gettext(
                "%(partner)s a enregistré l'équipement %(serial)s, qu'un autre partenaire "
                "a déjà enregistré. Il ne peut pas être couvert tant que vous n'avez pas décidé."
            )
            % names,
            link=reverse(REVIEW_PATH_NAME),
        )


def _programme_manager_only(actor: AnyUser) -> None:
    if not is_programme_manager(actor):
        raise NotAllowed("forbidden", _("Seul un responsable programme HP peut faire cela."))


def _lock_held(asset: Asset) -> Asset:
    locked = (
        Asset.objects.select_for_update(of=("self",))
        .select_related("customer__partner")
        .get(pk=asset.pk)
    )
    if locked.registration != AssetRegistration.HELD:
        raise StateConflict("claim_decided", _("Cette demande a déjà été tranchée."))
    return locked


def _decide(asset: Asset, registration: AssetRegistration, actor: Actor) -> None:
    asset.registration = registration
    asset.registration_decided_at = timezone.now()
    asset.registration_decided_by = recorded_user(actor)
    asset.save(update_fields=["registration", "registration_decided_at", "registration_decided_by"])


def _tell_partner(asset: Asset, *, key: str, subject: str, body: str) -> None:
    partner = asset.customer.partner
    notify(
        recipients=partner_admins(partner),
        partner=partner,
        kind="asset_claim_decided",
        dedup_key=key,
        subject=subject,
        body=body,
        link=reverse("contracts:asset", args=[asset.pk]),
    )


@transaction.atomic
def asset_claim_assign(*, asset: Asset, actor: AnyUser, comment: str = "") -> Asset:
    """The held registration ``asset`` is right: confirm it, reject the former holder's.

    The former holder's coverage of the asset stops at once (its contracts are not
    cancelled: HP settles them). 409 ``claim_decided`` when already decided.
    """
    _programme_manager_only(actor)
    claim = _lock_held(asset)
    holders = list(
        Asset.objects.select_for_update(of=("self",))
        .select_related("customer__partner")
        .filter(
            vendor=claim.vendor,
            serial_number=claim.serial_number,
            registration=AssetRegistration.CONFIRMED,
        )
        .order_by("pk")
    )
    comment = comment.strip()
    for holder in holders:
        # First, so that the serial is confirmed once at every moment (a unique constraint).
        _decide(holder, AssetRegistration.REJECTED, actor)
        ended = ContractAsset.objects.filter(asset=holder, is_active=True).update(is_active=False)
        audit(
            action="asset.registration_released",
            actor=actor,
            partner=holder.customer.partner,
            obj=holder,
            serial=holder.serial_number,
            coverages_ended=ended,
            comment=comment,
        )
    _decide(claim, AssetRegistration.CONFIRMED, actor)
    audit(
        action="asset.claim_assigned",
        actor=actor,
        partner=claim.customer.partner,
        obj=claim,
        serial=claim.serial_number,
        released=[holder.pk for holder in holders],
        comment=comment,
    )
    with override(settings.LANGUAGE_CODE):
        _tell_partner(
            claim,
            key=f"asset-claim-decided:{claim.pk}",
            subject=gettext("ServiceOne : équipement %(serial)s confirmé")
            % {"serial": claim.serial_number},
            body=gettext(
                "HP a vérifié l'équipement %(serial)s du client %(customer)s : il est enregistré "
                "pour ce client et peut désormais être couvert."
            )
            % {"serial": claim.serial_number, "customer": claim.customer.name},
        )
        for holder in holders:
            _tell_partner(
                holder,
                key=f"asset-claim-decided:{claim.pk}:released:{holder.pk}",
                subject=gettext("ServiceOne : équipement %(serial)s retiré")
                % {"serial": holder.serial_number},
                body=gettext(
                    "Après vérification, HP a attribué l'équipement %(serial)s à un autre "
                    "client : il n'est plus enregistré pour %(customer)s et sa couverture "
                    "prend fin aujourd'hui. Vos contrats restent consultables ; HP revient "
                    "vers vous pour les régler."
                )
                % {"serial": holder.serial_number, "customer": holder.customer.name},
            )
    return claim


@transaction.atomic
def asset_claim_reject(*, asset: Asset, actor: AnyUser, comment: str = "") -> Asset:
    """The held registration ``asset`` is wrong: reject it; the holder keeps the asset.

    409 ``claim_decided`` when already decided.
    """
    _programme_manager_only(actor)
    claim = _lock_held(asset)
    holders = list(
        Asset.objects.select_related("customer__partner")
        .filter(
            vendor=claim.vendor,
            serial_number=claim.serial_number,
            registration=AssetRegistration.CONFIRMED,
        )
        .order_by("pk")
    )
    _decide(claim, AssetRegistration.REJECTED, actor)
    audit(
        action="asset.claim_rejected",
        actor=actor,
        partner=claim.customer.partner,
        obj=claim,
        serial=claim.serial_number,
        comment=comment.strip(),
    )
    with override(settings.LANGUAGE_CODE):
        _tell_partner(
            claim,
            key=f"asset-claim-decided:{claim.pk}",
            subject=gettext("ServiceOne : équipement %(serial)s non retenu")
            % {"serial": claim.serial_number},
            body=gettext(
                "Après vérification, HP n'a pas retenu l'enregistrement de l'équipement "
                "%(serial)s pour %(customer)s : il ne peut pas être couvert."
            )
            % {"serial": claim.serial_number, "customer": claim.customer.name},
        )
        for holder in holders:
            _tell_partner(
                holder,
                key=f"asset-claim-decided:{claim.pk}:kept:{holder.pk}",
                subject=gettext("ServiceOne : équipement %(serial)s confirmé")
                % {"serial": holder.serial_number},
                body=gettext(
                    "HP a vérifié l'équipement %(serial)s du client %(customer)s : il reste "
                    "enregistré pour ce client, rien ne change pour vous."
                )
                % {"serial": holder.serial_number, "customer": holder.customer.name},
            )
    return claim
