"""Step one of the installed-base import (``contracts.importers``): the file itself. No database.

Bytes in, one ``CsvRow`` per data line and the errors of the file out: size, encoding,
header, line endings (LF, CRLF or CR alone), column count, number of rows, and the
cells the portal will not store: a control character (NUL, escape…), the same rule
as the API's, or text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicone.spreadsheet import is_formula
from servicone.text import control_character, single_line

if TYPE_CHECKING:
    from _csv import Reader

COLUMNS = (
    "serial_number",
    "vendor",
    "product_line",
    "model",
    "site",
    "city",
    "postal_code",
    "region",
    "timezone",
)
REQUIRED_COLUMNS = ("serial_number", "product_line", "site")
# Bounds that keep one request (and one transaction) reasonable.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# How much of a refused cell its message quotes.
QUOTED_CELL = 60


@dataclass(frozen=True)
class RowError:
    line: int  # line number in the file (1 = header); 0 = the whole file
    column: str  # column name, "" when the problem is the whole line or file
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data line of the file: its cells stripped, "" for a column the file leaves out."""

    line: int
    serial_number: str
    vendor: str
    product_line: str
    model: str
    site: str
    city: str
    postal_code: str
    region: str
    timezone: str

    def cell(self, column: str) -> str:
        value: str = getattr(self, column)
        return value


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: tuple[CsvRow, ...]
    errors: tuple[RowError, ...]


def _line_of(data: bytes, offset: int) -> int:
    """The line ``offset`` falls on, whichever line endings the file uses."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _decode(data: bytes | str) -> tuple[str, RowError | None]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        return "", RowError(
            line,
            "",
            "encoding",
            _("Le fichier doit être encodé en UTF-8 (caractère illisible ligne %(line)s).")
            % {"line": line},
        )


def _delimiter(header_line: str) -> str:
    # The header is known, so counting separators on it is more reliable than csv.Sniffer.
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def _control_error(line: int, column: str, character: str) -> RowError:
    return RowError(
        line,
        column,
        "control_character",
        _("La cellule contient un caractère de contrôle (%(character)s) : retirez-le.")
        % {"character": character},
    )


def _header_errors(header: list[str]) -> list[RowError]:
    for cell in header:
        character = control_character(cell)
        if character:  # reported alone: the other messages would quote the cell
            return [_control_error(1, "", character)]
    errors = [
        RowError(
            1,
            column,
            "unknown_column",
            _("Colonne inconnue : « %(column)s » (colonnes possibles : %(columns)s).")
            % {"column": column, "columns": ";".join(COLUMNS)},
        )
        for column in header
        if column not in COLUMNS
    ]
    errors.extend(
        RowError(
            1,
            column,
            "missing_column",
            _("Colonne obligatoire absente de l'en-tête : « %(column)s ».") % {"column": column},
        )
        for column in REQUIRED_COLUMNS
        if column not in header
    )
    errors.extend(
        RowError(1, column, "duplicate_column", _("Colonne en double : « %(c)s ».") % {"c": column})
        for column in sorted({c for c in header if header.count(c) > 1})
    )
    return errors


def _cell_errors(line: int, cells: dict[str, str]) -> list[RowError]:
    """Cells the portal will not store: a control character, or what a spreadsheet would run."""
    errors = []
    for column, cell in cells.items():
        character = control_character(cell)
        if character:
            errors.append(_control_error(line, column, character))
        elif is_formula(cell.strip()):
            quoted = single_line(cell)
            if len(quoted) > QUOTED_CELL:
                quoted = quoted[: QUOTED_CELL - 1] + "…"
            errors.append(
                RowError(
                    line,
                    column,
                    "formula",
                    _(
                        "La cellule « %(cell)s » commence par =, +, - ou @ : un tableur "
                        "l'exécuterait comme une formule. Retirez ce caractère."
                    )
                    % {"cell": quoted},
                )
            )
    return errors


def _file_error(line: int, code: str, message: str) -> ParsedFile:
    return ParsedFile(rows=(), errors=(RowError(line, "", code, message),))


def assets_csv_parse(data: bytes | str, *, max_rows: int = MAX_ROWS) -> ParsedFile:
    """Split the file into rows; report what is wrong with the file itself. No database.

    A problem with the file as a whole (too large, not UTF-8, empty, a bad header, too
    many rows, unreadable as CSV) leaves no rows; a line with the wrong number of cells
    or a cell the portal will not store is reported and left out, the others kept.
    """
    if isinstance(data, bytes) and len(data) > MAX_BYTES:
        return _file_error(
            0,
            "file_too_large",
            _("Le fichier dépasse %(mb)s Mo.") % {"mb": MAX_BYTES // (1024 * 1024)},
        )
    text, problem = _decode(data)
    if problem is not None:
        return ParsedFile(rows=(), errors=(problem,))
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return _file_error(
            1,
            "empty_file",
            _("Le fichier est vide : la première ligne doit être l'en-tête (%(columns)s).")
            % {"columns": ";".join(COLUMNS)},
        )

    # newline="": the reader sees the line endings as they are, CR alone included.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]))
    try:
        return _rows_of(reader, max_rows=max_rows)
    except csv.Error as error:  # e.g. a cell larger than the reader's limit
        return _file_error(
            reader.line_num,
            "unreadable",
            _("Le fichier n'est pas un CSV lisible à cette ligne (%(error)s).")
            % {"error": single_line(error, limit=200)},
        )


def _rows_of(reader: Reader, *, max_rows: int) -> ParsedFile:
    header = [h.strip().lower() for h in next(reader)]
    header_errors = _header_errors(header)
    if header_errors:
        return ParsedFile(rows=(), errors=tuple(header_errors))

    rows: list[CsvRow] = []
    errors: list[RowError] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                RowError(
                    line,
                    "",
                    "column_count",
                    ngettext(
                        "%(found)s valeur au lieu de %(expected)s.",
                        "%(found)s valeurs au lieu de %(expected)s.",
                        len(cells),
                    )
                    % {"found": len(cells), "expected": len(header)},
                )
            )
            continue
        raw = dict(zip(header, cells, strict=True))
        refused = _cell_errors(line, raw)
        if refused:
            errors.extend(refused)
            continue
        values = {h: c.strip() for h, c in raw.items()}
        rows.append(CsvRow(line, *(values.get(column, "") for column in COLUMNS)))
        if len(rows) > max_rows:
            too_many = _("Le fichier dépasse %(n)s équipements : découpez-le.") % {"n": max_rows}
            return ParsedFile(
                rows=(), errors=(*errors, RowError(line, "", "too_many_rows", too_many))
            )
    if not rows and not errors:
        return _file_error(2, "no_rows", _("Le fichier ne contient aucun équipement."))
    return ParsedFile(rows=tuple(rows), errors=tuple(errors))
