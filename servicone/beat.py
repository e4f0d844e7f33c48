"""The one place that holds the periodic schedule (Celery beat), one entry a job.

Each entry says why it runs when it does. Tasks take no arguments or ids only,
re-check state themselves and are safe to run twice.
"""

from __future__ import annotations

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Tiers are granted and lost overnight, once a day (Europe/Paris), after the
    # day's certifications and sales are in; grace reminders go out with it.
    "partners-evaluate-tiers-nightly": {
        "task": "partners.tasks.evaluate_all_partner_tiers",
        "schedule": crontab(hour=2, minute=30),
    },
    # Contracts past their end expire just after midnight (coverage ends, credits expire).
    "contracts-expire": {
        "task": "contracts.tasks.expire_contracts",
        "schedule": crontab(hour=0, minute=10),
    },
    # Renewal reminders 90, 60 and 30 days before the end, in office hours.
    "contracts-renewal-reminders": {
        "task": "contracts.tasks.send_renewal_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # SLA timers: the database is the source of truth; this sweep fires every
    # due warning, breach and ownership fallback (ETA tasks only add precision),
    # so a worker or broker outage delays events by at most 30 s after recovery.
    "tickets-sla-sweep": {
        "task": "tickets.tasks.sla_sweep",
        "schedule": 30.0,
    },
    # Each partner admin gets last month's scorecard on the month's first working
    # day; the job runs daily and sends only what is missing (once per partner and
    # month), so a beat outage delays the digest rather than losing it.
    "reports-monthly-digest": {
        "task": "reports.tasks.send_monthly_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    # Hourly e-mail digests (NotificationPreference "hourly"): on the hour, so a digest
    # covers at most the hour before; it sends only what is still unsent, so a missed run
    # is caught up by the next.
    "notifications-digest-hourly": {
        "task": "servicone.tasks.send_email_digests",
        "schedule": crontab(minute=0),
        "kwargs": {"frequency": "hourly"},
    },
    # Daily e-mail digests ("daily"): at 7:00 (Europe/Paris), before the working day,
    # with everything since yesterday's; a missed day is caught up the next morning.
    "notifications-digest-daily": {
        "task": "servicone.tasks.send_email_digests",
        "schedule": crontab(hour=7, minute=0),
        "kwargs": {"frequency": "daily"},
    },
    # Idempotency-Key replays last 24 h; older keys are purged hourly.
    "purge-idempotency-keys": {
        "task": "servicone.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=17),
    },
    # Webhooks: events and retries are rows; this fans out any event and queues any endpoint
    # whose on-commit queueing was lost, and brings back retries due later than their
    # timers reach (ETA tasks cover the first 15 minutes). On the webhooks queue.
    "webhooks-sweep": {
        "task": "webhooks.tasks.sweep",
        "schedule": 60.0,
    },
    # Webhook events (with their bodies and delivery log) are kept 30 days.
    "webhooks-purge": {
        "task": "webhooks.tasks.purge",
        "schedule": crontab(hour=3, minute=40),
    },
    # Certifications 90 and 30 days from expiry: a certification.expiring webhook each
    # (once per threshold, a missed day catches up), after the nightly tier evaluation.
    "partners-certifications-expiring": {
        "task": "partners.tasks.announce_expiring_certifications",
        "schedule": crontab(hour=2, minute=50),
    },
    # The e-mail outbox: a safety net for notifications whose on-commit send was lost.
    "notifications-outbox": {
        "task": "servicone.tasks.send_notification_emails",
        "schedule": 300.0,
    },
}
