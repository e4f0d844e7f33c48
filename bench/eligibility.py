"""Benchmark of the whole eligibility read path: database → snapshots → engine.

Run with ``.venv/bin/python bench/eligibility.py [--partners 10000] [--runs 3]``.

It never touches the portal's own database: with SQLite (the default) it migrates a
temporary file database; when ``DATABASE_URL`` points at PostgreSQL it creates a
throwaway database ``bench_servicone`` on that server (dropped at the end). It then
bulk-creates the partners, 1–4 engineers each, ~5 certifications per partner and an
approved Expert accreditation for ~5 % of them, and measures evaluating everyone the
way the nightly job does:

    selectors.tier_specs()
    selectors.snapshots_for(Partner.objects.all(), on=today)
    eligibility.evaluate(snapshot, specs, today) for each partner

Wall time is the best of ``--runs`` warm runs (the first, cold one is shown too); SQL
queries are counted with ``CaptureQueriesContext``; peak memory is measured in a
separate run under ``tracemalloc`` (tracing slows Python down, so it is not timed).
Target (issue 3): 10,000 partners in ≤ 1 s with ≤ 10 queries in total.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE = "bench_servicone"
TARGET_SECONDS = 1.0
TARGET_QUERIES = 10
COURSE_WEIGHTS = {
    "PL-ASE": 35,
    "NET-ATP": 20,
    "3PAR-ASE": 10,
    "3PAR-MASE": 12,
    "CI-MASE": 8,
    "PS-DELIVERY": 5,
    "MV-SUPPORT": 10,
}


# --- An isolated database -------------------------------------------------------------


def _postgres_admin_url(url: str) -> str:
    # CREATE/DROP DATABASE cannot run inside the database being dropped: use "postgres".
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def _postgres(url: str, sql: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    connection = psycopg2.connect(
        dbname=parsed.path.lstrip("/") or "postgres",
        user=unquote(parsed.username or "") or None,
        password=unquote(parsed.password or "") or None,
        host=parsed.hostname,
        port=parsed.port,
    )
    connection.autocommit = True  # CREATE DATABASE refuses to run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def isolated_database(workdir: Path) -> tuple[str, str]:
    """(DATABASE_URL to use, description); creates the PostgreSQL database if needed."""
    configured = os.environ.get("DATABASE_URL", "")
    if urlparse(configured).scheme in ("postgres", "postgresql", "pgsql"):
        admin = _postgres_admin_url(configured)
        _postgres(admin, f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        _postgres(admin, f"CREATE DATABASE {BENCH_DATABASE}")
        url = urlunparse(urlparse(configured)._replace(path=f"/{BENCH_DATABASE}"))
        host = urlparse(configured).hostname or "localhost"
        return url, f"PostgreSQL, throwaway database {BENCH_DATABASE} on {host}"
    path = workdir / "bench.sqlite3"
    return f"sqlite:///{path}", f"SQLite, temporary file {path}"


def drop_postgres_database() -> None:
    configured = os.environ.get("BENCH_ORIGINAL_DATABASE_URL", "")
    if urlparse(configured).scheme in ("postgres", "postgresql", "pgsql"):
        _postgres(_postgres_admin_url(configured), f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")


# --- Data ------------------------------------------------------------------------------------


def populate(count: int, today: date, seed: int = 20261126) -> dict[str, int]:
    """Bulk-create ``count`` partners with engineers, certifications and a few approvals."""
    from partners.legacy import siren_with_check_digit
    from partners.models import Accreditation, Certification, Course, Engineer, Partner, Tier
    from partners.services import ACCREDITATION_VALIDITY, certification_expiry

    rng = random.Random(seed)
    courses = {c.code: c for c in Course.objects.all()}
    codes = list(COURSE_WEIGHTS)
    weights = list(COURSE_WEIGHTS.values())
    expert = Tier.objects.get(code="expert")
    batch = 2000

    partners = Partner.objects.bulk_create(
        [
            Partner(
                name=f"Partenaire banc {i:05d}",
                siren=siren_with_check_digit(f"{10_000_000 + i:08d}"),
                declared_revenue_12m_eur=Decimal(rng.randint(0, 6_000_000)) / 100,
            )
            for i in range(count)
        ],
        batch_size=batch,
    )
    teams: list[tuple[int, int]] = []  # (partner index, engineers)
    engineers_to_create = []
    for index, partner in enumerate(partners):
        size = rng.randint(1, 4)
        teams.append((index, size))
        engineers_to_create += [
            Engineer(
                partner=partner, name=f"Ingénieur {index}-{n}", email=f"e{n}.{index}@banc.example"
            )
            for n in range(size)
        ]
    engineers = Engineer.objects.bulk_create(engineers_to_create, batch_size=batch)

    certifications = []
    seen: set[tuple[int, str, date]] = set()
    offset = 0
    for _index, size in teams:
        team = engineers[offset : offset + size]
        offset += size
        for _ in range(rng.randint(3, 7)):
            engineer = rng.choice(team)
            code = rng.choices(codes, weights)[0]
            passed_on = today - timedelta(days=rng.randint(0, 900))
            key = (engineer.pk, code, passed_on)
            if key in seen:
                continue
            seen.add(key)
            certifications.append(
                Certification(
                    engineer=engineer,
                    course=courses[code],
                    passed_on=passed_on,
                    expires_on=certification_expiry(courses[code], passed_on),
                )
            )
    Certification.objects.bulk_create(certifications, batch_size=batch)

    approvals = []
    for partner in partners:
        if rng.random() < 0.05:
            decided = today - timedelta(days=rng.randint(1, 300))
            approvals.append(
                Accreditation(
                    partner=partner,
                    tier=expert,
                    status=Accreditation.Status.APPROVED,
                    valid_until=decided + ACCREDITATION_VALIDITY - timedelta(days=1),
                )
            )
    Accreditation.objects.bulk_create(approvals, batch_size=batch)
    return {
        "partners": len(partners),
        "engineers": len(engineers),
        "certifications": len(certifications),
        "approvals": len(approvals),
    }


# --- The measured work ---------------------------------------------------------------------


def evaluate_everyone(today: date) -> Counter[str]:
    from partners import eligibility, selectors
    from partners.models import Partner

    specs = selectors.tier_specs()
    snapshots = selectors.snapshots_for(Partner.objects.all(), on=today)
    held: Counter[str] = Counter()
    for snapshot in snapshots.values():
        highest = eligibility.evaluate(snapshot, specs, today).highest_eligible
        held[highest.code if highest else "—"] += 1
    return held


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float  # this process only: the database server's own time is not in it
    queries: int
    held: Counter[str]


def timed_run(today: date) -> Run:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        held = evaluate_everyone(today)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return Run(wall, cpu, len(queries), held)


def report(
    *, where: str, created: dict[str, int], today: date, cold: Run, runs: list[Run], peak: int
) -> bool:
    best = min(runs, key=lambda r: r.wall_s)
    ok = best.wall_s <= TARGET_SECONDS and best.queries <= TARGET_QUERIES
    order = ["registered", "sell", "deliver", "expert", "—"]
    lines = [
        "",
        "ServiceOne eligibility benchmark",
        "================================",
        f"database       {where}",
        f"data           {created['partners']:,} partners, {created['engineers']:,} engineers, "
        f"{created['certifications']:,} certifications, {created['approvals']:,} approved "
        "accreditations",
        f"evaluated on   {today.isoformat()}: "
        + ", ".join(f"{code} {cold.held[code]:,}" for code in order if cold.held[code]),
        f"wall time      {best.wall_s * 1000:.0f} ms, best of {len(runs)} warm runs "
        f"(cold run {cold.wall_s * 1000:.0f} ms; "
        f"{best.wall_s / max(1, created['partners']) * 1e6:.1f} µs per partner)",
        f"CPU time       {best.cpu_s * 1000:.0f} ms in this process "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
        f"SQL queries    {best.queries} in total (cold run {cold.queries})",
        f"peak memory    {peak / 1024 / 1024:.1f} MiB (tracemalloc, separate run)",
        f"target         ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_QUERIES} queries: "
        + ("met" if ok else "NOT met"),
    ]
    print("\n".join(lines))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="warm timed runs (best is kept)")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL run")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="servicone-bench-"))
    os.environ["BENCH_ORIGINAL_DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    url, where = isolated_database(workdir)
    os.environ["DATABASE_URL"] = url
    # Settings create their folders (broker, static, mail) under this: keep var/ clean.
    os.environ["SERVICONE_VAR_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicone.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        today = timezone.localdate()
        created = populate(args.partners, today)
        print(f"set-up (migrate + bulk_create): {time.perf_counter() - started:.1f} s")

        cold = timed_run(today)
        runs = [timed_run(today) for _ in range(max(1, args.runs))]
        tracemalloc.start()
        evaluate_everyone(today)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if args.show_queries:
            with CaptureQueriesContext(connection) as captured:
                evaluate_everyone(today)
            for query in captured.captured_queries:
                print(f"  {query['sql'][:200]}")
        ok = report(where=where, created=created, today=today, cold=cold, runs=runs, peak=peak)
        return 0 if ok else 1
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - django may not have been set up
            pass
        drop_postgres_database()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
