"""Programme pages: « Mon programme », the team, the partner's users and applications,
HP's approval queue and programme overview.

Views read through selectors and the pure eligibility engine, write only through
services, and turn a service's refusal into a form error or a message (nothing
changed). Every page runs a fixed number of queries whatever the number of
certifications or partners it shows (pinned by tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners import eligibility as engine
from partners import selectors, services
from partners.forms import (
    WHAT_IF_ROWS,
    CertificationForm,
    DecisionForm,
    EngineerForm,
    PartnerUserForm,
    WhatIfForm,
)
from partners.models import (
    Accreditation,
    Certification,
    Course,
    Engineer,
    Membership,
    Partner,
    Tier,
)
from servicone.access import (
    PartnerRole,
    is_hp_staff,
    is_partner_admin,
    is_programme_manager,
    membership_of,
)
from servicone.errors import DomainError, StateConflict
from servicone.forms import add_domain_error
from servicone.presenters import active_language, format_eur

OVERVIEW_PAGE_SIZE = 25
# Certifications expiring within this many days are highlighted (the engine's warning).
EXPIRY_WARNING_DAYS = engine.EXPIRY_WARNING_DAYS
# A tier-at-risk date this close is shown as urgent.
RISK_URGENT_DAYS = 30
# Applications still awaiting an outcome (a partner has at most one per tier).
OPEN_STATUSES = (Accreditation.Status.DRAFT, Accreditation.Status.SUBMITTED)


# --- Formatting ------------------------------------------------------------------------


_lang = active_language


eur = format_eur


def _percent(progress: float) -> int:
    return max(0, min(100, round(progress * 100)))


# --- Access ----------------------------------------------------------------------------


def partner_member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Partner pages: the caller's own partner only; HP staff and others get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = membership_of(request.user)
        if membership is None:
            raise PermissionDenied
        return view(request, membership, *args, **kwargs)

    return wrapped


def partner_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = membership_of(request.user)
        if membership is None or membership.role != PartnerRole.ADMIN:
            raise PermissionDenied
        return view(request, membership, *args, **kwargs)

    return wrapped


def hp_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_hp_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def programme_manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_programme_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- Presenting the engine's results ------------------------------------------------------


class Labels:
    """Display names (in the reader's language) of tiers and courses, loaded once."""

    def __init__(self, tiers: Iterable[Tier], courses: Iterable[Course]) -> None:
        self.tiers = {tier.code: tier for tier in tiers}
        self.courses = {course.code: course for course in courses}

    @classmethod
    def load(cls) -> Labels:
        return cls(Tier.objects.order_by("rank"), Course.objects.order_by("code"))

    def tier(self, code: str | None) -> str:
        if not code:
            return "—"
        tier = self.tiers.get(code)
        return tier.display_name if tier else code

    def course(self, code: str) -> str:
        course = self.courses.get(code)
        return course.display_name if course else code

    def criterion(self, code: str, kind: str) -> str:
        key = code.split(":", 1)[1] if ":" in code else ""
        if kind == engine.KIND_MIN_REVENUE:
            return _("Chiffre d'affaires services sur 12 mois glissants")
        if kind == engine.KIND_COURSE:
            return _("Ingénieurs certifiés %(course)s") % {"course": self.course(key)}
        if kind == engine.KIND_PREVIOUS_TIER:
            return _("Niveau %(tier)s atteint") % {"tier": self.tier(key)}
        return _("Validation par HP")


def _figures(kind: str, actual: str, required: str) -> str:
    if kind == engine.KIND_MIN_REVENUE:
        return f"{eur(actual)} / {eur(required)}"
    if kind == engine.KIND_COURSE:
        return f"{actual} / {required}"
    return ""


def criterion_row(
    labels: Labels,
    *,
    code: str,
    kind: str,
    met: bool,
    actual: str,
    required: str,
    progress: float,
    message: str,
    expiring: Iterable[engine.ExpiringCertification] = (),
) -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "label": labels.criterion(code, kind),
        "met": met,
        "actual": actual,
        "figures": _figures(kind, actual, required),
        # A progress bar only means something for a quantity (revenue, engineers).
        "percent": _percent(progress)
        if kind in (engine.KIND_MIN_REVENUE, engine.KIND_COURSE)
        else None,
        "message": message,
        "expiring": list(expiring),
    }


def criteria_rows(labels: Labels, result: engine.TierResult) -> list[dict[str, Any]]:
    lang = _lang()
    return [
        criterion_row(
            labels,
            code=c.code,
            kind=c.kind,
            met=c.met,
            actual=c.actual,
            required=c.required,
            progress=c.progress,
            message=c.message(lang),
            expiring=c.expiring,
        )
        for c in result.criteria
    ]


def tier_block(labels: Labels, result: engine.TierResult) -> dict[str, Any]:
    criteria = criteria_rows(labels, result)
    unmet = [c for c in criteria if not c["met"]]
    if result.eligible:
        status = "eligible"
    elif result.requires_approval and result.eligible_but_approval:
        status = "approval"
    else:
        status = "missing"
    return {
        "code": result.code,
        "name": labels.tier(result.code),
        "rank": result.rank,
        "requires_approval": result.requires_approval,
        "status": status,
        "criteria": criteria,
        "unmet_count": len(unmet),
        "met_count": len(criteria) - len(unmet),
    }


def revenue_target(
    specs: Iterable[engine.Tier], current_rank: int
) -> tuple[str, Decimal, bool] | None:
    """(tier code, threshold, is_next) the revenue is measured against.

    The first tier above the current one with a revenue floor; failing that, the
    highest floor the partner must keep for the tier it holds.
    """
    floors = [
        (tier.rank, tier.code, req.amount_eur)
        for tier in specs
        for req in tier.requirements
        if req.kind == engine.KIND_MIN_REVENUE and req.amount_eur is not None
    ]
    above = sorted(f for f in floors if f[0] > current_rank)
    if above:
        return above[0][1], above[0][2], True
    below = sorted(f for f in floors if f[0] <= current_rank)
    if below:
        return below[-1][1], below[-1][2], False
    return None


def certification_state(cert: Certification, on: date) -> str:
    if cert.expires_on < on:
        return "expired"
    if (cert.expires_on - on).days <= EXPIRY_WARNING_DAYS:
        return "expiring"
    return "valid"


def _decorate_certifications(certs: Iterable[Certification], on: date) -> list[Certification]:
    rows = []
    for cert in certs:
        cert.state = certification_state(cert, on)  # type: ignore[attr-defined]
        cert.days_left = (cert.expires_on - on).days  # type: ignore[attr-defined]
        rows.append(cert)
    return rows


def tier_risk(
    snapshot: engine.PartnerSnapshot, specs: tuple[engine.Tier, ...], on: date, current: Tier | None
) -> dict[str, Any] | None:
    """The tier-at-risk banner: the first date the current tier would be lost, and why."""
    if current is None or current.code not in {spec.code for spec in specs}:
        return None
    found = engine.tier_at_risk(snapshot, specs, on, current.code)
    if found is None:
        return None
    days = (found.at_risk_on - on).days
    return {
        "on": found.at_risk_on,
        "days": days,
        "message": found.message(_lang()),
        "reason": found.reason,
        "urgent": days <= RISK_URGENT_DAYS,
    }


def revenue_view(
    labels: Labels, specs: Iterable[engine.Tier], revenue: Decimal, current_rank: int
) -> dict[str, Any]:
    view: dict[str, Any] = {"amount": eur(revenue)}
    target = revenue_target(specs, current_rank)
    if target is not None:
        code, threshold, is_next = target
        gap = max(threshold - revenue, Decimal("0"))
        view.update(
            {
                "tier": labels.tier(code),
                "threshold": eur(threshold),
                "is_next": is_next,
                "gap": eur(gap) if gap else "",
                "percent": _percent(float(revenue / threshold) if threshold else 1.0),
            }
        )
    return view


def what_if_view(
    labels: Labels,
    snapshot: engine.PartnerSnapshot,
    specs: tuple[engine.Tier, ...],
    on: date,
    scenario: engine.WhatIf,
    current_rank: int,
) -> dict[str, Any]:
    """Which tier the scenario reaches, and every higher tier's criteria under it."""
    projected = engine.what_if(snapshot, specs, on, scenario)
    reached = projected.highest_eligible
    reached_rank = reached.rank if reached else -1
    approvable = [
        t
        for t in projected.tiers
        if t.rank > reached_rank and t.requires_approval and t.eligible_but_approval
    ]
    return {
        "revenue": eur(projected.revenue_12m_eur),
        "scenario": _scenario_text(labels, scenario),
        "reached": labels.tier(reached.code) if reached else None,
        "moves_up": reached_rank > current_rank,
        "approvable": labels.tier(approvable[0].code) if approvable else None,
        "tiers": [tier_block(labels, t) for t in projected.tiers if t.rank > current_rank],
    }


# --- « Mon programme » ---------------------------------------------------------------------

# Any of these in the query string means the what-if form was submitted.
WHAT_IF_KEYS = (
    "extra_revenue",
    *(f"{field}_{row}" for row in range(1, WHAT_IF_ROWS + 1) for field in ("course", "engineers")),
)


def _programme_context(request: HttpRequest, partner: Partner, *, hp_view: bool) -> dict[str, Any]:
    on = selectors.today()
    specs = selectors.tier_specs()
    snapshot = selectors.snapshot_for(partner, on=on)
    evaluation = engine.evaluate(snapshot, specs, on)
    labels = Labels.load()

    current = partner.tier
    current_rank = current.rank if current else -1
    spec_codes = {spec.code for spec in specs}

    current_block = None
    if current is not None and current.code in spec_codes:
        current_block = tier_block(labels, evaluation.tier(current.code))
    grace = None
    if partner.grace_until:
        grace = {
            "until": partner.grace_until,
            "days": (partner.grace_until - on).days,
            "pending": partner.pending_tier.display_name if partner.pending_tier else "—",
            "unmet": [c for c in current_block["criteria"] if not c["met"]]
            if current_block
            else [],
        }

    accreditations = list(
        Accreditation.objects.filter(partner=partner)
        .select_related("tier", "decided_by")
        .order_by("-created_at", "-id")
    )
    latest_by_tier: dict[str, Accreditation] = {}
    for application in accreditations:
        latest_by_tier.setdefault(application.tier.code, application)
    may_apply = is_partner_admin(request.user, partner)

    higher = []
    for result in evaluation.tiers:
        if result.rank <= current_rank:
            continue
        block = tier_block(labels, result)
        application = latest_by_tier.get(result.code)
        block["application"] = application
        is_open = application is not None and application.status in OPEN_STATUSES
        block["can_apply"] = may_apply and block["status"] == "approval" and not is_open
        higher.append(block)

    bound = any(request.GET.get(key) for key in WHAT_IF_KEYS)
    what_if_form = WhatIfForm(request.GET if bound else None, courses=list(labels.courses.values()))
    what_if = None
    if bound and what_if_form.is_valid() and what_if_form.has_scenario:
        what_if = what_if_view(labels, snapshot, specs, on, what_if_form.scenario(), current_rank)

    certifications = _decorate_certifications(
        Certification.objects.filter(engineer__partner=partner, engineer__is_active=True)
        .select_related("engineer", "course")
        .order_by("expires_on", "engineer__name", "id"),
        on,
    )
    # Most urgent first: expiring soon, then valid, then the expired ones, latest first.
    certifications.sort(
        key=lambda c: (
            {"expiring": 0, "valid": 1, "expired": 2}[c.state],  # type: ignore[attr-defined]
            c.expires_on.toordinal() * (-1 if c.state == "expired" else 1),  # type: ignore[attr-defined]
        )
    )

    return {
        "partner": partner,
        "hp_view": hp_view,
        "today": on,
        "current_tier": current,
        "current_block": current_block,
        "revenue": revenue_view(labels, specs, evaluation.revenue_12m_eur, current_rank),
        "risk": tier_risk(snapshot, specs, on, current),
        "grace": grace,
        "higher_tiers": higher,
        "what_if_form": what_if_form,
        "what_if": what_if,
        "certifications": certifications,
        "expiring_count": sum(1 for c in certifications if c.state == "expiring"),  # type: ignore[attr-defined]
        "open_applications": [a for a in accreditations if a.status in OPEN_STATUSES],
        "may_apply": may_apply,
        "warning_days": EXPIRY_WARNING_DAYS,
    }


def _scenario_text(labels: Labels, scenario: engine.WhatIf) -> str:
    parts = []
    if scenario.extra_revenue_eur:
        parts.append(
            _("%(amount)s de chiffre d'affaires services en plus")
            % {"amount": eur(scenario.extra_revenue_eur)}
        )
    for code, count in scenario.extra_certifications:
        parts.append(
            ngettext(
                "%(n)s ingénieur certifié %(course)s en plus",
                "%(n)s ingénieurs certifiés %(course)s en plus",
                count,
            )
            % {"n": count, "course": labels.course(code)}
        )
    # French puts a space before the semicolon.
    return (" ; " if _lang() == "fr" else "; ").join(parts)


@require_GET
def programme(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        if is_hp_staff(request.user):
            return redirect("partners:hp-overview")
        raise PermissionDenied
    partner = Partner.objects.select_related("tier", "pending_tier").get(pk=membership.partner_id)
    return render(
        request, "partners/programme.html", _programme_context(request, partner, hp_view=False)
    )


@require_GET
def hp_partner_programme(request: HttpRequest, partner_id: int) -> HttpResponse:
    if not is_hp_staff(request.user):
        membership = membership_of(request.user)
        if membership is not None and membership.partner_id == partner_id:
            return redirect("partners:programme")
        # Another partner's page does not exist for a partner user.
        raise Http404
    partner = get_object_or_404(
        Partner.objects.select_related("tier", "pending_tier"), pk=partner_id
    )
    return render(
        request, "partners/programme.html", _programme_context(request, partner, hp_view=True)
    )


def programme_summary(user: Any) -> dict[str, Any] | None:
    """What the partner home panels show: tier, next tier and its gaps, a risk date."""
    membership = membership_of(user)
    if membership is None:
        return None
    partner = Partner.objects.select_related("tier", "pending_tier").get(pk=membership.partner_id)
    on = selectors.today()
    specs = selectors.tier_specs()
    snapshot = selectors.snapshot_for(partner, on=on)
    evaluation = engine.evaluate(snapshot, specs, on)
    labels = Labels.load()
    current = partner.tier
    current_rank = current.rank if current else -1
    next_result = next((t for t in evaluation.tiers if t.rank > current_rank), None)
    return {
        "partner": partner,
        "tier": current.display_name if current else None,
        "tier_since": partner.tier_since,
        "revenue": eur(evaluation.revenue_12m_eur),
        "next": tier_block(labels, next_result) if next_result else None,
        "risk": tier_risk(snapshot, specs, on, current),
        "grace_until": partner.grace_until,
        "pending_tier": partner.pending_tier.display_name if partner.pending_tier else None,
    }


def hp_summary() -> dict[str, Any]:
    """What the programme manager's home panel shows."""
    on = selectors.today()
    queue = Accreditation.objects.filter(status=Accreditation.Status.SUBMITTED)
    oldest = queue.order_by("submitted_at").values_list("submitted_at", flat=True).first()
    return {
        "pending": queue.count(),
        "oldest_days": (on - timezone.localdate(oldest)).days if oldest else None,
        "in_grace": Partner.objects.filter(is_active=True, grace_until__isnull=False).count(),
    }


# --- Accreditation applications (partner side) ----------------------------------------------


@require_GET
@partner_member_required
def accreditation_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    applications = (
        Accreditation.objects.filter(partner_id=membership.partner_id)
        .select_related("tier", "submitted_by", "decided_by")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "partners/accreditations.html",
        {
            "partner": membership.partner,
            "applications": applications,
            "is_admin": membership.role == PartnerRole.ADMIN,
            "open_statuses": OPEN_STATUSES,
        },
    )


@require_POST
@partner_admin_required
def accreditation_apply(request: HttpRequest, membership: Membership) -> HttpResponse:
    """« Demander l'accréditation » : create and submit, or nothing at all."""
    partner = membership.partner
    tier = Tier.objects.filter(code=request.POST.get("tier", "")).first()
    if tier is None:
        return HttpResponseBadRequest(_("Niveau inconnu."))
    evaluation = selectors.evaluation_for(partner)
    try:
        result = evaluation.tier(tier.code)
    except KeyError:
        return HttpResponseBadRequest(_("Niveau inconnu."))
    unmet = engine.unmet_prerequisites(result)
    if unmet:
        messages.error(
            request,
            _("Demande impossible : les autres critères du niveau %(tier)s ne sont pas remplis.")
            % {"tier": tier.display_name},
        )
        return redirect("partners:programme")
    try:
        with transaction.atomic():
            application = services.accreditation_create(
                partner=partner, tier=tier, actor=request.user
            )
            services.accreditation_submit(accreditation=application, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("partners:programme")
    messages.success(
        request,
        _(
            "Votre demande d'accréditation au niveau %(tier)s est soumise à HP. "
            "Vous serez notifié de la décision."
        )
        % {"tier": tier.display_name},
    )
    return redirect("partners:programme")


@require_POST
@partner_admin_required
def accreditation_withdraw(
    request: HttpRequest, membership: Membership, accreditation_id: int
) -> HttpResponse:
    application = get_object_or_404(
        Accreditation, pk=accreditation_id, partner_id=membership.partner_id
    )
    try:
        services.accreditation_withdraw(accreditation=application, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("La demande d'accréditation a été retirée."))
    return redirect("partners:accreditations")


# --- Équipe ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@partner_member_required
def team(request: HttpRequest, membership: Membership) -> HttpResponse:
    partner = membership.partner
    is_admin = membership.role == PartnerRole.ADMIN
    engineer_form = EngineerForm(prefix="engineer")
    certification_form = CertificationForm(partner=partner, prefix="cert")
    status = 200
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "engineer":
            engineer_form = EngineerForm(request.POST, prefix="engineer")
            if engineer_form.is_valid():
                try:
                    engineer = services.engineer_create(
                        partner=partner,
                        name=engineer_form.cleaned_data["name"],
                        email=engineer_form.cleaned_data["email"],
                        actor=request.user,
                    )
                except DomainError as error:
                    add_domain_error(engineer_form, error)
                else:
                    messages.success(
                        request, _("Ingénieur %(name)s ajouté.") % {"name": engineer.name}
                    )
                    return redirect("partners:team")
        elif action == "certification":
            certification_form = CertificationForm(request.POST, partner=partner, prefix="cert")
            if certification_form.is_valid():
                data = certification_form.cleaned_data
                try:
                    services.certification_create(
                        engineer=data["engineer"],
                        course=data["course"],
                        passed_on=data["passed_on"],
                        actor=request.user,
                    )
                except DomainError as error:
                    add_domain_error(certification_form, error)
                else:
                    messages.success(
                        request,
                        _("Certification %(course)s de %(name)s enregistrée.")
                        % {"course": data["course"].code, "name": data["engineer"].name},
                    )
                    return redirect("partners:team")
        else:
            return HttpResponseBadRequest(_("Action inconnue."))
        status = 400

    on = selectors.today()
    engineers = list(
        Engineer.objects.filter(partner=partner, is_active=True)
        .prefetch_related(
            Prefetch(
                "certifications",
                queryset=Certification.objects.select_related("course").order_by(
                    "-expires_on", "id"
                ),
            )
        )
        .order_by("name", "id")
    )
    for engineer in engineers:
        engineer.certs = _decorate_certifications(engineer.certifications.all(), on)  # type: ignore[attr-defined]
    return render(
        request,
        "partners/team.html",
        {
            "partner": partner,
            "engineers": engineers,
            "is_admin": is_admin,
            "engineer_form": engineer_form,
            "certification_form": certification_form,
            "today": on,
            "warning_days": EXPIRY_WARNING_DAYS,
        },
        status=status,
    )


# --- Utilisateurs du partenaire ----------------------------------------------------------------


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
            except DomainError as exc:  # the username was taken meanwhile
                form.add_error(exc.field, exc.message)
            else:
                messages.success(
                    request, _("Le compte %(username)s a été créé.") % {"username": user.username}
                )
                return redirect("partners:users")
        status = 400
    members = (
        Membership.objects.filter(partner=partner).select_related("user").order_by("user__username")
    )
    return render(
        request,
        "partners/users.html",
        {"partner": partner, "members": members, "form": form},
        status=status,
    )


# --- HP: approval queue ------------------------------------------------------------------------


@require_GET
@programme_manager_required
def hp_accreditation_queue(request: HttpRequest) -> HttpResponse:
    on = selectors.today()
    queue = list(
        Accreditation.objects.filter(status=Accreditation.Status.SUBMITTED)
        .select_related("partner__tier", "tier", "submitted_by")
        .order_by("submitted_at", "id")
    )
    for application in queue:
        submitted = timezone.localdate(application.submitted_at) if application.submitted_at else on
        application.age_days = (on - submitted).days  # type: ignore[attr-defined]
    recent = (
        Accreditation.objects.filter(
            status__in=[Accreditation.Status.APPROVED, Accreditation.Status.REJECTED]
        )
        .select_related("partner", "tier", "decided_by")
        .order_by("-decided_at", "-id")[:10]
    )
    return render(
        request, "partners/hp_queue.html", {"queue": queue, "recent": recent, "today": on}
    )


def _snapshot_comparison(
    labels: Labels, snapshot: dict[str, Any] | None, live: engine.Evaluation, tier_rank: int
) -> list[dict[str, Any]]:
    """Per tier up to the applied one: each criterion at submission beside today's."""
    lang = _lang()
    stored = {t["code"]: t for t in (snapshot or {}).get("tiers", [])}
    blocks = []
    for result in live.tiers:
        if result.rank > tier_rank or not result.criteria:
            continue
        before = {c["code"]: c for c in stored.get(result.code, {}).get("criteria", [])}
        rows = []
        for criterion in result.criteria:
            now = criterion_row(
                labels,
                code=criterion.code,
                kind=criterion.kind,
                met=criterion.met,
                actual=criterion.actual,
                required=criterion.required,
                progress=criterion.progress,
                message=criterion.message(lang),
                expiring=criterion.expiring,
            )
            then_raw = before.pop(criterion.code, None)
            then = None
            if then_raw is not None:
                then = criterion_row(
                    labels,
                    code=then_raw["code"],
                    kind=then_raw["kind"],
                    met=then_raw["met"],
                    actual=then_raw["actual"],
                    required=then_raw["required"],
                    progress=then_raw.get("progress", 0.0),
                    message=(then_raw.get("messages") or {}).get(lang)
                    or then_raw.get("message", ""),
                )
            changed = then is None or then["met"] != now["met"] or then["actual"] != now["actual"]
            rows.append({"label": now["label"], "then": then, "now": now, "changed": changed})
        for gone in before.values():
            rows.append(
                {
                    "label": labels.criterion(gone["code"], gone["kind"]),
                    "then": criterion_row(
                        labels,
                        code=gone["code"],
                        kind=gone["kind"],
                        met=gone["met"],
                        actual=gone["actual"],
                        required=gone["required"],
                        progress=gone.get("progress", 0.0),
                        message=(gone.get("messages") or {}).get(lang) or gone.get("message", ""),
                    ),
                    "now": None,
                    "changed": True,
                }
            )
        blocks.append(
            {
                "code": result.code,
                "name": labels.tier(result.code),
                "eligible_then": stored.get(result.code, {}).get("eligible_but_approval")
                if result.requires_approval
                else stored.get(result.code, {}).get("eligible"),
                "eligible_now": result.eligible_but_approval
                if result.requires_approval
                else result.eligible,
                "rows": rows,
                "changes": sum(1 for r in rows if r["changed"]),
            }
        )
    return blocks


def _accreditation_detail(
    request: HttpRequest,
    application: Accreditation,
    *,
    approve_form: DecisionForm | None = None,
    reject_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    on = selectors.today()
    labels = Labels.load()
    live = engine.evaluate(
        selectors.snapshot_for(application.partner, on=on), selectors.tier_specs(), on
    )
    snapshot = application.eligibility_snapshot or {}
    try:
        applied = live.tier(application.tier.code)
        unmet = [labels.criterion(c.code, c.kind) for c in engine.unmet_prerequisites(applied)]
    except KeyError:
        unmet = []
    revenue_then = snapshot.get("services_revenue_12m_eur")
    submitted_on = (
        timezone.localdate(application.submitted_at) if application.submitted_at else None
    )
    return render(
        request,
        "partners/hp_accreditation.html",
        {
            "application": application,
            "partner": application.partner,
            "is_submitted": application.status == Accreditation.Status.SUBMITTED,
            "age_days": (on - submitted_on).days if submitted_on else None,
            "snapshot_date": _iso_date(snapshot.get("evaluated_at")),
            "revenue_then": eur(revenue_then) if revenue_then is not None else "—",
            "revenue_now": eur(live.revenue_12m_eur),
            "revenue_changed": revenue_then is not None
            and Decimal(revenue_then) != live.revenue_12m_eur,
            "comparison": _snapshot_comparison(labels, snapshot, live, application.tier.rank),
            "unmet_now": unmet,
            "approve_form": approve_form or DecisionForm(prefix="approve"),
            "reject_form": reject_form or DecisionForm(prefix="reject"),
            "today": on,
        },
        status=status,
    )


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _application_for_hp(accreditation_id: int) -> Accreditation:
    return get_object_or_404(
        Accreditation.objects.select_related(
            "partner", "partner__tier", "tier", "submitted_by", "decided_by"
        ),
        pk=accreditation_id,
    )


@require_GET
@programme_manager_required
def hp_accreditation_detail(request: HttpRequest, accreditation_id: int) -> HttpResponse:
    return _accreditation_detail(request, _application_for_hp(accreditation_id))


@require_POST
@programme_manager_required
def hp_accreditation_decide(
    request: HttpRequest, accreditation_id: int, decision: str
) -> HttpResponse:
    application = _application_for_hp(accreditation_id)
    approve = decision == "approve"
    form = DecisionForm(request.POST, prefix="approve" if approve else "reject")
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if approve:
                services.accreditation_approve(
                    accreditation=application, actor=request.user, comment=comment
                )
            else:
                services.accreditation_reject(
                    accreditation=application, actor=request.user, comment=comment
                )
        except StateConflict as error:
            # Decided meanwhile (another manager, a second click): say so on the detail page.
            messages.error(request, str(error.message))
            return redirect("partners:hp-accreditation", accreditation_id=application.pk)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if approve:
                text = _("Accréditation validée : %(partner)s passe au niveau %(tier)s.")
            else:
                text = _("Demande refusée : %(partner)s a été notifié avec votre commentaire.")
            messages.success(
                request,
                text % {"partner": application.partner.name, "tier": application.tier.display_name},
            )
            return redirect("partners:hp-queue")
        application.refresh_from_db()
    kwargs = {"approve_form": form} if approve else {"reject_form": form}
    return _accreditation_detail(request, application, status=400, **kwargs)


# --- HP: programme overview --------------------------------------------------------------------


@require_GET
@hp_staff_required
def hp_overview(request: HttpRequest) -> HttpResponse:
    on = selectors.today()
    tiers = list(Tier.objects.order_by("rank"))
    active = Partner.objects.filter(is_active=True)
    counts = {
        row["tier_id"]: row["n"]
        for row in active.order_by().values("tier_id").annotate(n=Count("id"))
    }
    total = sum(counts.values())
    peak = max(counts.values(), default=0) or 1
    per_tier = [
        {
            "code": tier.code,
            "name": tier.display_name,
            "count": counts.get(tier.pk, 0),
            "width": round(100 * counts.get(tier.pk, 0) / peak),
        }
        for tier in tiers
    ]
    if counts.get(None):
        per_tier.insert(
            0,
            {
                "code": "none",
                "name": _("Sans niveau"),
                "count": counts[None],
                "width": round(100 * counts[None] / peak),
            },
        )
    in_grace = list(
        active.filter(grace_until__isnull=False)
        .select_related("tier", "pending_tier")
        .order_by("grace_until", "name")[:20]
    )
    pending = Accreditation.objects.filter(status=Accreditation.Status.SUBMITTED).count()

    tier_filter = request.GET.get("tier", "")
    search = request.GET.get("q", "").strip()
    listed = active.select_related("tier", "pending_tier").order_by("name", "id")
    if tier_filter == "none":
        listed = listed.filter(tier__isnull=True)
    elif tier_filter:
        listed = listed.filter(tier__code=tier_filter)
    if search:
        listed = listed.filter(Q(name__icontains=search) | Q(siren=search))
    page = Paginator(listed, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Revenue for this page only, in bulk: a fixed number of queries per page.
    snapshots = (
        selectors.snapshots_for(Partner.objects.filter(pk__in=[p.pk for p in rows]), on=on)
        if rows
        else {}
    )
    for partner in rows:
        partner.revenue_12m = eur(  # type: ignore[attr-defined]
            engine.services_revenue_12m_eur(snapshots[partner.pk], on)
        )
    return render(
        request,
        "partners/hp_overview.html",
        {
            "per_tier": per_tier,
            "total": total,
            "in_grace": in_grace,
            "in_grace_count": active.filter(grace_until__isnull=False).count()
            if len(in_grace) >= 20
            else len(in_grace),
            "pending": pending,
            "page": page,
            "rows": rows,
            "tiers": tiers,
            "tier_filter": tier_filter,
            "search": search,
            "today": on,
        },
    )
