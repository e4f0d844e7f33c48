"""Portal home: one landing page per role."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from servicone.access import (
    PartnerRole,
    is_cds,
    is_programme_manager,
    membership_of,
)


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    membership = membership_of(user)
    if membership is not None:
        template = {
            PartnerRole.ADMIN: "home/partner_admin.html",
            PartnerRole.SALES: "home/partner_sales.html",
            PartnerRole.ENGINEER: "home/partner_engineer.html",
        }[PartnerRole(membership.role)]
        return render(request, template, {"partner": membership.partner})
    if is_programme_manager(user):
        return render(request, "home/programme_manager.html")
    if is_cds(user):
        return render(request, "home/cds.html")
    return render(request, "home/no_role.html")
