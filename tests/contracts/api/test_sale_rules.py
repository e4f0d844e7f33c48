"""contracts/: the sale's rules, the same the sell flow's steps check."""

from __future__ import annotations

from contracts.models import Contract
from tests.contracts.api.helpers import API, codes, sale


def test_a_start_thousands_of_years_ahead_is_400_naming_the_date_not_a_crash(sales_api, asset):
    response = sales_api.post(
        f"{API}/contracts/", sale(asset, starts_on="9999-12-01"), format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("starts_on", "start_too_late")]
    assert not Contract.objects.exists()


def test_a_3par_pack_on_a_proliant_is_400_product_line_not_covered(sales_api, asset):
    response = sales_api.post(f"{API}/contracts/", sale(asset, "CP-3PAR-4H-24X7"), format="json")

    assert response.status_code == 400
    assert codes(response) == [("assets", "product_line_not_covered")]
