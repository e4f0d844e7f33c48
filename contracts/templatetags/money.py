"""Money, targets and coverage as the reader expects them: ``10 000,00 €`` in French.

Thin filters over ``servicone.presenters`` (money in the reader's language) and
``contracts.presenters`` (targets, durations, regions).
"""

from __future__ import annotations

from typing import Any

from django import template

from contracts import presenters
from servicone.presenters import format_eur

register = template.Library()

# ``reports.charts`` imports ``format_eur`` from here (until it reads it from servicone).
__all__ = ["format_eur", "register"]


@register.filter(name="eur")
def eur(amount: Any) -> str:
    return format_eur(amount)


@register.filter(name="hours")
def hours(value: int | None) -> str:
    return presenters.hours(value)


@register.filter(name="onsite_target")
def onsite_target(offering: Any) -> str:
    return presenters.onsite_target(offering)


@register.filter(name="coverage_label")
def coverage_label(offering: Any) -> str:
    return presenters.coverage_label(offering)


@register.filter(name="months")
def months(value: int | None) -> str:
    return presenters.months(value)


@register.filter(name="asset_label")
def asset_label(asset: Any) -> str:
    return presenters.asset_label(asset)


@register.filter(name="region_label")
def region_label(code: str | None) -> str:
    return presenters.region_label(code)
