"""A real Celery worker process executes a task through the configured broker."""

from __future__ import annotations

import pytest
from django.db import connection

from servicone.tasks import ping


@pytest.mark.worker
def test_a_real_worker_runs_a_task_on_the_test_database(celery_worker):
    result = celery_worker.result(ping.delay())
    assert result["pong"] == "ok"
    assert result["database"] == connection.vendor
    assert result["name"] == str(connection.settings_dict["NAME"])
    celery_worker.evidence.append(
        f"a separate worker process ran servicone.tasks.ping through {celery_worker.broker} "
        f"on {result['database']} database {result['name']}"
    )
