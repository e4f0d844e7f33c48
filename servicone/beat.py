"""The one place that holds the periodic schedule (Celery beat), one entry a job.

Each entry says why it runs when it does. Tasks take no arguments or ids only,
re-check state themselves and are safe to run twice.
"""

from __future__ import annotations

BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
