"""A contract's status badge and an asset's coverage cell, written in Python.

A contract list draws one status badge per row and a customer's page one coverage cell
per asset: as included templates they cost each row a template of its own.
``tests/contracts/test_badges.py`` holds them to the templates they replace.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_STATUS_CLASS = {"active": "ok", "quote": "info", "cancelled": "bad"}


@register.simple_tag
def contract_status(contract: Any) -> SafeString:
    """The contract's status, coloured: active, quote, cancelled (others plain)."""
    return format_html(
        '<span class="badge {}" data-testid="contract-status">{}</span>',
        _STATUS_CLASS.get(contract.status, ""),
        contract.get_status_display(),
    )


def until(day: Any) -> SafeString:
    """« jusqu'au 31/03/2027 », as ``blocktranslate`` writes it: the catalogue's text as is,
    the date escaped."""
    text = _("jusqu'au %(date)s") % {"date": escape(date_format(day, "SHORT_DATE_FORMAT"))}
    return mark_safe(text)  # noqa: S308 (our catalogue's own text; the one value is escaped)


@register.simple_tag
def coverage_cell(asset: Any) -> SafeString:
    """Each contract covering the asset today (``asset.in_force``), or « Non couvert »."""
    lines = [
        (
            _("Couvert"),
            reverse("contracts:detail", args=[c.contract_id]),
            c.contract.number,
            c.contract.offering.display_name,
            until(c.ends_on),
        )
        for c in asset.in_force
    ]
    if not lines:
        return format_html(
            '<span class="badge warn" data-testid="not-covered">{}</span>', _("Non couvert")
        )
    return format_html_join(
        "",
        '<div class="coverage-line" data-testid="coverage">\n'
        '  <span class="badge ok">{}</span>\n'
        '  <a href="{}">{}</a> · {}\n'
        '  <span class="muted small">{}</span>\n'
        "</div>",
        lines,
    )
