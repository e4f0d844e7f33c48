"""One settings module for every environment, driven by environment variables.

The embedded default (no variable set) is a development portal on SQLite with
Celery on kombu's filesystem transport, both under ``var/``: nothing else has to
run. Production is the same code with ``DATABASE_URL``, ``CELERY_BROKER_URL``,
``SECRET_KEY`` and ``ALLOWED_HOSTS`` set. A bad value stops start-up with
``ImproperlyConfigured`` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from servicone.environment import env_bool, env_float, env_int, env_list
from servicone.log_config import FORMATS as LOG_FORMATS
from servicone.log_config import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SERVICONE_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-servicone-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "servicone",
    "webhooks",
    "partners",
    "contracts",
    "tickets",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # Outermost: time every request (by view) and tag every log line with its id.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "servicone.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "servicone.middleware.PortalLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # With DEBUG on (the demo), the portal's 404 page rather than Django's technical one.
    "servicone.views.errors.StyledNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "servicone.security.SessionLifetimeMiddleware",
    "servicone.security.TwoFactorMiddleware",
    "servicone.security.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a locked-out login into the lock-out page (429).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "servicone.urls"
WSGI_APPLICATION = "servicone.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicone.context_processors.portal",
                "partners.context_processors.programme",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'servicone.sqlite3'}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
except Exception as exc:  # dj-database-url raises several types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if _db["ENGINE"] not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and a busy timeout let the web server, the worker
    # and beat share one SQLite file without "database is locked" errors.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Tests use a file, not memory, so that a real worker process and the live
    # server's thread see the same test database.
    # One file per process: parallel test runs on one machine never share it.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-servicone-{os.getpid()}.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Revokes the person's API token when the password changes (servicone.auth).
    {"NAME": "servicone.auth.RevokeApiTokenOnPasswordChange"},
]
# The model tying a user to its partner (the tenant): the core reads it by name, the way
# Django reads AUTH_USER_MODEL, so that it imports no app (servicone.access).
SERVICONE_MEMBERSHIP_MODEL = "partners.Membership"
# The login protection backend first: a locked-out username/IP pair is refused before its
# password is even checked (servicone.auth, django-axes).
AUTHENTICATION_BACKENDS = [
    "servicone.auth.LoginProtectionBackend",
    # Django's model backend, whose session user comes with its roles (one query a page).
    "servicone.session_user.PortalUserBackend",
    # Sessions opened before the release above name Django's own: listed so that they stay
    # open through the upgrade (a session names the backend that logged it in). A password
    # the first refuses is checked again here: a refused log-in costs two hashes, not one.
    # To remove a release later, as a column the code stopped using.
    "django.contrib.auth.backends.ModelBackend",
]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one client IP, that pair is
# locked out for LOGIN_COOLOFF_MINUTES (the login page, the admin and the API token endpoint
# alike). Attempts are rows in the database, shared by every web process; HP staff see and
# reset them in the admin ("Access attempts"). The client IP comes from servicone.net.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "servicone.net.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "servicone.auth.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Two-factor authentication (servicone.twofactor): anyone may turn it on; HP staff must
# when this is on (the default in production).
TWO_FACTOR_REQUIRED_FOR_HP = env_bool("TWO_FACTOR_REQUIRED_FOR_HP", not DEBUG)
OTP_TOTP_ISSUER = "ServiceOne"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation: French first --------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE is not a known IANA time zone: {TIME_ZONE!r}") from None
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["servicone.formats"]

# --- Static files -------------------------------------------------------------------
# With DEBUG on, show the portal's 404 page anyway (make run's demo looks like production);
# 0 brings back Django's technical 404 page. CSRF failures get the portal's 403 page.
STYLED_ERROR_PAGES = env_bool("STYLED_ERROR_PAGES", True)
CSRF_FAILURE_VIEW = "servicone.views.errors.csrf_failure"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "servicone" / "static"]
# Production serves what collectstatic wrote, compressed (gzip, brotli when installed) and
# with content hashes in the names, so browsers may cache them forever (whitenoise).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ServiceOne <no-reply@servicone.local>")
# Where people reach the portal: e-mails end with a link to the page they are about.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", PORTAL_URL):
    raise ImproperlyConfigured(f"PORTAL_URL must be an http(s) URL, got {PORTAL_URL!r}")

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost//")
_broker_scheme = urlparse(CELERY_BROKER_URL).scheme
if _broker_scheme not in ("filesystem", "redis", "rediss", "memory"):
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be a redis://, rediss:// or filesystem:// URL, "
        f"got {CELERY_BROKER_URL!r}"
    )
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
_test_process = os.environ.get("PYTEST_XDIST_WORKER", "")
if (
    _broker_scheme in ("redis", "rediss")
    and _test_process.startswith("gw")
    and os.environ.get("SERVICONE_BROKER_OF") != _test_process
):
    # A parallel test run on Redis: each test process queues in its own Redis database (gw0
    # in the one given, gw1 in the next, ...); the workers and beats its tests start inherit
    # the moved URL and the mark that it has moved.
    _redis = urlparse(CELERY_BROKER_URL)
    _redis_db = int(_redis.path.strip("/") or 0) + int(_test_process[2:])
    CELERY_BROKER_URL = _redis._replace(path=f"/{_redis_db}").geturl()
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
    os.environ["SERVICONE_BROKER_OF"] = _test_process
if _broker_scheme == "filesystem":
    # Each test process of a parallel run (pytest-xdist) queues in its own folder, and so do
    # the real workers its tests start (they inherit the variable): two tests' workers would
    # otherwise take each other's tasks.
    _broker_dir = VAR_DIR / "-".join(
        filter(None, ["broker", os.environ.get("PYTEST_XDIST_WORKER")])
    )
    _queue_dir = _broker_dir / "queue"
    _processed_dir = _broker_dir / "processed"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    _processed_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif _broker_scheme in ("redis", "rediss"):
    # ETA tasks are only used for delays well under this (SLA timers use a
    # database sweep as the source of truth), so redelivery never doubles work.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
    }
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# On Redis, beat may run on every machine: celery-redbeat keeps the schedule in Redis and
# lets only the holder of its lock send anything. The holder renews the lock on every tick
# (at most BEAT_MAX_LOOP_INTERVAL apart); if it dies, another beat takes over once the lock
# expires, BEAT_LOCK_TIMEOUT seconds after the last renewal. The embedded default runs one
# beat with Celery's file-backed scheduler.
CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("BEAT_MAX_LOOP_INTERVAL", 5, minimum=1)
if _broker_scheme in ("redis", "rediss"):
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = os.environ.get("REDBEAT_REDIS_URL", CELERY_BROKER_URL)
    CELERY_REDBEAT_REDIS_OPTIONS: dict[str, object] = {}
    CELERY_REDBEAT_KEY_PREFIX = os.environ.get("REDBEAT_KEY_PREFIX", "servicone:redbeat")
    CELERY_REDBEAT_LOCK_TIMEOUT = env_int("BEAT_LOCK_TIMEOUT", 30, minimum=2)
    if CELERY_REDBEAT_LOCK_TIMEOUT <= CELERY_BEAT_MAX_LOOP_INTERVAL:
        raise ImproperlyConfigured(
            "BEAT_LOCK_TIMEOUT must be longer than BEAT_MAX_LOOP_INTERVAL "
            "(the lock would expire between two renewals)"
        )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through Django's LOGGING (JSON lines with the request id in production).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Webhook deliveries have a queue, and a worker, of their own (Procfile "webhooks",
# scripts/run.sh): a slow or failing receiver never holds up the SLA sweep or the e-mails.
CELERY_TASK_ROUTES = {"webhooks.tasks.*": {"queue": "webhooks"}}
# A batch job re-queues itself while work remains, at most this many runs in a row
# (servicone.jobs.requeue); its next scheduled run picks up whatever is left.
TASK_REQUEUE_LIMIT = env_int("TASK_REQUEUE_LIMIT", 50, minimum=1)

# --- REST API ------------------------------------------------------------------------------
# Settings Django, DRF and drf-spectacular read from this module: imported to stand here.
from servicone.api.settings import (  # noqa: E402, F401 - the REST API section's settings
    REST_FRAMEWORK,
    SERVICONE_API_URLCONFS,
    SPECTACULAR_SETTINGS,
)

# The cache holds the API throttles' counters and short-lived locks: in production it
# must be shared by every web process (Redis), or each process would count on its own.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    if urlparse(CACHE_URL).scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured(
            f"CACHE_URL must be a redis:// or rediss:// URL, got {CACHE_URL!r}"
        )
    CACHES = {
        "default": {
            "BACKEND": "servicone.cache.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "servicone",
        }
    }
# Sessions are read from the shared cache and written through to the database: a page's
# first query was its session's (issue 14). Without a shared cache (the embedded default),
# from the database alone: a cache per process would keep a session another had ended.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if CACHE_URL else "db")
# Seconds the heavy report figures (scorecards, ranking, HP dashboard) are shared before
# being computed again (reports/selectors/cached.py); 0 computes them on every request.
REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 0 if DEBUG else 300)

# --- Programme settings -----------------------------------------------------------------------
# Where the eligibility engine's services revenue comes from: contract sales per partner
# (the programme sits below the contracts app and reads them through this name).
SERVICONE_REVENUE_SOURCE = "contracts.selectors.revenue_entries_by_partner"
# Days a partner keeps an automatic tier it no longer meets before the downgrade.
TIER_GRACE_DAYS = env_int("TIER_GRACE_DAYS", 90, minimum=0)

# --- Tickets and SLA ------------------------------------------------------------------------
# Targets a sweep fires per batch before re-queueing itself for the rest.
SLA_SWEEP_BATCH = env_int("SLA_SWEEP_BATCH", 200, minimum=1)
# ETA timers only for events due within this many seconds (well under Redis's
# visibility timeout); later ones are left to the sweep.
SLA_ETA_HORIZON_SECONDS = env_int("SLA_ETA_HORIZON_SECONDS", 900, minimum=0)
# The ownership window of a partner ticket, as a share of its response target
# in business time (1 = the whole response target); past it, CDS takes the call.
try:
    OWNERSHIP_WINDOW_RATIO = Decimal(os.environ.get("OWNERSHIP_WINDOW_RATIO", "1"))
except ArithmeticError:
    raise ImproperlyConfigured("OWNERSHIP_WINDOW_RATIO must be a decimal number") from None
if not Decimal("0") < OWNERSHIP_WINDOW_RATIO <= Decimal("1"):
    raise ImproperlyConfigured("OWNERSHIP_WINDOW_RATIO must be in (0, 1]")

# --- Webhooks ----------------------------------------------------------------------------------
# Receivers must be https:// in production (DEBUG=0); a development server may send to http://.
WEBHOOK_HTTPS_ONLY = not DEBUG
# Networks webhooks may be sent to although private (receivers on the operator's premises):
# comma-separated CIDRs, none by default. Every other private, loopback, link-local,
# multicast or reserved address is refused when a delivery leaves (webhooks.addresses).
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
try:
    for _network in WEBHOOK_ALLOWED_NETWORKS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(
        f"WEBHOOK_ALLOWED_NETWORKS is not a list of networks: {exc}"
    ) from None

# --- Behind the TLS proxy ------------------------------------------------------------------
# How many reverse proxies (load balancer, nginx…) stand between clients and the web
# processes. The client's address is the one the outermost trusted proxy saw: the
# TRUSTED_PROXY_COUNT-th address from the right of X-Forwarded-For (servicone.net). With 0
# (the default) X-Forwarded-For is ignored and REMOTE_ADDR is the client: a header a
# client can set freely never decides who it is.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
if TRUSTED_PROXY_COUNT:
    # The proxy terminates TLS and says so; a request without the header is plain HTTP.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and Prometheus probe these over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A session ends after this much inactivity (HP staff see every partner and approve
# accreditations: shorter) and, whatever the activity, this long after the login
# (servicone.security.SessionLifetimeMiddleware).
SESSION_IDLE_SECONDS_HP = env_int("SESSION_IDLE_MINUTES_HP", 30, minimum=1) * 60
SESSION_IDLE_SECONDS_PARTNER = env_int("SESSION_IDLE_MINUTES_PARTNER", 8 * 60, minimum=1) * 60
SESSION_MAX_AGE_SECONDS = env_int("SESSION_MAX_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS

# --- Content Security Policy (django-csp, csp.middleware.CSPMiddleware) --------------------------
# Everything the pages load comes from the portal itself: no inline script, no inline style
# (style attributes included), no plugin, no framing. The charts are inline SVG styled by
# portal.css; the API docs load Swagger UI and its start-up script as files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Production refuses the embedded default ---------------------------------------------------
# The demo's SQLite file, filesystem broker and per-process cache cannot be shared by
# several web and worker processes on several machines: with DEBUG off, say which
# variable to set instead of starting something that silently misbehaves.
if not DEBUG:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// URL when DEBUG=0 (SQLite is the demo's database)"
        )
    if _broker_scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured(
            "CELERY_BROKER_URL must be a redis:// URL when DEBUG=0 "
            "(the filesystem broker is the demo's)"
        )
    if not CACHE_URL:
        raise ImproperlyConfigured(
            "CACHE_URL must be a redis:// URL when DEBUG=0 (the local-memory cache is per "
            "process: throttles and locks would count per process)"
        )

# --- Logs, metrics, errors ---------------------------------------------------------------------
# Production logs one JSON object per line (LOG_FORMAT=json, the default when DEBUG=0), each
# with the request id that also travels into the Celery tasks the request queues.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))

# /metrics (Prometheus) is closed to the public: a scraper presents METRICS_TOKEN as a bearer
# token, or comes from one of METRICS_ALLOWED_NETWORKS (comma-separated CIDRs). Neither set:
# only loopback. Worker processes on this machine share PROMETHEUS_MULTIPROC_DIR with the web
# processes, so their task counters show up in the same /metrics.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
try:
    METRICS_NETWORKS = [ipaddress.ip_network(n, strict=False) for n in METRICS_ALLOWED_NETWORKS]
except ValueError as exc:
    raise ImproperlyConfigured(
        f"METRICS_ALLOWED_NETWORKS is not a list of networks: {exc}"
    ) from None
PROMETHEUS_EXPORT_MIGRATIONS = False

# Errors to Sentry when SENTRY_DSN is set (nothing is sent otherwise).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production" if not DEBUG else "dev"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        send_default_pii=False,
    )
