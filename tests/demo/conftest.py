"""The demo, seeded once for the whole ``tests/demo`` package (per test process).

``seed_demo`` writes a year of programme, sales and tickets (about 25 s): the tests of this
package read it, each inside its own transaction, and the seed's transaction is rolled
back when the package is done. It is seeded on 2 December 2026: the twelve months from
December 2025 to November 2026 are full, December has begun.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from tests.conftest import rolled_back_at

SEEDED_AT = datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(scope="package")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with rolled_back_at(SEEDED_AT, django_db_blocker):
        call_command("seed_demo", "--quiet-logins")
        yield


@pytest.fixture
def demo(seeded: Any, db: Any) -> Iterator[None]:
    """The seeded demo, the clock still on the seeding day."""
    with time_machine.travel(SEEDED_AT, tick=False):
        yield
