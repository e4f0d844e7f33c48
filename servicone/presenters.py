"""Presentation shared by every app: the reader's language and money in it.

Apps build their labels and view models in their own ``presenters.py`` on top of these.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language

from servicone.money import format_eur_in

EMPTY = "—"


def active_language() -> str:
    """The two-letter code of the language being rendered ("fr" unless English is active)."""
    return (get_language() or "fr").split("-", 1)[0].lower()


def is_english() -> bool:
    return active_language() == "en"


def format_eur(amount: Any) -> str:
    """Money in the reader's language: ``10 000,00 €`` or ``10,000.00 EUR``; nothing: ``—``."""
    if amount is None or amount == "":
        return EMPTY
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    return format_eur_in(value, active_language())


# E-mail subjects start with the portal's name, which an inbox needs; in the portal, where
# every page says it, a list of notifications each starting « ServiceOne : » only repeats it.
_BRAND = re.compile(r"^\s*ServiceOne\s*:\s*")


def notification_title(subject: str) -> str:
    """A notification's subject as the portal lists it: without the leading « ServiceOne : »."""
    return _BRAND.sub("", subject, count=1) or subject
