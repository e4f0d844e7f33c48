"""« Webhooks »: endpoints, their signing secret, and the delivery log.

Who: a partner's administrators (the partner's endpoints) and HP staff (programme-wide
endpoints, and every partner's read-only); anyone else gets 403 before any id is read.
Another partner's endpoint is a 404. The secret is shown once, on the page that follows
its creation or rotation (kept in the session until that page is shown).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicone.access import Viewer, viewer_of
from servicone.errors import DomainError
from servicone.forms import add_domain_error
from webhooks import presenters, selectors, services
from webhooks.forms import EndpointEditForm, EndpointForm
from webhooks.models import SUBSCRIBABLE, Delivery, Endpoint

SECRET_SESSION_KEY = "webhooks:secret"  # noqa: S105 - a session key name
LOG_PAGE_SIZE = 50


def _viewer(request: HttpRequest) -> Viewer:
    """Partner administrators and HP staff; 403 for anyone else, before any id is read."""
    viewer = viewer_of(request)
    if not (viewer.is_hp or viewer.is_admin):
        raise PermissionDenied
    return viewer


def _endpoint(viewer: Viewer, endpoint_id: int) -> Endpoint:
    endpoint = selectors.endpoint_for(viewer, endpoint_id)
    if endpoint is None:
        raise Http404
    return endpoint


def _managed(request: HttpRequest, endpoint_id: int) -> Endpoint:
    """The endpoint, if the caller may change it (read-only viewers: 403)."""
    endpoint = _endpoint(_viewer(request), endpoint_id)
    if not services.may_manage(request.user, endpoint.partner_id):
        raise PermissionDenied
    return endpoint


def _show_secret_once(request: HttpRequest, endpoint: Endpoint, secret: str) -> None:
    request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}


@require_GET
def endpoint_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    own: list[dict[str, Any]] = []
    partners: list[dict[str, Any]] = []
    for endpoint in selectors.endpoints_for(viewer):
        row = {"endpoint": endpoint, "state": presenters.endpoint_state(endpoint)}
        (own if endpoint.partner_id == viewer.partner_id else partners).append(row)
    return render(
        request,
        "webhooks/list.html",
        {"viewer": viewer, "own": own, "partners": partners},
    )


@require_http_methods(["GET", "POST"])
def endpoint_new(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = EndpointForm(initial={"events": [t.value for t in SUBSCRIBABLE]})
    status = 200
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = services.endpoint_create(
                    actor=request.user,
                    partner=viewer.partner,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                _show_secret_once(request, endpoint, secret)
                messages.success(request, _("Endpoint créé."))
                return redirect("webhooks:detail", endpoint_id=endpoint.pk)
        status = 400
    return render(request, "webhooks/new.html", {"viewer": viewer, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """The endpoint, its delivery log; its administrators edit it here (POST)."""
    viewer = _viewer(request)
    endpoint = _endpoint(viewer, endpoint_id)
    may_manage = services.may_manage(request.user, endpoint.partner_id)
    form = EndpointEditForm(
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "active": endpoint.active,
        }
    )
    status = 200
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        form = EndpointEditForm(request.POST)
        if form.is_valid():
            try:
                services.endpoint_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Endpoint enregistré."))
                return redirect("webhooks:detail", endpoint_id=endpoint.pk)
        status = 400
    shown = request.session.get(SECRET_SESSION_KEY)
    secret = None
    if shown and shown.get("endpoint") == endpoint.pk:
        secret = shown["secret"]
        del request.session[SECRET_SESSION_KEY]
    log = Paginator(selectors.deliveries_of(endpoint.pk), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "viewer": viewer,
        "endpoint": endpoint,
        "state": presenters.endpoint_state(endpoint),
        "events": presenters.event_labels(endpoint.events),
        "rotation_until": presenters.rotation_until(endpoint),
        "may_manage": may_manage,
        "form": form,
        "secret": secret,
        "page": log,
    }
    return render(request, "webhooks/detail.html", context, status=status)


@require_POST
def endpoint_rotate_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint, secret = services.endpoint_rotate_secret(
        endpoint=_managed(request, endpoint_id), actor=request.user
    )
    _show_secret_once(request, endpoint, secret)
    messages.success(
        request,
        _("Nouveau secret créé : l'ancien reste valable 24 h (les deux signatures sont envoyées)."),
    )
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


@require_POST
def endpoint_ping(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _managed(request, endpoint_id)
    try:
        services.endpoint_ping(endpoint=endpoint, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Ping envoyé : son résultat apparaît dans le journal."))
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


@require_POST
def endpoint_disable(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Disable: the endpoint's administrators, and HP's programme managers for any endpoint."""
    endpoint = _endpoint(_viewer(request), endpoint_id)
    try:
        services.endpoint_disable(endpoint=endpoint, actor=request.user)
    except DomainError as error:
        raise PermissionDenied from error
    messages.success(request, _("Endpoint désactivé : plus rien ne lui est envoyé."))
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


@require_POST
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _managed(request, endpoint_id)
    services.endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, _("Endpoint supprimé, avec son journal."))
    return redirect("webhooks:list")


@require_POST
def delivery_redeliver(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    endpoint = _managed(request, endpoint_id)
    delivery = Delivery.objects.filter(pk=delivery_id, endpoint=endpoint).first()
    if delivery is None:
        raise Http404
    try:
        services.delivery_redeliver(delivery=delivery, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Livraison relancée."))
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)
