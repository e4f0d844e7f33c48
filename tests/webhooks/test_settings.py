"""The webhook settings: https only in production, the operator's networks."""

from __future__ import annotations

import json

from tests.servicone.test_production import PRODUCTION, run

SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.WEBHOOK_HTTPS_ONLY, settings.WEBHOOK_ALLOWED_NETWORKS]))"
)


def test_production_sends_webhooks_to_https_only_and_no_private_network_by_default():
    result = run(["-c", SHOW], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, []]


def test_the_operator_names_the_networks_its_receivers_are_on():
    result = run(
        ["-c", SHOW], **PRODUCTION, WEBHOOK_ALLOWED_NETWORKS="10.20.0.0/16, 192.168.5.0/24"
    )
    assert json.loads(result.stdout) == [True, ["10.20.0.0/16", "192.168.5.0/24"]]


def test_a_development_server_may_send_to_http():
    result = run(["-c", SHOW], DEBUG="1")
    assert json.loads(result.stdout)[0] is False
