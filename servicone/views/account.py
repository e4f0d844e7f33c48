"""The person's own account: two-factor set-up and the code page after the password."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servicone import twofactor


def _next(request: HttpRequest) -> str:
    """Where to go after the code: the page asked for, if it is ours; else home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-factor on (scan, confirm with a code), renew recovery codes, turn it off."""
    user = request.user
    enabled = twofactor.has_two_factor(user)
    required = twofactor.two_factor_required(user)
    recovery_codes: list[str] | None = None
    error = ""
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "confirm":
        recovery_codes = twofactor.two_factor_confirm(user=user, token=request.POST.get("code", ""))
        if recovery_codes is None:
            error = _("Code incorrect : saisissez le code à 6 chiffres affiché par l'application.")
        else:
            enabled = True
            device = twofactor.two_factor_check_device(user)
            twofactor.mark_verified(request, device)
            messages.success(request, _("Double authentification activée."))
    elif action == "recovery" and enabled:
        recovery_codes = twofactor.recovery_codes_regenerate(user=user)
    elif action == "disable" and enabled and not required:
        twofactor.two_factor_disable(user=user)
        request.session[twofactor.SESSION_KEY] = twofactor.OFF
        messages.success(request, _("Double authentification désactivée."))
        return redirect("two-factor")
    context: dict[str, object] = {
        "enabled": enabled,
        "required": required,
        "recovery_codes": recovery_codes,
        "error": error,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    if not enabled:
        device = twofactor.pending_totp(user)
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
        context["secret"] = twofactor.secret_of(device)
    return render(request, "registration/two_factor.html", context)


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the app, or one of the recovery codes."""
    error = ""
    if request.method == "POST":
        device = twofactor.two_factor_check(user=request.user, token=request.POST.get("code", ""))
        if device is not None:
            twofactor.mark_verified(request, device)
            return redirect(_next(request))
        error = _("Code incorrect ou déjà utilisé.")
    return render(
        request,
        "registration/two_factor_verify.html",
        {"error": error, "next": request.POST.get("next") or request.GET.get("next", "")},
    )
