"""Registers the catalogue-side endpoints on the shared v1 router (imported by ``servicone.api.urls``, named in SERVICONE_API_URLCONFS)."""

from contracts.api import views
from servicone.api.router import router

router.register("offerings", views.OfferingViewSet, basename="offering")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("assets", views.AssetViewSet, basename="asset")
router.register("asset-claims", views.AssetClaimViewSet, basename="asset-claim")
router.register("entitlements", views.EntitlementViewSet, basename="entitlement")
router.register("contracts", views.ContractViewSet, basename="contract")
