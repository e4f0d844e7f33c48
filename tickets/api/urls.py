"""Registers the ticket and SLA endpoints on the shared v1 router (imported by ``servicone.api.urls``, named in SERVICONE_API_URLCONFS)."""

from servicone.api.router import router
from tickets.api import views

router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("sla", views.SlaViewSet, basename="sla")
