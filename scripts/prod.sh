#!/usr/bin/env bash
# The production profile on one machine: collectstatic, migrate, then gunicorn, a Celery
# worker, the webhook deliveries' worker and beat (the Procfile, through honcho) on
# PostgreSQL and Redis. Ctrl-C or SIGTERM stops them all. Every variable is documented in the README's "Production" section.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DEBUG=0

missing=()
for name in SECRET_KEY DATABASE_URL CELERY_BROKER_URL CACHE_URL; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "make prod needs ${missing[*]} (see README, Production)" >&2
  exit 2
fi

# Worker and web processes of this machine write their metrics here; /metrics adds them up.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

"$BIN/python" manage.py check --deploy --fail-level WARNING
"$BIN/python" manage.py collectstatic --noinput --verbosity 0
if [ "${PROD_MIGRATE:-1}" = "1" ]; then
  # One machine: migrate here. Several: run migrate once, before starting the new code.
  "$BIN/python" manage.py migrate --noinput
fi

export PATH="$PWD/$BIN:$PATH"
exec "$BIN/honcho" start --no-prefix -f Procfile -p "${PORT:-8000}" ${PROD_PROCESSES:-web worker webhooks beat}
