"""The portal's Celery app with a one-entry, fast schedule, for the beat fail-over test.

``celery -A tests.servicone.beat_app beat`` runs the real scheduler (celery-redbeat on
Redis) with the real settings; only the schedule and the queue its messages go to differ,
so the test can count what each beat sends without a worker consuming it.
"""

import os

from servicone.celery import app

app.finalize()  # installs the production schedule (on_after_finalize), replaced below
app.conf.beat_schedule = {
    "beat-test-ping": {
        "task": "servicone.tasks.ping",
        "schedule": float(os.environ["BEAT_TEST_INTERVAL"]),
    }
}
app.conf.task_default_queue = os.environ["BEAT_TEST_QUEUE"]

__all__ = ["app"]
