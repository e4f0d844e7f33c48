"""Writes of the catalogue side: customers, sites, assets, contracts, credits.

One module per family (``customers``, ``claims``, ``sales`` with the rules a sale meets in
``sale_rules``, ``credits``, ``scheduled``); every service is importable from here, the way
callers have always imported them.
"""

from contracts.selectors import RENEWAL_REMINDER_DAYS
from contracts.services.claims import asset_claim_assign, asset_claim_reject
from contracts.services.common import Actor
from contracts.services.credits import credits_consume
from contracts.services.customers import (
    DEFAULT_TIMEZONE,
    SiteSpec,
    asset_create,
    customer_create,
    customer_create_with_sites,
    site_create,
)
from contracts.services.sale_rules import contract_end, registration_refusal, sale_refusals
from contracts.services.sales import (
    contract_activate,
    contract_cancel,
    contract_price,
    contract_renew,
    contract_sell,
    delivery_for,
    may_deliver,
)
from contracts.services.scheduled import contracts_expire_due, contracts_send_renewal_reminders

__all__ = [
    "DEFAULT_TIMEZONE",
    "RENEWAL_REMINDER_DAYS",
    "Actor",
    "SiteSpec",
    "asset_claim_assign",
    "asset_claim_reject",
    "asset_create",
    "contract_activate",
    "contract_cancel",
    "contract_end",
    "contract_price",
    "contract_renew",
    "contract_sell",
    "contracts_expire_due",
    "contracts_send_renewal_reminders",
    "credits_consume",
    "customer_create",
    "customer_create_with_sites",
    "delivery_for",
    "may_deliver",
    "registration_refusal",
    "sale_refusals",
    "site_create",
]
