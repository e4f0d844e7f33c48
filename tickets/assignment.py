"""Who goes on site: the rules of a dispatch, applied to the ticket ``ticket_dispatch`` locked.

The partner's ticket takes one of the partner's active engineers; one not certified on the
ticket's product line goes only with a reason (issue 15: the engineer list said nothing of
certifications, and anyone could be sent without a word). CDS's ticket takes a CDS engineer,
HP's own specialist. The timeline line keeps who went, ``certified: false`` when not, and the
reason.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from contracts.models import Asset
from partners.models import Engineer
from servicone.access import is_cds
from servicone.errors import DomainError
from servicone.text import single_line
from tickets.models import Organisation, Ticket
from tickets.selectors import engineer_certified_on

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The longest reason a dispatch keeps (the API's and the form's limit).
REASON_MAX = 500


def assign_engineer(
    ticket: Ticket, engineer: Engineer | User | None, *, reason: str, on: date
) -> dict[str, Any]:
    """Set who goes on site on ``ticket`` (not saved); the timeline line's detail.

    Refuses (``DomainError``, nothing set): an engineer of another partner, inactive, or not
    a CDS engineer on a CDS ticket (``invalid_engineer``); a partner engineer not certified
    on the ticket's product line on ``on`` without a reason (``reason_required``).
    """
    reason = single_line(reason or "", limit=REASON_MAX)
    if ticket.delivered_by == Organisation.PARTNER:
        if (
            not isinstance(engineer, Engineer)
            or engineer.partner_id != ticket.partner_id
            or not engineer.is_active
        ):
            raise DomainError(
                "invalid_engineer",
                _("Choisissez un ingénieur actif du partenaire."),
                field="engineer",
            )
        asset = Asset.objects.select_related("product_line").get(pk=ticket.asset_id)
        certified = engineer_certified_on(engineer, product_line_id=asset.product_line_id, on=on)
        if not certified and not reason:
            raise DomainError(
                "reason_required",
                _(
                    "%(name)s n'est pas certifié sur %(line)s : indiquez pourquoi vous "
                    "l'envoyez quand même."
                )
                % {"name": engineer.name, "line": asset.product_line.display_name},
                field="reason",
            )
        ticket.assigned_engineer = engineer
        ticket.assigned_cds_user = None
        detail: dict[str, Any] = {"engineer": engineer.name}
        if not certified:
            # Said only when not: the usual dispatch's line stays as it always was.
            detail["certified"] = False
    else:
        if not isinstance(engineer, get_user_model()) or not is_cds(engineer):
            raise DomainError(
                "invalid_engineer", _("Choisissez un ingénieur du CDS."), field="engineer"
            )
        ticket.assigned_cds_user = engineer
        ticket.assigned_engineer = None
        detail = {"engineer": engineer.get_full_name() or engineer.get_username()}
    if reason:
        detail["reason"] = reason
    return detail
