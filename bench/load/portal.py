"""The production profile under load (bench/load/run.py): the servers it runs on, its
processes, its ``/metrics`` and the sampler of the SLA sweep's lag.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent.parent
SOCKET_TIMEOUT = 30


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
