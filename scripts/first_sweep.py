"""What the first SLA sweep after ``seed_demo`` sends: notifications and e-mails per person.

    DATABASE_URL=sqlite:///var/servicone.sqlite3 .venv/bin/python scripts/first_sweep.py

Runs what beat runs at the first start (the sweep until nothing is due, the ownership
fall-backs, then the e-mail outbox until it is empty) inside a transaction that is
rolled back at the end: the database is left as it was. E-mails go to memory. Prints,
for the CDS dispatcher and the Ovesys administrator (and everyone together), how many
notifications they got and how many e-mails the outbox sent them.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicone.settings")

import django

django.setup()

from django.core import mail  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from servicone.models import Notification  # noqa: E402
from servicone.outbox import send_batch  # noqa: E402
from tickets.sla import sweep  # noqa: E402
from tickets.tasks import _fall_back_overdue  # noqa: E402

PEOPLE = ("cds.dispatch", "ovesys.admin")


def first_sweep() -> None:
    started = timezone.now()
    before = set(Notification.objects.values_list("pk", flat=True))
    fired = fell_back = 0
    more = True
    while more:  # the sweep task re-queues itself while work remains
        batch, more_due = sweep(now=started)
        done, more_overdue = _fall_back_overdue(started)
        fired, fell_back = fired + batch, fell_back + done
        more = more_due or more_overdue
    mail.outbox = []
    while send_batch()[1]:
        pass
    new = Notification.objects.exclude(pk__in=before).select_related("recipient")
    notifications = Counter(n.recipient.username for n in new)
    emails = Counter(address for message in mail.outbox for address in message.to)
    print(f"SLA events fired: {fired}, ownership fall-backs: {fell_back}")
    for username in PEOPLE:
        address = f"{username}@demo.servicone.local"
        print(
            f"{username:<14} notifications: {notifications[username]:>4}   e-mails: {emails[address]:>4}"
        )
    print(
        f"{'everyone':<14} notifications: {sum(notifications.values()):>4}   e-mails: {len(mail.outbox):>4}"
    )


if __name__ == "__main__":
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        mail.outbox = []
        first_sweep()
        transaction.set_rollback(True)
