"""Ticket pages: the queues, the ticket page with its actions, the opening form."""

from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("tickets/", views.queue, name="queue"),
    path("tickets/cds/", views.cds_queue, name="cds-queue"),
    path("tickets/new/", views.ticket_new, name="new"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="detail"),
    path(
        "tickets/<int:ticket_id>/actions/<slug:action>/",
        views.ticket_action,
        name="action",
    ),
]
