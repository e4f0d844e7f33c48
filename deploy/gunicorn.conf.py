"""gunicorn settings for the portal's web processes (read by the Procfile and systemd).

Every value can be set from the environment; the defaults suit one machine with the
worker and beat beside it.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: each request holds one database connection for its duration. Two per core
# plus one keeps the cores busy while some wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then (memory), not all at once.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The application is loaded in each worker, after the fork: database and Redis connections
# are never shared between processes.
preload_app = False
# Django decides what the proxy headers mean (TRUSTED_PROXY_COUNT); gunicorn trusts none.
forwarded_allow_ips = ""
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "request": "%(r)s", "status": %(s)s, '
    '"bytes": %(B)s, "ms": %(M)s, "request_id": "%({x-request-id}o)s"}'
)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def child_exit(server, worker):
    # Prometheus multi-process mode: a dead worker's live gauges are dropped.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
