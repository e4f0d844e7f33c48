"""Step one of the legacy import, pure: bytes in, typed rows and per-line errors out.

Encoding, delimiter, header, SIREN with its Luhn key, programme, French or plain
amounts, e-mail, duplicates inside the file. No database, no clock.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from partners.models import LegacyProgramme
from servicone.spreadsheet import is_formula
from servicone.text import control_character, single_line

if TYPE_CHECKING:
    from _csv import Reader

COLUMNS = (
    "name",
    "siren",
    "former_programme",
    "declared_revenue_eur",
    "admin_email",
    "admin_first_name",
    "admin_last_name",
)
DELIMITERS = (";", ",")
PROGRAMMES = {"ASP": LegacyProgramme.ASP.value, "PSP": LegacyProgramme.PSP.value}
# Partner.declared_revenue_12m_eur is DecimalField(max_digits=14, decimal_places=2).
MAX_AMOUNT = Decimal("999999999999.99")

# Thousands separators a French spreadsheet may write: space, no-break space, narrow
# no-break space (what Excel and LibreOffice put in "12 500,00"), thin space.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_AMOUNT_PATTERNS = (
    re.compile(r"\d+(?:[.,]\d{1,2})?"),  # 12500 / 12500.00 / 12500,5
    re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?"),  # 12 500 / 12 500,00
)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:€|eur)\s*$", re.IGNORECASE)
# How much of a refused cell its message quotes.
_QUOTED_CELL = 60


# --- Pure helpers -----------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn key SIREN numbers carry (INSEE): every second digit from the right doubled."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_with_check_digit(first_eight: str) -> str:
    """Complete eight digits into a SIREN whose Luhn key is valid."""
    for last in "0123456789":
        if luhn_valid(first_eight + last):
            return first_eight + last
    raise AssertionError("unreachable: one digit in ten completes a Luhn number")


def normalise_siren(raw: str) -> str:
    """SIRENs are often written in groups ("412 345 672"): spacing is not significant."""
    return "".join(ch for ch in raw if ch not in _GROUP_SPACES).strip()


def parse_amount_eur(raw: str) -> Decimal:
    """``"12 500,00"``, ``"12500.00"``, ``"12 500 €"`` → ``Decimal("12500.00")``.

    One decimal separator (comma or point) with at most two decimals, optional groups
    of three digits separated by spaces. Anything ambiguous ("12,500.00", "12.500,00",
    "12,500") is refused rather than guessed. Raises ``ValueError`` with the reason.
    """
    text = _CURRENCY_SUFFIX.sub("", raw.strip())
    for space in _GROUP_SPACES:
        text = text.replace(space, " ")
    text = text.strip()
    if not text:
        raise ValueError(_("le montant est vide"))
    if text.startswith("-"):
        raise ValueError(_("le montant ne peut pas être négatif"))
    if not any(pattern.fullmatch(text) for pattern in _AMOUNT_PATTERNS):
        raise ValueError(
            _("montant illisible « %(value)s » : écrivez par exemple « 12 500,00 » ou « 12500.00 »")
            % {"value": raw.strip()}
        )
    try:
        amount = Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the patterns only let digits through
        raise ValueError(_("montant illisible « %(value)s »") % {"value": raw.strip()}) from None
    if amount > MAX_AMOUNT:
        raise ValueError(_("montant trop élevé"))
    return amount.quantize(Decimal("0.01"))


# --- Parsing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegacyRow:
    """One valid line of the file, typed and normalised."""

    line: int
    name: str
    siren: str
    programme: str  # LegacyProgramme value: "asp" | "psp"
    declared_revenue_eur: Decimal
    admin_email: str  # lower-cased; also the admin's username
    admin_first_name: str
    admin_last_name: str


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # physical line of the file, the header being line 1
    column: str
    message: str

    def __str__(self) -> str:
        where = _("ligne %(line)s") % {"line": self.line}
        if self.column:
            where = f"{where}, {self.column}"
        return f"{where} : {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: tuple[LegacyRow, ...]
    errors: tuple[RowError, ...]
    delimiter: str = ""
    lines_read: int = 0


def _decode(data: bytes | str) -> tuple[str | None, RowError | None]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    try:
        # utf-8-sig drops the byte-order mark Excel writes in "CSV UTF-8".
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]  # lines may end with LF, CRLF or CR alone
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        return None, RowError(
            line,
            "",
            _(
                "le fichier n'est pas en UTF-8 : enregistrez-le au format « CSV UTF-8 » "
                "depuis votre tableur"
            ),
        )


def _sniff_delimiter(header_line: str) -> str:
    # The header holds plain column names, so the delimiter is whichever of ; and ,
    # it contains; sniffing data lines would be fooled by "12 500,00".
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header_key(cell: str) -> str:
    return "_".join(cell.strip().lower().split())


def _control_error(line: int, column: str, character: str) -> RowError:
    return RowError(
        line,
        column,
        _("la cellule contient un caractère de contrôle (%(character)s) : retirez-le")
        % {"character": character},
    )


def _cell_errors(line: int, values: dict[str, str]) -> list[RowError]:
    """Cells the portal will not store: a control character (NUL, escape…), as the API
    refuses it, or text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)."""
    errors = []
    for column in COLUMNS:
        cell = values[column]
        character = control_character(cell)
        if character:
            errors.append(_control_error(line, column, character))
        elif is_formula(cell.strip()):
            quoted = single_line(cell)
            if len(quoted) > _QUOTED_CELL:
                quoted = quoted[: _QUOTED_CELL - 1] + "…"
            errors.append(
                RowError(
                    line,
                    column,
                    _(
                        "la cellule « %(cell)s » commence par =, +, - ou @ : un tableur "
                        "l'exécuterait comme une formule ; retirez ce caractère"
                    )
                    % {"cell": quoted},
                )
            )
    return errors


def _row_values(line: int, values: dict[str, str], errors: list[RowError]) -> LegacyRow | None:
    """Validate one data row; appends its errors and returns None when it has any."""
    refused = _cell_errors(line, values)
    if refused:  # reported alone: the other checks would quote the same cells
        errors.extend(refused)
        return None
    found: list[RowError] = []

    name = " ".join(values["name"].split())
    if not name:
        found.append(RowError(line, "name", _("la raison sociale est obligatoire")))
    elif len(name) > 200:
        found.append(RowError(line, "name", _("la raison sociale dépasse 200 caractères")))

    raw_siren = values["siren"].strip()
    siren = normalise_siren(raw_siren)
    if not siren:
        found.append(RowError(line, "siren", _("le SIREN est obligatoire")))
    elif not (len(siren) == 9 and siren.isascii() and siren.isdigit()):
        found.append(
            RowError(
                line,
                "siren",
                _("SIREN « %(value)s » invalide : il compte exactement 9 chiffres")
                % {"value": raw_siren},
            )
        )
    elif not luhn_valid(siren):
        found.append(
            RowError(
                line,
                "siren",
                _("SIREN « %(value)s » invalide : la clé de contrôle (Luhn) ne correspond pas")
                % {"value": raw_siren},
            )
        )

    raw_programme = values["former_programme"].strip()
    programme = PROGRAMMES.get(raw_programme.upper())
    if programme is None:
        found.append(
            RowError(
                line,
                "former_programme",
                _("ancien programme « %(value)s » inconnu : ASP ou PSP attendu")
                % {"value": raw_programme},
            )
        )

    amount: Decimal | None = None
    try:
        amount = parse_amount_eur(values["declared_revenue_eur"])
    except ValueError as exc:
        found.append(RowError(line, "declared_revenue_eur", str(exc)))

    email = values["admin_email"].strip().lower()
    if not email:
        found.append(
            RowError(line, "admin_email", _("l'e-mail de l'administrateur est obligatoire"))
        )
    else:
        try:
            validate_email(email)
        except ValidationError:
            found.append(
                RowError(
                    line,
                    "admin_email",
                    _("adresse e-mail « %(value)s » invalide") % {"value": values["admin_email"]},
                )
            )
        else:
            if len(email) > 150:  # it is also the username (150 characters at most)
                found.append(
                    RowError(line, "admin_email", _("adresse e-mail trop longue (150 au plus)"))
                )

    first_name = " ".join(values["admin_first_name"].split())
    last_name = " ".join(values["admin_last_name"].split())
    for column, value in (("admin_first_name", first_name), ("admin_last_name", last_name)):
        if len(value) > 150:
            found.append(RowError(line, column, _("150 caractères au plus")))

    if found:
        errors.extend(found)
        return None
    assert programme is not None
    assert amount is not None
    return LegacyRow(
        line=line,
        name=name,
        siren=siren,
        programme=programme,
        declared_revenue_eur=amount,
        admin_email=email,
        admin_first_name=first_name,
        admin_last_name=last_name,
    )


def legacy_parse(data: bytes | str, *, delimiter: str | None = None) -> ParsedFile:
    """Parse and validate a legacy-members CSV; no database access.

    Rows with errors are left out of ``rows`` and reported in ``errors`` with their
    line number; a repeated SIREN or admin e-mail is reported on its second line.
    """
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS}, got {delimiter!r}")
    text, decode_error = _decode(data)
    if text is None:
        assert decode_error is not None
        return ParsedFile(rows=(), errors=(decode_error,))
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]  # CR alone ends a line too
    if not first_line.strip():
        return ParsedFile(
            rows=(),
            errors=(RowError(1, "", _("la première ligne doit être l'en-tête des colonnes")),),
        )
    delimiter = delimiter or _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _parse_rows(reader, delimiter)
    except csv.Error as error:  # e.g. a cell larger than the reader's limit
        return ParsedFile(
            rows=(),
            errors=(
                RowError(
                    reader.line_num,
                    "",
                    _("le fichier n'est pas un CSV lisible à cette ligne (%(error)s)")
                    % {"error": single_line(error, limit=200)},
                ),
            ),
            delimiter=delimiter,
            lines_read=reader.line_num,
        )


def _parse_rows(reader: Reader, delimiter: str) -> ParsedFile:
    header = [_header_key(cell) for cell in next(reader)]
    for cell in header:
        character = control_character(cell)
        if character:  # reported alone: the other messages would quote the cell
            return ParsedFile(
                rows=(), errors=(_control_error(1, "", character),), delimiter=delimiter
            )
    errors: list[RowError] = []
    missing = [c for c in COLUMNS if c not in header]
    # Spreadsheets often end every line with a delimiter: unnamed columns are ignored.
    unknown = [c for c in header if c and c not in COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1 and c in COLUMNS})
    expected = delimiter.join(COLUMNS)
    if missing:
        errors.append(
            RowError(
                1,
                "",
                _("colonne(s) manquante(s) : %(columns)s (en-tête attendu : %(expected)s)")
                % {"columns": ", ".join(missing), "expected": expected},
            )
        )
    if unknown:
        errors.append(
            RowError(
                1,
                "",
                _("colonne(s) inconnue(s) : %(columns)s (en-tête attendu : %(expected)s)")
                % {"columns": ", ".join(unknown), "expected": expected},
            )
        )
    if repeated:
        errors.append(
            RowError(
                1, "", _("colonne(s) en double : %(columns)s") % {"columns": ", ".join(repeated)}
            )
        )
    if errors:
        return ParsedFile(rows=(), errors=tuple(errors), delimiter=delimiter, lines_read=1)

    rows: list[LegacyRow] = []
    first_line_of: dict[tuple[str, str], int] = {}
    last_line = reader.line_num
    for cells in reader:
        line = last_line + 1  # a quoted field may span lines: report where the row starts
        last_line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                RowError(
                    line,
                    "",
                    _(
                        "%(found)s colonne(s) au lieu de %(expected)s : vérifiez le séparateur "
                        "(« %(delimiter)s ») et les guillemets"
                    )
                    % {"found": len(cells), "expected": len(header), "delimiter": delimiter},
                )
            )
            continue
        values = dict(zip(header, cells, strict=True))
        row = _row_values(line, values, errors)
        # Repeats are checked on every row, valid or not, so that one run lists them all.
        duplicate = False
        for column, value in (
            ("siren", normalise_siren(values["siren"])),
            ("admin_email", values["admin_email"].strip().lower()),
        ):
            if not value or control_character(value):  # refused above, never quoted
                continue
            seen = first_line_of.get((column, value))
            if seen is None:
                first_line_of[(column, value)] = line
                continue
            duplicate = True
            errors.append(
                RowError(
                    line,
                    column,
                    _("« %(value)s » figure déjà ligne %(first)s du fichier")
                    % {"value": value, "first": seen},
                )
            )
        if row is not None and not duplicate:
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(1, "", _("le fichier ne contient aucune ligne de données")))
    return ParsedFile(
        rows=tuple(rows), errors=tuple(errors), delimiter=delimiter, lines_read=last_line
    )
