"""Text that goes where a control character would change its meaning."""

from __future__ import annotations

import pytest

from servicone.text import control_character


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Kervénic\x00", "U+0000"),
        ("\x1b[2J", "U+001B"),
        ("a\x07b\x00", "U+0007"),
        ("DEL\x7f", "U+007F"),
        ("C1\x85", "U+0085"),
        ("C1\x9f", "U+009F"),
    ],
)
def test_a_control_character_is_named_by_its_code_point(text, found):
    assert control_character(text) == found


@pytest.mark.parametrize(
    "text", ["", "Hôpital Saint-Louis", "tab\tand\nline\r\nbreaks", "12\u202f500 €", "« »"]
)
def test_plain_text_tabs_and_line_breaks_hold_no_control_character(text):
    assert control_character(text) is None
