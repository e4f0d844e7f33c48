"""Money, targets and coverage as the reader expects them: ``10 000,00 €`` in French.

The formatting itself lives in ``servicone.money`` (one definition for the pages, the
API and the notifications); ``servicone.presenters`` picks the language.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicone.presenters import format_eur

register = template.Library()


@register.filter(name="eur")
def eur(amount: Any) -> str:
    return format_eur(amount)


@register.filter(name="hours")
def hours(value: int | None) -> str:
    """A target in hours: ``4 h``; no target: ``—``."""
    if value is None:
        return "—"
    return _("%(n)s h") % {"n": value}


@register.filter(name="onsite_target")
def onsite_target(offering: Any) -> str:
    """The on-site target of an offering: ``4 h`` or « J+1 ouvré »."""
    if getattr(offering, "onsite_next_business_day", False):
        return _("J+1 ouvré")
    return hours(getattr(offering, "onsite_hours", None))


@register.filter(name="coverage_label")
def coverage_label(offering: Any) -> str:
    """One line for a service level: ``24x7 · prise en charge 2 h · sur site 4 h · …``."""
    parts = [offering.coverage]
    parts.append(_("prise en charge %(t)s") % {"t": hours(offering.response_hours)})
    if offering.onsite_next_business_day or offering.onsite_hours is not None:
        parts.append(_("sur site %(t)s") % {"t": onsite_target(offering)})
    if offering.resolution_hours is not None:
        parts.append(_("remise en service %(t)s") % {"t": hours(offering.resolution_hours)})
    return " · ".join(str(p) for p in parts)


@register.filter(name="months")
def months(value: int | None) -> str:
    if value is None:
        return "—"
    if value % 12 == 0:
        years = value // 12
        return ngettext("%(n)s an", "%(n)s ans", years) % {"n": years}
    return ngettext("%(n)s mois", "%(n)s mois", value) % {"n": value}


@register.filter(name="region_label")
def region_label(code: str | None) -> str:
    """A public-holiday subdivision as people know it: ``57 — Moselle``; "" is the metropole."""
    from contracts.forms import REGION_LABELS

    return str(REGION_LABELS.get(code or "", code))
