"""Benchmark of the scorecard and the programme dashboard (issue 7), printing its figures.

On PostgreSQL (``DATABASE_URL=postgres://…``): ``--tickets`` tickets (default
1,000,000) over ``--partners`` partners (default 100), opened evenly over the
12 months to the report month, each with its three SLA targets (3,000,000 rows)
and a handover event for 1 ticket in 33. Prints the time and query count of one
partner's scorecard for one month (which also reads its trailing 12 months) and
of HP's programme dashboard: the first (cold) run and the median of the next.

Run: ``DATABASE_URL=postgres://… .venv/bin/python bench/scorecard.py``. A throwaway
database ``bench_servicone`` is created and dropped on that server. Without a
PostgreSQL URL it runs on a temporary SQLite file (use a smaller ``--tickets``).
Targets: ≤ 2 s for one partner-month, ≤ 10 s for the whole programme dashboard.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eligibility import (  # noqa: E402  (bench/eligibility.py)
    drop_postgres_database,
    isolated_database,
)

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 27)


def populate(tickets: int, partners: int) -> dict[str, int]:
    """Partners with a covered asset each (services), then tickets and targets set-wise by SQL."""
    import time_machine
    from django.db import connection

    from contracts.models import ContractAsset
    from contracts.services import contract_sell
    from partners.services import tier_periods_backfill
    from tests.contracts.factories import asset_of, offering  # test factories: bench-only use
    from tests.partners.factories import PartnerFactory, set_tier
    from tickets.models import SlaTarget, Ticket, TicketEvent

    covers = []
    with time_machine.travel(datetime(2025, 11, 20, 10, tzinfo=PARIS), tick=False):
        for index in range(partners):
            partner = PartnerFactory(name=f"Partenaire banc {index:03d}")
            set_tier(partner, "deliver")
            asset = asset_of(partner)
            contract = contract_sell(
                partner=partner,
                customer=asset.customer,
                offering=offering("CP-PL-4H-24X7"),
                assets=[asset],
                starts_on=date(2025, 11, 20),
                actor=None,
            )
            covers.append((partner.pk, asset.customer_id, asset.site_id, asset.pk, contract.pk))
        offering_id = ContractAsset.objects.first().contract.offering_id
    tier_periods_backfill(today=TODAY)

    def column(i: int) -> str:
        return "ARRAY[" + ",".join(str(c[i]) for c in covers) + "]"

    start = datetime(2025, 12, 1, tzinfo=PARIS)
    span = (datetime(2026, 11, 27, tzinfo=PARIS) - start).total_seconds()
    step = span / tickets
    n = len(covers)
    postgres = connection.vendor == "postgresql"
    series = (
        "generate_series(1, %s) AS g"
        if postgres
        else "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < %s) SELECT g FROM s)"
    )
    with connection.cursor() as cursor:
        if postgres:
            pick = lambda i: f"({column(i)})[(g %% {n}) + 1]"  # noqa: E731
            at = "%s::timestamptz + (g * {step}) * interval '1 second'"
            plus = "{base} + ({minutes}) * interval '1 minute'"
        else:
            pick = lambda i: (  # noqa: E731
                f"(CASE g %% {n} "
                + " ".join(f"WHEN {k} THEN {c[i]}" for k, c in enumerate(covers))
                + " END)"
            )
            at = "datetime(%s, '+' || CAST(g * {step} AS INTEGER) || ' seconds')"
            plus = "datetime({base}, '+' || ({minutes}) || ' minutes')"
        opened = at.format(step=step)
        cursor.execute(
            f"""
            INSERT INTO {Ticket._meta.db_table}
              (number, partner_id, customer_id, site_id, asset_id, contract_id, offering_id, severity,
               kind, summary, description, status, status_before_pause, pause_reason, delivered_by,
               routing_reason, routing_messages, escalation_level, cds_backup, opened_at,
               acknowledged_at, arrived_at, handed_over_at, fell_back_at, sla_version, updated_at)
            SELECT 'B-' || g, {pick(0)}, {pick(1)}, {pick(2)}, {pick(3)}, {pick(4)}, %s, 2,
                   'incident', 'Banc', '', 'closed', '', '',
                   CASE WHEN g %% 10 = 0 OR g %% 33 = 0 OR g %% 47 = 0 THEN 'cds' ELSE 'partner' END,
                   CASE WHEN g %% 10 = 0 THEN 'no_certified_engineer' ELSE 'partner_authorised' END,
                   '{{}}', 1, g %% 29 = 0, {opened},
                   {plus.format(base=opened, minutes="g %% 240")},
                   CASE WHEN g %% 3 <> 0 THEN {plus.format(base=opened, minutes="60 + g %% 600")} END,
                   CASE WHEN g %% 33 = 0 AND g %% 10 <> 0 THEN {plus.format(base=opened, minutes="30")} END,
                   CASE WHEN g %% 47 = 0 AND g %% 10 <> 0 AND g %% 33 <> 0
                        THEN {plus.format(base=opened, minutes="240")} END,
                   1, {opened}
            FROM {series}
            """,
            [offering_id, *([start] * 6), tickets],
        )
        cursor.execute(
            f"""
            INSERT INTO {SlaTarget._meta.db_table}
              (ticket_id, target, hours, next_business_day, enforced, state, version)
            SELECT t.id, k.kind, 4, false, true,
                   CASE (t.id * 3 + k.o) %% 11 WHEN 0 THEN 'breached' WHEN 1 THEN 'running'
                        WHEN 2 THEN 'warned' ELSE 'met' END,
                   1
            FROM {Ticket._meta.db_table} t
            CROSS JOIN (SELECT 'response' AS kind, 0 AS o UNION ALL SELECT 'onsite', 1
                        UNION ALL SELECT 'resolution', 2) AS k
            """,
            [],
        )
        reasons = "(ARRAY['Pièce en rupture','Client absent','Hors compétence'])[(t.id %% 3) + 1]"
        if not postgres:
            reasons = "CASE t.id %% 3 WHEN 0 THEN 'Pièce en rupture' WHEN 1 THEN 'Client absent' ELSE 'Hors compétence' END"
        detail = (
            "jsonb_build_object('reason', {r})" if postgres else "json_object('reason', {r})"
        ).format(r=reasons)
        cursor.execute(
            f"""
            INSERT INTO {TicketEvent._meta.db_table} (ticket_id, at, event, organisation, detail)
            SELECT t.id, t.handed_over_at, 'handed_over', 'partner', {detail}
            FROM {Ticket._meta.db_table} t WHERE t.handed_over_at IS NOT NULL
            """,
            [],
        )
        if postgres:
            for model in (Ticket, SlaTarget, TicketEvent):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute(f"SELECT count(*) FROM {SlaTarget._meta.db_table}")
        (targets,) = cursor.fetchone()
    return {"tickets": Ticket.objects.count(), "targets": targets, "partners": partners}


def timed(label: str, run, repeat: int):  # type: ignore[no-untyped-def]
    """Prints the first run's time and the median of ``repeat`` more, with the queries of
    one; returns what the last run returned (bench/routing.py measures this way too)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    result = None
    for _ in range(repeat + 1):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    warm = statistics.median(times[1:]) if repeat else times[0]
    print(
        f"   {label}: first run {times[0] * 1000:,.0f} ms, median of {repeat} next {warm * 1000:,.0f} ms, "
        f"{queries} queries",
        flush=True,
    )
    return result


def on_isolated_database(prefix: str) -> str:
    """Django's settings on a throwaway database (bench/eligibility.py), their files in a
    temporary folder named ``prefix…``, e-mail and Celery kept in the process; the
    database's description. Before ``django.setup()``; bench/routing.py's too."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["BENCH_ORIGINAL_DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    url, described = isolated_database(workdir)
    os.environ["DATABASE_URL"] = url
    os.environ["SERVICONE_VAR_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicone.settings"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return described


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    described = on_isolated_database("servicone-bench-scorecard-")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from partners.models import Partner
        from reports.periods import Month
        from reports.selectors import partner_scorecard, programme_dashboard

        call_command("migrate", verbosity=0)
        print(f"== scorecard and dashboard on {described}", flush=True)
        started = time.perf_counter()
        sizes = populate(args.tickets, args.partners)
        print(
            f"   populated {sizes['tickets']:,} tickets, {sizes['targets']:,} SLA targets, "
            f"{sizes['partners']} partners in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        month = Month(2026, 10)
        partner = Partner.objects.order_by("pk")[len(Partner.objects.all()) // 2]
        card = partner_scorecard(partner, month, today=TODAY)
        print(
            f"   {partner.name}, {month}: {card.month_figures.delivery.total:,} tickets in the month, "
            f"{card.trailing.delivery.total:,} over 12 months; response compliance "
            f"{card.month_figures.sla[0].compliance_pct} %, median ownership "
            f"{card.month_figures.ownership.median_minutes} min",
            flush=True,
        )
        timed(
            "partner scorecard (month + trailing 12 months + series)",
            lambda: partner_scorecard(partner, month, today=TODAY),
            args.repeat,
        )
        timed(
            "programme dashboard",
            lambda: programme_dashboard(month, today=TODAY, now=timezone.now()),
            max(1, args.repeat // 2),
        )
        print("   targets: ≤ 2,000 ms for one partner-month, ≤ 10,000 ms for the dashboard")
    finally:
        from django.db import connections

        connections.close_all()
        drop_postgres_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
