"""Webhook tests: time frozen (signatures carry it), loopback allowed where a test says."""

from __future__ import annotations

import pytest
import time_machine

from tests.webhooks.factories import NOW


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def loopback(settings):
    """The operator's setting that lets webhooks reach 127.0.0.1 (tests' receivers)."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
