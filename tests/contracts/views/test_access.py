"""Who may read and write the sales pages, per role."""

from __future__ import annotations

import pytest

from contracts.models import Customer
from servicone.access import PartnerRole
from tests.contracts.views.helpers import html
from tests.partners.factories import UserFactory, partner_user

READ_PAGES = ["/catalogue/", "/contracts/", "/customers/", "/assets/lookup/?serial=X"]


@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
@pytest.mark.parametrize("url", READ_PAGES)
def test_every_partner_role_reads_the_sales_pages(client, seller, role, url):
    client.force_login(partner_user(seller, role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", READ_PAGES)
def test_hp_staff_read_the_sales_pages(client, programme_manager, cds_dispatcher, url):
    for user in (programme_manager, cds_dispatcher):
        client.force_login(user)
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*READ_PAGES, "/contracts/sell/"])
def test_a_user_without_any_role_is_refused(client, db, url):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/contracts/sell/",
        "/contracts/sell/assets/",
        "/contracts/sell/offering/",
        "/contracts/sell/confirm/",
    ],
)
def test_engineers_and_hp_staff_may_not_sell(
    client, partner_engineer, programme_manager, cds_dispatcher, url
):
    for user in (partner_engineer, programme_manager, cds_dispatcher):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_engineers_and_hp_staff_may_not_create_customers(
    client, partner_engineer, programme_manager
):
    for user in (partner_engineer, programme_manager):
        client.force_login(user)
        response = client.post(
            "/customers/", {"customer-name": "Intrus", "site-name": "A", "site-city": "Lyon"}
        )
        assert response.status_code == 403
    assert not Customer.objects.exists()


def test_engineers_see_customers_read_only(client, partner_engineer, customer, proliant):
    client.force_login(partner_engineer)
    page = html(client.get(f"/customers/{customer.pk}/"))
    assert "CZJ0000001" in page
    assert "new-asset-form" not in page
    assert "Vendre à ce client" not in page
    assert client.post(f"/customers/{customer.pk}/sites/add/", {}).status_code == 403


def test_the_navigation_links_the_sales_pages_for_sales_and_hp(
    client, partner_sales, partner_engineer, programme_manager
):
    client.force_login(partner_sales)
    page = html(client.get("/"))
    for url in ('href="/catalogue/"', 'href="/customers/"', 'href="/contracts/"'):
        assert url in page
    client.force_login(programme_manager)
    assert 'href="/contracts/"' in html(client.get("/"))
