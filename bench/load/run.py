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
import csv
import io
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eligibility import _postgres, _postgres_admin_url  # noqa: E402  (bench/eligibility.py)
from scorecard import populate  # noqa: E402  (bench/scorecard.py)

DATABASE = "bench_load"
LOCUST = HERE / ".venv" / "bin" / "locust"
LOCUSTFILE = HERE / "locustfile.py"
PLANTED = "LD"  # number prefix of the tickets planted with due SLA targets
REDBEAT_PREFIX = "servicone-bench-load:redbeat"  # never another portal's beat lock
# Far above what the virtual users send: the load measures the portal, not the throttles.
THROTTLES = {
    "API_THROTTLE_USER": "1000000/minute",
    "API_THROTTLE_TOKEN": "100000/minute",
    "API_THROTTLE_ANON": "100000/minute",
}
TARGET_PAGE_MS = 300
TARGET_API_MS = 150
TARGET_LAG_S = 60
LATE_S = 60  # an event due longer ago than this and not fired is late
LOGIN_ALLOWANCE_S = 300  # the logins of the ramp may take this much longer than the ramp
MEASURING = "statistics reset, measuring"  # the locustfile's word that every user is in
MAX_USERS = 500
MAX_SECONDS = 1800
SOCKET_TIMEOUT = 30


# --- Arguments and servers ---------------------------------------------------------------------


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
    if not (0 < args.run_time <= MAX_SECONDS and 0 < args.step_time <= MAX_SECONDS):
        parser.error(f"run times must be between 1 and {MAX_SECONDS} s")
    return args


def step_counts(raw: str | None) -> list[int]:
    return [int(n) for n in raw.split(",") if n.strip()] if raw else []


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if urlparse(url).scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(
            "bench/load needs DATABASE_URL=postgres://… (the server gets a database bench_load)"
        )
    return url


def redis_urls(db: int) -> tuple[str, str]:
    """(broker, cache) on the Redis server of CELERY_BROKER_URL or REDIS_URL."""
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        parsed = urlparse(os.environ.get(name, ""))
        if parsed.scheme in ("redis", "rediss"):
            return (
                urlunparse(parsed._replace(path=f"/{db}")),
                urlunparse(parsed._replace(path=f"/{db + 1}")),
            )
    sys.exit("bench/load needs CELERY_BROKER_URL=redis://… or REDIS_URL=redis://…")


def empty_redis(*urls: str) -> None:
    import redis

    for url in urls:
        client = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT)
        try:
            client.flushdb()
        finally:
            client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=SOCKET_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def metric(text: str, name: str) -> float | None:
    total = None
    for line in text.splitlines():
        if line.startswith(name):
            total = (total or 0.0) + float(line.rsplit(" ", 1)[1])
    return total


SWEEPS = 'servicone_celery_tasks_total{outcome="succeeded",task="tickets.tasks.sla_sweep"}'
LAG = "servicone_sla_sweep_lag_seconds"


@dataclass
class Portal:
    """The production profile (scripts/prod.sh), in a process group of its own."""

    base: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "prod.sh")],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def metrics(self) -> str:
        status, text = http_get(
            f"{self.base}/metrics", {"Authorization": f"Bearer {self.env['METRICS_TOKEN']}"}
        )
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        return text

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            with contextlib.suppress(OSError):
                if http_get(f"{self.base}/readyz")[0] == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"/readyz not 200 after {timeout:.0f} s")
            time.sleep(1)

    def wait_sweep(self, timeout: float) -> bool:
        """The worker and beat run: beat sent the SLA sweep and the worker ran it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if (metric(self.metrics(), SWEEPS) or 0) >= 1:
                return True
            time.sleep(2)
        return False

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the production profile exited ({self.process.returncode})")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # honcho and its gunicorn, worker and beat: the process group this script started.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # Its children may outlive honcho by a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class LagSampler(threading.Thread):
    """Scrapes the SLA sweep's lag (and the sweeps run) while a load runs."""

    def __init__(self, portal: Portal, every: float) -> None:
        super().__init__(daemon=True)
        self.portal, self.every = portal, every
        self.stopping = threading.Event()
        self.lags: list[float] = []
        self.sweeps: list[float] = []
        self.errors = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                text = self.portal.metrics()
            except (OSError, RuntimeError):
                self.errors += 1
            else:
                lag = metric(text, LAG)
                if lag is not None:
                    self.lags.append(lag)
                self.sweeps.append(metric(text, SWEEPS) or 0)
            self.stopping.wait(self.every)

    def stop(self) -> None:
        self.stopping.set()
        self.join()


# --- Data ------------------------------------------------------------------------------------------


def create_database(admin: str) -> None:
    _postgres(admin, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _postgres(admin, f"CREATE DATABASE {DATABASE}")


def drop_database(admin: str) -> None:
    # FORCE: a portal process that outlived the stop must not keep the database alive.
    _postgres(admin, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


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


# The HP logins the load uses: with DEBUG=0 they must give a second factor after the password.
HP_LOGINS = ("hp.programme", "cds.dispatch")
RECOVERY_CODES = 5_000  # per login: one per virtual user's login, single use each


def give_hp_logins_recovery_codes() -> None:
    """Confirm a second factor for the HP logins: recovery codes ``ld00000000``… that the
    locustfile hands out one per virtual user (a TOTP code can be used only once per 30 s
    per login, and several virtual users share each login)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    for user in get_user_model().objects.filter(username__in=HP_LOGINS):
        device = StaticDevice.objects.create(user=user, name="load", confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=f"ld{n:08d}") for n in range(RECOVERY_CODES)
        )


def populate_beside_the_demo(tickets: int, partners: int) -> dict[str, int]:
    """bench/scorecard.py's populate() after seed_demo.

    populate() expects no ticket before its own: it gives every ticket of the table three
    SLA targets and a handover event if it has a handover time. The demo's targets are set
    aside for it and put back after, and the events it adds to the demo's tickets removed.
    (Its tickets take the offering of the first coverage in the database: the demo's first
    one is the same CP-PL-4H-24X7 as its own.)
    """
    from django.db import connection

    from tickets.models import SlaTarget, Ticket, TicketEvent

    targets, tickets_table, events = (
        SlaTarget._meta.db_table,
        Ticket._meta.db_table,
        TicketEvent._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {tickets_table}")
        (last_demo_ticket,) = cursor.fetchone()
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {events}")
        (last_demo_event,) = cursor.fetchone()
        cursor.execute(f"CREATE TEMPORARY TABLE demo_sla_targets AS SELECT * FROM {targets}")
        cursor.execute(f"DELETE FROM {targets}")
    sizes = populate(tickets, partners)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {targets} WHERE ticket_id <= %s", [last_demo_ticket])
        cursor.execute(f"INSERT INTO {targets} SELECT * FROM demo_sla_targets")
        cursor.execute("DROP TABLE demo_sla_targets")
        cursor.execute(
            f"DELETE FROM {events} WHERE id > %s AND ticket_id <= %s",
            [last_demo_event, last_demo_ticket],
        )
        cursor.execute(f"SELECT count(*) FROM {targets}")
        (sizes["targets"],) = cursor.fetchone()
        # A database that has lived: autovacuum's first pass over the new rows would
        # otherwise run during the load.
        for table in (tickets_table, targets, events):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return sizes


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


# --- One load --------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    method: str
    requests: int
    failures: int
    rps: float
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass
class Load:
    users: int
    seconds: int
    ramp: float
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: list[tuple[str, str, int]] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    sweeps: float = 0
    planted: int = 0
    returncode: int = 0
    ended: datetime | None = None
    whole_run: bool = False  # not every user logged in: the figures include the ramp
    scrape_errors: int = 0
    locust_cpu: float = 0.0  # CPU seconds the load generator itself used, on these cores


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None  # "N/A": no request of that name


def read_csv(prefix: Path, load: Load) -> None:
    with Path(f"{prefix}_stats.csv").open(newline="", encoding="utf-8") as stats:
        for line in csv.DictReader(stats):
            row = Row(
                name=line["Name"],
                method=line["Type"],
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                rps=float(line["Requests/s"]),
                p50=_number(line["50%"]),
                p95=_number(line["95%"]),
                p99=_number(line["99%"]),
            )
            if row.name == "Aggregated":
                load.total = row
            else:
                load.rows.append(row)
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(newline="", encoding="utf-8") as rows:
            load.failures = [
                (line["Name"], line["Error"], int(line["Occurrences"]))
                for line in csv.DictReader(rows)
            ]


def run_load(
    *,
    portal: Portal,
    workdir: Path,
    label: str,
    phase: int,
    users: int,
    seconds: int,
    spawn_rate: float | None,
    due_targets: int,
    sample_every: float,
    think_scale: float,
    drain: bool,
) -> Load:
    from django.utils import timezone

    rate = spawn_rate or max(1.0, users / 20)
    ramp = users / rate
    total = int(ramp + seconds + 0.999)
    load = Load(users=users, seconds=seconds, ramp=ramp)
    load.planted = plant_due_targets(phase, due_targets, timezone.now(), total)
    prefix = workdir / f"locust-{label}"
    env = {
        **os.environ,
        "LOAD_SUMMARY_JSON": f"{prefix}_kinds.json",
        # The locustfile measures this long from the last user's login, then stops.
        "LOAD_MEASURE_SECONDS": str(seconds),
        "LOAD_THINK_SCALE": str(think_scale),
    }
    print(
        f"   {label}: {users} users (ramp {ramp:.0f} s at {rate:g}/s, logins left out), "
        f"{seconds} s measured; {load.planted:,} SLA targets planted to fall due within "
        f"{total} s",
        flush=True,
    )
    sampler = LagSampler(portal, sample_every)
    sampler.start()
    before = metric(portal.metrics(), SWEEPS) or 0
    cpu_before = _children_cpu()
    with Path(f"{prefix}.log").open("wb") as out:
        done = subprocess.run(
            [
                str(LOCUST),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                portal.base,
                "--users",
                str(users),
                "--spawn-rate",
                f"{rate:g}",
                # A bound only: the run ends LOAD_MEASURE_SECONDS after the last login.
                "--run-time",
                f"{total + LOGIN_ALLOWANCE_S}s",
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            cwd=HERE,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=total + LOGIN_ALLOWANCE_S + 120,
            check=False,
        )
    load.ended = timezone.now()
    load.locust_cpu = _children_cpu() - cpu_before
    if drain:
        # What fell due at the very end has LATE_S to fire; the lag is still sampled.
        time.sleep(LATE_S + 2 * sample_every)
    sampler.stop()
    load.returncode = done.returncode
    load.lags = sampler.lags
    load.scrape_errors = sampler.errors
    load.sweeps = (sampler.sweeps[-1] if sampler.sweeps else before) - before
    read_csv(prefix, load)
    load.whole_run = MEASURING not in Path(f"{prefix}.log").read_text(errors="replace")
    kinds = Path(f"{prefix}_kinds.json")
    if kinds.exists():
        load.kinds = json.loads(kinds.read_text())
    return load


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- Printing ---------------------------------------------------------------------------------------


def target_of(name: str, method: str) -> float | None:
    if name.startswith("page:"):
        return TARGET_PAGE_MS
    if name.startswith("api:") and method == "GET":
        return TARGET_API_MS
    return None


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def verdict(p95: float | None, target: float | None, failures: int) -> str:
    if target is None:
        return "" if not failures else "ERRORS"
    met = p95 is not None and p95 <= target and not failures
    return f"p95 ≤ {target:.0f} ms, 0 errors: " + ("met" if met else "NOT met")


def print_load(load: Load) -> None:
    width = max([len(r.name) for r in load.rows] + [24])
    print(
        f"   {'request':<{width}} {'count':>7} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'errors':>6}  target"
    )
    order = ("page:", "post:", "api:", "api post:")
    rows = sorted(
        load.rows,
        key=lambda r: (next((i for i, p in enumerate(order) if r.name.startswith(p)), 9), r.name),
    )
    for r in rows:
        if not r.requests and not r.failures:
            continue  # only during the ramp (left out)
        print(
            f"   {r.name:<{width}} {r.requests:>7,} {r.rps:>6.1f} {ms(r.p50):>6} {ms(r.p95):>6} "
            f"{ms(r.p99):>6} {r.failures:>6}  {verdict(r.p95, target_of(r.name, r.method), r.failures)}"
        )
    for kind, k in load.kinds.items():
        target = {"pages": TARGET_PAGE_MS, "API reads": TARGET_API_MS}.get(kind)
        print(
            f"   {'= ' + kind:<{width}} {int(k['requests']):>7,} {k['rps']:>6.1f} "
            f"{ms(k['p50']):>6} {ms(k['p95']):>6} {ms(k['p99']):>6} {int(k['failures']):>6}  "
            f"{verdict(k['p95'], target, int(k['failures']))}"
        )
    if load.total is not None:
        t = load.total
        print(
            f"   {'= overall':<{width}} {t.requests:>7,} {t.rps:>6.1f} {ms(t.p50):>6} "
            f"{ms(t.p95):>6} {ms(t.p99):>6} {t.failures:>6}  0 errors: "
            + ("met" if not t.failures else "NOT met")
        )
    print(
        "   (times in ms; p50/p95/p99 from locust's histogram, 2 significant digits; locust "
        f"itself used {load.locust_cpu:.0f} CPU-s of these cores over the whole run)"
    )
    if load.whole_run:
        print("   WARNING: not every user logged in: these figures include the ramp")
    for name, error, count in load.failures[:10]:
        print(f"   error ×{count}: {name}: {error[:160]}")
    if load.returncode not in (0, 1):  # 1: locust saw failures, printed above
        print(f"   locust exited with {load.returncode}: see its log (--keep keeps it)")


def met(load: Load) -> bool:
    """Every target of the issue, for this load (the exit status says it)."""
    if load.total is None or load.total.failures or not load.lags:
        return False
    for kind, target in (("pages", TARGET_PAGE_MS), ("API reads", TARGET_API_MS)):
        p95 = load.kinds.get(kind, {}).get("p95")
        if p95 is None or p95 > target:
            return False
    return max(load.lags) < TARGET_LAG_S


def print_lag(load: Load, every: float) -> None:
    if not load.lags:
        print("   SLA sweep lag: no sample read from /metrics")
        return
    worst = max(load.lags)
    print(
        f"   SLA sweep lag: max {worst:.0f} s over {len(load.lags)} samples (every {every:g} s), "
        f"mean {sum(load.lags) / len(load.lags):.1f} s; {load.sweeps:.0f} sweep tasks ran; "
        f"target < {TARGET_LAG_S} s: " + ("met" if worst < TARGET_LAG_S else "NOT met")
    )
    if load.scrape_errors:
        print(f"   ({load.scrape_errors} scrapes of /metrics failed)")


def print_exactness(check: Exactness) -> None:
    print(
        f"   exactly once (database): {check.fired:,} SLA events and {check.fallbacks:,} "
        f"ownership fall-backs fired; {check.expected:,} planted events were due by the end "
        f"of the load: {check.missing} not fired, the others {check.p95_late:.0f} s late at "
        f"p95, {check.max_late:.0f} s at most"
    )
    print(
        f"   due more than {LATE_S} s ago and not fired: {check.late_targets} targets, "
        f"{check.late_fallbacks} fall-backs; fired twice: {check.twice} (ticket, target, event), "
        f"{check.fallbacks_twice} fall-backs; target 0 each: " + ("met" if check.ok else "NOT met")
    )


def print_steps(steps: list[Load]) -> None:
    print(
        f"   {'users':>5} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6} "
        f"{'p95 pages':>9} {'p95 API':>8} {'max lag':>8}   (times in ms, overall unless named)"
    )
    crossed = None
    for load in steps:
        t = load.total
        if t is None:
            print(f"   {load.users:>5} (no figures: see the locust log)")
            continue
        pages = load.kinds.get("pages", {}).get("p95")
        api = load.kinds.get("API reads", {}).get("p95")
        lag = f"{max(load.lags):.0f} s" if load.lags else "—"
        print(
            f"   {load.users:>5} {t.rps:>6.1f} {ms(t.p50):>6} {ms(t.p95):>6} {ms(t.p99):>6} "
            f"{t.failures:>6} {ms(pages):>9} {ms(api):>8} {lag:>8}"
            + ("   (not every user logged in: includes the ramp)" if load.whole_run else "")
        )
        if crossed is None and t.p95 is not None and t.p95 > 1000:
            crossed = load.users
    if crossed is None:
        print(f"   overall p95 stays ≤ 1 s up to {steps[-1].users} users")
    else:
        print(f"   overall p95 crosses 1 s at {crossed} users")


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
