"""Importing former ASP/PSP members from CSV: all rows or none, every error on its line."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import django
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connections

from partners.legacy import legacy_parse, luhn_valid, parse_amount_eur, siren_with_check_digit
from partners.models import Membership, Partner
from servicone.models import AuditEvent
from tests.partners.factories import PartnerFactory, UserFactory

HEADER = (
    "name;siren;former_programme;declared_revenue_eur;admin_email;admin_first_name;admin_last_name"
)
# Luhn-valid SIRENs, invented.
SIREN_A = siren_with_check_digit("41873205")
SIREN_B = siren_with_check_digit("52904716")
SIREN_C = siren_with_check_digit("63015827")
ROW_A = f"Kervénic Systèmes;{SIREN_A};ASP;12 500,00;claire.morel@kervenic.example;Claire;Morel"
ROW_B = f"Tarvénac IT;{SIREN_B};psp;9999.99;luc.garnier@tarvenac.example;Luc;Garnier"
ROW_C = f"Ostralys Réseaux;{SIREN_C};PSP;10000;ines.haddad@ostralys.example;Inès;Haddad"


def _write(tmp_path: Path, lines: list[str], *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "legacy.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _import(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_legacy_partners", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused(path: Path, *args: str) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_legacy_partners", str(path), *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def _rows() -> dict[str, int]:
    return {
        "partners": Partner.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


# --- A valid file --------------------------------------------------------------------------


def test_a_valid_file_creates_each_partner_with_its_admin_and_tier(db, tmp_path):
    out, _ = _import(_write(tmp_path, [HEADER, ROW_A, ROW_B, ROW_C]))

    kervenic = Partner.objects.select_related("tier").get(siren=SIREN_A)
    assert kervenic.name == "Kervénic Systèmes"
    assert kervenic.legacy_programme == "asp"
    assert kervenic.declared_revenue_12m_eur == Decimal("12500.00")
    assert kervenic.tier.code == "sell"
    # 9,999.99 EUR stays Registered; exactly 10,000 EUR sells.
    assert Partner.objects.get(siren=SIREN_B).tier.code == "registered"
    assert Partner.objects.get(siren=SIREN_C).tier.code == "sell"

    admin = get_user_model().objects.get(username="claire.morel@kervenic.example")
    assert (admin.email, admin.first_name, admin.last_name) == (
        "claire.morel@kervenic.example",
        "Claire",
        "Morel",
    )
    assert not admin.has_usable_password()
    assert admin.membership.partner == kervenic
    assert admin.membership.role == "admin"

    assert "3 partenaire(s) créé(s) — par niveau : Enregistré 1, Sell 2." in out
    assert "ligne 2 : Kervénic Systèmes" in out


def test_each_imported_partner_is_audited_with_its_declared_revenue(db, tmp_path):
    _import(_write(tmp_path, [HEADER, ROW_A]))

    partner = Partner.objects.get(siren=SIREN_A)
    event = AuditEvent.objects.get(action="partner.legacy_import")
    assert event.partner == partner
    assert (event.object_type, event.object_id) == ("partners.partner", partner.pk)
    assert event.data == {
        "source": "legacy.csv",
        "line": 2,
        "siren": SIREN_A,
        "former_programme": "asp",
        "declared_revenue_eur": "12500.00",
        "admin": "claire.morel@kervenic.example",
    }
    assert AuditEvent.objects.filter(action="tier.upgrade", partner=partner).exists()


def test_excel_utf8_with_bom_semicolons_and_french_amounts_is_read(db, tmp_path):
    row = f"Électronique Vosgienne;{SIREN_A};ASP;12\u202f500,50 €;a.roux@vosges.example;Anaïs;Roux"
    _import(_write(tmp_path, [HEADER, row], encoding="utf-8-sig"))

    partner = Partner.objects.get(siren=SIREN_A)
    assert partner.name == "Électronique Vosgienne"
    assert partner.declared_revenue_12m_eur == Decimal("12500.50")


def test_comma_separated_file_is_sniffed_and_quoted_french_amounts_are_read(db, tmp_path):
    lines = [
        HEADER.replace(";", ","),
        f'Kervénic Systèmes,{SIREN_A},ASP,"12 500,00",c.morel@kervenic.example,Claire,Morel',
        f"Tarvénac IT,{SIREN_B},PSP,48210.50,l.garnier@tarvenac.example,,",
    ]
    _import(_write(tmp_path, lines))

    assert Partner.objects.get(siren=SIREN_A).declared_revenue_12m_eur == Decimal("12500.00")
    assert Partner.objects.get(siren=SIREN_B).declared_revenue_12m_eur == Decimal("48210.50")


def test_columns_may_come_in_any_order_and_siren_may_be_spaced(db, tmp_path):
    lines = [
        "admin_email;NAME;Former_Programme;siren;declared_revenue_eur;admin_last_name;admin_first_name",
        f"c.morel@kervenic.example;Kervénic;asp;{SIREN_A[:3]} {SIREN_A[3:6]} {SIREN_A[6:]};15000;Morel;Claire",
    ]
    _import(_write(tmp_path, lines))

    partner = Partner.objects.get(siren=SIREN_A)
    assert partner.name == "Kervénic"
    assert partner.memberships.get().user.first_name == "Claire"


def test_a_trailing_delimiter_on_every_line_is_ignored(db, tmp_path):
    _import(_write(tmp_path, [HEADER + ";", ROW_A + ";"]))

    assert Partner.objects.filter(siren=SIREN_A).exists()


def test_delimiter_option_overrides_the_sniffing(db, tmp_path):
    # A header with a comma in no column name still sniffs ";"; --delimiter forces it anyway.
    _import(_write(tmp_path, [HEADER, ROW_A]), "--delimiter", ";")

    assert Partner.objects.filter(siren=SIREN_A).exists()


# --- Dry run ---------------------------------------------------------------------------------


def test_dry_run_prints_what_would_be_created_and_writes_nothing(db, tmp_path):
    before = _rows()

    out, _ = _import(_write(tmp_path, [HEADER, ROW_A, ROW_B]), "--dry-run")

    assert _rows() == before
    assert "Simulation (--dry-run) : rien n'a été écrit." in out
    assert f"ligne 2 : Kervénic Systèmes (SIREN {SIREN_A}, ASP," in out
    assert "→ niveau Sell, administrateur claire.morel@kervenic.example serait créé" in out
    assert "→ niveau Enregistré" in out
    assert "2 partenaire(s) seraient créés — par niveau : Enregistré 1, Sell 1." in out


def test_dry_run_of_an_invalid_file_reports_the_errors_and_fails(db, tmp_path):
    err = _refused(
        _write(tmp_path, [HEADER, ROW_A, "Sans SIREN;;ASP;1;x@y.example;;"]), "--dry-run"
    )

    assert "ligne 3, siren : le SIREN est obligatoire" in err


# --- Invalid rows: each on its line, nothing written ---------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (f";{SIREN_B};ASP;12000;a@b.example;;", "name", "la raison sociale est obligatoire"),
        ("Sans SIREN;;ASP;12000;a@b.example;;", "siren", "le SIREN est obligatoire"),
        ("Court;12345678;ASP;12000;a@b.example;;", "siren", "exactement 9 chiffres"),
        ("Lettres;4187320AB;ASP;12000;a@b.example;;", "siren", "exactement 9 chiffres"),
        ("Mauvaise clé;418732054;ASP;12000;a@b.example;;", "siren", "clé de contrôle (Luhn)"),
        (f"Programme;{SIREN_B};XSP;12000;a@b.example;;", "former_programme", "ASP ou PSP"),
        (f"Vide;{SIREN_B};;12000;a@b.example;;", "former_programme", "ASP ou PSP"),
        (f"Montant;{SIREN_B};PSP;12,500.00;a@b.example;;", "declared_revenue_eur", "illisible"),
        (f"Montant;{SIREN_B};PSP;12.500,00;a@b.example;;", "declared_revenue_eur", "illisible"),
        (f"Montant;{SIREN_B};PSP;douze mille;a@b.example;;", "declared_revenue_eur", "illisible"),
        (f"Montant;{SIREN_B};PSP;-500;a@b.example;;", "declared_revenue_eur", "négatif"),
        (f"Montant;{SIREN_B};PSP;;a@b.example;;", "declared_revenue_eur", "le montant est vide"),
        (f"Courriel;{SIREN_B};PSP;12000;pas-un-email;;", "admin_email", "invalide"),
        (f"Courriel;{SIREN_B};PSP;12000;;;", "admin_email", "obligatoire"),
        (
            f"Doublon;{SIREN_A};PSP;12000;autre@b.example;;",
            "siren",
            "figure déjà ligne 2 du fichier",
        ),
        (
            f"Doublon;{SIREN_B};PSP;12000;Claire.Morel@kervenic.example;;",
            "admin_email",
            "figure déjà ligne 2 du fichier",
        ),
        (f"Colonnes;{SIREN_B};PSP;12000", "", "4 colonne(s) au lieu de 7"),
    ],
)
def test_an_invalid_row_is_reported_on_its_line_and_nothing_is_imported(
    db, tmp_path, row, column, message
):
    before = _rows()

    err = _refused(_write(tmp_path, [HEADER, ROW_A, row, ROW_C]))

    where = "ligne 3, " + column if column else "ligne 3 :"
    assert where in err
    assert message in err
    assert "ligne 2" not in err.replace("ligne 2 du fichier", "")
    assert "ligne 4" not in err
    assert _rows() == before


def test_every_invalid_row_is_listed_not_only_the_first(db, tmp_path):
    err = _refused(
        _write(
            tmp_path,
            [
                HEADER,
                "Sans SIREN;;ASP;12000;a@b.example;;",
                ROW_A,
                f"Deux erreurs;{SIREN_B};ZZZ;abc;d@e.example;;",
            ],
        )
    )

    assert "ligne 2, siren" in err
    assert "ligne 4, former_programme" in err
    assert "ligne 4, declared_revenue_eur" in err
    assert "3 erreur(s)" in err


def test_a_repeat_of_an_invalid_row_is_reported_in_the_same_run(db, tmp_path):
    err = _refused(
        _write(
            tmp_path,
            [
                HEADER,
                f";{SIREN_A};ASP;12000;a@b.example;;",
                f"Repeat;{SIREN_A};PSP;1;a@b.example;;",
            ],
        )
    )

    assert "ligne 2, name" in err
    assert f"ligne 3, siren : « {SIREN_A} » figure déjà ligne 2 du fichier" in err
    assert "ligne 3, admin_email : « a@b.example » figure déjà ligne 2 du fichier" in err


def test_line_numbers_count_blank_lines_and_multi_line_quoted_names(db, tmp_path):
    err = _refused(
        _write(
            tmp_path,
            [
                HEADER,
                ROW_A,
                "",
                f'"Nom sur\ndeux lignes";{SIREN_B};PSP;12000;x@y.example;;',
                "Bad;1;ASP;1;x@z.example;;",
            ],
        )
    )

    assert "ligne 6, siren" in err


def test_a_siren_already_in_the_portal_is_refused_and_the_partner_left_unchanged(db, tmp_path):
    existing = PartnerFactory(siren=SIREN_A, name="Déjà Là", declared_revenue_12m_eur=50_000)
    before = _rows()

    err = _refused(_write(tmp_path, [HEADER, ROW_B, ROW_A]))

    assert f"ligne 3, siren : SIREN {SIREN_A} déjà enregistré (Déjà Là)" in err
    existing.refresh_from_db()
    assert existing.declared_revenue_12m_eur == Decimal("50000.00")
    assert existing.legacy_programme == ""
    assert _rows() == before


def test_an_admin_email_already_used_by_an_account_is_refused(db, tmp_path):
    UserFactory(username="someone", email="Claire.Morel@kervenic.example")

    err = _refused(_write(tmp_path, [HEADER, ROW_A]))

    assert (
        "ligne 2, admin_email : un compte utilise déjà l'adresse claire.morel@kervenic.example"
        in err
    )
    assert not Partner.objects.filter(siren=SIREN_A).exists()


def test_an_account_whose_username_differs_only_by_case_is_refused_too(db, tmp_path):
    UserFactory(username="Claire.Morel@Kervenic.example", email="claire@elsewhere.example")

    err = _refused(_write(tmp_path, [HEADER, ROW_A]))

    assert (
        "ligne 2, admin_email : un compte utilise déjà l'adresse claire.morel@kervenic.example"
        in err
    )
    assert not Partner.objects.filter(siren=SIREN_A).exists()


def test_a_missing_or_unknown_column_is_reported_on_line_1(db, tmp_path):
    header = HEADER.replace("former_programme", "programme")

    err = _refused(_write(tmp_path, [header, ROW_A]))

    assert "ligne 1 : colonne(s) manquante(s) : former_programme" in err
    assert "ligne 1 : colonne(s) inconnue(s) : programme" in err


def test_a_file_that_is_not_utf8_is_refused_with_its_line(db, tmp_path):
    err = _refused(
        _write(
            tmp_path, [HEADER, "Sans accent;" + ROW_B.split(";", 1)[1], ROW_A], encoding="cp1252"
        )
    )

    assert "ligne 3 : le fichier n'est pas en UTF-8" in err
    assert Partner.objects.count() == 0


def test_an_empty_file_or_a_header_alone_is_refused(db, tmp_path):
    assert "ligne 1 : la première ligne" in _refused(_write(tmp_path, [""]))
    assert "aucune ligne de données" in _refused(_write(tmp_path, [HEADER]))


@pytest.fixture
def _logging_kept(monkeypatch):
    """``ManagementUtility.execute`` runs ``django.setup()``: with the apps already loaded,
    all it still does is configure logging again, and its handler would write to this test's
    captured ``sys.stderr``, closed when the test ends: every record the test process logged
    afterwards failed on the closed file, printed a traceback and was lost (1,757 of them in
    one run). The process keeps the logging it has."""
    monkeypatch.setattr(django, "setup", lambda *args, **kwargs: None)


@pytest.mark.usefixtures("_logging_kept")
def test_the_command_exits_with_status_1_and_the_report_when_a_row_is_invalid(
    db, tmp_path, capsys, monkeypatch
):
    path = _write(tmp_path, [HEADER, ROW_A, "Bad;123;ASP;1;x@y.example;;"])
    # run_from_argv closes every connection when done: not the test's own transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_legacy_partners", str(path)]).execute()

    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "ligne 3, siren" in captured.err
    assert "1 erreur(s) dans legacy.csv : rien n'a été importé." in captured.err
    assert Partner.objects.count() == 0


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_legacy_partners", str(tmp_path / "absent.csv"))


@pytest.mark.usefixtures("_logging_kept")
def test_the_help_documents_the_header(capsys):
    with pytest.raises(SystemExit):
        ManagementUtility(["manage.py", "import_legacy_partners", "--help"]).execute()

    assert HEADER in capsys.readouterr().out


# --- Pure parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12 500,00", "12500.00"),
        ("12\u00a0500,00", "12500.00"),
        ("12\u202f500,5 €", "12500.50"),
        ("12500.00", "12500.00"),
        ("12500", "12500.00"),
        ("1 234 567,89 EUR", "1234567.89"),
        ("0", "0.00"),
        ("9999,99", "9999.99"),
    ],
)
def test_amounts_are_read_the_french_or_the_plain_way(raw: str, expected: str) -> None:
    assert parse_amount_eur(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["12,500", "12,500.00", "12.500,00", "1 2345", "12.345", "", "-1"])
def test_ambiguous_or_wrong_amounts_are_refused_not_guessed(raw: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is checked elsewhere
        parse_amount_eur(raw)


def test_siren_luhn_key() -> None:
    assert luhn_valid(SIREN_A)
    assert not luhn_valid(SIREN_A[:-1] + str((int(SIREN_A[-1]) + 1) % 10))
    assert all(luhn_valid(siren_with_check_digit(f"{n:08d}")) for n in range(1000))


def test_parsing_touches_no_database() -> None:
    # No db fixture: any query would fail the test.
    parsed = legacy_parse(f"{HEADER}\n{ROW_A}\n;;;;;;\n{ROW_B}\n".encode())

    assert parsed.errors == ()
    assert [r.line for r in parsed.rows] == [2, 4]
    assert parsed.delimiter == ";"


# --- Line endings, control characters and formulas ------------------------------------------


def test_bare_cr_line_endings_are_read_like_any_other(db, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("\r".join([HEADER, ROW_A, "", ROW_B, ""]).encode())

    _import(path)

    assert set(Partner.objects.values_list("siren", flat=True)) == {SIREN_A, SIREN_B}


def test_a_latin1_file_with_bare_cr_line_endings_names_the_line_of_the_bad_character(db, tmp_path):
    path = tmp_path / "legacy.csv"
    plain = "Sans accent;" + ROW_B.split(";", 1)[1]
    path.write_bytes("\r".join([HEADER, plain, ROW_A, ""]).encode("cp1252"))

    assert "ligne 3 : le fichier n'est pas en UTF-8" in _refused(path)


@pytest.mark.parametrize(
    ("row", "column", "character"),
    [
        (ROW_B.replace("Tarvénac IT", "Tarvénac\x00 IT"), "name", "U+0000"),
        (ROW_B.replace(";Luc;", ";L\x1b[2Juc;"), "admin_first_name", "U+001B"),
        (ROW_B.replace(";Garnier", ";Garnier\x7f"), "admin_last_name", "U+007F"),
        (ROW_B.replace(";psp;", ";p\x9bsp;"), "former_programme", "U+009B"),
    ],
)
def test_a_control_character_in_a_cell_is_refused_on_its_line_and_never_echoed(
    db, tmp_path, row, column, character
):
    err = _refused(_write(tmp_path, [HEADER, ROW_A, row, ROW_C]))

    assert (
        f"ligne 3, {column} : la cellule contient un caractère de contrôle ({character}) : "
        "retirez-le"
    ) in err
    assert "1 erreur(s)" in err
    assert not any(ch in err for ch in "\x00\x1b\x7f\x9b")
    assert Partner.objects.count() == 0


def test_a_control_character_in_a_repeated_cell_is_not_echoed_either(db, tmp_path):
    email = "l.gar\x1b[2J\x07nier@tarvenac.example"
    row = ROW_B.replace("luc.garnier@tarvenac.example", email)

    err = _refused(_write(tmp_path, [HEADER, row, row.replace(SIREN_B, SIREN_C)]))

    assert "ligne 3, admin_email : la cellule contient un caractère de contrôle (U+001B)" in err
    assert "\x1b" not in err
    assert "\x07" not in err


@pytest.mark.parametrize(
    ("row", "column", "cell"),
    [
        (
            ROW_B.replace("Tarvénac IT", '"=HYPERLINK(""http://evil.example/?"",""x"")"'),
            "name",
            '=HYPERLINK("http://evil.example/?","x")',
        ),
        (ROW_B.replace(";Luc;", ";@SUM(A1);"), "admin_first_name", "@SUM(A1)"),
        (ROW_B.replace(";Garnier", ";+Garnier"), "admin_last_name", "+Garnier"),
        (ROW_B.replace(";Garnier", ";-2+3"), "admin_last_name", "-2+3"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_refused_on_its_line(
    db, tmp_path, row, column, cell
):
    err = _refused(_write(tmp_path, [HEADER, ROW_A, row, ROW_C]))

    assert (
        f"ligne 3, {column} : la cellule « {cell} » commence par =, +, - ou @ : un tableur "
        "l'exécuterait comme une formule ; retirez ce caractère"
    ) in err
    assert "1 erreur(s)" in err
    assert Partner.objects.count() == 0


def test_the_formula_message_is_in_english_in_an_english_portal(db, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"

    err = _refused(_write(tmp_path, [HEADER, ROW_B.replace(";Luc;", ";=1+1;")]))

    assert (
        "line 2, admin_first_name : the cell “=1+1” begins with =, +, - or @: a spreadsheet "
        "would run it as a formula; remove that character"
    ) in err


def test_a_negative_amount_keeps_its_own_message(db, tmp_path):
    err = _refused(_write(tmp_path, [HEADER, ROW_B.replace(";9999.99;", ";-12;")]))

    assert "ligne 2, declared_revenue_eur : le montant ne peut pas être négatif" in err
    assert "formule" not in err


def test_a_cell_too_large_for_the_csv_reader_is_reported_not_a_crash(db, tmp_path):
    err = _refused(_write(tmp_path, [HEADER, ROW_A, ROW_B.replace("Luc", "x" * 200_000)]))

    assert "ligne 3 : le fichier n'est pas un CSV lisible" in err
    assert Partner.objects.count() == 0
