"""The contract list, a contract page and its actions."""

from __future__ import annotations

from datetime import date, timedelta

from contracts.models import Contract
from contracts.services import credits_consume
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory, asset_of
from tests.contracts.views.helpers import TODAY, eur_fr, html, sell
from tests.partners.factories import set_tier


def test_the_contract_list_filters_by_status_customer_and_ending_soon(sales, seller, proliant):
    soon = sell(seller, proliant, code="CP-PL-NBD-9X5", starts_on=date(2026, 12, 1))
    other = asset_of(seller)
    later = sell(seller, other, code="SC-FOUNDATION-13X5")
    cancelled = sell(seller, AssetFactory(site=proliant.site), code="CP-PL-4H-24X7")
    Contract.objects.filter(pk=soon.pk).update(ends_on=TODAY + timedelta(days=40))
    Contract.objects.filter(pk=cancelled.pk).update(status="cancelled")

    page = html(sales.get("/contracts/"))
    assert all(c.number in page for c in (soon, later, cancelled))
    page = html(sales.get("/contracts/?ending=on"))
    assert soon.number in page
    assert later.number not in page
    assert "dans 40 jours" in page
    page = html(sales.get("/contracts/?status=cancelled"))
    assert cancelled.number in page
    assert soon.number not in page
    page = html(sales.get(f"/contracts/?customer={other.customer_id}"))
    assert later.number in page
    assert soon.number not in page


def test_the_contract_list_shows_only_the_partners_own_contracts(
    sales, seller, proliant, other_partner
):
    mine = sell(seller, proliant)
    theirs = sell(set_tier(other_partner, "sell"), asset_of(other_partner))
    page = html(sales.get("/contracts/"))
    assert mine.number in page
    assert theirs.number not in page


def test_hp_sees_every_partners_contracts(
    client, programme_manager, seller, proliant, other_partner
):
    mine = sell(seller, proliant)
    theirs = sell(set_tier(other_partner, "sell"), asset_of(other_partner))
    client.force_login(programme_manager)
    page = html(client.get("/contracts/"))
    assert mine.number in page
    assert theirs.number in page
    assert "Concurrent SA" in page
    assert client.get(f"/contracts/{theirs.pk}/").status_code == 200


def _many_contracts(partner, count):
    customer = CustomerFactory(partner=partner)
    site = SiteFactory(customer=customer)
    for _ in range(count):
        sell(partner, AssetFactory(site=site))


def test_the_contract_list_query_count_does_not_grow_with_the_page(
    sales, seller, django_assert_num_queries
):
    _many_contracts(seller, 2)
    with django_assert_num_queries(6):
        assert sales.get("/contracts/").status_code == 200
    _many_contracts(seller, 23)
    with django_assert_num_queries(6):
        page = html(sales.get("/contracts/"))
    assert page.count('data-testid="contract-row"') == 25


def test_the_contract_list_paginates(sales, seller):
    _many_contracts(seller, 27)
    page = html(sales.get("/contracts/?page=2"))
    assert page.count('data-testid="contract-row"') == 2
    assert "Page 2 sur 2" in page


def test_contract_detail_shows_offering_service_level_assets_price_dates_and_delivery(
    sales, seller, proliant
):
    contract = sell(seller, proliant)
    page = html(sales.get(f"/contracts/{contract.pk}/"))
    assert contract.number in page
    assert "Care Pack ProLiant intervention 4 h 24x7, 3 ans" in page
    assert "CZJ0000001" in page
    assert eur_fr("1 450,00 €") in page
    assert "26/11/2026" in page
    assert "25/11/2029" in page
    assert "Confié au CDS (HP)" in page
    assert "Le niveau Deliver est requis pour délivrer cette offre" in page
    assert 'data-testid="contract-actions"' in page


def test_another_partners_contract_is_not_found(sales, other_partner):
    theirs = sell(set_tier(other_partner, "sell"), asset_of(other_partner))
    assert sales.get(f"/contracts/{theirs.pk}/").status_code == 404
    for action in ("cancel", "renew", "activate"):
        assert sales.post(f"/contracts/{theirs.pk}/{action}/", {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_cancelling_needs_a_reason_then_cancels(sales, seller, proliant):
    contract = sell(seller, proliant)
    response = sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "  "})
    assert response.status_code == 400
    assert "Indiquez le motif de l'annulation." in html(response)
    contract.refresh_from_db()
    assert contract.status == "active"
    response = sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "Client perdu"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "cancelled"


def test_cancelling_twice_shows_the_conflict(sales, seller, proliant):
    contract = sell(seller, proliant)
    sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "Erreur de saisie"})
    response = sales.post(f"/contracts/{contract.pk}/cancel/", {"reason": "Encore"})
    assert response.status_code == 400
    assert "Ce contrat ne peut plus être annulé (statut : Annulé)." in html(response)


def test_renewing_creates_the_follow_on_contract_and_shows_the_chain(sales, seller, proliant):
    contract = sell(seller, proliant)
    response = sales.post(f"/contracts/{contract.pk}/renew/")
    renewal = Contract.objects.get(renewed_from=contract)
    assert response["Location"] == f"/contracts/{renewal.pk}/"
    assert renewal.starts_on == date(2029, 11, 26)
    page = html(sales.get(f"/contracts/{contract.pk}/"))
    assert renewal.number in page
    assert 'data-testid="renew"' not in page
    again = sales.post(f"/contracts/{contract.pk}/renew/")
    assert again.status_code == 400
    assert Contract.objects.count() == 2


def test_activating_a_quote_books_the_sale(sales, seller, proliant):
    quote = sell(seller, proliant, quote=True)
    page = html(sales.get(f"/contracts/{quote.pk}/"))
    assert 'data-testid="activate"' in page
    response = sales.post(f"/contracts/{quote.pk}/activate/")
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "active"
    assert quote.booked_on == TODAY


def test_engineers_and_hp_see_no_contract_actions(
    client, seller, proliant, partner_engineer, programme_manager
):
    contract = sell(seller, proliant)
    for user in (partner_engineer, programme_manager):
        client.force_login(user)
        assert 'data-testid="contract-actions"' not in html(
            client.get(f"/contracts/{contract.pk}/")
        )
        assert client.post(f"/contracts/{contract.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_proactive_select_contract_shows_its_credit_ledger_and_balance(
    client, partner, partner_sales, proliant
):
    set_tier(partner, "deliver")
    contract = sell(partner, proliant, code="PS-CREDITS-10")
    credits_consume(contract=contract, credits=3, actor=None, reference="Bilan préventif")
    client.force_login(partner_sales)
    page = html(client.get(f"/contracts/{contract.pk}/"))
    assert 'data-testid="credit-balance">7<' in page
    assert page.count('data-testid="credit-entry"') == 2
    assert "Bilan préventif" in page
    assert "+10" in page
    assert "-3" in page
