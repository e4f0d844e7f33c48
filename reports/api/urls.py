"""Registers the report endpoints on the shared v1 router (imported by ``servicone.api.urls``, named in SERVICONE_API_URLCONFS)."""

from reports.api import views
from servicone.api.router import router

router.register("reports", views.ReportViewSet, basename="report")
