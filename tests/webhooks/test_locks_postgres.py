"""On PostgreSQL: every change to an endpoint locks its row, a programme-wide endpoint's too
(no partner: the partner is an outer join, which ``FOR UPDATE`` may not lock)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.webhooks.factories import endpoint
from webhooks.models import Endpoint
from webhooks.services import (
    delivery_redeliver,
    endpoint_delete,
    endpoint_disable,
    endpoint_disable_failing,
    endpoint_ping,
    endpoint_rotate_secret,
    endpoint_update,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.mark.parametrize("whose", ["partner", "programme"])
def test_each_change_locks_the_endpoint_whether_a_partners_or_programme_wide(
    whose, partner, partner_admin, programme_manager
):
    owner, actor = (partner, partner_admin) if whose == "partner" else (None, programme_manager)
    hook, _secret = endpoint(actor, owner)

    endpoint_update(endpoint=hook, actor=actor, description="Service desk")
    endpoint_rotate_secret(endpoint=hook, actor=actor)
    delivery = endpoint_ping(endpoint=hook, actor=actor)
    delivery_redeliver(delivery=delivery, actor=actor)
    assert endpoint_disable_failing(endpoint_id=hook.pk, now=timezone.now()) is True
    endpoint_update(endpoint=hook, actor=actor, active=True)
    endpoint_disable(endpoint=hook, actor=actor)
    hook.refresh_from_db()
    assert (hook.active, hook.description) == (False, "Service desk")

    endpoint_delete(endpoint=hook, actor=actor)
    assert not Endpoint.objects.filter(pk=hook.pk).exists()
