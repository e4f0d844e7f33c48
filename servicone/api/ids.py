"""Ids read from the outside (query strings, URLs, bodies): one rule for the API and the pages.

An id is a whole number from 1 to ``MAX_ID``, written with ASCII digits. Anything else
is refused before it reaches the database: a bigger number (``2**70``) made SQLite raise
``OverflowError`` (a 500) on foreign-key and ``__in`` look-ups, which Django does not
bound-check the way it does a primary key's ``=``. The API answers a 400 in its error
format naming the parameter (code ``invalid``); a page treats such an id as not found.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# The widest id column there is: a signed 64-bit integer (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))

INVALID_ID = _("Identifiant invalide : un nombre entier positif est attendu.")


def parse_id(value: object) -> int | None:
    """``value`` as an id (an ``int``, or text of ASCII digits, 1 to ``MAX_ID``); else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        digits = value.strip()
        # isascii first: str.isdigit also accepts "²" and other digits int() refuses.
        if not (digits.isascii() and digits.isdigit()):
            return None
        digits = digits.lstrip("0") or "0"
        if len(digits) > _MAX_DIGITS:  # never hand int() a megabyte of digits
            return None
        number = int(digits)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def looks_like_id(value: str) -> bool:
    """Digits only: an id (valid or not) rather than a code, for "id or code" parameters."""
    text = value.strip()
    return text.isascii() and text.isdigit()


class IdField(forms.Field):
    """A form field for an id (``None`` when empty); anything else is invalid."""

    default_error_messages = {"invalid": INVALID_ID}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdOrCodeField(forms.CharField):
    """An id or a code: digits must make a valid id, anything else is kept as a code."""

    default_error_messages = {"invalid": INVALID_ID}

    def to_python(self, value: Any) -> str:
        text: str = super().to_python(value) or ""
        if looks_like_id(text) and parse_id(text) is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return text


class ApiIdField(serializers.IntegerField):
    """An id in a request (body or query serializer): 400 ``invalid`` unless 1 to ``MAX_ID``."""

    default_error_messages = {"invalid": INVALID_ID}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        number = parse_id(data)
        if number is None:
            self.fail("invalid")
        assert number is not None  # fail() raised otherwise
        return number
