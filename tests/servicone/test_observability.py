"""What operations sees: request ids, /metrics (closed to the public), /readyz."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicone.models import Notification
from servicone.observability import (
    RequestIdLogFilter,
    _request_id,
    on_before_task_publish,
    on_task_postrun,
    on_task_prerun,
)
from servicone.tasks import ping
from tests.tickets.factories import covered_asset
from tickets.models import SlaTarget
from tickets.services import ticket_open

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=PARIS)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdLogFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def django_request_log():
    handler = Collect()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_every_response_carries_a_request_id_and_its_log_lines_share_it(
    db, client, django_request_log
):
    response = client.get("/api/v1/no-such-thing/")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert [(r.getMessage(), r.request_id) for r in django_request_log] == [
        ("Not Found: /api/v1/no-such-thing/", request_id)
    ]
    assert client.get("/healthz")["X-Request-ID"] != request_id


def test_a_well_formed_request_id_from_the_proxy_is_kept_and_a_malformed_one_replaced(db, client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>x</script>")

    assert kept["X-Request-ID"] == "lb-7f3a9c21"
    assert replaced["X-Request-ID"] != "<script>x</script>"
    assert len(replaced["X-Request-ID"]) == 32


def test_a_task_queued_during_a_request_carries_its_id_into_the_worker():
    class Request:
        id = "task-1"
        request_id = None
        headers = None

    class Task:
        name = "servicone.tasks.ping"
        request = Request()

    headers: dict[str, str] = {}
    token = _request_id.set("req-0123456789")
    try:
        on_before_task_publish(headers=headers)
    finally:
        _request_id.reset(token)
    assert headers == {"request_id": "req-0123456789"}

    # In the worker: the header comes back as the task request's attribute.
    Task.request.request_id = headers["request_id"]
    on_task_prerun(task=Task())
    assert _request_id.get() == "req-0123456789"
    on_task_postrun(task=Task(), state="SUCCESS")
    assert _request_id.get() is None


@pytest.mark.worker
def test_a_real_worker_logs_and_answers_with_the_id_of_the_request_that_queued_the_task(
    celery_worker,
):
    token = _request_id.set("req-from-the-web-42")
    try:
        sent = ping.delay()
    finally:
        _request_id.reset(token)

    assert celery_worker.result(sent)["request_id"] == "req-from-the-web-42"


# --- /metrics -------------------------------------------------------------------------


def test_metrics_are_closed_to_the_public(db, client, settings):
    settings.METRICS_TOKEN = "s3cret-scraper-token"

    outside = client.get("/metrics", REMOTE_ADDR="203.0.113.5")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer not-it")
    with_token = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token"
    )
    from_loopback = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert (outside.status_code, wrong.status_code) == (403, 403)
    assert (with_token.status_code, from_loopback.status_code) == (200, 200)


def test_a_forwarded_header_does_not_open_the_metrics(db, client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 403


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_metrics_show_request_latency_by_view_tasks_and_the_outbox(db, client, partner_admin):
    client.get("/healthz")
    Notification.objects.create(
        recipient=partner_admin, kind="test", dedup_key="k1", subject="s", body="b"
    )
    ping.delay()  # eager in this test: counted like a worker's task

    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    assert (
        'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="healthz"}'
        in text
    )
    assert (
        metric(
            text, 'servicone_celery_tasks_total{outcome="succeeded",task="servicone.tasks.ping"}'
        )
        >= 1
    )
    assert "servicone_celery_task_duration_seconds_bucket" in text
    assert metric(text, "servicone_email_outbox_backlog") == 1


def test_the_sla_sweep_lag_is_the_age_of_the_oldest_due_event_not_fired(db, client, partner):
    with time_machine.travel(NOW, tick=False):
        asset = covered_asset(partner)
        ticket_open(asset=asset, severity=1, kind="incident", summary="Panne", actor=None)
        idle = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    first_due = min(t.next_event_at for t in SlaTarget.objects.exclude(next_event_at=None))

    # Nothing fired since: two minutes after the first event was due, the lag is 120 s.
    with time_machine.travel(first_due + timedelta(minutes=2), tick=False):
        late = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    assert metric(idle, "servicone_sla_sweep_lag_seconds") == 0
    assert metric(late, "servicone_sla_sweep_lag_seconds") == 120


# --- /readyz --------------------------------------------------------------------------


def test_readyz_is_ready_when_database_broker_cache_and_migrations_are(db, client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {name: body[name]["ok"] for name in ("database", "broker", "cache", "migrations")} == {
        "database": True,
        "broker": True,
        "cache": True,
        "migrations": True,
    }


def test_readyz_is_not_ready_while_a_migration_is_pending(db, client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)])
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["migrations"] == {"ok": False, "detail": "1 pending"}


def test_readyz_is_not_ready_when_the_broker_is_down(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
