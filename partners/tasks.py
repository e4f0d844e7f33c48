"""Celery tasks of the programme: they take ids, reload, and call a service."""

from __future__ import annotations

from celery import shared_task

from partners.models import Partner
from partners.services import (
    certifications_announce_expiring,
    partner_apply_evaluation,
    partners_evaluate_all,
)


@shared_task(name="partners.tasks.evaluate_partner_tier")
def evaluate_partner_tier(partner_id: int) -> str | None:
    """Re-evaluate one partner after a relevant change (certification, revenue)."""
    partner = Partner.objects.filter(pk=partner_id, is_active=True).first()
    if partner is None:
        return None
    return partner_apply_evaluation(partner=partner).action


@shared_task(name="partners.tasks.evaluate_all_partner_tiers")
def evaluate_all_partner_tiers() -> dict[str, int]:
    """The nightly evaluation: grants, grace periods, reminders and downgrades."""
    return partners_evaluate_all()


@shared_task(name="partners.tasks.announce_expiring_certifications")
def announce_expiring_certifications() -> int:
    """``certification.expiring`` webhooks, 90 then 30 days before each expiry."""
    return certifications_announce_expiring()
