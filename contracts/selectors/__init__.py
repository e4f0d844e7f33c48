"""Reads about contracts: what a viewer may see, the pages' lists, entitlement, revenue.

Tenancy first: every read of a page starts from the rows its viewer may see, its own
partner's for a partner's member, every partner's for HP staff (``viewer.partner_id is
None``). Lists are querysets the views paginate; their query count does not grow with
the page.

One module per family (``common``: the viewer's rows and the coverage in force;
``entitlement``, ``catalogue``, ``customers`` with their sites, assets and claims,
``contracts``); every read is importable from here, the way callers have always imported
them.
"""

from contracts.selectors.catalogue import (
    CatalogueLine,
    catalogue_for,
    catalogue_lines,
    offering_on_catalogue,
    partner_with_tier,
    product_lines,
)
from contracts.selectors.common import (
    assets_for,
    contracts_for,
    coverages_in_force,
    customers_for,
    in_force_prefetch,
)
from contracts.selectors.contracts import (
    ENDING_SOON_DAYS,
    RENEWAL_REMINDER_DAYS,
    contract_coverages,
    contract_of,
    contracts_ending_soon,
    contracts_listed,
    credit_ledger,
    customer_choices,
    recent_contracts,
    renewal_chain,
    renewal_due,
    revenue_entries_by_partner,
)
from contracts.selectors.customers import (
    AssetChoices,
    AssetClaim,
    asset_coverage_history,
    asset_of,
    assets_with_serial,
    customer_assets,
    customer_assets_by_id,
    customer_of,
    customer_sites,
    customers_with_counts,
    held_claims,
    recent_claim_decisions,
    sell_asset_choices,
    sites_with_asset_counts,
)
from contracts.selectors.entitlement import (
    Entitlement,
    best_coverage,
    coverage_for_asset,
    entitlement_rows,
    entitlements_for_serial,
)

__all__ = [
    "ENDING_SOON_DAYS",
    "RENEWAL_REMINDER_DAYS",
    "AssetChoices",
    "AssetClaim",
    "CatalogueLine",
    "Entitlement",
    "asset_coverage_history",
    "asset_of",
    "assets_for",
    "assets_with_serial",
    "best_coverage",
    "catalogue_for",
    "catalogue_lines",
    "contract_coverages",
    "contract_of",
    "contracts_ending_soon",
    "contracts_for",
    "contracts_listed",
    "coverage_for_asset",
    "coverages_in_force",
    "credit_ledger",
    "customer_assets",
    "customer_assets_by_id",
    "customer_choices",
    "customer_of",
    "customer_sites",
    "customers_for",
    "customers_with_counts",
    "entitlement_rows",
    "entitlements_for_serial",
    "held_claims",
    "in_force_prefetch",
    "offering_on_catalogue",
    "partner_with_tier",
    "product_lines",
    "recent_claim_decisions",
    "recent_contracts",
    "renewal_chain",
    "renewal_due",
    "revenue_entries_by_partner",
    "sell_asset_choices",
    "sites_with_asset_counts",
]
