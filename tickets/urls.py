"""Ticket pages: the queues, the ticket page with its actions, the opening form."""

from django.urls import path

from tickets.views import detail, new, policy, queues

app_name = "tickets"

urlpatterns = [
    # Under « Mon programme »: the page replays the partner's tickets (tickets.what_if).
    path("programme/delivery-policy/", policy.delivery_policy, name="delivery-policy"),
    path(
        "hp/partners/<int:partner_id>/delivery-policy/",
        policy.hp_delivery_policy,
        name="hp-delivery-policy",
    ),
    path("tickets/", queues.queue, name="queue"),
    path("tickets/cds/", queues.cds_queue, name="cds-queue"),
    path("tickets/new/", new.ticket_new, name="new"),
    path("tickets/<int:ticket_id>/", detail.ticket_detail, name="detail"),
    path("tickets/<int:ticket_id>/mute/", detail.ticket_mute_toggle, name="mute"),
    path(
        "tickets/<int:ticket_id>/actions/<slug:action>/",
        detail.ticket_action,
        name="action",
    ),
]
