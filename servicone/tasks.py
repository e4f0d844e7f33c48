"""Infrastructure tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="servicone.tasks.ping")
def ping() -> dict[str, str]:
    """Answer with the database the worker is connected to (read by CI's log)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {
        "pong": "ok",
        "database": connection.vendor,
        "name": str(connection.settings_dict["NAME"]),
    }
