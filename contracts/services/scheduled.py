"""Scheduled jobs of contracts: expiry and renewal reminders. Safe to run twice."""

from __future__ import annotations

import logging
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
from servicone.text import single_line
from webhooks.events import event_emit
from webhooks.models import EventType

log = logging.getLogger(__name__)


def _failed(job: str, contract: Contract, error: Exception) -> None:
    """Log a contract the job could not handle: it is left as it was, for the next run."""
    log.error(
        "%s of contract %s failed; retried at the next run: %s",
        job,
        contract.number,
        single_line(f"{type(error).__name__}: {error}", limit=300),
        exc_info=error,
    )


def contracts_expire_due(*, today: date | None = None, batch_size: int = 500) -> int:
    """Active contracts past their end become expired; unused credits expire. Idempotent.

    Each contract expires in its own savepoint: one that fails, whatever the reason, is
    left active, logged, set aside for the rest of the run and expired by the next one;
    the others go on. Returns how many expired.
    """
    today = today or local_today()
    done = 0
    failed: list[int] = []
    while True:
        with transaction.atomic():
            due = list(
                Contract.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Contract.Status.ACTIVE, ends_on__lt=today)
                .exclude(pk__in=failed)
                .order_by("ends_on", "pk")[:batch_size]
            )
            for contract in due:
                try:
                    with transaction.atomic():
                        _expire(contract)
                except Exception as error:  # this contract's failure, not the run's
                    failed.append(contract.pk)
                    _failed("expiry", contract, error)
                    continue
                done += 1
        if len(due) < batch_size:
            return done


def _expire(contract: Contract) -> None:
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


def _date(day: date) -> str:
    return format_date_en(day) if is_english() else format_date_fr(day)


def contracts_send_renewal_reminders(*, today: date | None = None) -> int:
    """Remind the partner 90, 60 and 30 days before an active contract ends, once each
    (a notification and a ``contract.expiring`` webhook event).

    Written in the portal's language (``LANGUAGE_CODE``), like every notification.
    Each contract is its own transaction: a reminder that fails is logged and sent by
    the next run (a missed threshold still sends its reminder); the others go on.
    Returns how many notifications were written.
    """
    today = today or local_today()
    sent = 0
    rows = renewal_due(today).select_related("partner", "customer", "offering").order_by("ends_on")
    for contract in rows:
        try:
            with override(settings.LANGUAGE_CODE), transaction.atomic():
                sent += _remind(contract, today)
        except Exception as error:  # this contract's failure, not the run's
            _failed("renewal reminder", contract, error)
    return sent


def _remind(contract: Contract, today: date) -> int:
    days_left = (contract.ends_on - today).days
    # The smallest threshold not yet passed: a missed day still sends its reminder once.
    threshold = min(d for d in RENEWAL_REMINDER_DAYS if days_left <= d)
    names = {
        "number": contract.number,
        "customer": contract.customer.name,
        "offering": contract.offering.display_name,
    }
    # The webhook once per threshold too, whatever the notification did (a job run twice).
    event_emit(
        type=EventType.CONTRACT_EXPIRING,
        partner_id=contract.partner_id,
        resource_id=contract.pk,
        dedup_key=f"contract-expiring:{contract.pk}:{threshold}",
    )
    return notify(
        recipients=partner_admins(contract.partner),
        partner=contract.partner,
        kind="contract_renewal",
        dedup_key=f"contract-renewal:{contract.pk}:{threshold}",
        subject=_(
            "ServiceOne : le contrat %(number)s (%(customer)s) se termine dans %(days)s jours"
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
