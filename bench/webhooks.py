"""Benchmark of webhook deliveries (issue 17), printing its figures.

10,000 events to three endpoints on loopback — one healthy, one answering after 2 s, one
answering 500 — through the real code: the outbox writer (``events_emit``), the fan-out
(``fanout.dispatch_batch``) and the delivery runs (``delivery.endpoint_deliver_due``, what
the ``webhooks`` queue's worker processes run), signed as Standard Webhooks says.

1. emit the events (set-wise), fan them out: 30,000 deliveries, bodies rendered once;
2. three worker processes at once, one per endpoint (at most one delivery in flight per
   endpoint): the healthy endpoint's deliveries per second in its process (target ≥ 200/s),
   while the slow and the failing ones are delivered beside it; the process's memory
   (RSS) after a warm-up and at the end (flat: no growth with the deliveries);
3. the failing endpoint's retries, time moved rather than waited for (time-machine): each
   retry not a second early, then on time, about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
   (±10 %), then ``failed``;
4. no event lost: every endpoint has one delivery per event; the healthy receiver got
   each event once, every signature verified with ``standardwebhooks``; the slow one got
   each delivered event; the failing one every attempt.

Run: ``.venv/bin/python bench/webhooks.py [--events 10000] [--retry-rounds 7]``. SQLite
(a temporary file) by default; with ``DATABASE_URL=postgres://…`` a throwaway database
``bench_servicone`` on that server (dropped at the end), like the other benches.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eligibility import drop_postgres_database, isolated_database  # noqa: E402

TARGET_PER_SECOND = 200
SLOW_SECONDS = 2.0
TICKETS = 50  # the events' resources: real tickets, rendered as the API returns them


# --- The receivers (a process of their own: they must not share the worker's CPU) -----------


def _receiver_process(conn: Any) -> None:
    from standardwebhooks import Webhook

    state: dict[str, Any] = {}

    def handler(name: str) -> type[BaseHTTPRequestHandler]:
        stats = state.setdefault(name, {"requests": 0, "ids": set(), "bad": 0})

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stats["requests"] += 1
                stats["ids"].add(self.headers["webhook-id"])
                secret = state.get(f"{name}-secret")
                if secret:
                    try:
                        Webhook(secret).verify(body, dict(self.headers))
                    except Exception:
                        stats["bad"] += 1
                if name == "slow":
                    time.sleep(SLOW_SECONDS)
                status = 500 if name == "failing" else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self) -> None:
                report = json.dumps(
                    {
                        "requests": stats["requests"],
                        "unique": len(stats["ids"]),
                        "bad": stats["bad"],
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(report)))
                self.end_headers()
                self.wfile.write(report)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    ports = {}
    for name in ("healthy", "slow", "failing"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler(name))
        server.daemon_threads = True
        ports[name] = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(ports)
    while True:
        message = conn.recv()
        if message is None:
            return
        state.update(message)  # the healthy endpoint's secret, to verify its signatures


def _stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as response:
        return json.loads(response.read())


# --- Measurements --------------------------------------------------------------------------


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def deliver_all(endpoint_id: int, stop: Callable[[], bool] | None = None) -> tuple[int, int]:
    """Runs of the endpoint's due deliveries until none is due (or ``stop``): a worker's
    loop. Returns (delivered, failed attempts)."""
    from webhooks.delivery import endpoint_deliver_due

    delivered = failed = 0
    while not (stop and stop()):
        run = endpoint_deliver_due(endpoint_id, run_seconds=5.0)
        delivered, failed = delivered + run.delivered, failed + run.failed
        if not run.more:
            break
    return delivered, failed


def _worker_process(endpoint_id: int, stop_at: Any, result: Any, frozen_at: float | None) -> None:
    """Another worker process: one endpoint's runs until told to stop. ``frozen_at``: its
    clock stands still there (the failing endpoint's first attempts all at one instant,
    so that its retries can then be walked through by moving the clock)."""
    import django
    import time_machine
    from django.db import connections

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log
    started = time.perf_counter()
    if frozen_at is None:
        delivered, failed = deliver_all(endpoint_id, stop=lambda: stop_at.is_set())
    else:
        with time_machine.travel(frozen_at, tick=False):
            delivered, failed = deliver_all(endpoint_id, stop=lambda: stop_at.is_set())
    result.put((endpoint_id, delivered, failed, time.perf_counter() - started))
    connections.close_all()


def _short(delay: timedelta) -> str:
    seconds = delay.total_seconds()
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def populate(events: int) -> dict[str, Any]:
    from django.utils import timezone

    from tests.partners.factories import PartnerFactory, partner_user
    from tests.tickets.factories import covered_asset
    from tickets.services import ticket_open
    from webhooks.events import EventSpec, events_emit
    from webhooks.models import Event

    partner = PartnerFactory(name="Partenaire banc webhooks")
    admin = partner_user(partner, "admin", username="bench.webhooks")
    asset = covered_asset(partner, today=timezone.localdate())
    tickets = [
        ticket_open(asset=asset, severity=2, kind="incident", summary=f"Banc {n}", actor=admin)
        for n in range(TICKETS)
    ]
    Event.objects.all().delete()  # the set-up's own events: the bench emits its own
    started = time.perf_counter()
    chunk = 1000
    for start in range(0, events, chunk):
        events_emit(
            EventSpec("ticket.updated", partner.pk, tickets[n % TICKETS].pk)
            for n in range(start, min(events, start + chunk))
        )
    return {"partner": partner, "admin": admin, "emit_seconds": time.perf_counter() - started}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument(
        "--retry-rounds", type=int, default=7, help="0 to 7 retries to move through"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="servicone-bench-webhooks-"))
    os.environ["BENCH_ORIGINAL_DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    url, described = isolated_database(workdir)
    os.environ.update(
        DATABASE_URL=url,
        SERVICONE_VAR_DIR=str(workdir),
        DJANGO_SETTINGS_MODULE="servicone.settings",
        DEBUG="1",  # receivers on http://127.0.0.1 (production: https only)
        WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Tasks queued on commit go nowhere: this bench runs the fan-out and the runs itself.
        CELERY_BROKER_URL="memory://localhost/",
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    receivers = context.Process(target=_receiver_process, args=(there,), daemon=True)
    receivers.start()
    ports = here.recv()
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        settings.DEBUG = False  # no query log in memory
        call_command("migrate", verbosity=0)
        from tests.webhooks.factories import endpoint
        from webhooks import fanout
        from webhooks.models import Delivery, DeliveryStatus, Payload
        from webhooks.retries import MAX_ATTEMPTS, RETRY_DELAYS

        print(f"== webhooks on {described}; receivers on 127.0.0.1:{ports}", flush=True)
        data = populate(args.events)
        n = args.events
        print(
            f"1. emitted {n:,} events in {data['emit_seconds']:.2f} s ({n / data['emit_seconds']:,.0f}/s)"
        )
        hooks = {}
        for name in ("healthy", "slow", "failing"):
            hooks[name], secret = endpoint(
                data["admin"],
                data["partner"],
                f"http://127.0.0.1:{ports[name]}/in",
                ["ticket.updated"],
            )
            if name == "healthy":
                here.send({"healthy-secret": secret})
        started = time.perf_counter()
        batches = 0
        while fanout.dispatch_batch().events:
            batches += 1
        seconds = time.perf_counter() - started
        print(
            f"   fan-out: {n:,} events → {Delivery.objects.count():,} deliveries, "
            f"{Payload.objects.count():,} bodies, in {seconds:.2f} s ({n / seconds:,.0f} events/s, "
            f"{batches} batches)",
            flush=True,
        )

        # 2. Three worker processes, one per endpoint; the healthy one measured here.
        connections.close_all()  # the children open their own
        stop_at, results = context.Event(), context.Queue()
        frozen_at = time.time()
        children = [
            context.Process(
                target=_worker_process,
                args=(hooks[name].pk, stop_at, results, frozen_at if name == "failing" else None),
            )
            for name in ("slow", "failing")
        ]
        for child in children:
            child.start()
        from webhooks.delivery import endpoint_deliver_due

        # A warm-up second (connections, caches, imports), then the measure.
        warm = endpoint_deliver_due(hooks["healthy"].pk, run_seconds=1.0).delivered
        rss_before = rss_mib()
        started = time.perf_counter()
        delivered, failed = deliver_all(hooks["healthy"].pk)
        seconds = time.perf_counter() - started
        rss_after = rss_mib()
        stop_at.set()
        side = {}
        for _ in children:
            endpoint_id, done, attempts, took = results.get(timeout=120)
            side[endpoint_id] = (done, attempts, took)
        for child in children:
            child.join(timeout=120)
        rate = delivered / seconds
        print(
            f"2. healthy endpoint: {delivered:,} deliveries in {seconds:.2f} s = {rate:,.0f}/s "
            f"in one worker process (target ≥ {TARGET_PER_SECOND}/s: "
            f"{'met' if rate >= TARGET_PER_SECOND else 'NOT met'}); {failed} failed attempts",
            flush=True,
        )
        slow_done, _, slow_took = side[hooks["slow"].pk]
        _, failing_attempts, _ = side[hooks["failing"].pk]
        print(
            f"   meanwhile, in their own processes: slow endpoint {slow_done} delivered in "
            f"{slow_took:.1f} s (one in flight, {SLOW_SECONDS:.0f} s each), failing endpoint "
            f"{failing_attempts:,} failed first attempts"
        )
        print(
            f"   memory (RSS) of the healthy endpoint's process: {rss_before:.1f} MiB after "
            f"{warm} warm-up deliveries, {rss_after:.1f} MiB after {delivered:,} more "
            f"({rss_after - rss_before:+.1f} MiB)"
        )

        # 3. The failing endpoint's retries, time moved.
        import time_machine

        failing = hooks["failing"].pk
        rows = Delivery.objects.filter(endpoint_id=failing)
        with time_machine.travel(frozen_at, tick=False):
            deliver_all(failing)  # any first attempt its worker had no time for
        print(f"3. failing endpoint: {args.retry_rounds} retries, the clock moved, not waited for")
        for round_number, expected in enumerate(RETRY_DELAYS[: args.retry_rounds], start=1):
            pending = rows.filter(status=DeliveryStatus.PENDING)
            first = pending.order_by("next_attempt_at")[0]
            last = pending.order_by("-next_attempt_at")[0]
            with time_machine.travel(first.next_attempt_at - timedelta(seconds=1), tick=False):
                early = endpoint_deliver_due(failing).attempted
            started = time.perf_counter()
            with time_machine.travel(last.next_attempt_at, tick=False):
                _, attempted = deliver_all(failing)
            seconds = time.perf_counter() - started
            print(
                f"   retry {round_number}: {attempted:,} attempts {_short(first.next_attempt_at - first.last_attempt_at)} "
                f"to {_short(last.next_attempt_at - last.last_attempt_at)} after the previous one "
                f"(schedule {_short(expected)} ±10 %), none a second early ({early} sent), "
                f"in {seconds:.1f} s"
            )
        attempts = sorted(set(rows.values_list("attempt", flat=True)))
        print(
            f"   then: {rows.filter(status=DeliveryStatus.FAILED).count():,} failed, "
            f"{rows.filter(status=DeliveryStatus.PENDING).count():,} pending, attempts made "
            f"{attempts} (failed after {MAX_ATTEMPTS})"
        )

        # 4. Nothing lost.
        print("4. no event lost:")
        for name in ("healthy", "slow", "failing"):
            stats = _stats(ports[name])
            mine = Delivery.objects.filter(endpoint=hooks[name])
            counts = {s: mine.filter(status=s).count() for s in DeliveryStatus.values}
            print(
                f"   {name:8} {mine.count():,} deliveries for {n:,} events "
                f"({', '.join(f'{k} {v:,}' for k, v in counts.items())}); receiver: "
                f"{stats['requests']:,} requests, {stats['unique']:,} distinct webhook-ids"
                + (f", {stats['bad']} bad signatures" if name == "healthy" else "")
            )
        healthy = _stats(ports["healthy"])
        ok = (
            Delivery.objects.filter(endpoint=hooks["healthy"], status="delivered").count()
            == healthy["unique"]
            == n
            and healthy["bad"] == 0
        )
        print(f"   healthy: every event delivered once and verified: {'yes' if ok else 'NO'}")
    finally:
        from django.db import connections

        here.send(None)
        receivers.join(timeout=10)
        connections.close_all()
        drop_postgres_database()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
