"""The production profile: what DEBUG=0 refuses, static files, and the deploy checks.

Each test starts a fresh Python process with the production environment, as gunicorn,
the worker or ``manage.py`` would start: settings are read once, at start-up.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What a production machine sets; no server is contacted by these tests.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://servicone@127.0.0.1:5432/servicone",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "ALLOWED_HOSTS": "portal.example.com",
    "TRUSTED_PROXY_COUNT": "1",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        # The test run's own switches (e.g. DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests)
        # are not a production machine's.
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    full["DJANGO_SETTINGS_MODULE"] = "servicone.settings"
    full.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("missing", "value", "named"),
    [
        ("DATABASE_URL", "sqlite:///var/prod.sqlite3", "DATABASE_URL"),
        ("CELERY_BROKER_URL", "filesystem://localhost//", "CELERY_BROKER_URL"),
        ("CACHE_URL", "", "CACHE_URL"),
    ],
)
def test_with_debug_off_the_portal_refuses_the_demo_parts_naming_the_variable(
    missing, value, named
):
    result = run(["-c", "import django; django.setup()"], **{**PRODUCTION, missing: value})

    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last
    assert named in last


def test_the_production_settings_pass_the_deploy_checks_with_no_warning():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_sessions_are_read_from_the_shared_cache_in_production_only():
    """With Redis as the cache, a page reads its session there (written through to the
    database); the embedded default's cache is per process, so its sessions stay in the
    database alone."""
    show = [
        "-c",
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_ENGINE, s.CACHES['default']['BACKEND'])",
    ]
    production = run(show, **PRODUCTION)
    embedded = run(show, DEBUG="1")
    assert production.returncode == 0, production.stderr
    assert production.stdout.split() == [
        "django.contrib.sessions.backends.cached_db",
        "servicone.cache.RedisCache",
    ]
    assert embedded.returncode == 0, embedded.stderr
    assert embedded.stdout.split()[0] == "django.contrib.sessions.backends.db"


def test_the_demo_settings_fail_the_deploy_checks():
    # The guard is real: the embedded default is not deployable as it is.
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="1")

    assert result.returncode != 0


def test_static_files_are_collected_hashed_and_compressed_and_served_for_a_year(tmp_path):
    static_root = tmp_path / "static"
    env = {**PRODUCTION, "STATIC_ROOT": str(static_root)}
    collected = run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], **env)
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["servicone/portal.css"]
    assert hashed != "servicone/portal.css"
    assert (static_root / hashed).exists()
    assert (static_root / f"{hashed}.gz").exists()

    # Served by whitenoise from a web process started with the same environment.
    probe = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "from django.templatetags.static import static\n"
        f"r = Client().get('/static/{hashed}', HTTP_ACCEPT_ENCODING='gzip', "
        "HTTP_X_FORWARDED_PROTO='https', HTTP_HOST='portal.example.com')\n"
        "print(json.dumps({'status': r.status_code, 'cache': r.get('Cache-Control'), "
        "'encoding': r.get('Content-Encoding'), 'url': static('servicone/portal.css')}))\n"
    )
    served = run(["-c", probe], **env)
    assert served.returncode == 0, served.stderr
    answer = json.loads(served.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["encoding"] == "gzip"
    assert "immutable" in answer["cache"]
    assert "max-age=315360000" in answer["cache"]
    assert answer["url"] == f"/static/{hashed}"


def test_production_logs_are_one_json_object_per_line_with_the_request_id():
    probe = (
        "import django, logging; django.setup()\n"
        "from django.test import Client\n"
        "logging.getLogger('servicone.test').warning('outside any request')\n"
        "r = Client().get('/api/v1/no-such-thing/', HTTP_X_FORWARDED_PROTO='https', "
        "HTTP_HOST='portal.example.com', HTTP_X_REQUEST_ID='proxy-id-0001')\n"
        "print('RESPONSE', r.status_code, r['X-Request-ID'])\n"
    )
    result = run(["-c", probe], **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "RESPONSE 404 proxy-id-0001" in result.stdout
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message", "request_id"} <= set(lines[0])
    assert (lines[0]["message"], lines[0]["request_id"]) == ("outside any request", "-")
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == "proxy-id-0001"
    assert not_found["message"] == "Not Found: /api/v1/no-such-thing/"
