"""Scheduled jobs of contracts: they re-check state and are safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="contracts.tasks.expire_contracts")
def expire_contracts() -> int:
    from contracts.services import contracts_expire_due

    return contracts_expire_due()


@shared_task(name="contracts.tasks.send_renewal_reminders")
def send_renewal_reminders() -> int:
    from contracts.services import contracts_send_renewal_reminders

    return contracts_send_renewal_reminders()
