"""Load test of the production profile (issue 12), printing its figures; not a test.

    DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… .venv/bin/python bench/load/run.py

1. Creates the throwaway database ``bench_load`` on the PostgreSQL server of
   ``DATABASE_URL``, migrates, loads the demo (``seed_demo``: its logins are the load's) and
   adds ``--tickets`` tickets (default 1,000,000) over ``--partners`` partners with
   ``bench/scorecard.py``'s ``populate()``.
2. Starts the production profile (``scripts/prod.sh``: gunicorn, a Celery worker and beat,
   ``DEBUG=0``) on a free loopback port, on that database and on the Redis server of
   ``CELERY_BROKER_URL`` (or ``REDIS_URL``), databases ``--redis-db`` and the next one
   (emptied at the start and the end), and waits for ``/readyz`` and a first SLA sweep.
3. Right before each load, plants ``--due-targets`` SLA targets on new open tickets, every
   warning and deadline falling due while the load runs (set-wise, like ``bench/sla.py``):
   their times are relative to the load's start, which a 1,000,000-ticket population
   leaves minutes away. Half the tickets are the partners' (their ownership window ends at
   the response deadline: CDS takes them over), half CDS's.
4. Runs locust headless (``bench/load/locustfile.py``: partner admins, sales, engineers,
   integrations, HP staff and CDS) with ``--users`` for ``--run-time`` seconds, measured
   from the moment the last virtual user has logged in (the ramp's logins, a password
   hash each, are left out), while sampling ``servicone_sla_sweep_lag_seconds`` in
   ``/metrics`` every few seconds.
5. Prints the throughput, p50/p95/p99 and errors per request type, per kind and overall
   (locust's CSV), the largest sweep lag seen, and the exactly-once check read from the
   database: nothing due more than 60 s ago left unfired, every planted event fired, none
   twice. ``--steps 50,100,150,200`` then reruns shorter loads (``--step-time``) at each
   user count and prints p95 per step and where it crosses 1 s.
6. Stops the portal and drops the database (``--keep`` keeps both the database and the
   logs). Exits 1 when a target is not met: an error, the p95 of pages or of API reads
   (all of a kind together; each request type's own p95 is shown beside it), the lag, or
   an event not fired or fired twice.

The API throttles are raised for the run (several virtual users share each login and
address range): the output says so. Locust lives in its own virtualenv::

    python3.11 -m venv bench/load/.venv
    bench/load/.venv/bin/pip install -r bench/load/requirements.txt

Targets (issue 12, on 2 cores at 50 users): 0 errors; p95 ≤ 300 ms for pages, ≤ 150 ms
for API reads; SLA sweep lag < 60 s; every due event fired, exactly once.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# The modules beside this one (bench/load/: portal, population, due_targets, locust_run,
# report) and bench/'s, imported by name like the benchmarks do.
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from due_targets import exactly_once  # noqa: E402
from eligibility import _postgres_admin_url  # noqa: E402  (bench/eligibility.py)
from locust_run import LOCUST, run_load  # noqa: E402
from population import (  # noqa: E402
    DATABASE,
    MAX_LOADS,
    RECOVERY_RANGE,
    create_database,
    drop_database,
    give_hp_logins_recovery_codes,
    populate_beside_the_demo,
)
from portal import Portal, empty_redis, free_port, postgres_url, redis_urls  # noqa: E402
from report import (  # noqa: E402
    TARGET_API_MS,
    TARGET_LAG_S,
    TARGET_PAGE_MS,
    met,
    print_exactness,
    print_lag,
    print_load,
    print_steps,
)

REDBEAT_PREFIX = "servicone-bench-load:redbeat"  # never another portal's beat lock
# Far above what the virtual users send: the load measures the portal, not the throttles.
THROTTLES = {
    "API_THROTTLE_USER": "1000000/minute",
    "API_THROTTLE_TOKEN": "100000/minute",
    "API_THROTTLE_ANON": "100000/minute",
}
MAX_USERS = RECOVERY_RANGE  # each login of a load takes one of its second-factor codes
MAX_SECONDS = 1800


# --- Arguments -----------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--spawn-rate", type=float, help="users started per second (default: users / 20)"
    )
    parser.add_argument(
        "--run-time", type=int, default=180, help="seconds measured, from the last login"
    )
    parser.add_argument(
        "--think-scale",
        type=float,
        default=1.0,
        help="multiplies the think times (2–8 s per page for people, 1–3 s per API call)",
    )
    parser.add_argument("--steps", help="user counts of the step loads, e.g. 50,100,150,200")
    parser.add_argument("--step-time", type=int, default=60, help="seconds measured per step")
    parser.add_argument(
        "--due-targets",
        type=int,
        default=3000,
        help="SLA targets planted to fall due during each load (3 per ticket)",
    )
    parser.add_argument(
        "--web-concurrency",
        type=int,
        default=(os.cpu_count() or 1) * 2 + 1,
        help="gunicorn workers (default: 2 × cores + 1, the production default)",
    )
    parser.add_argument("--redis-db", type=int, default=10, help="broker db; the cache uses +1")
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between scrapes")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    args = parser.parse_args()
    counts = [args.users, *step_counts(args.steps)]
    if not all(0 < n <= MAX_USERS for n in counts):
        parser.error(f"user counts must be between 1 and {MAX_USERS}")
    if len(counts) > MAX_LOADS:
        parser.error(f"at most {MAX_LOADS - 1} steps")
    if not (0 < args.run_time <= MAX_SECONDS and 0 < args.step_time <= MAX_SECONDS):
        parser.error(f"run times must be between 1 and {MAX_SECONDS} s")
    return args


def step_counts(raw: str | None) -> list[int]:
    return [int(n) for n in raw.split(",") if n.strip()] if raw else []


# --- Main ----------------------------------------------------------------------------------------------


def main() -> int:
    args = arguments()
    if not LOCUST.exists():
        sys.exit(
            "locust is not installed: python3.11 -m venv bench/load/.venv && "
            "bench/load/.venv/bin/pip install -r bench/load/requirements.txt"
        )
    configured = postgres_url()
    broker, cache = redis_urls(args.redis_db)
    admin = _postgres_admin_url(configured)
    url = urlunparse(urlparse(configured)._replace(path=f"/{DATABASE}"))
    workdir = Path(tempfile.mkdtemp(prefix="servicone-bench-load-"))
    port = free_port()
    prod_env = {
        **{k: v for k, v in os.environ.items() if k != "CELERY_TASK_ALWAYS_EAGER"},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": url,
        "DB_CONN_MAX_AGE": "300",  # as deploy/servicone.env.example
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": cache,
        "REDBEAT_KEY_PREFIX": REDBEAT_PREFIX,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXY_COUNT": "1",
        "PORTAL_URL": f"https://127.0.0.1:{port}",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(args.web_concurrency),
        "PROD_MIGRATE": "0",  # migrated below, before the data
        "SERVICONE_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus"),
        # Notifications are e-mailed through the outbox: measured, but sent nowhere.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        **THROTTLES,
    }
    portal = Portal(f"http://127.0.0.1:{port}", prod_env, workdir / "prod.log")
    failed = False
    try:
        create_database(admin)
        empty_redis(broker, cache)
        # This process seeds the data: the embedded parts for everything but the database.
        os.environ.update(
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="servicone.settings",
            SERVICONE_VAR_DIR=str(workdir / "seed"),
            CELERY_BROKER_URL="memory://localhost/",
            CELERY_TASK_ALWAYS_EAGER="1",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            LOG_LEVEL="WARNING",
        )
        os.environ.pop("CACHE_URL", None)
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        host = urlparse(configured).hostname or "localhost"
        print(f"== load test of the production profile on {DATABASE} ({host})", flush=True)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
        print(f"   migrated and seeded the demo in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        # populate() makes its partners and assets with the test factories, whose serial
        # numbers and SIRENs count from 0 like the demo's: start them far beyond.
        from tests.contracts.factories import AssetFactory
        from tests.partners.factories import PartnerFactory

        AssetFactory.reset_sequence(9_000_000)
        PartnerFactory.reset_sequence(900_000)
        sizes = populate_beside_the_demo(args.tickets, args.partners)
        give_hp_logins_recovery_codes()
        print(
            f"   populated {sizes['tickets']:,} tickets, {sizes['targets']:,} SLA targets, "
            f"{sizes['partners']} partners in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        started = time.perf_counter()
        portal.start()
        portal.wait_ready(timeout=600)
        swept = portal.wait_sweep(timeout=120)
        print(
            f"   production profile on {portal.base}: gunicorn × {args.web_concurrency}, "
            f"worker and beat; ready in {time.perf_counter() - started:.0f} s"
            + ("" if swept else " (no SLA sweep seen within 120 s!)"),
            flush=True,
        )
        print(
            "   settings for the run: DEBUG=0, TRUSTED_PROXY_COUNT=1, DB_CONN_MAX_AGE=300, "
            "e-mail to the dummy backend; API throttles raised: "
            + ", ".join(f"{k}={v}" for k, v in THROTTLES.items()),
            flush=True,
        )
        print(
            f"   think time: {2 * args.think_scale:g}–{8 * args.think_scale:g} s between two "
            f"pages of a person, {args.think_scale:g}–{3 * args.think_scale:g} s between two "
            "calls of an integration",
            flush=True,
        )

        since = timezone.now()
        load = run_load(
            portal=portal,
            workdir=workdir,
            label="main",
            phase=0,
            users=args.users,
            seconds=args.run_time,
            spawn_rate=args.spawn_rate,
            due_targets=args.due_targets,
            sample_every=args.sample_every,
            think_scale=args.think_scale,
            drain=True,
        )
        print(
            f"== {args.users} users, {args.run_time} s measured "
            f"({args.tickets:,} tickets in the database)"
        )
        print_load(load)
        print_lag(load, args.sample_every)
        check = exactly_once(since, load.ended or timezone.now())
        print_exactness(check)
        failed = not (met(load) and check.ok)

        counts = step_counts(args.steps)
        if counts:
            print(f"== steps: {args.step_time} s measured at each user count", flush=True)
        steps = [
            run_load(
                portal=portal,
                workdir=workdir,
                label=f"step-{users}",
                phase=phase,
                users=users,
                seconds=args.step_time,
                spawn_rate=None,
                due_targets=args.due_targets,
                sample_every=args.sample_every,
                think_scale=args.think_scale,
                drain=phase == len(counts),
            )
            for phase, users in enumerate(counts, start=1)
        ]
        if steps:
            print_steps(steps)
            check = exactly_once(since, steps[-1].ended or timezone.now())
            print_exactness(check)
            failed = failed or not check.ok
        print(
            f"   targets: 0 errors; p95 ≤ {TARGET_PAGE_MS} ms for pages, ≤ {TARGET_API_MS} ms "
            f"for API reads; SLA sweep lag < {TARGET_LAG_S} s; every due event fired once "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end)"
        )
    except Exception:
        failed = True
        tail = portal.tail()
        if tail:
            print("---- production profile log (last lines) ----\n" + tail, file=sys.stderr)
        raise
    finally:
        portal.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if args.keep:
            print(f"   kept: database {DATABASE}, logs in {workdir}")
        else:
            drop_database(admin)
            empty_redis(broker, cache)
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
