"""Writes of the reports app: the monthly scorecard digest, sent once per partner and month."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import override

from partners.models import Partner
from reports import selectors
from reports.periods import Month, first_working_day
from servicone.models import Notification
from servicone.notify import notify, partner_admins
from servicone.text import single_line

log = logging.getLogger(__name__)

DIGEST_KIND = "scorecard_digest"


def digest_key(month: Month, partner_id: int) -> str:
    return f"scorecard-digest:{month}:{partner_id}"


#: Partners handled per run: the job re-queues itself for the rest (time limits).
DIGEST_BATCH = 50


def scorecard_digests_send(*, today: date, batch_size: int | None = None) -> dict[str, object]:
    """E-mail each partner's admins last month's scorecard, from the month's first working day.

    Runs daily; does nothing before the first working day (French public holidays
    and weekends skipped), and afterwards only for the partners not sent yet, so
    a beat outage delays the digest without losing or doubling it. At most
    ``batch_size`` partners a run (``more`` says whether some partners are left).

    Each partner is its own transaction: a digest that fails, whatever the reason,
    is rolled back, logged and counted (``failed``, present when some did) and is
    tried again at the next run; it takes no place in the batch, so however many
    partners fail, the others are reached.
    """
    batch_size = batch_size or DIGEST_BATCH
    this_month = Month.of(today)
    if today < first_working_day(this_month):
        return {"month": None, "sent": 0, "more": False}
    month = this_month.previous()
    done = set(
        Notification.objects.filter(
            kind=DIGEST_KIND, dedup_key__startswith=f"scorecard-digest:{month}:"
        ).values_list("dedup_key", flat=True)
    )
    partners = (
        Partner.objects.filter(is_active=True, memberships__role="admin")
        .select_related("tier")
        .distinct()
        .order_by("pk")
    )
    waiting = [p for p in partners if digest_key(month, p.pk) not in done]
    sent = failed = tried = succeeded = 0
    for partner in waiting:
        if succeeded == batch_size:
            break
        tried += 1
        try:
            with transaction.atomic():
                sent += _send_digest(partner, month, today)
            succeeded += 1
        except Exception as error:  # this partner's failure, not the run's
            failed += 1
            log.error(
                "scorecard digest %s of partner %s failed; retried at the next run: %s",
                month,
                partner.pk,
                single_line(f"{type(error).__name__}: {error}", limit=300),
                exc_info=error,
            )
    result: dict[str, object] = {"month": str(month), "sent": sent}
    if failed:
        result["failed"] = failed
    result["more"] = tried < len(waiting)
    return result


def _send_digest(partner: Partner, month: Month, today: date) -> int:
    card = selectors.partner_scorecard(partner, month, today=today)
    with override(settings.LANGUAGE_CODE):
        subject = render_to_string("reports/email/digest_subject.txt", {"card": card}).strip()
        body = render_to_string("reports/email/digest.txt", {"card": card})
    return notify(
        recipients=partner_admins(partner),
        partner=partner,
        kind=DIGEST_KIND,
        dedup_key=digest_key(month, partner.pk),
        subject=subject,
        body=body,
        link=f"{reverse('reports:scorecard')}?month={month}",
    )
