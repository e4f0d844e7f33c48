"""Filters of the core's pages."""

from __future__ import annotations

from django import template

from servicone.presenters import notification_title as _notification_title

register = template.Library()


@register.filter
def notification_title(subject: object) -> str:
    """« ServiceOne : votre niveau… » listed as « Votre niveau… »."""
    return _notification_title(str(subject or ""))
