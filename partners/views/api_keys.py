"""API keys pages: a partner's admins manage its keys, HP staff see every key and
programme managers manage HP's. A new key is shown once, on the page that created it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partners import presenters
from partners.forms import ApiKeyForm
from partners.models import Membership, Partner
from servicone import apikeys
from servicone.access import (
    hp_staff_required,
    is_programme_manager,
    partner_admin_required,
    programme_manager_required,
)
from servicone.errors import DomainError
from servicone.forms import add_domain_error
from servicone.models import ApiKey


def _create(
    request: HttpRequest, form: ApiKeyForm, partner: Partner | None
) -> dict[str, str] | None:
    """Create the key the bound ``form`` describes: its name and the key, to show once."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    days = data["validity_days"]
    try:
        key, secret = apikeys.api_key_create(
            name=data["name"],
            partner=partner,
            scopes=data["scopes"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
            actor=request.user,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return None
    return {"name": key.name, "key": secret}


def _page(
    request: HttpRequest,
    *,
    form: ApiKeyForm | None,
    created: dict[str, str] | None,
    hp_view: bool,
    partner: Partner | None,
    may_revoke: bool,
    status: int,
) -> HttpResponse:
    keys = apikeys.api_keys_visible_to(request.user)
    context: dict[str, Any] = {
        "form": form,
        "created": created,
        "hp_view": hp_view,
        "partner": partner,
        "rows": presenters.api_key_rows(keys, may_revoke=may_revoke),
    }
    return render(request, "partners/api_keys.html", context, status=status)


@require_http_methods(["GET", "POST"])
@partner_admin_required
def partner_api_keys(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The partner's keys, and a new one (shown once)."""
    partner = membership.partner
    form, created, status = ApiKeyForm(), None, 200
    if request.method == "POST":
        form = ApiKeyForm(request.POST)
        created = _create(request, form, partner)
        form, status = (ApiKeyForm(), 200) if created else (form, 400)
    return _page(
        request,
        form=form,
        created=created,
        hp_view=False,
        partner=partner,
        may_revoke=True,
        status=status,
    )


@require_POST
@partner_admin_required
def partner_api_key_revoke(
    request: HttpRequest, membership: Membership, key_id: int
) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.filter(partner_id=membership.partner_id), pk=key_id)
    apikeys.api_key_revoke(key=key, actor=request.user)
    messages.success(request, _("Clé « %(name)s » révoquée.") % {"name": key.name})
    return redirect("partners:api-keys")


@require_http_methods(["GET", "POST"])
@hp_staff_required
def hp_api_keys(request: HttpRequest) -> HttpResponse:
    """Every key, partners' and HP's; programme managers create HP keys and revoke any."""
    manager = is_programme_manager(request.user)
    form = ApiKeyForm() if manager else None
    created, status = None, 200
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        form = ApiKeyForm(request.POST)
        created = _create(request, form, None)
        form, status = (ApiKeyForm(), 200) if created else (form, 400)
    return _page(
        request,
        form=form,
        created=created,
        hp_view=True,
        partner=None,
        may_revoke=manager,
        status=status,
    )


@require_POST
@programme_manager_required
def hp_api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.all(), pk=key_id)
    apikeys.api_key_revoke(key=key, actor=request.user)
    messages.success(request, _("Clé « %(name)s » révoquée.") % {"name": key.name})
    return redirect("partners:hp-api-keys")
