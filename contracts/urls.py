"""Pages of the sales side: catalogue, sell flow, contracts, customers, assets."""

from django.urls import path

from contracts.views import assets, catalogue, claims, contracts, customers, sell

app_name = "contracts"

urlpatterns = [
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("contracts/", contracts.contract_list, name="list"),
    path("contracts/sell/", sell.sell_customer, name="sell"),
    path("contracts/sell/assets/", sell.sell_assets, name="sell-assets"),
    path("contracts/sell/offering/", sell.sell_offering, name="sell-offering"),
    path("contracts/sell/confirm/", sell.sell_confirm, name="sell-confirm"),
    path("contracts/<int:contract_id>/", contracts.contract_detail, name="detail"),
    path("contracts/<int:contract_id>/cancel/", contracts.contract_cancel, name="cancel"),
    path("contracts/<int:contract_id>/renew/", contracts.contract_renew, name="renew"),
    path("contracts/<int:contract_id>/activate/", contracts.contract_activate, name="activate"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer"),
    path(
        "customers/<int:customer_id>/sites/add/",
        customers.customer_site_add,
        name="customer-site-add",
    ),
    path(
        "customers/<int:customer_id>/assets/add/",
        customers.customer_asset_add,
        name="customer-asset-add",
    ),
    path("customers/<int:customer_id>/import/", assets.customer_import, name="customer-import"),
    path("assets/lookup/", assets.asset_lookup, name="asset-lookup"),
    path("assets/<int:asset_id>/", assets.asset_detail, name="asset"),
    path("hp/asset-claims/", claims.asset_claim_list, name="asset-claims"),
    path(
        "hp/asset-claims/<int:asset_id>/assign/",
        claims.asset_claim_decide,
        {"decision": "assign"},
        name="asset-claim-assign",
    ),
    path(
        "hp/asset-claims/<int:asset_id>/reject/",
        claims.asset_claim_decide,
        {"decision": "reject"},
        name="asset-claim-reject",
    ),
]
