"""The user's notifications in the portal (``/notifications/``); the header shows the unread count.

A user only ever sees and marks their own notifications: another user's id is a 404.
Managers choose how theirs are e-mailed (``/notifications/preferences/``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicone import selectors, services
from servicone.access import may_choose_email_digest
from servicone.forms import EmailFrequencyForm

PAGE_SIZE = 20


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    notifications = selectors.user_notifications(request.user, only_unread=only_unread)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        # Notifications are written once, in the portal's language, for every reader: the
        # page says which, so that an English page reads them as French (and so do tools).
        {
            "page": page,
            "only_unread": only_unread,
            "may_choose_digest": may_choose_email_digest(request.user),
            "stored_language": settings.LANGUAGE_CODE,
        },
    )


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """How a manager's notifications are e-mailed: one by one, or an hourly or daily digest."""
    user = request.user
    if not may_choose_email_digest(user):
        raise PermissionDenied
    form = EmailFrequencyForm(
        request.POST if request.method == "POST" else None,
        initial={"email_frequency": selectors.email_frequency_of(user)},
    )
    if request.method == "POST" and form.is_valid():
        services.notification_preference_set(
            user=user, email_frequency=form.cleaned_data["email_frequency"]
        )
        messages.success(request, _("Vos préférences d'envoi sont enregistrées."))
        return redirect("notification-preferences")
    return render(request, "notifications/preferences.html", {"form": form})


def _safe_link(request: HttpRequest, link: str) -> str | None:
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return link
    return None


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with ``open``, go on to the page it links to."""
    notification = get_object_or_404(selectors.user_notifications(request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    target = _safe_link(request, notification.link) if request.POST.get("open") else None
    return redirect(target or "notifications")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:  # always: every page needs a login (PortalLoginRequiredMiddleware)
        services.notifications_mark_all_read(recipient=user)
    return redirect("notifications")


urlpatterns = [
    path("", notification_list, name="notifications"),
    path("<int:pk>/read/", notification_read, name="notification-read"),
    path("read-all/", notification_read_all, name="notifications-read-all"),
    path("preferences/", notification_preferences, name="notification-preferences"),
]
