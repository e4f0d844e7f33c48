"""Shared fixtures: API clients per role, the browser, a real Celery worker."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection, transaction
from django.test import Client
from django.test.testcases import LiveServerThread
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicone.access import PartnerRole, StaffRole
from servicone.celery import app as celery_app
from tests.partners.factories import PartnerFactory, partner_user, staff_user

ROOT = Path(__file__).resolve().parent.parent

# Playwright's sync API runs an event loop in the test thread; Django would
# then refuse ORM calls made by the test itself.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    """A fast password hasher for the whole run: the suite creates users by the
    hundred, and PBKDF2's deliberate slowness was most of its time (9 min 44 s to
    2 min 43 s). Production keeps Django's default; login still checks a real hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    # The suite's cache is the in-process one, and sessions are the database's, whatever
    # CACHE_URL says in the shell that runs it (the production profile's Redis cache and
    # cached sessions are tested where they are built: test_production, test_throttling).
    # With CACHE_URL exported, 25 tests failed: their query counts assume database sessions,
    # and the report cache's tests an empty cache at each test.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "servicone-tests",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"

    # Hypothesis checks what its examples find, not how long a busy machine takes to draw
    # them: no per-example deadline and no "too slow" health check (two test processes on
    # two cores, beside whatever else runs, made a property test fail on timing alone).
    hypothesis.settings.register_profile(
        "servicone", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
    )
    hypothesis.settings.load_profile("servicone")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """The browser tests run first, in one test process (``make test``'s ``--dist loadgroup``).

    Each drives Chromium and its Playwright driver, three more busy processes on two cores.
    Run last (pytest-django orders the tests that flush the database last), they ran on both
    test processes at once at the end; grouped and first, one process runs them while the
    other runs the rest: the SQLite run went from 137-147 s to 131 s on a quiet machine.
    Every test starts with the default programme whatever ran before it on its process
    (``_default_programme_in_transactional_tests``), so the order changes no outcome.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
    yield  # pytest-django's order, then xdist's group names
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


@pytest.fixture(autouse=True)
def _celery_eager(request: pytest.FixtureRequest, settings: Any) -> None:
    """Tasks run inline in tests, except where a test uses the real worker.

    Celery reads ``CELERY_*`` from Django's settings on every access (namespace
    "CELERY"), so the settings fixture is the switch, restored after the test.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = "worker" not in request.keywords
    settings.CELERY_TASK_EAGER_PROPAGATES = True


FLUSHES_THE_DATABASE = pytest.StashKey[Any]()


def _restore_default_programme() -> None:
    from django.apps import apps

    from contracts.catalogue import load_default_catalogue
    from partners.programme import load_default_programme
    from partners.staff import ensure_staff_groups

    load_default_programme(apps)
    load_default_catalogue(apps)
    ensure_staff_groups()


@pytest.fixture(autouse=True)
def _default_programme_in_transactional_tests(
    request: pytest.FixtureRequest, django_db_blocker: Any
) -> None:
    """Transactional tests flush the database when they end, data migrations included:
    the default programme and catalogue are put back right after the flush (below), so
    every test, whichever ran before it on its process, starts with them (xdist hands
    each process its tests in no fixed order)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames
        for name in ("transactional_db", "live_server", "page", "celery_worker")
    )
    if transactional:
        request.node.stash[FLUSHES_THE_DATABASE] = django_db_blocker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield  # the test's fixtures torn down: a transactional test's flush is done
    blocker = item.stash.get(FLUSHES_THE_DATABASE, None)
    if blocker is not None and nextitem is not None:  # (after the last, no database is left)
        with blocker.unblock():
            _restore_default_programme()


@pytest.fixture(autouse=True)
def _french_by_default(settings: Any) -> None:
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@contextmanager
def rolled_back_at(at: datetime, django_db_blocker: Any) -> Iterator[None]:
    """Data built once for a module or package, the clock frozen at ``at``: the body writes
    it inside a transaction that is rolled back when the scope ends (each test of the scope
    runs in its own savepoint inside it)."""
    with django_db_blocker.unblock(), time_machine.travel(at, tick=False), transaction.atomic():
        yield
        transaction.set_rollback(True)


def between_tags(html: str) -> str:
    """HTML with the white space between tags taken out: how HTML written in Python is
    compared with the template it replaces."""
    return re.sub(r">\s+<", "><", html).strip()


def token_client(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def partner(db: None) -> Any:
    return PartnerFactory(name="Ovesys Test")


@pytest.fixture
def other_partner(db: None) -> Any:
    return PartnerFactory(name="Concurrent SA")


@pytest.fixture
def partner_admin(partner: Any) -> Any:
    return partner_user(partner, PartnerRole.ADMIN, username="p.admin")


@pytest.fixture
def partner_sales(partner: Any) -> Any:
    return partner_user(partner, PartnerRole.SALES, username="p.sales")


@pytest.fixture
def partner_engineer(partner: Any) -> Any:
    return partner_user(partner, PartnerRole.ENGINEER, username="p.engineer")


@pytest.fixture
def other_admin(other_partner: Any) -> Any:
    return partner_user(other_partner, PartnerRole.ADMIN, username="o.admin")


@pytest.fixture
def programme_manager(db: None) -> Any:
    return staff_user(StaffRole.PROGRAMME_MANAGER, username="hp.pm")


@pytest.fixture
def cds_dispatcher(db: None) -> Any:
    return staff_user(StaffRole.CDS_DISPATCHER, username="cds.disp")


@pytest.fixture
def cds_engineer(db: None) -> Any:
    return staff_user(StaffRole.CDS_ENGINEER, username="cds.eng")


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_api(partner_admin: Any) -> APIClient:
    return token_client(partner_admin)


@pytest.fixture
def sales_api(partner_sales: Any) -> APIClient:
    return token_client(partner_sales)


@pytest.fixture
def engineer_api(partner_engineer: Any) -> APIClient:
    return token_client(partner_engineer)


@pytest.fixture
def other_api(other_admin: Any) -> APIClient:
    return token_client(other_admin)


@pytest.fixture
def pm_api(programme_manager: Any) -> APIClient:
    return token_client(programme_manager)


@pytest.fixture
def cds_api(cds_dispatcher: Any) -> APIClient:
    return token_client(cds_dispatcher)


# --- What each run used, in the log -------------------------------------------------

WORKER_EVIDENCE: list[str] = []


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return [
        f"servicone database: {db['ENGINE'].rsplit('.', 1)[-1]} (test database derived from {db['NAME']})",
        f"servicone broker: {settings.CELERY_BROKER_URL}",
    ]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in WORKER_EVIDENCE:
        terminalreporter.write_line(f"servicone worker: {line}")
    for line in LEFTOVER_SESSIONS:
        terminalreporter.write_line(f"servicone database: {line}")


LEFTOVER_SESSIONS: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _close_leftover_sessions(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Before the PostgreSQL test database is dropped, end any session still on it.

    A connection some thread or process of the run left open would otherwise make
    the drop fail ("being accessed by other users"); each one is named in the log.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, backend_start, left(query, 80), pg_terminate_backend(pid) "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for pid, state, started, query, _ended in cursor.fetchall():
            LEFTOVER_SESSIONS.append(
                f"ended session {pid} left open on the test database "
                f"({state}, opened {started:%H:%M:%S}, last query {query!r})"
            )


# --- A real Celery worker ---------------------------------------------------------


def _database_url_for_worker() -> str:
    """The URL of the database the tests use right now (the test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{s['USER']}{password}@{host}{port}/{s['NAME']}"


class WorkerProcess:
    """One ``celery worker`` process; ``kill()`` is a SIGKILL (a crash), ``stop()`` a warm stop."""

    def __init__(
        self, env: dict[str, str], log: Path, name: str, concurrency: int, queues: str = ""
    ) -> None:
        self.log = log
        pool = (
            ["--pool=solo"]
            if concurrency == 1
            else ["--pool=prefork", f"--concurrency={concurrency}"]
        )
        if queues:
            pool.append(f"--queues={queues}")
        with log.open("a") as log_file:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "servicone",
                    "worker",
                    *pool,
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    f"--hostname={name}-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        import signal

        # ProcessLookupError: it had stopped, and so had every process it started.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """A warm stop (SIGTERM), waited for: a worker takes 3 to 5 s to notice it."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class WorkerHandle:
    broker: str
    database: str
    log: Path
    result: Callable[..., Any]  # result(async_result, timeout=60) -> the task's return value
    evidence: list[str]  # lines printed at the end of the run (what the worker did)
    # start(concurrency=1, queues="", **env) -> another worker (queues: e.g. "webhooks")
    start: Callable[..., WorkerProcess]
    first: WorkerProcess | None = None


@pytest.fixture
def celery_worker(transactional_db: None, tmp_path: Path, settings: Any) -> Iterator[WorkerHandle]:
    """Start ``celery worker`` as a separate process on the configured broker.

    The worker connects to the test database, so rows a test commits are what
    the worker sees. Results come back through a result backend: Redis when the
    broker is Redis, a folder otherwise. ``handle.start()`` starts more workers
    (e.g. after killing one); all are stopped at the end.
    """
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:", ":memory:")
    ):
        pytest.fail("the worker needs a file SQLite test database (see settings TEST NAME)")
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("redis"):
        backend = broker
    else:
        results = tmp_path / "results"
        results.mkdir()
        backend = f"file://{results}"
    from celery.app.backends import by_url
    from celery.result import AsyncResult

    backend_cls, backend_url = by_url(backend, celery_app.loader)
    result_backend = backend_cls(app=celery_app, url=backend_url)
    celery_app.control.purge()
    base_env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
        "DJANGO_SETTINGS_MODULE": "servicone.settings",
        "C_FORCE_ROOT": "1",
    }
    log = tmp_path / "worker.log"
    workers: list[WorkerProcess] = []

    def start(concurrency: int = 1, queues: str = "", **extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(
            {**base_env, **extra_env}, log, f"test-worker{len(workers)}", concurrency, queues
        )
        workers.append(worker)
        return worker

    handle = WorkerHandle(
        broker=broker,
        database=base_env["DATABASE_URL"],
        log=log,
        # The test thread is no task, though an eager task run earlier in it may leave
        # Celery thinking so; this waits on another process, so the guard is off.
        result=lambda sent, timeout=60: AsyncResult(sent.id, backend=result_backend).get(
            timeout=timeout, disable_sync_subtasks=False
        ),
        evidence=WORKER_EVIDENCE,
        start=start,
    )
    handle.first = start()
    try:
        yield handle
    finally:
        # The test has what it waited for: its workers are killed, not stopped warm. A warm
        # stop takes 3 to 5 s to be noticed (the loop polls the broker in 2-second cycles,
        # then the timer thread takes one more second), and no test after this one may see
        # what they still held: the queues are purged below and the database flushed.
        for worker in workers:
            worker.kill()
        celery_app.control.purge()
        print(log.read_text()[-3000:])


# --- The browser --------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


class _NoDelayWSGIServer(ThreadedWSGIServer):
    """The live server with Nagle's algorithm off on each connection.

    Django's development server writes a response's head and its body in two sends. With
    Nagle on, the body waited for the browser to acknowledge the head, and the browser delays
    that acknowledgement: measured, 40 to 45 ms between a page's first byte and its last, on
    some pages the server had ready in one go.
    """

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address


# pytest-django's ``live_server`` builds Django's LiveServerThread, which takes its server class
# from this attribute.
LiveServerThread.server_class = _NoDelayWSGIServer


@pytest.fixture(scope="session")
def _playwright_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
            ".ci/run does it"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(transactional_db: None, _playwright_browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser page; ``page.base_url`` is the live server's URL."""
    context = _playwright_browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    context.close()


def login_with_form(page: Any, username: str, password: str) -> None:
    """Log in through the login page, as a person does; the browser ends on the home page."""
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def login(page: Any, username: str, password: str) -> None:
    """Log in as the login form would, without driving it; the browser ends on the home page.

    The password is checked, the session is opened by Django's ``login`` (its signal starts the
    session's clocks, as after the form) and handed to the browser as its cookie. The form took
    0.33 to 0.40 s a login (1.1 s for a process's first), for some 50 logins in the browser
    tests; ``login_with_form`` still drives it (``tests/servicone/test_browser.py``), and the
    form's own rules are tested in ``test_login_protection``.
    """
    user = get_user_model().objects.get(username=username)
    assert user.check_password(password), f"{username}: wrong password"
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": page.base_url}]
    )
    page.goto(f"{page.base_url}/")
