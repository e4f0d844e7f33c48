"""The delivery policy as the page shows it: its rows in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.departments import label
from partners.models import DeliveryPolicy, StaffedCoverage


@dataclass(frozen=True)
class PolicyView:
    effective_from: date
    in_force: bool
    departments: list[str]
    staffed_hours: str
    hand_back: str
    declined: list[str]
    capacity: str


def capacity_text(per_engineer: int | None) -> str:
    if per_engineer is None:
        return _("Pas de limite")
    return ngettext(
        "%(n)s ticket ouvert au plus par ingénieur certifié",
        "%(n)s tickets ouverts au plus par ingénieur certifié",
        per_engineer,
    ) % {"n": per_engineer}


def policy_view(policy: DeliveryPolicy, *, today: date) -> PolicyView:
    """``policy``'s rows (its declined lines prefetched: no query)."""
    return PolicyView(
        effective_from=policy.effective_from,
        in_force=policy.effective_from <= today,
        departments=[label(code) for code in policy.departments],
        staffed_hours=str(StaffedCoverage(policy.staffed_coverage).label),
        hand_back=(
            _("Oui : les tickets pris la nuit ou le week-end par le CDS reviennent à l'ouverture")
            if policy.hand_back_at_opening
            else _("Non : le CDS garde les tickets qu'il prend hors des heures ouvrées")
        ),
        declined=[str(line.display_name) for line in policy.product_lines_declined.all()],
        capacity=capacity_text(policy.max_open_tickets_per_engineer),
    )


def form_initial(policy: DeliveryPolicy | None, *, today: date) -> dict[str, Any]:
    """The form's starting values: the version shown, effective today."""
    if policy is None:
        return {"staffed_coverage": StaffedCoverage.H9X5, "effective_from": today}
    return {
        "departments": list(policy.departments),
        "staffed_coverage": policy.staffed_coverage,
        "hand_back_at_opening": policy.hand_back_at_opening,
        "product_lines_declined": [line.pk for line in policy.product_lines_declined.all()],
        "max_open_tickets_per_engineer": policy.max_open_tickets_per_engineer,
        "effective_from": today,
    }


def effective_text(policy: DeliveryPolicy, *, today: date) -> str:
    day = date_format(policy.effective_from, "DATE_FORMAT")
    if policy.effective_from <= today:
        return _("En vigueur depuis le %(date)s") % {"date": day}
    return _("En vigueur à partir du %(date)s") % {"date": day}
