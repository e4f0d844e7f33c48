"""What operations sees: a request id on every log line (web and Celery), and metrics.

- ``RequestIdMiddleware`` gives each request an id (or keeps a well-formed one set by our
  proxy), answers it in ``X-Request-ID`` and keeps it in a context variable that the log
  filter adds to every line. Tasks queued while the request runs carry it in a message
  header; the worker restores it around the task, so a request's lines and its tasks'
  lines share the id.
- Celery task counts, failures and durations are Prometheus metrics (in the worker's
  process; with ``PROMETHEUS_MULTIPROC_DIR`` shared with the web processes of the same
  machine they appear in its ``/metrics``).
- Gauges that only the database knows (the SLA sweep's lag, the e-mail outbox backlog)
  are computed when Prometheus scrapes: apps register them with ``register_scrape``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "servicone_request_id", default=None
)


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Every request gets an id: in the log lines, the response header and queued tasks.

    The id stays set until Django sends ``request_finished`` (after its own "Not Found" or
    "Server Error" log line, which is written outside the middleware chain).
    """

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        incoming = str(request.META.get(REQUEST_ID_HEADER, ""))
        # A proxy's id is kept so its access log and ours line up; anything malformed
        # (a client can send the header too) is replaced rather than logged as is.
        request_id = incoming if _WELL_FORMED.fullmatch(incoming) else new_request_id()
        request.request_id = request_id
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _forget_request_id(**_: Any) -> None:
    _request_id.set(None)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` (``-`` outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


# --- Celery: the request id travels with the task, and task metrics -------------------------

TASKS = Counter(
    "servicone_celery_tasks_total",
    "Celery tasks run, by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
TASK_SECONDS = Histogram(
    "servicone_celery_task_duration_seconds",
    "Time a Celery task took to run, by task name.",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
_TASK_CONTEXT_ATTR = "_servicone_request_token"
_TASK_STARTED = "_servicone_started"


def on_before_task_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = _request_id.get()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


def on_task_prerun(task: Any = None, **_: Any) -> None:
    if task is None:
        return
    request_id = getattr(task.request, "request_id", None)
    if request_id is None:
        headers = getattr(task.request, "headers", None) or {}
        request_id = headers.get("request_id") if isinstance(headers, dict) else None
    # An eager task runs inside the request and already has its id.
    token = _request_id.set(request_id or _request_id.get() or f"task-{task.request.id}")
    setattr(task.request, _TASK_CONTEXT_ATTR, token)
    setattr(task.request, _TASK_STARTED, time.monotonic())


def on_task_postrun(task: Any = None, state: str | None = None, **_: Any) -> None:
    if task is None:
        return
    started = getattr(task.request, _TASK_STARTED, None)
    if started is not None:
        TASK_SECONDS.labels(task.name).observe(time.monotonic() - started)
    if state == "SUCCESS":
        TASKS.labels(task.name, "succeeded").inc()
    token = getattr(task.request, _TASK_CONTEXT_ATTR, None)
    if token is not None:
        try:
            _request_id.reset(token)
        except ValueError:  # set in another context (a pool thread): nothing to undo
            _request_id.set(None)


def on_task_failure(sender: Any = None, **_: Any) -> None:
    TASKS.labels(getattr(sender, "name", "unknown"), "failed").inc()


def on_task_retry(sender: Any = None, **_: Any) -> None:
    TASKS.labels(getattr(sender, "name", "unknown"), "retried").inc()


def connect_request_signals() -> None:
    from django.core.signals import request_finished

    request_finished.connect(_forget_request_id, dispatch_uid="servicone-request-id")


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(on_before_task_publish, weak=False)
    signals.task_prerun.connect(on_task_prerun, weak=False)
    signals.task_postrun.connect(on_task_postrun, weak=False)
    signals.task_failure.connect(on_task_failure, weak=False)
    signals.task_retry.connect(on_task_retry, weak=False)


# --- Gauges read from the database when Prometheus scrapes ----------------------------------

ScrapeGauge = Callable[[], Iterable[Metric]]
_SCRAPE: list[ScrapeGauge] = []


def register_scrape(gauge: ScrapeGauge) -> None:
    """Add a function that yields metric families computed at scrape time (from the DB)."""
    if gauge not in _SCRAPE:
        _SCRAPE.append(gauge)


def scrape_gauges() -> Iterator[Metric]:
    failed: list[str] = []
    for gauge in _SCRAPE:
        try:
            # Materialised first: a gauge failing half-way yields nothing rather than part.
            families = list(gauge())
        except Exception:  # a failing gauge must not take /metrics down with it
            logging.getLogger(__name__).exception("scrape gauge %s failed", gauge.__name__)
            failed.append(gauge.__name__)
            continue
        yield from families
    errors = GaugeMetricFamily(
        "servicone_scrape_gauge_failed",
        "1 for a scrape-time gauge that could not be read on this scrape.",
        labels=["gauge"],
    )
    for name in failed:
        errors.add_metric([name], 1)
    yield errors


def outbox_backlog() -> Iterator[Metric]:
    """E-mails written but not sent yet, and the age of the oldest (seconds)."""
    from django.db.models import Min
    from django.utils import timezone

    from servicone.models import DIGEST_FREQUENCIES, Notification
    from servicone.notify import PORTAL_ONLY_KINDS
    from servicone.outbox import EMAIL_MAX_ATTEMPTS

    # Held for someone's hourly or daily digest is not a backlog: they wait by choice.
    pending = (
        Notification.objects.filter(
            email_sent_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS
        )
        .exclude(kind__in=PORTAL_ONLY_KINDS)
        .exclude(recipient__notification_preference__email_frequency__in=DIGEST_FREQUENCIES)
    )
    summary = pending.aggregate(oldest=Min("created_at"))
    count = GaugeMetricFamily(
        "servicone_email_outbox_backlog", "Notification e-mails waiting to be sent."
    )
    count.add_metric([], pending.count())
    yield count
    age = GaugeMetricFamily(
        "servicone_email_outbox_oldest_seconds",
        "Age of the oldest notification e-mail not sent yet (0 when none).",
    )
    oldest = summary["oldest"]
    age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
    yield age
