"""The sales panel of the home page."""

from __future__ import annotations

import re
from datetime import timedelta

from contracts.models import Contract
from tests.contracts.factories import asset_of
from tests.contracts.views.helpers import TODAY, html, sell


def test_the_sales_home_lists_contracts_ending_soon_and_links_to_sell(sales, seller, proliant):
    contract = sell(seller, proliant)
    Contract.objects.filter(pk=contract.pk).update(ends_on=TODAY + timedelta(days=30))
    later = sell(seller, asset_of(seller))
    page = html(sales.get("/"))
    panel = re.search(r'data-testid="ending-soon-panel".*?</section>', page, re.S).group(0)
    assert contract.number in panel
    assert later.number not in panel
    assert 'href="/contracts/sell/"' in panel
    assert "Programme ServiceOne" in page  # the programme panel stays
