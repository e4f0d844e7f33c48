"""The ticket badges written in Python (``ticket_tags``) are the HTML their templates wrote.

A queue page draws four badges per row; they were included templates, now simple tags.
The templates they replaced are kept here, verbatim, as the reference.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from tickets.presenters import Countdown
from tickets.templatetags.ticket_tags import delivered_by, sla_countdown

COUNTDOWN_TEMPLATE = (
    '{% if c %}<span class="badge sla state-{{ c.state }}" data-countdown '
    'data-target="{{ c.kind }}" data-state="{{ c.state }}" data-due="{{ c.due_iso }}" '
    'data-warn="{{ c.warn_iso }}" data-enforced="{{ c.enforced|yesno:\'1,0\' }}"'
    '{% if testid %} data-testid="{{ testid }}"{% endif %} title="{{ c.title }}">'
    '<span class="sla-value">{{ c.text }}</span></span>{% else %}'
    '<span class="muted">—</span>{% endif %}\n'
)
DELIVERED_BY_TEMPLATE = (
    '{% load i18n %}<span class="badge org org-{{ t.delivered_by }}" '
    'data-testid="delivered-by" title="{{ routing }}">{% if t.delivered_by == "cds" %}'
    '{% translate "CDS" %}{% else %}{% translate "Partenaire" %}{% endif %}</span>'
    '{% if t.cds_backup %} <span class="badge bad" data-testid="cds-backup" '
    "title=\"{% translate 'Délai dépassé : le CDS épaule le partenaire (HP garantit le "
    'service).\' %}">{% translate "renfort CDS" %}</span>{% endif %}\n'
)


def _countdown(**changes):
    values = {
        "kind": "response",
        "label": "Prise en charge",
        "state": "running",
        "text": "1 h 59 min",
        "due_iso": "2026-11-26T12:00:00+01:00",
        "warn_iso": "2026-11-26T11:30:00+01:00",
        "enforced": True,
        "live": True,
        "title": "Échéance : 26/11/2026 12:00 <Paris> & « site »",
    }
    return Countdown(**{**values, **changes})


@pytest.mark.parametrize(
    "countdown",
    [
        None,
        _countdown(),
        _countdown(state="breached", text="Dépassé", enforced=False),
        _countdown(state="met", warn_iso="", text='<b>"Respecté"</b>'),
    ],
)
@pytest.mark.parametrize("testid", ["", "countdown-onsite"])
def test_the_countdown_badge_is_what_its_template_wrote(countdown, testid):
    reference = Template(COUNTDOWN_TEMPLATE).render(Context({"c": countdown, "testid": testid}))
    assert str(sla_countdown(countdown, testid)) == reference.rstrip("\n")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("organisation", ["partner", "cds"])
@pytest.mark.parametrize("backup", [False, True])
def test_the_delivered_by_badge_is_what_its_template_wrote(language, organisation, backup):
    ticket = SimpleNamespace(delivered_by=organisation, cds_backup=backup)
    routing = "Contrat livré par le CDS <3PAR> & « complexe »"
    with translation.override(language):
        reference = Template(DELIVERED_BY_TEMPLATE).render(
            Context({"t": ticket, "routing": routing})
        )
        assert str(delivered_by(ticket, routing)) == reference.rstrip("\n")
