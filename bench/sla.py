"""Benchmark of the SLA timers (issue 6), printing its figures.

(a) the business-time calculator's throughput: see ``bench/sla_clock.py``
    (run here too, unless ``--skip-clock``);
(b) on PostgreSQL (``DATABASE_URL=postgres://…``): with ``--targets`` open SLA
    targets (default 1,000,000) of which ``--due-share`` (1 %) are due, the idle
    sweep's time and plan (it must be an index scan on the partial index), and
    the drain rate of the due events by one process (events/s).

Run: ``DATABASE_URL=postgres://… .venv/bin/python bench/sla.py``. A throwaway
database ``bench_servicone`` is created and dropped on that server.
Targets: ≥ 50,000 deadlines/s; idle sweep ≤ 5 ms with an index scan; drain
≥ 1,000 events/s per worker process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eligibility import (  # noqa: E402  (bench/eligibility.py)
    drop_postgres_database,
    isolated_database,
)


def populate(targets: int, due_share: float, dispatchers: int = 0) -> dict[str, int]:
    """One covered asset, then tickets and targets inserted set-wise by SQL.

    The tickets are CDS's: each warning notifies the ``dispatchers`` CDS users.
    """
    from django.db import connection
    from django.utils import timezone

    from contracts.services import contract_sell
    from servicone.access import StaffRole
    from tests.contracts.factories import asset_of, offering  # test factories: bench-only use
    from tests.partners.factories import PartnerFactory, partner_user, set_tier, staff_user
    from tickets.models import SlaTarget, Ticket

    partner = PartnerFactory(name="Partenaire banc SLA")
    partner_user(partner, "admin", username="bench.admin")
    for n in range(dispatchers):
        staff_user(StaffRole.CDS_DISPATCHER, username=f"bench.cds{n}")
    set_tier(partner, "deliver")
    asset = asset_of(partner)
    contract = contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering("CP-PL-4H-24X7"),
        assets=[asset],
        starts_on=timezone.localdate(),
        actor=None,
    )
    tickets = -(-targets // 3)
    due = int(targets * due_share)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Ticket._meta.db_table}
              (number, partner_id, customer_id, site_id, asset_id, contract_id, offering_id, severity, kind,
               summary, description, status, status_before_pause, pause_reason, delivered_by, routing_reason,
               routing_messages, escalation_level, cds_backup, opened_at, sla_version, updated_at)
            SELECT 'B-' || g, %s, %s, %s, %s, %s, %s, 2, 'incident', 'Banc ' || g, '', 'owned', '', '',
                   'cds', 'bench', '{{}}'::jsonb, 1, false, %s, 1, %s
            FROM generate_series(1, %s) AS g
            """,
            [
                partner.pk,
                asset.customer_id,
                asset.site_id,
                asset.pk,
                contract.pk,
                contract.offering_id,
                now,
                now,
                tickets,
            ],
        )
        # Every ticket gets three targets; the first ``due`` rows are due now (in the
        # past by 1..600 s), the others far in the future.
        cursor.execute(
            f"""
            INSERT INTO {SlaTarget._meta.db_table}
              (ticket_id, target, hours, next_business_day, enforced, due_at, warn_at, state, next_event_at, version)
            SELECT t.id, k.kind, 4, false, true,
                   CASE WHEN r.n <= %s THEN %s - (r.n %% 600) * interval '1 second' + interval '1 hour'
                        ELSE %s + interval '30 days' END,
                   CASE WHEN r.n <= %s THEN %s - (r.n %% 600) * interval '1 second'
                        ELSE %s + interval '29 days' END,
                   'running',
                   CASE WHEN r.n <= %s THEN %s - (r.n %% 600) * interval '1 second'
                        ELSE %s + interval '29 days' END,
                   1
            FROM {Ticket._meta.db_table} t
            CROSS JOIN (VALUES ('response'), ('onsite'), ('resolution')) AS k(kind)
            CROSS JOIN LATERAL (SELECT (t.id * 3 + length(k.kind)) %% %s AS n) r
            WHERE t.number LIKE 'B-%%'
            """,
            [due, now, now, due, now, now, due, now, now, max(targets, 1)],
        )
        cursor.execute(f"ANALYZE {SlaTarget._meta.db_table}")
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE next_event_at <= %s) FROM {SlaTarget._meta.db_table}",
            [now],
        )
        total, due_now = cursor.fetchone()
    return {"tickets": tickets, "targets": total, "due": due_now}


def idle_sweep_plan() -> tuple[float, str]:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from tickets import sla

    now = timezone.now()
    query = sla.due_targets(now)[: settings.SLA_SWEEP_BATCH]  # the sweep's claim query
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql + " FOR UPDATE SKIP LOCKED", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    best = float("inf")
    for _ in range(20):
        started = time.perf_counter()
        fired, _more = sla.sweep(now=now)
        best = min(best, time.perf_counter() - started)
        assert fired == 0
    return best * 1000, plan


def drain() -> tuple[int, float]:
    from django.utils import timezone

    from tickets import sla

    now = timezone.now()
    fired = 0
    started = time.perf_counter()
    while True:
        count, more = sla.sweep(now=now, batch_size=500)
        fired += count
        if not more:
            break
    return fired, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--skip-clock", action="store_true")
    parser.add_argument(
        "--cds-dispatchers",
        type=int,
        default=0,
        help="CDS dispatchers to notify of each warning (default 0: no notification rows)",
    )
    args = parser.parse_args()

    if not args.skip_clock:
        print("== (a) calculator throughput (bench/sla_clock.py)", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "sla_clock.py")], check=False)

    if urlparse(os.environ.get("DATABASE_URL", "")).scheme not in ("postgres", "postgresql"):
        print("== (b) skipped: set DATABASE_URL=postgres://… to measure the sweep on PostgreSQL")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="servicone-bench-sla-"))
    os.environ["BENCH_ORIGINAL_DATABASE_URL"] = os.environ["DATABASE_URL"]
    url, described = isolated_database(workdir)
    os.environ["DATABASE_URL"] = url
    os.environ["SERVICONE_VAR_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicone.settings"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"== (b) SLA sweep on {described}", flush=True)
        started = time.perf_counter()
        sizes = populate(args.targets, args.due_share, args.cds_dispatchers)
        print(
            f"   populated {sizes['targets']:,} targets ({sizes['due']:,} due) on {sizes['tickets']:,} tickets "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            fired, seconds = drain()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        else:
            fired, seconds = drain()
        from servicone.models import Notification

        print(
            f"   drain: {fired:,} events in {seconds:.2f} s = {fired / seconds:,.0f} events/s "
            f"(one process; target ≥ 1,000; {Notification.objects.count():,} notifications)"
        )
        idle_ms, plan = idle_sweep_plan()
        print(f"   idle sweep (nothing due): best of 20 = {idle_ms:.2f} ms (target ≤ 5 ms)")
        print("   plan of the claim query:")
        print("\n".join("     " + line for line in plan.splitlines()))
        print(
            f"   index scan: {'yes' if 'Index' in plan and 'sla_target_next_event_idx' in plan else 'NO'}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        drop_postgres_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
