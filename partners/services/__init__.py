"""Writes of the programme: partners, engineers, certifications, tiers, accreditations.

Every public service is keyword-only, runs in one transaction, locks what it
changes, writes an audit event and schedules side effects on commit. Callers import
from this package; the modules group the services by what they change:
``partner`` (the partner record), ``team`` (engineers, certifications, logins),
``tiers`` (tier decisions, one partner or the nightly sweep) and ``accreditations``.
"""

from partners.services.accreditations import (
    ACCREDITATION_VALIDITY,
    accreditation_apply,
    accreditation_approve,
    accreditation_create,
    accreditation_reject,
    accreditation_submit,
    accreditation_withdraw,
)
from partners.services.delivery import (
    delivery_policy_set,
    engineer_availability_add,
    engineer_set_home_department,
)
from partners.services.partner import (
    SIREN_TAKEN,
    partner_create,
    partner_set_declared_revenue,
    partner_update,
)
from partners.services.team import (
    CERTIFICATION_EXPIRY_NOTICE_DAYS,
    CERTIFICATION_RENEWAL_WINDOW_DAYS,
    USERNAME_UNAVAILABLE,
    certification_create,
    certification_delete,
    certification_expiry,
    certifications_announce_expiring,
    engineer_create,
    engineer_update,
    membership_set_role,
    partner_user_create,
    username_taken,
)
from partners.services.tiers import (
    partner_apply_evaluation,
    partners_evaluate_all,
    tier_period_record,
    tier_periods_backfill,
)

__all__ = [
    "ACCREDITATION_VALIDITY",
    "CERTIFICATION_EXPIRY_NOTICE_DAYS",
    "CERTIFICATION_RENEWAL_WINDOW_DAYS",
    "SIREN_TAKEN",
    "USERNAME_UNAVAILABLE",
    "accreditation_apply",
    "accreditation_approve",
    "accreditation_create",
    "accreditation_reject",
    "accreditation_submit",
    "accreditation_withdraw",
    "certification_create",
    "certification_delete",
    "certification_expiry",
    "certifications_announce_expiring",
    "delivery_policy_set",
    "engineer_availability_add",
    "engineer_create",
    "engineer_set_home_department",
    "engineer_update",
    "membership_set_role",
    "partner_apply_evaluation",
    "partner_create",
    "partner_set_declared_revenue",
    "partner_update",
    "partner_user_create",
    "partners_evaluate_all",
    "tier_period_record",
    "tier_periods_backfill",
    "username_taken",
]
