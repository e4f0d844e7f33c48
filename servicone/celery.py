"""The Celery application. The beat schedule lives in ``servicone/beat.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicone.settings")

app = Celery("servicone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **_: object) -> None:
    from servicone.beat import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
