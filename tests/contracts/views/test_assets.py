"""An asset's page, the serial look-up, the installed-base import page."""

from __future__ import annotations

import re
from datetime import date

import time_machine

from contracts.models import Asset, Contract, Site
from tests.contracts.factories import asset_of
from tests.contracts.views.helpers import html, messages_of, sell
from tests.partners.factories import set_tier


def test_the_asset_page_shows_coverage_in_force_and_past(sales, seller, proliant):
    with time_machine.travel("2023-01-10 10:00 +01:00", tick=False):
        past = sell(seller, proliant, code="CP-PL-NBD-9X5", starts_on=date(2023, 1, 10))
    Contract.objects.filter(pk=past.pk).update(status="expired")
    current = sell(seller, proliant)
    page = html(sales.get(f"/assets/{proliant.pk}/"))
    in_force = re.search(r'data-testid="coverage-row" data-state="in_force".*?</tr>', page, re.S)
    assert current.number in in_force.group(0)
    done = re.search(r'data-testid="coverage-row" data-state="past".*?</tr>', page, re.S)
    assert past.number in done.group(0)
    applicable = re.search(r'data-testid="applicable-coverage".*?</section>', page, re.S).group(0)
    assert current.number in applicable
    assert "4 h" in applicable


def test_lookup_by_serial_shows_coverage_and_service_level(sales, seller, proliant):
    contract = sell(seller, proliant)
    page = html(sales.get("/assets/lookup/?serial=czj0000001"))
    assert contract.number in page
    assert "24x7 · prise en charge 2 h · sur site 4 h · remise en service 8 h" in page
    assert "25/11/2029" in page


def test_lookup_of_an_uncovered_asset_says_so(sales, proliant):
    page = html(sales.get("/assets/lookup/?serial=CZJ0000001"))
    assert 'data-testid="uncovered"' in page


def test_lookup_never_reveals_another_partners_asset(sales, other_partner):
    foreign = asset_of(other_partner, serial_number="CZJFOREIGN")
    sell(set_tier(other_partner, "sell"), foreign)
    page = html(sales.get("/assets/lookup/?serial=CZJFOREIGN"))
    assert "Aucun équipement de vos clients avec le numéro de série CZJFOREIGN." in page
    assert "Concurrent SA" not in page
    assert f"/assets/{foreign.pk}/" not in page


def test_hp_lookup_sees_every_partner(client, cds_dispatcher, other_partner):
    foreign = asset_of(other_partner, serial_number="CZJFOREIGN")
    contract = sell(set_tier(other_partner, "sell"), foreign)
    client.force_login(cds_dispatcher)
    assert contract.number in html(client.get("/assets/lookup/?serial=CZJFOREIGN"))


# --- Import page -------------------------------------------------------------------------------------


def upload(content: str, name: str = "parc.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


CSV_OK = (
    "serial_number;vendor;product_line;model;site;city;postal_code;region;timezone\n"
    "CZJIMP0001;hp;proliant;DL380;Siège;;;;\n"
    "CZJIMP0002;hp;networking;Aruba 6300;Entrepôt;Thionville;57100;57;Europe/Paris\n"
)


def test_import_previews_then_imports_on_confirmation(sales, customer, site):
    url = f"/customers/{customer.pk}/import/"
    response = sales.post(url, {"action": "preview", "file": upload(CSV_OK)})
    page = html(response)
    assert response.status_code == 200
    assert page.count('data-testid="preview-row"') == 2
    assert "1 site sera créé : Entrepôt." in page
    assert not Asset.objects.filter(serial_number__startswith="CZJIMP").exists()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    response = sales.post(url, {"action": "confirm", "token": token})
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert Asset.objects.filter(customer=customer, serial_number__startswith="CZJIMP").count() == 2
    assert Site.objects.get(customer=customer, name="Entrepôt").region == "57"
    # Issue 15, finding 9: plurals with ngettext, no more « équipement(s) ».
    assert messages_of(response) == ["Import terminé : 2 équipements et 1 site créés."]


def test_import_errors_are_listed_by_line_and_nothing_is_imported(sales, customer, site):
    content = CSV_OK + "CZJIMP0001;hp;proliant;;Siège;;;;\nCZJIMP0003;hp;gizmo;;Siège;;;;\n"
    response = sales.post(
        f"/customers/{customer.pk}/import/", {"action": "preview", "file": upload(content)}
    )
    assert response.status_code == 400
    page = html(response)
    assert 'data-line="4" data-code="duplicate_in_file"' in page
    assert 'data-line="5" data-code="unknown_product_line"' in page
    assert "Confirmer l'import" not in page
    assert not Asset.objects.filter(serial_number__startswith="CZJIMP").exists()


def test_confirming_an_import_without_a_preview_imports_nothing(sales, customer):
    response = sales.post(
        f"/customers/{customer.pk}/import/", {"action": "confirm", "token": "forged"}
    )
    assert response.status_code == 302
    assert not Asset.objects.exists()


def test_engineers_may_not_import(client, partner_engineer, customer):
    client.force_login(partner_engineer)
    assert client.get(f"/customers/{customer.pk}/import/").status_code == 403


def test_a_file_with_bare_cr_line_endings_is_previewed_and_imported(sales, customer, site):
    url = f"/customers/{customer.pk}/import/"
    response = sales.post(url, {"action": "preview", "file": upload(CSV_OK.replace("\n", "\r"))})
    page = html(response)
    assert response.status_code == 200
    assert page.count('data-testid="preview-row"') == 2
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    sales.post(url, {"action": "confirm", "token": token})
    assert Asset.objects.filter(customer=customer, serial_number__startswith="CZJIMP").count() == 2


def test_formulas_and_control_characters_are_listed_by_line_and_nothing_is_imported(
    sales, customer, site
):
    content = CSV_OK + (
        'CZJIMP0003;hp;proliant;"=HYPERLINK(""http://evil.example/"",""x"")";Siège;;;;\n'
        "CZJIMP0004;hp;proliant;DL\x00380;Siège;;;;\n"
    )
    response = sales.post(
        f"/customers/{customer.pk}/import/", {"action": "preview", "file": upload(content)}
    )
    assert response.status_code == 400
    page = html(response)
    assert 'data-line="4" data-code="formula"' in page
    assert 'La cellule « =HYPERLINK("http://evil.example/","x") » commence' in page
    assert 'data-line="5" data-code="control_character"' in page
    assert "caractère de contrôle (U+0000)" in page
    assert "Confirmer l'import" not in page
    assert not Asset.objects.filter(serial_number__startswith="CZJIMP").exists()


def test_a_file_the_csv_reader_cannot_read_is_a_message_not_a_server_error(sales, customer, site):
    content = CSV_OK + f"CZJIMP0003;hp;proliant;{'x' * 200_000};Siège;;;;\n"
    response = sales.post(
        f"/customers/{customer.pk}/import/", {"action": "preview", "file": upload(content)}
    )
    assert response.status_code == 400
    assert 'data-line="4" data-code="unreadable"' in html(response)
