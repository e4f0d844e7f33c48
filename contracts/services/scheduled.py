"""Scheduled jobs of contracts: expiry and renewal reminders. Safe to run twice."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts.models import Contract
from contracts.selectors import RENEWAL_REMINDER_DAYS, renewal_due
from contracts.services.common import end_coverage
from partners.selectors import today as local_today
from servicone.audit import audit
from servicone.money import format_date_en, format_date_fr
from servicone.notify import notify, partner_admins
from servicone.presenters import is_english


def contracts_expire_due(*, today: date | None = None, batch_size: int = 500) -> int:
    """Active contracts past their end become expired; unused credits expire. Idempotent."""
    today = today or local_today()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                Contract.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Contract.Status.ACTIVE, ends_on__lt=today)
                .order_by("ends_on", "pk")[:batch_size]
            )
            for contract in due:
                contract.status = Contract.Status.EXPIRED
                contract.save(update_fields=["status"])
                end_coverage(contract, actor=None, credits_reference=_("fin du contrat"))
                audit(
                    action="contract.expire",
                    actor=None,
                    partner=None,
                    obj=contract,
                    number=contract.number,
                )
        done += len(due)
        if len(due) < batch_size:
            return done


def _date(day: date) -> str:
    return format_date_en(day) if is_english() else format_date_fr(day)


def contracts_send_renewal_reminders(*, today: date | None = None) -> int:
    """Remind the partner 90, 60 and 30 days before an active contract ends, once each.

    Written in the portal's language (``LANGUAGE_CODE``), like every notification.
    """
    today = today or local_today()
    sent = 0
    rows = renewal_due(today).select_related("partner", "customer", "offering").order_by("ends_on")
    for contract in rows:
        days_left = (contract.ends_on - today).days
        # The smallest threshold not yet passed: a missed day still sends its reminder once.
        threshold = min(d for d in RENEWAL_REMINDER_DAYS if days_left <= d)
        with override(settings.LANGUAGE_CODE), transaction.atomic():
            names = {
                "number": contract.number,
                "customer": contract.customer.name,
                "offering": contract.offering.display_name,
            }
            sent += notify(
                recipients=partner_admins(contract.partner),
                partner=contract.partner,
                kind="contract_renewal",
                dedup_key=f"contract-renewal:{contract.pk}:{threshold}",
                subject=_(
                    "ServiceOne : le contrat %(number)s (%(customer)s) se termine dans "
                    "%(days)s jours"
                )
                % {**names, "days": days_left},
                body=_(
                    "Le contrat %(number)s — %(offering)s — pour %(customer)s se termine le "
                    "%(date)s. Renouvelez-le depuis le portail pour garder les équipements "
                    "couverts et le chiffre d'affaires qui compte pour votre niveau."
                )
                % {**names, "date": _date(contract.ends_on)},
                link=f"/contracts/{contract.pk}/",
            )
    return sent
