"""A serial number claimed by two partners: the second registration is held for HP's
arbitration (never refused with a hint of whose the asset is), HP staff assign it or
reject the claim, both partners hear of it, everything is audited."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import IntegrityError, transaction

from contracts.models import Asset, AssetRegistration, Contract, ContractAsset
from contracts.selectors import entitlement_rows
from contracts.services import (
    asset_claim_assign,
    asset_claim_reject,
    asset_create,
    contract_activate,
    contract_sell,
)
from partners.models import ProductLine
from servicone.access import PartnerRole
from servicone.errors import DomainError, NotAllowed, StateConflict
from servicone.models import AuditEvent, Notification
from tests.contracts.factories import CustomerFactory, SiteFactory, asset_of, offering
from tests.partners.factories import partner_user, set_tier

TODAY = date(2026, 11, 26)
SERIAL = "CZJ0000777"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def holder(other_partner, other_admin):
    """The partner that registered the serial first, and sold a care pack on it."""
    set_tier(other_partner, "sell")
    asset = asset_of(other_partner, serial_number=SERIAL)
    sell(other_partner, asset)
    return asset


@pytest.fixture
def site(partner, partner_admin):
    set_tier(partner, "sell")
    return SiteFactory(customer=CustomerFactory(partner=partner, name="Clinique du Parc"))


def register(site, actor, serial=SERIAL):
    return asset_create(
        customer=site.customer,
        site=site,
        serial_number=serial,
        product_line=ProductLine.objects.get(code="proliant"),
        actor=actor,
    )


def sell(partner, asset, *, quote=False):
    return contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("CP-PL-4H-24X7"),
        assets=[asset],
        starts_on=TODAY,
        actor=None,
        quote=quote,
    )


def notices(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


# --- Registering ------------------------------------------------------------------------------


def test_the_first_registration_of_a_serial_is_confirmed(site, partner_admin):
    asset = register(site, partner_admin)

    assert asset.registration == AssetRegistration.CONFIRMED
    assert AuditEvent.objects.filter(action="asset.create", object_id=asset.pk).exists()


def test_a_serial_another_partner_holds_is_accepted_but_held_and_hp_is_told(
    site, partner, partner_admin, holder, programme_manager
):
    claim = register(site, partner_admin, serial=SERIAL.lower())

    assert claim.registration == AssetRegistration.HELD
    assert claim.customer.partner == partner
    holder.refresh_from_db()
    assert holder.registration == AssetRegistration.CONFIRMED
    event = AuditEvent.objects.get(action="asset.claim_held")
    assert (event.partner, event.object_id, event.actor) == (partner, claim.pk, partner_admin)
    (notice,) = notices(programme_manager, "asset_claim_held")
    assert notice.link == "/hp/asset-claims/"
    assert SERIAL in notice.subject
    assert partner.name in notice.body


def test_the_partner_registering_its_own_serial_again_is_refused_whatever_the_customer(
    site, partner, partner_admin
):
    register(site, partner_admin)
    elsewhere = SiteFactory(customer=CustomerFactory(partner=partner))

    with pytest.raises(DomainError) as refused:
        register(elsewhere, partner_admin)

    assert (refused.value.code, refused.value.field) == ("serial_taken", "serial_number")
    assert Asset.objects.filter(serial_number=SERIAL).count() == 1


def test_a_claimant_whose_claim_is_held_cannot_claim_it_twice(site, partner, partner_admin, holder):
    register(site, partner_admin)
    elsewhere = SiteFactory(customer=CustomerFactory(partner=partner))

    with pytest.raises(DomainError) as refused:
        register(elsewhere, partner_admin)

    assert refused.value.code == "serial_taken"
    assert Asset.objects.filter(serial_number=SERIAL).count() == 2


def test_the_database_holds_one_confirmed_registration_per_serial(site, holder):
    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.create(
            customer=site.customer,
            site=site,
            serial_number=SERIAL,
            product_line=holder.product_line,
            registration=AssetRegistration.CONFIRMED,
        )


# --- A held registration is not usable --------------------------------------------------------


def test_a_held_asset_cannot_be_covered(site, partner, partner_admin, holder):
    claim = register(site, partner_admin)

    with pytest.raises(DomainError) as refused:
        sell(partner, claim)

    assert (refused.value.code, refused.value.field) == ("asset_not_confirmed", "assets")
    assert "en cours de vérification par HP" in str(refused.value.message)
    assert not Contract.objects.filter(partner=partner).exists()


def test_the_entitlement_look_up_finds_the_holders_coverage_only(
    site, partner, other_partner, partner_admin, holder
):
    register(site, partner_admin)

    assert entitlement_rows(SERIAL, partner_id=partner.pk, on=TODAY) == []
    assert [
        r.asset_id for r in entitlement_rows(SERIAL, partner_id=other_partner.pk, on=TODAY)
    ] == [holder.pk]


# --- HP decides ------------------------------------------------------------------------------


def test_assigning_confirms_the_claim_releases_the_holder_and_ends_its_coverage(
    site, partner, other_partner, partner_admin, other_admin, holder, programme_manager
):
    claim = register(site, partner_admin)
    contract = Contract.objects.get(partner=other_partner)

    asset_claim_assign(asset=claim, actor=programme_manager, comment="Facture d'achat reçue")

    claim.refresh_from_db()
    holder.refresh_from_db()
    assert claim.registration == AssetRegistration.CONFIRMED
    assert (claim.registration_decided_by, claim.registration_decided_at) == (
        programme_manager,
        claim.registration_decided_at,
    )
    assert claim.registration_decided_at is not None
    assert holder.registration == AssetRegistration.REJECTED
    # The holder's coverage stops; its contract stays, for the record.
    assert not ContractAsset.objects.filter(asset=holder, is_active=True).exists()
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE
    assert entitlement_rows(SERIAL, partner_id=other_partner.pk, on=TODAY) == []
    # The claimant may now cover it.
    assert sell(partner, claim).status == Contract.Status.ACTIVE
    assert [r.asset_id for r in entitlement_rows(SERIAL, partner_id=partner.pk, on=TODAY)] == [
        claim.pk
    ]


def test_assigning_is_audited_on_both_partners_trails(
    site, partner, other_partner, partner_admin, holder, programme_manager
):
    claim = register(site, partner_admin)

    asset_claim_assign(asset=claim, actor=programme_manager, comment="Facture d'achat reçue")

    assigned = AuditEvent.objects.get(action="asset.claim_assigned")
    released = AuditEvent.objects.get(action="asset.registration_released")
    assert (assigned.partner, assigned.object_id, assigned.actor) == (
        partner,
        claim.pk,
        programme_manager,
    )
    assert assigned.data["comment"] == "Facture d'achat reçue"
    assert (released.partner, released.object_id) == (other_partner, holder.pk)
    assert released.data["coverages_ended"] == 1


def test_both_partners_are_told_the_outcome_without_naming_each_other(
    site, partner, other_partner, partner_admin, other_admin, holder, programme_manager
):
    claim = register(site, partner_admin)

    asset_claim_assign(asset=claim, actor=programme_manager, comment="Partenaire X a tort")

    (mine,) = notices(partner_admin, "asset_claim_decided")
    (theirs,) = notices(other_admin, "asset_claim_decided")
    assert "confirmé" in mine.subject
    assert mine.link == f"/assets/{claim.pk}/"
    assert "retiré" in theirs.subject
    assert theirs.link == f"/assets/{holder.pk}/"
    for notice, other in ((mine, other_partner), (theirs, partner)):
        assert other.name not in notice.subject + notice.body
        assert "Partenaire X" not in notice.body  # HP's comment stays in the audit trail


def test_rejecting_the_claim_keeps_the_holder_and_tells_both(
    site, partner, other_partner, partner_admin, other_admin, holder, programme_manager
):
    claim = register(site, partner_admin)

    asset_claim_reject(asset=claim, actor=programme_manager)

    claim.refresh_from_db()
    holder.refresh_from_db()
    assert claim.registration == AssetRegistration.REJECTED
    assert holder.registration == AssetRegistration.CONFIRMED
    assert ContractAsset.objects.filter(asset=holder, is_active=True).exists()
    event = AuditEvent.objects.get(action="asset.claim_rejected")
    assert (event.partner, event.object_id) == (partner, claim.pk)
    assert "non retenu" in notices(partner_admin, "asset_claim_decided")[0].subject
    assert "confirmé" in notices(other_admin, "asset_claim_decided")[0].subject
    with pytest.raises(DomainError) as refused:
        sell(partner, claim)
    assert "n'a pas été retenu par HP" in str(refused.value.message)


@pytest.mark.parametrize("decide", [asset_claim_assign, asset_claim_reject])
def test_a_claim_is_decided_once(site, partner_admin, holder, programme_manager, decide):
    claim = register(site, partner_admin)
    decide(asset=claim, actor=programme_manager)

    for again in (asset_claim_assign, asset_claim_reject):
        with pytest.raises(StateConflict) as conflict:
            again(asset=claim, actor=programme_manager)
        assert conflict.value.code == "claim_decided"


@pytest.mark.parametrize("who", ["partner_admin", "other_admin", "cds_dispatcher"])
def test_only_a_programme_manager_decides(request, site, partner_admin, holder, who):
    claim = register(site, partner_admin)

    with pytest.raises(NotAllowed):
        asset_claim_assign(asset=claim, actor=request.getfixturevalue(who))

    claim.refresh_from_db()
    assert claim.registration == AssetRegistration.HELD


def test_a_quote_on_an_asset_given_to_another_partner_cannot_be_activated(
    site, partner, other_partner, partner_admin, holder, programme_manager
):
    Contract.objects.filter(partner=other_partner).delete()
    ContractAsset.objects.filter(asset=holder).delete()
    quote = sell(other_partner, holder, quote=True)
    claim = register(site, partner_admin)
    asset_claim_assign(asset=claim, actor=programme_manager)

    with pytest.raises(DomainError) as refused:
        contract_activate(contract=quote, actor=None)

    assert refused.value.code == "asset_not_confirmed"
    quote.refresh_from_db()
    assert quote.status == Contract.Status.QUOTE


def test_a_rejected_claimant_may_claim_again_and_waits_for_hp_again(
    site, partner_admin, holder, programme_manager
):
    first = register(site, partner_admin)
    asset_claim_reject(asset=first, actor=programme_manager)

    second = register(site, partner_admin)

    assert second.pk != first.pk
    assert second.registration == AssetRegistration.HELD


def test_a_partner_sales_user_gets_the_same_held_answer(site, partner, holder):
    sales = partner_user(partner, PartnerRole.SALES, username="p.vente")

    assert register(site, sales).registration == AssetRegistration.HELD
