"""Sites' postal codes: French, metropolitan or overseas, wherever a site is created."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from contracts.importers import assets_import_csv
from contracts.models import Site, normalise_postal_code, validate_postal_code
from contracts.services import site_create
from servicone.errors import DomainError
from tests.contracts.api.helpers import API, codes
from tests.contracts.factories import CustomerFactory
from tests.contracts.views.helpers import html
from tests.partners.factories import set_tier

HEADER = "serial_number;vendor;product_line;model;site;city;postal_code;region;timezone"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def customer(partner):
    return CustomerFactory(partner=set_tier(partner, "sell"), name="Hôpital Saint-Louis")


@pytest.mark.parametrize(
    "code",
    [
        "57000",
        "01000",
        "20090",
        "75001",
        "95999",
        "97400",
        "97133",
        "97500",
        "97600",
        "98000",
        "98600",
        "98714",
        "98800",
    ],
)
def test_french_postal_codes_of_the_metropole_and_overseas_are_accepted(code):
    validate_postal_code(code)


@pytest.mark.parametrize("code", ["ABCDE", "5700", "570000", "00100", "96000", "99999", "97900"])
def test_anything_else_is_refused_with_the_rule_in_the_message(code):
    with pytest.raises(ValidationError) as refused:
        validate_postal_code(code)
    assert refused.value.code == "invalid_postal_code"
    assert "Un code postal français compte 5 chiffres" in refused.value.messages[0]


def test_spaces_typed_inside_a_postal_code_are_dropped():
    assert normalise_postal_code(" 57 000 ") == "57000"


def test_the_service_refuses_a_bad_postal_code_and_stores_a_spaced_one_normalised(customer):
    with pytest.raises(DomainError) as refused:
        site_create(customer=customer, name="Dépôt", city="Metz", postal_code="ABCDE", actor=None)
    assert (refused.value.code, refused.value.field) == ("invalid_postal_code", "postal_code")
    site = site_create(
        customer=customer, name="Dépôt", city="Metz", postal_code="57 000", actor=None
    )
    assert site.postal_code == "57000"


def test_the_customer_page_refuses_abcde_on_the_field_and_creates_no_site(
    client, partner_sales, customer
):
    client.force_login(partner_sales)
    response = client.post(
        f"/customers/{customer.pk}/sites/add/",
        {
            "site-name": "Dépôt",
            "site-city": "Metz",
            "site-postal_code": "ABCDE",
            "site-timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 400
    assert "Code postal invalide : « ABCDE »." in html(response)
    assert not Site.objects.filter(name="Dépôt").exists()


def test_step_one_of_the_sell_flow_refuses_abcde_in_english_too(client, partner_sales, customer):
    client.force_login(partner_sales)
    client.cookies["django_language"] = "en"
    response = client.post(
        "/contracts/sell/",
        {
            "customer-name": "Clinique du Parc",
            "site-name": "Bâtiment A",
            "site-city": "Metz",
            "site-postal_code": "ABCDE",
            "site-timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 400
    assert "Invalid postal code: “ABCDE”." in html(response)
    assert not Site.objects.filter(name="Bâtiment A").exists()


def test_the_api_refuses_a_bad_postal_code_naming_the_site_and_creates_nothing(admin_api, customer):
    response = admin_api.post(
        f"{API}/customers/",
        {
            "name": "Clinique du Parc",
            "sites": [{"name": "A", "city": "Metz", "postal_code": "ABCDE"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert codes(response) == [("sites[0].postal_code", "invalid_postal_code")]
    response = admin_api.post(
        f"{API}/customers/{customer.pk}/sites/",
        {"name": "B", "city": "Saint-Denis", "postal_code": "97 400", "region": "974"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["postal_code"] == "97400"


def test_the_csv_import_names_the_line_of_a_bad_postal_code(customer):
    report = assets_import_csv(
        customer=customer,
        data=f"{HEADER}\nCZJ1000001;hp;proliant;;Entrepôt;Metz;ABCDE;57;\n",
        actor=None,
        dry_run=True,
    )
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (2, "postal_code", "invalid_postal_code")
    ]
