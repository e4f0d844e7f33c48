"""Request bodies: JSON, with one rule for text shared with the CSV imports.

A string holding a control character (NUL, escape…; tabs and line breaks are fine) is
refused with a 400 naming the field, as the imports refuse such a cell line by line
(``servicone.text.control_character``): nothing stores text that would drive a terminal or
break a file that reads it later. ``refuse_control_characters`` applies the rule to a query
parameter a view reads by hand too (PostgreSQL cannot even compare a text holding NUL).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from servicone.text import control_character


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def refuse_control_characters(name: str, text: str) -> str:
    """``text`` as it is, or a 400 naming ``name`` (a body's field, a query parameter)."""
    found = control_character(text)
    if found:
        raise exceptions.ValidationError(
            {
                name: [
                    exceptions.ErrorDetail(
                        _("Caractère de contrôle (%(char)s) non accepté.") % {"char": found},
                        code="control_character",
                    )
                ]
            }
        )
    return text


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        for path, text in _strings(data, ""):
            refuse_control_characters(path or "non_field_errors", text)
        return data
