"""Registers the programme endpoints on the shared v1 router (imported by ``servicone.api.urls``, named in SERVICONE_API_URLCONFS)."""

from partners.api import views
from servicone.api.router import router

router.register("tiers", views.TierViewSet, basename="tier")
router.register("courses", views.CourseViewSet, basename="course")
router.register("partners", views.PartnerViewSet, basename="partner")
router.register(
    r"partners/(?P<partner_pk>[^/.]+)/users", views.PartnerUserViewSet, basename="partner-user"
)
router.register("engineers", views.EngineerViewSet, basename="engineer")
router.register("certifications", views.CertificationViewSet, basename="certification")
router.register("accreditations", views.AccreditationViewSet, basename="accreditation")
