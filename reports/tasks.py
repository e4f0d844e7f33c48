"""Report jobs run by Celery beat."""

from __future__ import annotations

from celery import shared_task

from partners.selectors import today
from servicone.jobs import requeue


@shared_task(name="reports.tasks.send_monthly_digests")
def send_monthly_digests(invocation: int = 1) -> dict[str, object]:
    """Daily: on the month's first working day (or after, to catch up), last month's digests.

    A bounded batch of partners per run; the task queues itself again for the rest.
    """
    from reports.services import scorecard_digests_send

    result = scorecard_digests_send(today=today())
    if result["more"]:
        requeue(send_monthly_digests, invocation=invocation)
    return result
