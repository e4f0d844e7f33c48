"""Pages of the sales side: catalogue, sell flow, contracts, customers, assets."""

from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("contracts/", views.contract_list, name="list"),
    path("contracts/sell/", views.sell_customer, name="sell"),
    path("contracts/sell/assets/", views.sell_assets, name="sell-assets"),
    path("contracts/sell/offering/", views.sell_offering, name="sell-offering"),
    path("contracts/sell/confirm/", views.sell_confirm, name="sell-confirm"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="detail"),
    path("contracts/<int:contract_id>/cancel/", views.contract_cancel, name="cancel"),
    path("contracts/<int:contract_id>/renew/", views.contract_renew, name="renew"),
    path("contracts/<int:contract_id>/activate/", views.contract_activate, name="activate"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path(
        "customers/<int:customer_id>/sites/add/",
        views.customer_site_add,
        name="customer-site-add",
    ),
    path(
        "customers/<int:customer_id>/assets/add/",
        views.customer_asset_add,
        name="customer-asset-add",
    ),
    path("customers/<int:customer_id>/import/", views.customer_import, name="customer-import"),
    path("assets/lookup/", views.asset_lookup, name="asset-lookup"),
    path("assets/<int:asset_id>/", views.asset_detail, name="asset"),
]
