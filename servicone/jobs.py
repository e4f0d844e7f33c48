"""Queueing background work from services, and tasks that continue themselves.

Services name the task they queue (``"partners.tasks.evaluate_partner_tier"``) rather
than import it: a task module imports its services, so the reverse import would be a
cycle. The name is looked up in the Celery app's registry, so eager mode (tests) and
routing behave exactly as ``task.delay`` would.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)


def task_named(task_name: str) -> Any:
    """The registered task ``task_name``; the apps' ``tasks`` modules are imported the
    first time one is asked for (a worker imports them at start, a web process not)."""
    tasks = current_app.tasks
    if task_name not in tasks:
        current_app.loader.import_default_modules()
    return tasks[task_name]


def enqueue(task_name: str, *args: Any, **options: Any) -> Any:
    """Send the registered task ``task_name`` now (``options`` as for ``apply_async``)."""
    return task_named(task_name).apply_async(args, **options)


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Send ``task_name`` once the current transaction commits (never for a rollback)."""
    transaction.on_commit(lambda: enqueue(task_name, *args))


def requeue(task: Any, *, invocation: int, **kwargs: Any) -> bool:
    """Queue ``task`` again for the rest of its work, carrying how many runs came before.

    A batch job that keeps finding work (a bug, or a flood) would otherwise re-queue
    itself forever; after ``TASK_REQUEUE_LIMIT`` runs in a row it stops and leaves the
    rest to its next scheduled run. ``kwargs`` are the task's own arguments, passed on.
    Returns whether it was queued.
    """
    if invocation >= settings.TASK_REQUEUE_LIMIT:
        log.warning(
            "%s stopped after %d runs in a row; its next scheduled run goes on",
            task.name,
            invocation,
        )
        return False
    task.apply_async(kwargs={**kwargs, "invocation": invocation + 1})
    return True
