"""Benchmark of the hot paths (issue 14): each page and API call beside raw SQL for its rows.

On PostgreSQL (``DATABASE_URL=postgres://…``), for each ``--sizes`` (default 10,000 and
1,000,000 tickets): a database ``bench_hot_<size>`` populated by ``bench/scorecard.py``'s
``populate`` (100 partners, the tickets spread over 12 months with their three SLA targets,
set-wise by SQL), then the newest ``--open`` tickets (1,000 at every size: open tickets
are recent ones, the history is what grows) made open with pending deadlines, a
notification for 1 ticket in 100, and the people who read them. Then, in-process through
Django's test client (no test instrumentation; DEBUG off; one persistent connection):

* ticket create, API (``POST /api/v1/tickets/``) and page (``POST /tickets/new/``);
* ticket list API, a page of 50 (HP staff: every partner's; a partner: its own);
* ticket detail API;
* the queue and list pages: tickets (partner, HP), CDS queue, contracts, customers, a
  customer's assets, asset claims, approvals (accreditations), notifications.

For each: median and p95 server time, queries per call, and the raw SQL for the same rows
(one statement, measured in the same run, in the same rounds) with the ratio.
The SLA drain and the entitlement look-up have their own benchmarks
(``bench/sla.py``, ``bench/entitlement.py``).

Run: ``DATABASE_URL=postgres://… CACHE_URL=redis://… .venv/bin/python bench/hot_paths.py
[--sizes 10000 1000000] [--rounds 40] [--keep]``. ``CACHE_URL`` as production has it: pages
then read their session from Redis (without it, from the database: one query more). ``--keep`` keeps the databases and reuses them on the next run
(migrations still run, so new indexes apply); without it they are dropped at the end.
Targets: create ≤ 15 ms with ≤ 10 queries; list ≤ 2× raw SQL; detail ≤ 10 ms; every
queue and list page ≤ 50 ms and flat between the two sizes.

Where the time goes: ``BENCH_PROFILE=1`` (a create), ``=page`` (a create by the page), ``=list``, ``=detail``, ``=queue`` (HP's /tickets/), ``=cds`` (the CDS queue), ``=contracts``, ``=customers`` or ``=notifications`` prints a
cProfile of 20 calls (``BENCH_SORT=tottime`` to sort by own time) and, for a create, each
of its statements with its time (``BENCH_SQL=1`` for the whole statements).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eligibility import _postgres, _postgres_admin_url  # noqa: E402  (bench/eligibility.py)

ONLY: list[str] = []  # --only: measure these paths alone


@dataclass
class Figure:
    label: str
    times: list[float]
    queries: float
    raw: list[float] | None = None

    def line(self) -> str:
        ordered = sorted(self.times)
        median = statistics.median(ordered) * 1000
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000
        text = (
            f"   {self.label:<46} median {median:7.2f} ms  p95 {p95:7.2f} ms  {self.queries:5.1f} q"
        )
        if self.raw:
            raw = statistics.median(self.raw) * 1000
            text += f"  raw SQL {raw:6.2f} ms  ratio {median / raw:5.1f}×"
        return text


class QueryCounter:
    """Counts every statement run through Django (no query-log limit, no DEBUG)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


# --- Data -----------------------------------------------------------------------------------


def populate(tickets: int, open_tickets: int) -> None:
    """The scorecard's tickets, the newest ``open_tickets`` open, and the people who read them."""
    from django.db import connection
    from scorecard import populate as populate_tickets

    from servicone.access import PartnerRole, StaffRole
    from tests.partners.factories import partner_user, staff_user

    populate_tickets(tickets, 100)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM tickets_ticket")
        (last,) = cursor.fetchone()
        newest = last - open_tickets
        # Open tickets are the recent ones; 1 in 5 CDS's, 1 in 7 flagged for backup.
        cursor.execute(
            """
            UPDATE tickets_ticket SET
              status = (ARRAY['opened','owned','dispatched','on_site'])[(id %% 4) + 1],
              delivered_by = CASE WHEN id %% 5 = 0 THEN 'cds' ELSE 'partner' END,
              cds_backup = id %% 7 = 0,
              opened_at = now() - (%s - id) * interval '1 minute',
              acknowledged_at = NULL, arrived_at = NULL, handed_over_at = NULL,
              fell_back_at = NULL
            WHERE id > %s
            """,
            [last, newest],
        )
        cursor.execute(
            """
            UPDATE tickets_slatarget s SET
              state = CASE WHEN s.ticket_id %% 13 = 0 THEN 'breached' ELSE 'running' END,
              due_at = t.opened_at + interval '4 hours',
              warn_at = t.opened_at + interval '3 hours', met_at = NULL
            FROM tickets_ticket t WHERE t.id = s.ticket_id AND t.id > %s
            """,
            [newest],
        )
        cursor.execute(
            """
            INSERT INTO tickets_ownershipsegment (ticket_id, organisation, partner_id, started_at, reason)
            SELECT id, delivered_by, partner_id, opened_at, 'opened' FROM tickets_ticket
            """
        )
        cursor.execute(
            """
            INSERT INTO tickets_ticketevent (ticket_id, at, event, organisation, detail)
            SELECT id, opened_at, e.event, 'partner', '{}'::jsonb FROM tickets_ticket
            CROSS JOIN (VALUES ('opened'), ('routed')) AS e(event)
            """
        )
    partner_id = connection.cursor()
    partner_id.execute("SELECT partner_id FROM tickets_ticket WHERE id = %s", [last])
    (own,) = partner_id.fetchone()
    from partners.models import Partner

    partner = Partner.objects.get(pk=own)
    partner_user(partner, PartnerRole.ADMIN, username="bench.admin")
    partner_user(partner, PartnerRole.ENGINEER, username="bench.engineer")
    staff_user(StaffRole.PROGRAMME_MANAGER, username="bench.pm")
    dispatcher = staff_user(StaffRole.CDS_DISPATCHER, username="bench.cds")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO servicone_notification (recipient_id, kind, dedup_key, subject, body, link,
                                               created_at, email_attempts)
            SELECT %s, 'ticket', 'bench-' || id, 'Ticket ' || number, 'Banc', '', opened_at, 0
            FROM tickets_ticket WHERE id %% 100 = 0
            """,
            [dispatcher.pk],
        )
        cursor.execute("ANALYZE")


def _database(size: int, keep: bool) -> tuple[str, bool]:
    """The URL of ``bench_hot_<size>`` and whether it still holds a previous run's data."""
    configured = os.environ["BENCH_ORIGINAL_DATABASE_URL"]
    name = f"bench_hot_{size}"
    admin = _postgres_admin_url(configured)
    url = urlunparse(urlparse(configured)._replace(path=f"/{name}"))
    import psycopg2

    parsed = urlparse(admin)
    with (
        psycopg2.connect(
            dbname="postgres", user=parsed.username, host=parsed.hostname, port=parsed.port
        ) as probe,
        probe.cursor() as cursor,
    ):
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    if exists and keep:
        return url, True
    _postgres(admin, f"DROP DATABASE IF EXISTS {name}")
    _postgres(admin, f"CREATE DATABASE {name}")
    return url, False


# --- Raw SQL for the same rows --------------------------------------------------------------

_ROW = """
  SELECT t.id, t.number, t.status, t.severity, t.kind, t.summary, t.delivered_by,
         t.routing_reason, t.routing_messages, t.escalation_level, t.cds_backup,
         t.pause_reason, t.opened_at, t.ownership_due_at, t.acknowledged_at, t.dispatched_at,
         t.arrived_at, t.resolved_at, t.closed_at, t.handed_over_at, t.fell_back_at,
         p.name, c.name, s.name, s.timezone, a.serial_number, k.number, o.code, o.coverage,
         (SELECT json_agg(g ORDER BY g.id) FROM tickets_slatarget g WHERE g.ticket_id = t.id)
  FROM tickets_ticket t
  JOIN partners_partner p ON p.id = t.partner_id
  JOIN contracts_customer c ON c.id = t.customer_id
  JOIN contracts_site s ON s.id = t.site_id
  JOIN contracts_asset a ON a.id = t.asset_id
  JOIN contracts_contract k ON k.id = t.contract_id
  JOIN contracts_offering o ON o.id = t.offering_id
"""
_OPEN = "t.status IN ('opened','owned','dispatched','on_site','paused')"

RAW = {
    "list": _ROW + " ORDER BY t.opened_at DESC, t.id DESC LIMIT 50",
    "list_partner": _ROW
    + " WHERE t.partner_id = %(partner)s ORDER BY t.opened_at DESC, t.id DESC LIMIT 50",
    "count": "SELECT count(*) FROM tickets_ticket",
    "detail": """
      SELECT t.*, p.name, s.timezone, a.serial_number, o.code,
        (SELECT json_agg(g ORDER BY g.id) FROM tickets_slatarget g WHERE g.ticket_id = t.id),
        (SELECT json_agg(e ORDER BY e.at, e.id) FROM tickets_ticketevent e WHERE e.ticket_id = t.id),
        (SELECT json_agg(x) FROM tickets_ownershipsegment x WHERE x.ticket_id = t.id),
        (SELECT json_agg(y) FROM tickets_ticketpause y WHERE y.ticket_id = t.id)
      FROM tickets_ticket t JOIN partners_partner p ON p.id = t.partner_id
      JOIN contracts_site s ON s.id = t.site_id JOIN contracts_asset a ON a.id = t.asset_id
      JOIN contracts_offering o ON o.id = t.offering_id WHERE t.id = %(ticket)s
    """,
    "queue_partner": _ROW
    + f" WHERE t.partner_id = %(partner)s AND {_OPEN} ORDER BY t.opened_at DESC, t.id DESC LIMIT 25",
    "queue_hp": _ROW + f" WHERE {_OPEN} ORDER BY t.opened_at DESC, t.id DESC LIMIT 25",
    "queue_cds": _ROW
    + f""" WHERE {_OPEN} AND (t.delivered_by = 'cds' OR t.cds_backup)
      ORDER BY (SELECT min(due_at) FROM tickets_slatarget g WHERE g.ticket_id = t.id
                AND g.enforced AND g.met_at IS NULL
                AND g.state IN ('running','warned','breached')) NULLS LAST,
               t.opened_at, t.id LIMIT 25""",
    "contracts": """
      SELECT k.*, c.name, o.code FROM contracts_contract k
      JOIN contracts_customer c ON c.id = k.customer_id JOIN contracts_offering o ON o.id = k.offering_id
      ORDER BY k.id DESC LIMIT 25""",
    "customers": "SELECT * FROM contracts_customer ORDER BY name, id LIMIT 25",
    "assets": "SELECT a.*, s.name FROM contracts_asset a JOIN contracts_site s ON s.id = a.site_id "
    "WHERE a.customer_id = %(customer)s ORDER BY a.serial_number",
    "claims": "SELECT * FROM contracts_asset WHERE customer_id IS NULL ORDER BY id LIMIT 25",
    "approvals": "SELECT * FROM partners_accreditation ORDER BY id LIMIT 25",
    "notifications": """SELECT * FROM servicone_notification WHERE recipient_id = %(cds)s
      ORDER BY created_at DESC, id DESC LIMIT 20""",
}


def _close_created() -> int:
    """Close the tickets the create measurements opened (the populator's tickets have no
    opener): the open queues stay at ``--open`` tickets, run after run. Left open, a reused
    database's open queue grew with every run (2,650 open tickets instead of 1,000 after a
    day of runs) and the queue pages with it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET status = 'closed', closed_at = opened_at"
            " WHERE opened_by_id IS NOT NULL AND status <> 'closed'"
        )
        return int(cursor.rowcount)


def _raw(sql: str, params: dict[str, int]) -> Callable[[], object]:
    from django.db import connection

    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


# --- Measuring ------------------------------------------------------------------------------


def measure(
    label: str,
    call: Callable[[], object],
    rounds: int,
    raw: Callable[[], object] | None = None,
) -> Figure | None:
    """``rounds`` calls after 3 warm-up ones, the raw SQL alternating with them."""
    from django.db import connection

    if ONLY and not any(word in label for word in ONLY):
        return None

    for _ in range(3):
        call()
        if raw:
            raw()
    counter = QueryCounter()
    times: list[float] = []
    raws: list[float] = []
    for _ in range(rounds):
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        if raw:
            started = time.perf_counter()
            raw()
            raws.append(time.perf_counter() - started)
    return Figure(label, times, counter.count / rounds, raws or None)


def run_size(size: int, args: argparse.Namespace) -> list[Figure]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client

    connections.close_all()
    url, reused = _database(size, args.keep)
    settings_db = connections.databases["default"]
    parsed = urlparse(url)
    settings_db["NAME"] = parsed.path.lstrip("/")
    connections.close_all()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not reused:
        populate(size, args.open)
        print(f"   populated in {time.perf_counter() - started:.0f} s", flush=True)
    closed = _close_created()
    if closed:
        print(f"   closed {closed:,} tickets earlier runs' creates had left open", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        (count,) = cursor.fetchone()
    sessions = settings.SESSION_ENGINE.rsplit(".", 1)[-1]
    print(
        f"== {count:,} tickets ({'reused' if reused else 'new'} database {settings_db['NAME']};"
        f" sessions: {sessions})"
    )

    from rest_framework.authtoken.models import Token

    from contracts.models import Asset
    from partners.models import Membership

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="bench.")}
    admin = users["bench.admin"]
    partner_id = Membership.objects.get(user=admin).partner_id
    token = Token.objects.get_or_create(user=admin)[0].key
    hp_token = Token.objects.get_or_create(user=users["bench.pm"])[0].key
    asset = Asset.objects.filter(customer__partner_id=partner_id).order_by("pk").first()
    assert asset is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(id) FROM tickets_ticket WHERE partner_id = %s AND status <> 'closed'",
            [partner_id],
        )
        (ticket_id,) = cursor.fetchone()
    params = {
        "partner": partner_id,
        "ticket": ticket_id,
        "customer": asset.customer_id,
        "cds": users["bench.cds"].pk,
    }

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(users[username])
        return client

    api = Client(headers={"authorization": f"Token {token}"})
    hp_api = Client(headers={"authorization": f"Token {hp_token}"})
    # The pages, as a partner admin, a programme manager and a CDS dispatcher see them.
    admin_web, pm_web, cds_web = (client_for(f"bench.{n}") for n in ("admin", "pm", "cds"))

    def get(client: Client, path: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return call

    def create_api() -> object:
        response = api.post(
            "/api/v1/tickets/",
            {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Banc"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:300]
        return response

    def create_page() -> object:
        response = admin_web.post(
            "/tickets/new/",
            {
                "serial": asset.serial_number,
                "asset": asset.pk,
                "severity": 2,
                "kind": "incident",
                "summary": "Banc",
                "description": "",
            },
        )
        assert response.status_code == 302, response.content[:300]
        return response

    rounds = args.rounds

    def read(label: str, client: Client, path: str, raw: str = "") -> Figure | None:
        """A GET of ``path`` measured, beside the raw SQL ``RAW[raw]`` for the same rows."""
        return measure(label, get(client, path), rounds, _raw(RAW[raw], params) if raw else None)

    ticket_list = "/api/v1/tickets/?page_size=50"
    created = [
        measure("ticket create API", create_api, rounds),
        measure("ticket create page (POST /tickets/new/)", create_page, rounds),
    ]
    _close_created()  # the queues are read with the populator's open tickets only
    figures = [
        *created,
        read("ticket list API, page of 50 (HP, all)", hp_api, ticket_list, "list"),
        read("ticket list API, page of 50 (partner)", api, ticket_list, "list_partner"),
        read("ticket list API, page 100 of 50 (HP)", hp_api, f"{ticket_list}&page=100"),
        measure("count(*) of the whole table (raw)", _raw(RAW["count"], params), rounds),
        read("ticket detail API", api, f"/api/v1/tickets/{ticket_id}/", "detail"),
        read("page /tickets/ (partner)", admin_web, "/tickets/", "queue_partner"),
        read("page /tickets/ (HP)", pm_web, "/tickets/", "queue_hp"),
        read("page /tickets/?state= (HP, open and closed)", pm_web, "/tickets/?state=", "queue_hp"),
        read("page /tickets/cds/", cds_web, "/tickets/cds/", "queue_cds"),
        read("page /contracts/ (partner)", admin_web, "/contracts/", "contracts"),
        read("page /customers/ (partner)", admin_web, "/customers/", "customers"),
        read(
            "page /customers/<id>/ (its assets)",
            admin_web,
            f"/customers/{asset.customer_id}/",
            "assets",
        ),
        read("page /hp/asset-claims/", pm_web, "/hp/asset-claims/", "claims"),
        read("page /hp/accreditations/ (approvals)", pm_web, "/hp/accreditations/", "approvals"),
        read("page /notifications/", cds_web, "/notifications/", "notifications"),
    ]
    for figure in filter(None, figures):
        print(figure.line(), flush=True)
    if os.environ.get("BENCH_PROFILE"):  # where the time goes: BENCH_PROFILE=1
        import cProfile
        import pstats

        timed: list[tuple[float, str]] = []

        def time_each(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timed.append((time.perf_counter() - started, sql))

        create = create_page if os.environ["BENCH_PROFILE"] == "page" else create_api
        create()
        with connection.execute_wrapper(time_each):
            started = time.perf_counter()
            create()
            whole = time.perf_counter() - started
        print(f"   one create, {whole * 1000:.2f} ms, its statements:")
        for seconds, sql in timed:
            shown = " ".join(sql.split())
            print(
                f"   {seconds * 1000:7.2f} ms  {shown if os.environ.get('BENCH_SQL') else shown[:110]}"
            )

        profiled = {
            "detail": get(api, f"/api/v1/tickets/{ticket_id}/"),
            "list": get(api, ticket_list),
            "queue": get(pm_web, "/tickets/"),
            "contracts": get(admin_web, "/contracts/"),
            "customers": get(admin_web, "/customers/"),
            "notifications": get(cds_web, "/notifications/"),
            "cds": get(cds_web, "/tickets/cds/"),
            "page": create_page,
        }.get(os.environ["BENCH_PROFILE"], create_api)
        for _ in range(3):  # warm: the URL resolver of each language is built on first use
            profiled()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            profiled()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
        # BENCH_MATCH=/work/main: only the functions whose file or name matches
        stats.print_stats(*filter(None, [os.environ.get("BENCH_MATCH")]), 40)
        if os.environ.get("BENCH_CALLERS"):  # who calls what: BENCH_CALLERS=normalize
            stats.print_callers(os.environ["BENCH_CALLERS"])
        if os.environ.get("BENCH_CALLEES"):  # what a function calls: BENCH_CALLEES=perform_create
            stats.print_callees(os.environ["BENCH_CALLEES"])
    connections.close_all()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--open", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--only", nargs="*", default=[], help="paths whose label has a word")
    args = parser.parse_args()
    ONLY.extend(args.only)

    configured = os.environ.get("DATABASE_URL", "")
    if urlparse(configured).scheme not in ("postgres", "postgresql", "pgsql"):
        print("bench/hot_paths.py measures PostgreSQL: set DATABASE_URL=postgres://…")
        return 2
    os.environ["BENCH_ORIGINAL_DATABASE_URL"] = configured
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicone.settings"
    # The production profile refuses the in-memory broker (DEBUG=0 wants Redis): the
    # settings load in DEBUG mode, then DEBUG goes off before the first request (no query
    # log, no debug pages), as bench/entitlement.py does on SQLite.
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["API_THROTTLE_USER"] = "100000000/minute"
    os.environ["TWO_FACTOR_REQUIRED_FOR_HP"] = "0"
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ.setdefault("DB_CONN_MAX_AGE", "300")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    try:
        for size in args.sizes:
            run_size(size, args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin = _postgres_admin_url(configured)
            for size in args.sizes:
                _postgres(admin, f"DROP DATABASE IF EXISTS bench_hot_{size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
