"""The Celery application. The beat schedule lives in ``servicone/beat.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicone.settings")

app = Celery("servicone")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _redbeat_settings() -> None:
    # celery-redbeat looks for "redbeat_*" keys without the CELERY_ namespace: copy them.
    from django.conf import settings

    for key in ("redbeat_redis_url", "redbeat_redis_options", "redbeat_key_prefix"):
        value = getattr(settings, f"CELERY_{key.upper()}", None)
        if value is not None:
            app.conf[key] = value


_redbeat_settings()
app.autodiscover_tasks()

# The request id travels into tasks, and task counts and durations become metrics.
from servicone.observability import connect_celery_signals  # noqa: E402  (needs the app)

connect_celery_signals()


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **_: object) -> None:
    from servicone.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
