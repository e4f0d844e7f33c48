"""The contract badges written in Python (``contract_badges``) are the HTML their templates wrote.

A contract list draws a status badge per row, a customer's page a coverage cell per asset;
they were included templates, now simple tags. The templates they replaced are kept here,
verbatim, as the reference (only the white space between tags may differ).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from contracts.models import Contract
from contracts.templatetags.contract_badges import contract_status, coverage_cell
from tests.conftest import between_tags

CONTRACT_STATUS_TEMPLATE = (
    "{% load i18n %}<span class=\"badge {% if contract.status == 'active' %}ok{% elif "
    "contract.status == 'quote' %}info{% elif contract.status == 'cancelled' %}bad{% endif %}\" "
    'data-testid="contract-status">{{ contract.get_status_display }}</span>\n'
)
COVERAGE_CELL_TEMPLATE = """{% load i18n %}{% for c in asset.in_force %}<div class="coverage-line" data-testid="coverage">
  <span class="badge ok">{% translate "Couvert" %}</span>
  <a href="{% url 'contracts:detail' c.contract_id %}">{{ c.contract.number }}</a> · {{ c.contract.offering.display_name }}
  <span class="muted small">{% blocktranslate with date=c.ends_on|date:"SHORT_DATE_FORMAT" %}jusqu'au {{ date }}{% endblocktranslate %}</span>
</div>{% empty %}<span class="badge warn" data-testid="not-covered">{% translate "Non couvert" %}</span>{% endfor %}
"""


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("status", [*Contract.Status.values, "unknown"])
def test_the_status_badge_is_what_its_template_wrote(language, status):
    contract = Contract(status=status)
    with translation.override(language):
        reference = Template(CONTRACT_STATUS_TEMPLATE).render(Context({"contract": contract}))
        assert str(contract_status(contract)) == reference.rstrip("\n")


def _coverage(pk, number, offering, ends_on):
    contract = SimpleNamespace(number=number, offering=SimpleNamespace(display_name=offering))
    return SimpleNamespace(contract_id=pk, contract=contract, ends_on=ends_on)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "in_force",
    [
        [],
        [_coverage(7, "CT-2026-000007", "Care Pack 4 h 24x7", date(2027, 3, 31))],
        [
            _coverage(7, "CT-2026-000007", "Care Pack <4 h> & « 24x7 »", date(2027, 3, 31)),
            _coverage(12, "CT-2026-000012", "Contrat de service", date(2029, 12, 1)),
        ],
    ],
)
def test_the_coverage_cell_is_what_its_template_wrote(language, in_force):
    asset = SimpleNamespace(in_force=in_force)
    with translation.override(language):
        reference = Template(COVERAGE_CELL_TEMPLATE).render(Context({"asset": asset}))
        written = str(coverage_cell(asset))
    assert between_tags(written) == between_tags(reference)
    assert written.count('data-testid="coverage"') == len(in_force)
