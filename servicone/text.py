"""Text that goes where a line break or a control character would change its meaning. Pure.

An e-mail header ends at the first line break: user text (a customer's name, a ticket's
summary) that reaches a subject must be one line, or a crafted name could add headers.
"""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")


def single_line(text: object, *, limit: int | None = None) -> str:
    """``text`` on one line: control characters and line breaks become one space, trimmed."""
    line = _SPACES.sub(" ", _CONTROL.sub(" ", str(text))).strip()
    return line[:limit] if limit is not None else line


def without_control_characters(text: object) -> str:
    """``text`` with NUL and other control characters removed, line breaks and tabs kept."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", str(text))


# What imported text may not hold: C0 controls but tab and line breaks, DEL, C1 controls.
_STRAY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character ``text`` holds (NUL, escape…) as ``U+001B``, or None.

    Tabs and line breaks are layout, not controls: they are allowed. The importers
    refuse a cell for which this answers, line by line, rather than store it or echo
    it (an escape sequence would drive the terminal that reads the report).
    """
    found = _STRAY_CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


# --- French elision ---------------------------------------------------------------------------
# "de" and "le" lose their vowel before a word that starts with one: « d'Ovesys », « l'Expert ».
# An "h" is left alone: an acronym (« de HP ») or an aspirated h is the common case in names.
_ELIDING = re.compile(r"[aeiouyàâäæéèêëîïôöœùûüÿ]", re.IGNORECASE)


def elides(word: str) -> bool:
    """``word`` takes « d' » / « l' » rather than « de » / « le » in French."""
    return _ELIDING.match(word.strip()) is not None


def french_de(word: str) -> str:
    """« de Concurrent SA », « d'Ovesys »."""
    return f"d'{word}" if elides(word) else f"de {word}"


def french_le(word: str) -> str:
    """« le niveau », « l'Expert »."""
    return f"l'{word}" if elides(word) else f"le {word}"
