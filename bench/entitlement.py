"""Benchmark of the entitlement look-up by serial number (issue 4), printing its figures.

Builds 100,000 assets each under a contract (bulk inserts) in a throwaway
database (SQLite temp file, or ``bench_servicone`` on the PostgreSQL server of
``DATABASE_URL``), then looks up ``--lookups`` serial numbers (10,000) through
``GET /api/v1/entitlements/?serial=`` as a partner user with a token, then again
with an API key of the partner (``Authorization: Bearer``, scope ``contracts:read``) — the
whole request through Django's WSGI handler, as a server calls it, with
persistent database connections (``DB_CONN_MAX_AGE``): middleware,
authentication, throttling, tenant scoping, the query, serialisation — and
prints p50/p99 latency per look-up and queries per look-up.
Target: p50 ≤ 2 ms, ≤ 3 queries per look-up; a key costs what a token costs.
Then the same look-ups through the selectors alone, with the plan of their query:
``entitlement_rows`` (what the API calls) and ``entitlements_for_serial`` (the pages).

Run: ``.venv/bin/python bench/entitlement.py [--assets 100000] [--lookups 10000]``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eligibility import (  # noqa: E402  (bench/eligibility.py)
    drop_postgres_database,
    isolated_database,
)


def populate(assets: int, partners: int = 100) -> tuple[list[str], str, str]:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from contracts.models import Asset, Contract, ContractAsset, Customer, Offering, Site
    from partners.models import Membership, Partner, ProductLine, Tier

    today = timezone.localdate()
    sell = Tier.objects.get(code="sell")
    offering = Offering.objects.get(code="CP-PL-4H-24X7")
    line = ProductLine.objects.get(code="proliant")
    batch = 5000
    partner_rows = Partner.objects.bulk_create(
        [Partner(name=f"Banc {i:03d}", tier=sell) for i in range(partners)], batch_size=batch
    )
    customers = Customer.objects.bulk_create(
        [Customer(partner=p, name=f"Client {p.pk}") for p in partner_rows], batch_size=batch
    )
    sites = Site.objects.bulk_create(
        [Site(customer=c, name="Site", city="Lyon") for c in customers], batch_size=batch
    )
    asset_rows = Asset.objects.bulk_create(
        [
            Asset(
                customer=customers[i % partners],
                site=sites[i % partners],
                serial_number=f"CZJ{i:08d}",
                product_line=line,
            )
            for i in range(assets)
        ],
        batch_size=batch,
    )
    starts, ends = today - timedelta(days=30), today + timedelta(days=1000)
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                number=f"B-{i:08d}",
                partner=partner_rows[i % partners],
                customer=customers[i % partners],
                offering=offering,
                status="active",
                starts_on=starts,
                ends_on=ends,
                price_eur=offering.list_price_eur,
                delivery_mode="partner",
                booked_on=starts,
            )
            for i in range(assets)
        ],
        batch_size=batch,
    )
    ContractAsset.objects.bulk_create(
        [
            ContractAsset(contract=c, asset=a, kind="care_pack", starts_on=starts, ends_on=ends)
            for c, a in zip(contracts, asset_rows, strict=True)
        ],
        batch_size=batch,
    )
    user = get_user_model().objects.create_user("bench.sales", password="x")  # noqa: S106
    Membership.objects.create(user=user, partner=partner_rows[0], role="sales")
    token = Token.objects.create(user=user)
    # The partner's integration: an API key its administrator made, as the pages make one.
    from servicone.apikeys import api_key_create

    admin = get_user_model().objects.create_user("bench.admin", password="x")  # noqa: S106
    Membership.objects.create(user=admin, partner=partner_rows[0], role="admin")
    _row, api_key = api_key_create(
        name="Banc",
        partner=partner_rows[0],
        scopes=["contracts:read"],
        expires_at=None,
        actor=admin,
    )
    # Serials of the partner's own customer (found) and of others (scoped out: empty list).
    own = [a.serial_number for a in asset_rows if a.customer_id == customers[0].pk]
    others = [a.serial_number for a in asset_rows[:: max(1, assets // 5000)]]
    return own + others, token.key, api_key


class QueryCounter:
    """Counts every SQL statement run through Django (no 9,000-query log limit).

    Keeps the last statement, so that its plan can be printed.
    """

    def __init__(self) -> None:
        self.count = 0
        self.last: tuple[str, object] = ("", ())

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        self.last = (sql, params)
        return execute(sql, params, many, context)


def explain(connection, sql: str, params: object) -> list[str]:  # type: ignore[no-untyped-def]
    """The plan of ``sql``: executed and timed on PostgreSQL, the query plan on SQLite."""
    if connection.vendor == "postgresql":
        prefix, column = "EXPLAIN ANALYZE ", 0
    else:
        prefix, column = "EXPLAIN QUERY PLAN ", -1
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return [str(row[column]) for row in cursor.fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="servicone-bench-entitlement-"))
    os.environ["BENCH_ORIGINAL_DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    url, described = isolated_database(workdir)
    os.environ["DATABASE_URL"] = url
    os.environ["SERVICONE_VAR_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicone.settings"
    # DEBUG off, as in production; but the settings refuse SQLite with DEBUG=0 (the
    # production profile), so on SQLite they load in DEBUG mode and DEBUG is turned off
    # once they are loaded, before the first request (no query log, no debug pages).
    sqlite = url.startswith("sqlite")
    os.environ["DEBUG"] = "1" if sqlite else "0"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["API_THROTTLE_USER"] = "100000000/minute"
    # Persistent connections, as a production server runs (the handler closes a
    # connection older than this at the end of each request; 0 would reconnect each time).
    os.environ.setdefault("DB_CONN_MAX_AGE", "300")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import django

        django.setup()
        from django.conf import settings

        settings.DEBUG = False
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        serials, token, api_key = populate(args.assets)
        with connection.cursor() as cursor:
            # Fresh bulk inserts have no planner statistics yet; production tables do.
            cursor.execute("ANALYZE")
        print(f"== entitlement look-up on {described}")
        print(
            f"   populated {args.assets:,} assets and contracts in {time.perf_counter() - started:.1f} s"
        )
        # The request goes through Django's WSGI handler as a WSGI server calls it (every
        # middleware, DRF, authentication, throttling, the view, JSON rendering), not
        # through the test client, whose own instrumentation would be measured too.
        handler = WSGIHandler()

        def look_up(serial: str, authorization: str) -> list:
            status: list[str] = []
            body = b"".join(
                handler(
                    {
                        "REQUEST_METHOD": "GET",
                        "PATH_INFO": "/api/v1/entitlements/",
                        "QUERY_STRING": urlencode({"serial": serial}),
                        "HTTP_AUTHORIZATION": authorization,
                        "HTTP_ACCEPT": "application/json",
                        "SERVER_NAME": "localhost",
                        "SERVER_PORT": "80",
                        "SERVER_PROTOCOL": "HTTP/1.1",
                        "REMOTE_ADDR": "127.0.0.1",
                        "wsgi.input": io.BytesIO(),
                        "wsgi.url_scheme": "http",
                        "wsgi.errors": sys.stderr,
                    },
                    lambda code, headers: status.append(code),
                )
            )
            assert status[0].startswith("200"), (status, body[:200])
            return json.loads(body)

        rng = random.Random(7)
        picks = [rng.choice(serials) for _ in range(args.lookups)]
        for label, authorization in (
            ("a person's token", f"Token {token}"),
            ("an API key", f"Bearer {api_key}"),
        ):
            for serial in picks[:200]:  # warm-up: connections, caches, code paths
                look_up(serial, authorization)
            timings = []
            found = 0
            counter = QueryCounter()
            profiler = None
            if os.environ.get("BENCH_PROFILE"):  # where the time goes: BENCH_PROFILE=1
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            with connection.execute_wrapper(counter):
                for serial in picks:
                    t0 = time.perf_counter()
                    rows = look_up(serial, authorization)
                    timings.append(time.perf_counter() - t0)
                    found += bool(rows)
            if profiler is not None:
                import pstats

                profiler.disable()
                pstats.Stats(profiler).sort_stats(
                    os.environ.get("BENCH_SORT", "tottime")
                ).print_stats(int(os.environ.get("BENCH_LINES", "30")))
            timings.sort()
            p50 = statistics.median(timings) * 1000
            p99 = timings[int(len(timings) * 0.99) - 1] * 1000
            per_lookup = counter.count / len(picks)
            print(
                f"   {len(picks):,} look-ups through GET /api/v1/entitlements/ with {label} "
                f"({found:,} with coverage)"
            )
            print(f"   p50 {p50:.2f} ms, p99 {p99:.2f} ms per look-up (target p50 ≤ 2 ms)")
            print(f"   queries per look-up: {per_lookup:.2f} (target ≤ 3)")

        # The look-up itself, without HTTP/DRF: the selector the API view calls, then the
        # one the pages call (model instances, for templates).
        from django.utils import timezone

        from contracts.selectors import entitlement_rows, entitlements_for_serial
        from partners.models import Membership

        partner_id = Membership.objects.get(user__username="bench.sales").partner_id
        today = timezone.localdate()

        def api_selector(serial: str) -> object:
            rows = entitlement_rows(serial, partner_id=partner_id, on=today)
            return [(r.contract_number, r.coverage) for r in rows]

        def page_selector(serial: str) -> object:
            rows = entitlements_for_serial(serial, partner_id=partner_id, on=today)
            return [(r.contract.number, r.contract.offering.coverage) for r in rows]

        for name, selector in (
            ("entitlement_rows, the API's", api_selector),
            ("entitlements_for_serial, the pages'", page_selector),
        ):
            core = []
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                for serial in picks:
                    t0 = time.perf_counter()
                    selector(serial)
                    core.append(time.perf_counter() - t0)
            core.sort()
            # The plan of the selector's (last) statement, as it runs for the first pick.
            sample = QueryCounter()
            with connection.execute_wrapper(sample):
                selector(picks[0])
            print(f"   plan of the look-up query ({name}):")
            print("\n".join("     " + line for line in explain(connection, *sample.last)))
            print(
                f"   selector only ({name}): p50 {statistics.median(core) * 1000:.2f} ms, "
                f"p99 {core[int(len(core) * 0.99) - 1] * 1000:.2f} ms, "
                f"{counter.count / len(picks):.2f} queries per look-up"
            )
    finally:
        from django.db import connections

        connections.close_all()
        drop_postgres_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
