"""Home panels of the sales side, rendered where a role's home includes them."""

from __future__ import annotations

from typing import Any

from django import template

from contracts import presenters, selectors
from partners.selectors import today
from servicone.access import Viewer, membership_of

register = template.Library()


@register.inclusion_tag("contracts/_home_sales.html", takes_context=True)
def sales_panel(context: Any) -> dict[str, Any]:
    """Contracts ending soon (renewal reminders' horizon) and a link to sell."""
    request = context.get("request")
    membership = membership_of(request.user) if request is not None else None
    if membership is None:
        return {"show": False}
    on = today()
    contracts, total = selectors.contracts_ending_soon(membership.partner_id, on=on)
    return {
        "show": True,
        "contracts": presenters.with_days_left(contracts, on),
        "total": total,
        "days": selectors.ENDING_SOON_DAYS,
        "may_sell": Viewer(partner=membership.partner, role=membership.role).may_sell,
    }
