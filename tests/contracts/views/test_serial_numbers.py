"""Serial numbers on the sales pages: typed however, found and stored as on the label."""

from __future__ import annotations

from urllib.parse import quote

from contracts.importers import assets_import_csv
from contracts.models import Asset
from tests.contracts.factories import AssetFactory
from tests.contracts.views.helpers import html, product_line, sell

HEADER = "serial_number;vendor;product_line;model;site;city;postal_code;region;timezone"


def test_the_coverage_look_up_finds_a_serial_typed_in_lower_case_with_spaces(
    sales, seller, proliant
):
    contract = sell(seller, proliant)
    page = html(sales.get(f"/assets/lookup/?serial={quote(' czj 000 0001 ')}"))
    assert "CZJ0000001 : couvert" in page
    assert contract.number in page
    assert 'value="CZJ0000001"' in page  # the box shows what was looked up, as stored


def test_the_coverage_look_up_says_what_is_not_a_serial_number(sales, seller):
    page = html(sales.get(f"/assets/lookup/?serial={quote('<b>x</b>')}"))
    assert 'data-testid="serial-error"' in page
    assert "Un numéro de série ne contient que des lettres, des chiffres" in page
    assert 'data-testid="lookup-result"' not in page
    assert "<b>X</b>" not in page  # shown escaped, never as markup


def test_step_two_refuses_markup_as_a_serial_and_adds_nothing(sales, customer, site):
    response = sales.post(
        f"/contracts/sell/assets/?customer={customer.pk}",
        {
            "asset-serial_number": "<b>x</b>",
            "asset-vendor": "hp",
            "asset-product_line": product_line("proliant").pk,
            "asset-site": site.pk,
        },
    )
    assert response.status_code == 400
    assert "Un numéro de série HP ne contient que des lettres et des chiffres" in html(response)
    assert not Asset.objects.exists()


def test_step_two_stores_a_spaced_serial_as_on_the_label(sales, customer, site):
    response = sales.post(
        f"/contracts/sell/assets/?customer={customer.pk}",
        {
            "asset-serial_number": "czj 999 0001",
            "asset-vendor": "hp",
            "asset-product_line": product_line("proliant").pk,
            "asset-site": site.pk,
        },
    )
    asset = Asset.objects.get()
    assert response.status_code == 302
    assert asset.serial_number == "CZJ9990001"


def test_the_customer_asset_search_finds_a_serial_typed_with_spaces(sales, customer, proliant):
    page = html(sales.get(f"/customers/{customer.pk}/?q={quote('czj 000 0001')}"))
    assert "CZJ0000001" in page


def test_the_import_reads_a_spaced_serial_as_a_duplicate_of_the_same_box(customer, site):
    report = assets_import_csv(
        customer=customer,
        data=f"{HEADER}\nCZJ1000001;hp;proliant;;Siège;;;;\nczj 100 0001;hp;proliant;;Siège;;;;\n",
        actor=None,
        dry_run=True,
    )
    assert [(e.line, e.code, e.message) for e in report.errors] == [
        (3, "duplicate_in_file", "Le numéro de série CZJ1000001 figure déjà ligne 2.")
    ]


def test_the_import_names_the_line_of_what_is_not_a_serial(customer, site):
    report = assets_import_csv(
        customer=customer,
        data=f"{HEADER}\nCZJ 100 0001;hp;proliant;;Siège;;;;\nCZJ-2;hp;proliant;;Siège;;;;\n",
        actor=None,
        dry_run=True,
    )
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (3, "serial_number", "invalid_serial")
    ]
    assert report.preview[0]["serial_number"] == "CZJ1000001"


def test_a_stored_asset_reads_as_stored(sales, customer, site):
    AssetFactory(site=site, serial_number="CZJ4242424")
    page = html(sales.get(f"/contracts/sell/assets/?customer={customer.pk}&q=czj%2042"))
    assert "CZJ4242424" in page
