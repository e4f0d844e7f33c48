"""The SLA sweep's lag, for Prometheus (read from the database when it scrapes).

The lag is the age of the oldest SLA event (warning, breach) or ownership fall-back that
is due and not fired yet: 0 while the sweep keeps up; growing when workers or beat are
down. Both reads are one index probe (``sla_target_next_event_idx`` and the partial
ownership index), whatever the number of tickets.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from tickets.models import Organisation, SlaTarget, Status, Ticket


def sla_sweep_lag() -> Iterator[Metric]:
    now = timezone.now()
    oldest_event = (
        SlaTarget.objects.filter(next_event_at__isnull=False, next_event_at__lte=now)
        .order_by("next_event_at")
        .values_list("next_event_at", flat=True)
        .first()
    )
    oldest_fallback = (
        Ticket.objects.filter(
            status=Status.OPENED, delivered_by=Organisation.PARTNER, ownership_due_at__lte=now
        )
        .order_by("ownership_due_at")
        .values_list("ownership_due_at", flat=True)
        .first()
    )
    due = [at for at in (oldest_event, oldest_fallback) if at is not None]
    lag = GaugeMetricFamily(
        "servicone_sla_sweep_lag_seconds",
        "Age of the oldest due SLA event or ownership fall-back not fired yet (0: none due).",
    )
    lag.add_metric([], (now - min(due)).total_seconds() if due else 0.0)
    yield lag
