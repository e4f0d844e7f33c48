"""The ticket table's rows written in Python (``ticket_row``) are the HTML their template wrote.

Every queue page draws 50 rows; the loop body of ``tickets/_table.html`` that drew them is
kept here, verbatim, as the reference. Only the white space between tags may differ.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone, translation

from contracts.models import Customer
from tests.conftest import between_tags
from tests.tickets.pages import NOW, cds_ticket, open_ticket
from tickets import lateness, presenters, selectors
from tickets.models import Ticket
from tickets.services import ticket_act

ROWS_TEMPLATE = """{% load i18n ticket_tags %}
  {% for row in rows %}{% with t=row.ticket %}
    <tr data-testid="ticket-row" data-ticket="{{ t.number }}" class="{% if not t.is_open %}closed{% endif %}">
      <td><a href="{% url 'tickets:detail' t.pk %}" data-testid="ticket-link">{{ t.number }}</a><br><span class="muted small">{{ t.summary|truncatechars:60 }}</span></td>
      <td class="num"><span class="sev sev-{{ t.severity }}">{{ t.severity }}</span></td>
      <td><span class="code">{{ t.asset.serial_number }}</span><br><span class="small">{{ t.customer.name }} · {{ t.site.name }} ({{ t.site.city }})</span></td>
      {% if show_partner %}<td>{{ t.partner.name }}</td>{% endif %}
      <td>{{ t.get_status_display }}{% if t.pause_reason %}<br><span class="muted small">{{ t.get_pause_reason_display }}</span>{% endif %}</td>
      <td>{% delivered_by t row.routing %}</td>
      <td><span class="badge{% if t.escalation_level > 1 %} warn{% endif %}">{% blocktranslate with level=t.escalation_level %}N{{ level }}{% endblocktranslate %}</span></td>
      {% if show_lateness %}<td data-testid="lateness">{% if row.lateness %}<span class="{% if row.lateness.overdue %}late{% else %}muted small{% endif %}">{{ row.lateness.label }}</span>{% else %}—{% endif %}</td>{% endif %}
      {% for c in row.targets %}<td>{% sla_countdown c %}</td>{% endfor %}
    </tr>
  {% endwith %}{% endfor %}
"""

ROWS_TAG = (
    "{% load ticket_tags %}{% for row in rows %}"
    "{% ticket_row row show_partner show_lateness %}{% endfor %}"
)


@pytest.fixture
def tickets(partner, partner_engineer):
    """Rows of every kind: open, paused with its reason, closed, CDS's, escalated, backed up
    by CDS, a long summary and names that need escaping, one with no SLA target pending."""
    with time_machine.travel(NOW - timedelta(hours=6), tick=False):
        plain = open_ticket(partner, partner_engineer)
        paused = open_ticket(partner, partner_engineer, severity=1)
        ticket_act(ticket=paused, action="acknowledge", actor=partner_engineer)
        ticket_act(ticket=paused, action="pause", actor=partner_engineer, reason="awaiting_parts")
        closed = open_ticket(partner, partner_engineer, severity=4)
        ticket_act(ticket=closed, action="acknowledge", actor=partner_engineer)
        ticket_act(ticket=closed, action="resolve", actor=partner_engineer, note="Fait")
        ticket_act(ticket=closed, action="close", actor=partner_engineer)
        cds = cds_ticket(partner, partner_engineer, severity=3)
    with time_machine.travel(NOW - timedelta(minutes=20), tick=False):
        fresh = open_ticket(partner, partner_engineer)
    Ticket.objects.filter(pk=plain.pk).update(
        escalation_level=2,
        cds_backup=True,
        summary='Disque <b>2</b> & « contrôleur » en panne depuis la mise à jour du "firmware" 4.2',
    )
    Customer.objects.filter(pk=cds.customer_id).update(name="Dupont & Fils <SARL>")
    return [plain, paused, closed, cds, fresh]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("show_partner", "show_lateness"), [(False, False), (True, True)])
def test_the_rows_are_what_their_template_wrote(tickets, language, show_partner, show_lateness):
    with time_machine.travel(NOW, tick=False), translation.override(language):
        queued = list(
            selectors.with_queue_data(Ticket.objects.filter(pk__in=[t.pk for t in tickets]))
        )
        rows = lateness.cds_queue_context(queued, timezone.now())["rows"]
        context = {"rows": rows, "show_partner": show_partner, "show_lateness": show_lateness}
        reference = Template(ROWS_TEMPLATE).render(Context(context))
        written = Template(ROWS_TAG).render(Context(context))
    assert between_tags(written) == between_tags(reference)
    # The kinds of rows the reference covers.
    assert reference.count('data-testid="ticket-row"') == 5
    for seen in ("closed", "cds-backup", "badge warn", "&lt;b&gt;2&lt;/b&gt;", "Dupont &amp; Fils"):
        assert seen in reference, seen
    if show_lateness:
        assert 'class="late"' in reference
        assert '<td data-testid="lateness">—</td>' in between_tags(reference)


def test_plain_rows_without_lateness_are_what_their_template_wrote(tickets):
    """The partner queue's rows (``presenters.Row``, no lateness attribute)."""
    with time_machine.travel(NOW, tick=False):
        queued = selectors.with_queue_data(Ticket.objects.filter(pk__in=[t.pk for t in tickets]))
        context = {"rows": presenters.rows(queued, timezone.now()), "show_partner": False}
        reference = Template(ROWS_TEMPLATE).render(Context(context))
        written = Template(ROWS_TAG).render(Context(context))
    assert between_tags(written) == between_tags(reference)
