"""Home panels of the sales side, rendered where a role's home includes them."""

from __future__ import annotations

from typing import Any

from django import template

from partners.selectors import today
from servicone.access import membership_of

register = template.Library()


@register.inclusion_tag("contracts/_home_sales.html", takes_context=True)
def sales_panel(context: Any) -> dict[str, Any]:
    """Contracts ending soon (renewal reminders' horizon) and a link to sell."""
    from contracts.views import ENDING_SOON_DAYS, ending_soon

    request = context.get("request")
    membership = membership_of(request.user) if request is not None else None
    if membership is None:
        return {"show": False}
    contracts, total = ending_soon(membership.partner, on=today())
    return {
        "show": True,
        "contracts": contracts,
        "total": total,
        "days": ENDING_SOON_DAYS,
        "may_sell": membership.role in ("admin", "sales"),
    }
