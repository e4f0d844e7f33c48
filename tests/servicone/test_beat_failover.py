"""Two beat processes, one schedule: each periodic job is sent once per period, and when
the beat that holds the lock dies, the other takes over within the lock timeout.

Real processes on the real Redis (the PostgreSQL + Redis run). The schedule is one
``ping`` every second, sent to a queue of this test's own that no worker reads, so the
messages can be counted; each beat's log says which one sent what.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
INTERVAL = 1  # seconds between two sends of the test job
LOOP = 1  # BEAT_MAX_LOOP_INTERVAL: how often the lock holder renews, the other retries
LOCK_TIMEOUT = 4  # BEAT_LOCK_TIMEOUT
SENT = "Sending due task beat-test-ping"


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    # Polls a real process's output; the deadline only bounds a hang.
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Beat:
    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "tests.servicone.beat_app",
                    "beat",
                    "--loglevel=INFO",
                    f"--pidfile={log.with_suffix('.pid')}",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def sends(self) -> int:
        return self.text().count(SENT)

    def holds_lock(self) -> bool:
        return "beat: Acquired lock" in self.text()

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def redis_client() -> Iterator[object]:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("this test needs CELERY_BROKER_URL=redis://… (the PostgreSQL + Redis run)")
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    client.close()


@pytest.mark.redis
def test_two_beats_send_each_job_once_per_period_and_the_second_takes_over(redis_client, tmp_path):
    run = uuid.uuid4().hex[:10]
    queue, prefix = f"beat-test-{run}", f"beat-test-{run}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servicone.settings",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "BEAT_TEST_QUEUE": queue,
        "BEAT_TEST_INTERVAL": str(INTERVAL),
        "BEAT_MAX_LOOP_INTERVAL": str(LOOP),
        "BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
        "REDBEAT_KEY_PREFIX": prefix,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    queued = lambda: int(redis_client.llen(queue))  # noqa: E731
    first = Beat("first", env, tmp_path / "beat-first.log")
    second: Beat | None = None
    try:
        wait_until(first.holds_lock, 60, "the first beat to take the lock")
        # The first beat sends from now on, while the second one starts (a few seconds on a
        # busy machine): its sends are counted from here, not from the second's start.
        holding = time.monotonic()
        second = Beat("second", env, tmp_path / "beat-second.log")
        wait_until(lambda: "beat: Starting" in second.text(), 60, "the second beat to start")
        both = queued()

        wait_until(lambda: queued() >= both + 6, 30, "six sends while both run")
        elapsed = time.monotonic() - holding

        # While both run, only the lock holder sends, once a period.
        assert second.sends() == 0, second.text()
        assert not second.holds_lock()
        assert first.sends() == queued()
        assert queued() <= elapsed / INTERVAL + 3

        first.kill()
        killed, sent_before = time.monotonic(), queued()
        wait_until(lambda: second.sends() > 0, LOCK_TIMEOUT + LOOP + 10, "the takeover")
        takeover = time.monotonic() - killed

        assert second.holds_lock()
        assert takeover <= LOCK_TIMEOUT + LOOP + 2, f"took over after {takeover:.1f} s"
        wait_until(lambda: second.sends() >= 4, 30, "four sends by the second beat")
        # Nothing sent twice: after the kill, the queue grew by the second beat's sends only.
        assert queued() - sent_before == second.sends()
        # The first beat logs a send before publishing it: a kill between the two leaves one
        # logged send that never reached the queue (the crash's loss, not a duplicate).
        assert first.sends() - sent_before in (0, 1)
    finally:
        first.stop()
        if second is not None:
            second.stop()
        redis_client.delete(queue)
        for key in redis_client.scan_iter(f"{prefix}*"):
            redis_client.delete(key)
