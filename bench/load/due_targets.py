"""The SLA targets planted to fall due during a load, and the exactly-once check read back
from the database after it (bench/load/run.py; Django is set up by then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PLANTED = "LD"  # number prefix of the tickets planted with due SLA targets
LATE_S = 60  # an event due longer ago than this and not fired is late


def plant_due_targets(phase: int, count: int, start: datetime, seconds: float) -> int:
    """``count`` running SLA targets (3 per new open ticket) whose warnings fall due over
    ``seconds`` from ``start`` and whose deadlines over its second half; set-wise SQL."""
    from django.db import connection, transaction

    from contracts.models import ContractAsset
    from tickets.models import SlaTarget, Ticket

    covers = list(
        ContractAsset.objects.filter(contract__partner__name__startswith="Partenaire banc")
        .exclude(kind="proactive_credits")
        .order_by("pk")
        .values_list(
            "contract__partner_id",
            "asset__customer_id",
            "asset__site_id",
            "asset_id",
            "contract_id",
            "contract__offering_id",
        )
    )
    if not covers:
        raise RuntimeError("no bench partner with a covered asset (populate)")
    tickets = -(-count // 3)
    prefix = f"{PLANTED}{phase}-"
    columns = [list(column) for column in zip(*covers, strict=True)]
    pick = [f"(%s::bigint[])[(g %% {len(covers)}) + 1]" for _ in columns]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Ticket._meta.db_table}
              (number, partner_id, customer_id, site_id, asset_id, contract_id, offering_id,
               severity, kind, summary, description, status, status_before_pause, pause_reason,
               delivered_by, routing_reason, routing_messages, escalation_level, cds_backup,
               opened_at, sla_version, updated_at)
            SELECT %s || g, {", ".join(pick)}, 2, 'incident', 'Charge : échéances SLA', '',
                   'opened', '', '', CASE WHEN g %% 2 = 0 THEN 'partner' ELSE 'cds' END,
                   'bench', '{{}}'::jsonb, 1, false, %s, 1, %s
            FROM generate_series(1, %s) AS g
            """,
            [prefix, *columns, start, start, tickets],
        )
        # Target k of ticket g is the (3(g-1)+k+1)-th of 3N: its warning at that share of
        # the run, its deadline halfway between the warning and the end.
        cursor.execute(
            f"""
            INSERT INTO {SlaTarget._meta.db_table}
              (ticket_id, target, hours, next_business_day, enforced, due_at, warn_at, state,
               next_event_at, version)
            SELECT t.id, k.kind, 4, false, true,
                   %s + ((1 + r.x) / 2 * %s) * interval '1 second',
                   %s + (r.x * %s) * interval '1 second',
                   'running',
                   %s + (r.x * %s) * interval '1 second',
                   1
            FROM {Ticket._meta.db_table} t
            CROSS JOIN (VALUES ('response', 0), ('onsite', 1), ('resolution', 2)) AS k(kind, o)
            CROSS JOIN LATERAL (
              SELECT ((substr(t.number, %s)::int - 1) * 3 + k.o + 1)::float / %s AS x
            ) r
            WHERE t.number LIKE %s
            """,
            [
                *[start, seconds] * 3,
                len(prefix) + 1,
                tickets * 3,
                prefix + "%",
            ],
        )
        planted = cursor.rowcount
        # A partner's call falls back to CDS when its ownership window (the response
        # deadline here) ends untaken: the sweep does that too.
        cursor.execute(
            f"""
            UPDATE {Ticket._meta.db_table} t SET ownership_due_at = s.due_at
            FROM {SlaTarget._meta.db_table} s
            WHERE s.ticket_id = t.id AND s.target = 'response' AND t.delivered_by = 'partner'
              AND t.number LIKE %s
            """,
            [prefix + "%"],
        )
    return planted


@dataclass
class Exactness:
    late_targets: int  # due more than LATE_S ago, still not fired (any ticket)
    late_fallbacks: int
    expected: int  # planted events due before the end of the load
    missing: int  # of those, not fired
    fired: int  # SLA events fired since the load started (and every planted one)
    twice: int  # (ticket, target, event) fired more than once
    fallbacks: int
    fallbacks_twice: int
    max_late: float  # seconds from a planted event's due instant to its firing
    p95_late: float

    @property
    def ok(self) -> bool:
        return not (
            self.late_targets
            or self.late_fallbacks
            or self.missing
            or self.twice
            or self.fallbacks_twice
        )


def exactly_once(since: datetime, until: datetime) -> Exactness:
    """Read from the database: what was due by ``until`` fired, once (the load started at
    ``since``)."""
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from tickets.models import SlaEvent, SlaTarget, Status, Ticket, TicketEvent

    cutoff = timezone.now() - timedelta(seconds=LATE_S)
    late_targets = SlaTarget.objects.filter(next_event_at__lte=cutoff).count()
    late_fallbacks = Ticket.objects.filter(
        status=Status.OPENED, delivered_by="partner", ownership_due_at__lte=cutoff
    ).count()
    events, targets, tickets = (
        SlaEvent._meta.db_table,
        SlaTarget._meta.db_table,
        Ticket._meta.db_table,
    )
    planted = PLANTED + "%"
    with connection.cursor() as cursor:
        # Each planted target's warning and deadline, whether it fired and how late.
        cursor.execute(
            f"""
            WITH due AS (
              SELECT s.ticket_id, s.target, k.event,
                     CASE k.event WHEN 'warned' THEN s.warn_at ELSE s.due_at END AS at
              FROM {targets} s JOIN {tickets} t ON t.id = s.ticket_id
              CROSS JOIN (VALUES ('warned'), ('breached')) AS k(event)
              WHERE t.number LIKE %s
            ), outcome AS (
              SELECT d.at, extract(epoch FROM e.at - d.at) AS late, e.id IS NOT NULL AS fired
              FROM due d LEFT JOIN {events} e ON e.ticket_id = d.ticket_id
                AND e.target = d.target AND e.event = d.event
              WHERE d.at <= %s
            )
            SELECT count(*), count(*) FILTER (WHERE NOT fired), coalesce(max(late), 0),
                   coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY late), 0)
            FROM outcome
            """,
            [planted, until],
        )
        expected, missing, max_late, p95_late = cursor.fetchone()
        # Grouped without the version: even a re-armed target must not fire the same
        # event twice during a load (the load pauses nothing).
        cursor.execute(
            f"""
            SELECT coalesce(sum(n), 0), count(*) FILTER (WHERE n > 1) FROM (
              SELECT count(*) AS n FROM {events} e JOIN {tickets} t ON t.id = e.ticket_id
              WHERE e.at >= %s OR t.number LIKE %s
              GROUP BY e.ticket_id, e.target, e.event
            ) fired
            """,
            [since, planted],
        )
        fired, twice = cursor.fetchone()
    fell_back = TicketEvent.objects.filter(event="fell_back", at__gte=since)
    fallbacks = fell_back.count()
    fallbacks_twice = (
        fell_back.values("ticket_id").order_by().annotate(n=Count("id")).filter(n__gt=1).count()
    )
    return Exactness(
        late_targets=late_targets,
        late_fallbacks=late_fallbacks,
        expected=int(expected),
        missing=int(missing),
        fired=int(fired),
        twice=int(twice),
        fallbacks=fallbacks,
        fallbacks_twice=fallbacks_twice,
        max_late=float(max_late),
        p95_late=float(p95_late),
    )
