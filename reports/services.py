"""Writes of the reports app: the monthly scorecard digest, sent once per partner and month."""

from __future__ import annotations

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
    ``batch_size`` partners a run (``more`` says whether some are left); each
    partner is its own transaction: one failure does not hold back the others.
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
    sent = 0
    for partner in waiting[:batch_size]:
        with transaction.atomic():
            sent += _send_digest(partner, month, today)
    return {"month": str(month), "sent": sent, "more": len(waiting) > batch_size}


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
