"""The partner's delivery policy (what it delivers itself) and its engineers' availability."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners import departments, selectors
from partners.models import (
    AvailabilityKind,
    DeliveryPolicy,
    Engineer,
    EngineerAvailability,
    Partner,
    ProductLine,
    StaffedCoverage,
)
from servicone.access import AnyUser
from servicone.audit import audit
from servicone.errors import DomainError
from servicone.text import single_line

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def clean_departments(codes: Iterable[str]) -> list[str]:
    """The codes given, once each, in the table's order; 400 for none or an unknown one."""
    given = {str(code).strip().upper() for code in codes}
    unknown = sorted(code for code in given if not departments.is_department(code))
    if unknown:
        raise DomainError(
            "invalid_department",
            _("Département inconnu : %(codes)s (codes 01 à 95, 2A, 2B, 971 à 976).")
            % {"codes": ", ".join(unknown[:5])},
            field="departments",
        )
    if not given:
        raise DomainError(
            "required",
            _("Choisissez au moins un département où le partenaire intervient."),
            field="departments",
        )
    return [code for code in departments.CODES if code in given]


@transaction.atomic
def delivery_policy_set(
    *,
    partner: Partner,
    actor: AnyUser | None,
    departments: Iterable[str],
    staffed_coverage: str,
    hand_back_at_opening: bool,
    product_lines_declined: Iterable[ProductLine],
    max_open_tickets_per_engineer: int | None,
    effective_from: date | None = None,
    today: date | None = None,
) -> DeliveryPolicy:
    """A new version of ``partner``'s delivery policy, in force from ``effective_from``
    (today by default; never in the past). Old versions are kept as they were: the
    routing of a ticket reads the version in force at its opening. Audited.
    """
    today = today or selectors.today()
    effective_from = effective_from or today
    codes = clean_departments(departments)
    if staffed_coverage not in StaffedCoverage.values:
        raise DomainError(
            "invalid_choice",
            _("Heures ouvrées : 24x7, 13x5 ou 9x5."),
            field="staffed_coverage",
        )
    if max_open_tickets_per_engineer is not None and max_open_tickets_per_engineer < 1:
        raise DomainError(
            "invalid",
            _("La capacité est d'au moins un ticket ouvert par ingénieur certifié."),
            field="max_open_tickets_per_engineer",
        )
    if effective_from < today:
        raise DomainError(
            "effective_from_past",
            _(
                "Une nouvelle version ne peut pas prendre effet dans le passé : choisissez "
                "aujourd'hui ou une date à venir."
            ),
            field="effective_from",
        )
    # One version at a time per partner: the lock orders concurrent saves.
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    lines = list(product_lines_declined)
    policy = DeliveryPolicy.objects.create(
        partner=partner,
        effective_from=effective_from,
        departments=codes,
        staffed_coverage=staffed_coverage,
        hand_back_at_opening=hand_back_at_opening,
        max_open_tickets_per_engineer=max_open_tickets_per_engineer,
        created_by=cast(
            "User | None", actor if getattr(actor, "is_authenticated", False) else None
        ),
    )
    policy.product_lines_declined.set(lines)
    audit(
        action="delivery_policy.set",
        actor=actor,
        partner=partner,
        obj=policy,
        effective_from=effective_from.isoformat(),
        departments=codes,
        staffed_coverage=staffed_coverage,
        hand_back_at_opening=hand_back_at_opening,
        product_lines_declined=sorted(line.code for line in lines),
        max_open_tickets_per_engineer=max_open_tickets_per_engineer,
    )
    return policy


@transaction.atomic
def engineer_set_home_department(
    *, engineer: Engineer, department: str, actor: AnyUser | None
) -> Engineer:
    """Where the engineer starts from (``""``: not said). Audited."""
    department = (department or "").strip().upper()
    if department and not departments.is_department(department):
        raise DomainError("invalid_department", _("Département inconnu."), field="home_department")
    Engineer.objects.filter(pk=engineer.pk).update(home_department=department)
    engineer.home_department = department
    audit(
        action="engineer.home_department",
        actor=actor,
        partner=engineer.partner,
        obj=engineer,
        home_department=department,
    )
    return engineer


@transaction.atomic
def engineer_availability_add(
    *,
    engineer: Engineer,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    actor: AnyUser | None,
    note: str = "",
) -> EngineerAvailability:
    """An absence, or an on-call period (dispatch counts the engineer out of hours). Audited."""
    if kind not in AvailabilityKind.values:
        raise DomainError("invalid_choice", _("Absence ou astreinte."), field="kind")
    if ends_at <= starts_at:
        raise DomainError("invalid_period", _("La fin doit suivre le début."), field="ends_at")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise DomainError("invalid", _("Indiquez le fuseau horaire."), field="starts_at")
    period = EngineerAvailability.objects.create(
        engineer=engineer,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        note=single_line(note or "", limit=200),
    )
    audit(
        action="engineer.availability_add",
        actor=actor,
        partner=engineer.partner,
        obj=engineer,
        kind=kind,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
    )
    return period
