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
