"""The partner's team: engineers and their certifications, and the partner's portal users."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from partners import presenters, selectors, services
from partners.forms import (
    AvailabilityForm,
    CertificationForm,
    EngineerDepartmentForm,
    EngineerForm,
    PartnerUserForm,
)
from partners.models import Membership, Partner
from servicone.access import PartnerRole, partner_admin_required, partner_member_required
from servicone.errors import DomainError
from servicone.forms import add_domain_error
from servicone.text import elides


def _engineer_added(request: HttpRequest, partner: Partner, form: EngineerForm) -> bool:
    """Create the engineer the bound ``form`` describes; its errors stay on the form."""
    if not form.is_valid():
        return False
    try:
        engineer = services.engineer_create(
            partner=partner,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            actor=request.user,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return False
    messages.success(request, _("Ingénieur %(name)s ajouté.") % {"name": engineer.name})
    return True


def _certification_recorded(request: HttpRequest, form: CertificationForm) -> bool:
    """Record the certification the bound ``form`` describes; its errors stay on the form."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.certification_create(
            engineer=data["engineer"],
            course=data["course"],
            passed_on=data["passed_on"],
            actor=request.user,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return False
    name = data["engineer"].name
    recorded = (
        _("Certification %(course)s d'%(name)s enregistrée.")
        if elides(name)
        else _("Certification %(course)s de %(name)s enregistrée.")
    )
    messages.success(request, recorded % {"course": data["course"].code, "name": name})
    return True


def _department_set(request: HttpRequest, form: EngineerDepartmentForm) -> bool:
    if not form.is_valid():
        return False
    engineer = form.cleaned_data["engineer"]
    services.engineer_set_home_department(
        engineer=engineer, department=form.cleaned_data["home_department"], actor=request.user
    )
    messages.success(request, _("Département de %(name)s enregistré.") % {"name": engineer.name})
    return True


def _availability_added(request: HttpRequest, form: AvailabilityForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.engineer_availability_add(
            engineer=data["engineer"],
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            note=data["note"],
            actor=request.user,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return False
    messages.success(
        request, _("Période enregistrée pour %(name)s.") % {"name": data["engineer"].name}
    )
    return True


@require_http_methods(["GET", "POST"])
@partner_member_required
def team(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    is_admin = membership.role == PartnerRole.ADMIN
    engineers = list(selectors.team_engineers(partner))
    engineer_form = EngineerForm(prefix="engineer")
    certification_form = CertificationForm(partner=partner, prefix="cert")
    department_form = EngineerDepartmentForm(engineers=engineers, prefix="dept")
    availability_form = AvailabilityForm(engineers=engineers, prefix="away")
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "engineer":
            engineer_form = EngineerForm(request.POST, prefix="engineer")
            if _engineer_added(request, partner, engineer_form):
                return redirect("partners:team")
        elif action == "certification":
            certification_form = CertificationForm(request.POST, partner=partner, prefix="cert")
            if _certification_recorded(request, certification_form):
                return redirect("partners:team")
        elif action == "department":
            department_form = EngineerDepartmentForm(
                request.POST, engineers=engineers, prefix="dept"
            )
            if _department_set(request, department_form):
                return redirect("partners:team")
        elif action == "availability":
            availability_form = AvailabilityForm(request.POST, engineers=engineers, prefix="away")
            if _availability_added(request, availability_form):
                return redirect("partners:team")
        else:
            return HttpResponseBadRequest(_("Action inconnue."))
        status = 400

    on = selectors.today()
    return render(
        request,
        "partners/team.html",
        {
            "partner": partner,
            "engineers": presenters.team_rows(engineers, on),
            "department_form": department_form,
            "availability_form": availability_form,
            "is_admin": is_admin,
            "engineer_form": engineer_form,
            "certification_form": certification_form,
            "today": on,
            "warning_days": presenters.EXPIRY_WARNING_DAYS,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@partner_admin_required
def users(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    form = PartnerUserForm()
    status = 200
    if request.method == "POST":
        form = PartnerUserForm(request.POST)
        if form.is_valid():
            try:
                user = form.save(partner=partner, actor=request.user)
            except DomainError as error:  # the username was taken meanwhile
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("Le compte %(username)s a été créé.") % {"username": user.username}
                )
                return redirect("partners:users")
        status = 400
    return render(
        request,
        "partners/users.html",
        {"partner": partner, "members": selectors.partner_members(partner), "form": form},
        status=status,
    )
