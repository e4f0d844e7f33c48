#!/usr/bin/env bash
# Starts the web server, a Celery worker, the webhook deliveries' worker and Celery beat in
# the foreground. Ctrl-C (or any one of them dying) stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
# E-mails (written under var/mail) link to this server.
export PORTAL_URL="${PORTAL_URL:-http://127.0.0.1:${PORT}}"
BIN=.venv/bin
mkdir -p var

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping web server, workers and beat..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$BIN/celery" -A servicone worker --queues=celery --loglevel=INFO --concurrency=2 \
  --hostname="worker@%h" > >(sed -u 's/^/[worker] /') 2>&1 &
pids+=($!)
# Webhook deliveries on their own queue and worker: a slow receiver never holds up the SLA
# sweep. Receivers on this machine need WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8.
"$BIN/celery" -A servicone worker --queues=webhooks --loglevel=INFO --concurrency=2 \
  --hostname="webhooks@%h" > >(sed -u 's/^/[hooks]  /') 2>&1 &
pids+=($!)
"$BIN/celery" -A servicone beat --loglevel=INFO \
  --schedule="var/celerybeat-schedule" > >(sed -u 's/^/[beat]   /') 2>&1 &
pids+=($!)
"$BIN/python" manage.py runserver "127.0.0.1:${PORT}" --noreload \
  > >(sed -u 's/^/[web]    /') 2>&1 &
pids+=($!)

"$BIN/python" manage.py demo_banner --port "$PORT"

# Wait until any of the three exits, then stop the others.
wait -n "${pids[@]}"
