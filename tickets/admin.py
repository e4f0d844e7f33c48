"""Tickets are worked on their pages; the admin only shows who muted which ticket."""

from __future__ import annotations

from django.contrib import admin

from partners.admin import ReadOnlyAdmin
from tickets.models import TicketMute


@admin.register(TicketMute)
class TicketMuteAdmin(ReadOnlyAdmin):
    """Muted on the ticket page or the API, by each person for themself."""

    list_display = ["ticket", "user", "created_at"]
    list_select_related = ["ticket", "user"]
    search_fields = ["ticket__number", "user__username"]
