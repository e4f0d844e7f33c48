"""Probes for load balancers, orchestrators and Prometheus.

- ``/healthz``: liveness, and whether the database and the broker answer.
- ``/readyz``: ready for traffic: database, broker and cache answer, and no migration is
  pending (a web process started before ``migrate`` ran is not ready).
- ``/metrics``: Prometheus metrics, for a scraper holding ``METRICS_TOKEN`` or coming from
  ``METRICS_ALLOWED_NETWORKS`` (loopback by default); anyone else gets 403.
"""

from __future__ import annotations

import hmac
import os
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from servicone.net import client_ip, ip_in
from servicone.observability import scrape_gauges


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not reachable"
        return False, exc.__class__.__name__
    return True, connection.vendor


def check_broker() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    try:
        with Connection(
            url,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:  # any failure means "not reachable"
        return False, exc.__class__.__name__
    return True, str(transport)


@never_cache
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    body = {
        "status": "ok" if db_ok and broker_ok else "unavailable",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
    }
    return JsonResponse(body, status=200 if db_ok and broker_ok else 503)


def check_cache() -> tuple[bool, str]:
    key = f"servicone:readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:  # any failure means "not reachable"
        return False, exc.__class__.__name__
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return ok, backend if ok else "value not read back"


def check_migrations() -> tuple[bool, str]:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # the database is down: check_database says so
        return False, exc.__class__.__name__
    if plan:
        return False, f"{len(plan)} pending"
    return True, "up to date"


@never_cache
@login_not_required
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "cache": check_cache(),
        "migrations": check_migrations(),
    }
    ready = all(ok for ok, _ in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "unavailable"}
    body.update({name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()})
    return JsonResponse(body, status=200 if ready else 503)


class _Everything:
    """One collector for a scrape: the process's (or all processes') metrics, then the
    gauges read from the database."""

    def collect(self):
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            shared = CollectorRegistry()
            multiprocess.MultiProcessCollector(shared)
            yield from shared.collect()
        else:
            yield from REGISTRY.collect()
        yield from scrape_gauges()


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return ip_in(client_ip(request), settings.METRICS_NETWORKS)


@never_cache
@login_not_required
def metrics(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Everything())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
