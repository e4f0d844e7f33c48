"""Selling under tier rules, overlap, revenue feeding eligibility, lifecycle, credits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

import pytest
import time_machine

from contracts.models import Contract, ContractAsset, CreditEntry, Customer, Site
from contracts.selectors import catalogue_for, coverage_for_asset, entitlements_for_serial
from contracts.services import (
    SiteSpec,
    asset_create,
    contract_activate,
    contract_cancel,
    contract_renew,
    contract_sell,
    contracts_expire_due,
    contracts_send_renewal_reminders,
    credits_consume,
    customer_create,
    customer_create_with_sites,
    site_create,
)
from partners import selectors as programme
from partners.models import ProductLine
from servicone.errors import DomainError, StateConflict
from servicone.models import AuditEvent, Notification
from tests.contracts import factories
from tests.contracts.factories import AssetFactory, asset_of, offering
from tests.partners.factories import make_deliver_ready, set_tier

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def seller(partner):
    return set_tier(partner, "sell")


# A sale from TODAY unless told otherwise.
sell = partial(factories.sell, starts_on=TODAY)


def test_selling_a_care_pack_sets_dates_price_number_and_coverage(seller, partner_sales):
    asset = asset_of(seller)
    contract = sell(seller, asset, actor=partner_sales)
    assert contract.status == "active"
    assert contract.ends_on == date(2029, 11, 25)
    assert contract.price_eur == Decimal("1450.00")
    assert contract.number == f"SO-2026-{contract.pk:06d}"
    assert contract.booked_on == TODAY
    assert list(contract.assets.all()) == [asset]
    assert AuditEvent.objects.filter(action="contract.sell", object_id=contract.pk).exists()


def test_a_care_pack_is_priced_per_asset(seller):
    first = asset_of(seller)
    second = AssetFactory(site=first.site)
    contract = contract_sell(
        partner=seller,
        customer=first.customer,
        offering=offering("CP-PL-4H-24X7"),
        assets=[first, second],
        starts_on=TODAY,
        actor=None,
    )
    assert contract.price_eur == Decimal("2900.00")


def test_a_registered_partner_may_not_sell_and_nothing_is_created(partner):
    set_tier(partner, "registered")
    asset = asset_of(partner)
    with pytest.raises(DomainError) as error:
        sell(partner, asset)
    assert error.value.code == "tier_not_allowed"
    assert "Sell" in str(error.value.message)
    assert not Contract.objects.exists()
    assert not ContractAsset.objects.exists()


def test_selling_a_deliver_only_offering_as_a_sell_partner_is_refused(seller):
    asset = asset_of(seller)
    with pytest.raises(DomainError) as error:
        contract_sell(
            partner=seller,
            customer=asset.customer,
            offering=offering("PS-CREDITS-10"),
            assets=[],
            starts_on=TODAY,
            actor=None,
        )
    assert error.value.code == "tier_not_allowed"
    assert "Deliver" in str(error.value.message)
    assert not Contract.objects.exists()


def test_a_sell_partner_may_sell_a_3par_care_pack_but_cds_delivers_it(seller):
    asset = asset_of(seller, line="3par")
    contract = sell(seller, asset, code="CP-3PAR-4H-24X7")
    assert contract.delivery_mode == "cds"
    assert "Expert" in contract.delivery_reason


def test_asking_partner_delivery_without_the_tier_is_refused(seller):
    asset = asset_of(seller, line="3par")
    with pytest.raises(DomainError) as error:
        sell(seller, asset, code="CP-3PAR-4H-24X7", delivery_mode="partner")
    assert error.value.code == "delivery_mode_not_allowed"


def test_a_deliver_partner_chooses_co_delivery(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    contract = sell(partner, asset, delivery_mode="co_delivery")
    assert contract.delivery_mode == "co_delivery"


def test_overlapping_coverage_of_the_same_kind_is_refused(seller):
    asset = asset_of(seller)
    existing = sell(seller, asset)
    with pytest.raises(DomainError) as error:
        sell(seller, asset, code="CP-PL-NBD-9X5", starts_on=date(2027, 6, 1))
    assert error.value.code == "coverage_overlap"
    assert existing.number in str(error.value.message)
    assert Contract.objects.count() == 1


def test_a_contract_and_a_care_pack_on_the_same_asset_do_not_overlap(seller):
    asset = asset_of(seller)
    sell(seller, asset)
    contract = sell(seller, asset, code="SC-FOUNDATION-13X5")
    assert contract.status == "active"


def test_coverage_after_the_end_of_the_previous_is_allowed(seller):
    asset = asset_of(seller)
    first = sell(seller, asset)
    second = sell(seller, asset, starts_on=date(2029, 11, 26))
    assert second.starts_on > first.ends_on


def test_an_asset_of_another_customer_is_refused(seller):
    asset = asset_of(seller)
    stranger = asset_of(seller)
    with pytest.raises(DomainError) as error:
        contract_sell(
            partner=seller,
            customer=asset.customer,
            offering=offering("CP-PL-4H-24X7"),
            assets=[asset, stranger],
            starts_on=TODAY,
            actor=None,
        )
    assert error.value.code == "asset_not_of_customer"


def test_a_product_line_the_offering_does_not_cover_is_refused(seller):
    asset = asset_of(seller, line="networking")
    with pytest.raises(DomainError) as error:
        sell(seller, asset)
    assert error.value.code == "product_line_not_covered"


def test_a_start_in_the_past_is_refused(seller):
    with pytest.raises(DomainError) as error:
        sell(seller, asset_of(seller), starts_on=date(2026, 11, 25))
    assert error.value.code == "start_in_past"


def test_a_sale_moves_a_partner_from_9000_to_sell_at_once(partner):
    set_tier(partner, "registered")
    partner.declared_revenue_12m_eur = Decimal("9000.00")
    partner.save()
    assert not programme.evaluation_for(partner).tier("sell").eligible
    # A registered partner cannot sell: HP staff record the first deal... in the
    # programme, the first sale goes through HP. Here the partner already sells.
    set_tier(partner, "sell")
    sell(partner, asset_of(partner), code="CP-PL-4H-24X7")  # 1,450.00 EUR
    assert programme.evaluation_for(partner).tier("sell").eligible
    assert programme.services_revenue_12m(partner) == Decimal("10450.00")


def test_a_cancelled_contract_stops_counting_as_revenue(seller):
    contract = sell(seller, asset_of(seller))
    assert programme.services_revenue_12m(seller) == Decimal("1450.00")
    contract_cancel(contract=contract, actor=None, reason="Client perdu")
    assert programme.services_revenue_12m(seller) == Decimal("0.00")
    assert not ContractAsset.objects.filter(is_active=True).exists()


def test_a_sale_leaves_the_revenue_window_on_day_366(seller):
    sell(seller, asset_of(seller))
    assert programme.services_revenue_12m(seller, on=date(2027, 11, 25)) == Decimal("1450.00")
    assert programme.services_revenue_12m(seller, on=date(2027, 11, 26)) == Decimal("0")


def test_a_quote_does_not_count_until_activated(seller):
    contract = sell(seller, asset_of(seller), quote=True, starts_on=date(2026, 12, 1))
    assert contract.status == "quote"
    assert programme.services_revenue_12m(seller) == Decimal("0")
    contract_activate(contract=contract, actor=None)
    assert programme.services_revenue_12m(seller) == Decimal("1450.00")


def test_entitlement_by_serial_is_scoped_to_the_partner(seller, other_partner):
    asset = asset_of(seller)
    sell(seller, asset)
    assert [
        c.contract.offering.code
        for c in entitlements_for_serial(asset.serial_number, partner_id=seller.pk, on=TODAY)
    ] == ["CP-PL-4H-24X7"]
    assert entitlements_for_serial(asset.serial_number, partner_id=other_partner.pk, on=TODAY) == []
    assert len(entitlements_for_serial(asset.serial_number, partner_id=None, on=TODAY)) == 1


def test_entitlement_is_one_query(seller, django_assert_num_queries):
    asset = asset_of(seller)
    sell(seller, asset)
    with django_assert_num_queries(1):
        rows = entitlements_for_serial(asset.serial_number, partner_id=seller.pk, on=TODAY)
        _ = [(r.contract.offering.coverage, r.asset.site.timezone) for r in rows]


def test_coverage_for_a_ticket_prefers_the_fastest_on_site(seller):
    asset = asset_of(seller)
    sell(seller, asset, code="SC-FOUNDATION-13X5")
    sell(seller, asset, code="CP-PL-4H-24X7")
    assert coverage_for_asset(asset.pk, on=TODAY).contract.offering.code in (
        "CP-PL-4H-24X7",
        "SC-FOUNDATION-13X5",
    )


def test_expiry_ends_coverage_and_unused_credits(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    care = sell(partner, asset)
    credits = contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("PS-CREDITS-10"),
        assets=[],
        starts_on=TODAY,
        actor=None,
    )
    assert credits.credits_balance == 10
    assert contracts_expire_due(today=date(2027, 11, 26)) == 1
    credits.refresh_from_db()
    assert credits.status == "expired"
    assert credits.credits_balance == 0
    assert list(credits.credit_entries.values_list("kind", "credits")) == [
        ("purchased", 10),
        ("expired", -10),
    ]
    care.refresh_from_db()
    assert care.status == "active"
    assert contracts_expire_due(today=date(2027, 11, 26)) == 0


def test_credits_never_go_below_zero(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    contract = contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("PS-CREDITS-10"),
        assets=[],
        starts_on=TODAY,
        actor=None,
    )
    credits_consume(contract=contract, credits=7, actor=None, reference="visite 1")
    with pytest.raises(DomainError) as error:
        credits_consume(contract=contract, credits=4, actor=None, reference="visite 2")
    assert error.value.code == "insufficient_credits"
    contract.refresh_from_db()
    assert contract.credits_balance == 3
    assert CreditEntry.objects.filter(kind="consumed").count() == 1


def test_a_retried_consumption_with_the_same_key_consumes_once(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    contract = contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("PS-CREDITS-10"),
        assets=[],
        starts_on=TODAY,
        actor=None,
    )
    credits_consume(contract=contract, credits=2, actor=None, dedup_key="ticket:1")
    credits_consume(contract=contract, credits=2, actor=None, dedup_key="ticket:1")
    contract.refresh_from_db()
    assert contract.credits_balance == 8


def test_renewal_reminders_go_out_90_60_30_days_before_the_end_once_each(seller, partner_admin):
    sell(seller, asset_of(seller), code="SC-FOUNDATION-13X5")  # ends 2027-11-25
    sent = [
        contracts_send_renewal_reminders(today=day)
        for day in (
            date(2027, 8, 26),
            date(2027, 8, 27),
            date(2027, 9, 26),
            date(2027, 10, 26),
            date(2027, 10, 27),
        )
    ]
    assert sent == [0, 1, 1, 1, 0]  # 91 days left: not yet; then 90, 60, 30 once each
    assert (
        Notification.objects.filter(recipient=partner_admin, kind="contract_renewal").count() == 3
    )


def test_renewing_starts_the_day_after_the_end(seller):
    contract = sell(seller, asset_of(seller), code="SC-FOUNDATION-13X5")
    renewal = contract_renew(contract=contract, actor=None)
    assert renewal.starts_on == date(2027, 11, 26)
    assert renewal.renewed_from == contract
    with pytest.raises(StateConflict):
        contract_renew(contract=contract, actor=None)


def test_the_catalogue_says_what_the_tier_unlocks(seller):
    lines = {line.offering.code: line for line in catalogue_for(seller)}
    assert lines["CP-PL-4H-24X7"].may_sell
    assert not lines["CP-PL-4H-24X7"].may_deliver
    assert not lines["PS-CREDITS-10"].may_sell
    assert lines["PS-CREDITS-10"].tier_to_sell_name == "Deliver"


def test_customers_sites_and_assets_validate_their_input(partner, partner_admin):
    customer = customer_create(partner=partner, name="Hôpital Nord", actor=partner_admin)
    with pytest.raises(DomainError) as error:
        site_create(customer=customer, name="Bloc A", city="Metz", region="99", actor=partner_admin)
    assert error.value.field == "region"
    with pytest.raises(DomainError) as error:
        site_create(
            customer=customer,
            name="Bloc A",
            city="Metz",
            timezone_name="Europe/Metz",
            actor=partner_admin,
        )
    assert error.value.field == "timezone"
    site = site_create(
        customer=customer, name="Bloc A", city="Metz", region="57", actor=partner_admin
    )
    line = ProductLine.objects.get(code="proliant")
    asset_create(
        customer=customer,
        site=site,
        serial_number=" czj123 ",
        product_line=line,
        actor=partner_admin,
    )
    with pytest.raises(DomainError) as error:
        asset_create(
            customer=customer,
            site=site,
            serial_number="CZJ123",
            product_line=line,
            actor=partner_admin,
        )
    assert error.value.code == "serial_taken"
    assert asset_create(
        customer=customer,
        site=site,
        serial_number="CZJ123",
        vendor="other",
        product_line=line,
        actor=partner_admin,
    )


def test_deliver_ready_partner_is_upgraded_by_its_sale(partner):
    make_deliver_ready(partner, on=date(2026, 1, 1), revenue=Decimal("9000.00"))
    set_tier(partner, "sell")
    sell(partner, asset_of(partner), code="CP-PL-4H-24X7")
    partner.refresh_from_db()
    assert partner.tier.code == "deliver"


def test_a_customer_is_created_with_its_sites_and_each_is_audited(partner, partner_admin):
    customer = customer_create_with_sites(
        partner=partner,
        name=" Clinique du Parc ",
        siren="552100554",
        sites=[
            SiteSpec(name="Siège", city="Metz", region="57"),
            SiteSpec(name="Entrepôt", city="Saint-Denis", timezone_name="Indian/Reunion"),
        ],
        actor=partner_admin,
    )
    assert customer.name == "Clinique du Parc"
    assert list(customer.sites.order_by("name").values_list("name", "timezone")) == [
        ("Entrepôt", "Indian/Reunion"),
        ("Siège", "Europe/Paris"),
    ]
    assert list(
        AuditEvent.objects.filter(partner=partner).order_by("pk").values_list("action", flat=True)
    ) == ["customer.create", "site.create", "site.create"]


def test_a_refused_site_names_its_place_and_leaves_no_customer_behind(partner, partner_admin):
    with pytest.raises(DomainError) as error:
        customer_create_with_sites(
            partner=partner,
            name="Clinique du Parc",
            sites=[SiteSpec(name="Siège", city="Metz"), SiteSpec(name="Annexe", city=" ")],
            actor=partner_admin,
        )
    assert (error.value.code, error.value.field) == ("required", "sites[1].city")
    assert not Customer.objects.exists()
    assert not Site.objects.exists()


def test_a_duplicate_customer_name_is_refused_on_the_name(partner, partner_admin):
    customer_create(partner=partner, name="Clinique du Parc", actor=partner_admin)
    with pytest.raises(DomainError) as error:
        customer_create_with_sites(
            partner=partner, name="clinique du parc", sites=[], actor=partner_admin
        )
    assert (error.value.code, error.value.field) == ("duplicate_customer", "name")


def test_activating_a_quote_after_the_tier_dropped_is_refused_and_books_nothing(partner):
    set_tier(partner, "sell")
    quote = sell(partner, asset_of(partner), quote=True)
    set_tier(partner, "registered")
    with pytest.raises(DomainError) as error:
        contract_activate(contract=quote, actor=None)
    assert error.value.code == "tier_not_allowed"
    assert str(error.value.message) == "Le niveau Sell est requis pour vendre cette offre."
    quote.refresh_from_db()
    assert (quote.status, quote.booked_on) == ("quote", None)


def test_cancelling_a_credits_contract_expires_its_unused_credits(partner):
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    contract = contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("PS-CREDITS-10"),
        assets=[],
        starts_on=TODAY,
        actor=None,
    )
    contract_cancel(contract=contract, actor=None, reason="Erreur de saisie")
    assert list(contract.credit_entries.values_list("kind", "credits", "reference")) == [
        ("purchased", 10, contract.number),
        ("expired", -10, "annulation"),
    ]


def test_the_renewal_reminder_names_the_contract_customer_offering_and_end(seller, partner_admin):
    contract = sell(seller, asset_of(seller), code="SC-FOUNDATION-13X5")  # ends 2027-11-25
    contracts_send_renewal_reminders(today=date(2027, 8, 27))
    note = Notification.objects.get(recipient=partner_admin, kind="contract_renewal")
    customer = contract.customer.name
    assert note.subject == (
        f"ServiceOne : le contrat {contract.number} ({customer}) se termine dans 90 jours"
    )
    assert note.body == (
        f"Le contrat {contract.number} — Foundation Care 13x5 (serveurs et réseaux), 1 an — "
        f"pour {customer} se termine le 25/11/2027. Renouvelez-le depuis le portail pour "
        "garder les équipements couverts et le chiffre d'affaires qui compte pour votre niveau."
    )
    assert note.link == f"/contracts/{contract.pk}/"


def test_the_renewal_reminder_is_written_in_the_portals_language(seller, partner_admin, settings):
    settings.LANGUAGE_CODE = "en"
    contract = sell(seller, asset_of(seller), code="SC-FOUNDATION-13X5")
    contracts_send_renewal_reminders(today=date(2027, 8, 27))
    note = Notification.objects.get(recipient=partner_admin, kind="contract_renewal")
    customer = contract.customer.name
    assert note.subject == (f"ServiceOne: contract {contract.number} ({customer}) ends in 90 days")
    assert note.body.startswith(
        f"Contract {contract.number} — Foundation Care 13x5 (servers and networking), 1 year — "
        f"for {customer} ends on 2027-11-25."
    )
