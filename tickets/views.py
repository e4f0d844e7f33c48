"""On-site ticket pages: the partner queue, the CDS queue, the ticket page and the opening form.

Views read through ``visible_tickets`` (another partner's ticket is a 404, for
reading and for every action) and write only through ``tickets.services``; a
service's refusal (400, 403, 409) becomes a message or a form error and changes
nothing. Queues run a fixed number of queries whatever the page size (pinned by
tests): tickets come with their asset, site, customer and contract joined and
their SLA targets prefetched in one query.

Deadlines are shown in the site's time zone; live countdowns are ticked by
``countdown.js`` from the ISO instants the pages print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Min, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts.models import Asset, ContractAsset, OfferingKind
from contracts.selectors import coverage_for_asset, entitlements_for_serial
from partners.models import Partner
from servicone.access import is_cds, is_hp_staff, partner_of
from servicone.errors import DomainError
from tickets import sla, sla_clock
from tickets.forms import (
    ACTION_FORMS,
    QueueFilterForm,
    SerialLookupForm,
    TicketOpenForm,
    action_form,
    add_domain_error,
)
from tickets.models import (
    OPEN_STATUSES,
    Kind,
    Organisation,
    PauseReason,
    SlaState,
    SlaTarget,
    SlaTargetKind,
    Status,
    Ticket,
)
from tickets.services import allowed_actions, ticket_act, ticket_open, visible_tickets

PAGE_SIZE = 25
TARGET_ORDER = (SlaTargetKind.RESPONSE, SlaTargetKind.ONSITE, SlaTargetKind.RESOLUTION)


# --- Formatting ------------------------------------------------------------------------


def _lang() -> str:
    return (get_language() or "fr").split("-", 1)[0].lower()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("Europe/Paris")


def site_time(value: datetime | None, tz_name: str, fmt: str = "SHORT_DATETIME_FORMAT") -> str:
    """An instant on the site's wall clock, the reader's way (``26/11/2026 14:05`` in French)."""
    if value is None:
        return "—"
    return dateformat.format(value.astimezone(_zone(tz_name)), formats.get_format(fmt))


def iso_utc(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_remaining(seconds: float) -> str:
    """Time left before a deadline, as the countdown shows it (same format as countdown.js)."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    day = pgettext("unité de durée : jour", "j")
    if days:
        return f"{days} {day} {hours:02d} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    return f"{minutes} min {secs:02d} s"


def format_minutes(minutes: int) -> str:
    """A duration of window time: ``2 j 03 h 05 min``, ``15 h 00``, ``45 min``."""
    days, rest = divmod(max(0, minutes), 1440)
    hours, mins = divmod(rest, 60)
    day = pgettext("unité de durée : jour", "j")
    if days:
        return f"{days} {day} {hours:02d} h {mins:02d} min"
    if hours:
        return f"{hours} h {mins:02d}"
    return f"{mins} min"


def countdown_labels() -> dict[str, str]:
    """What countdown.js writes, in the reader's language (printed as JSON by the pages)."""
    return {
        "breached": str(_("Dépassé")),
        "past": str(_("Échéance passée")),
        "day": pgettext("unité de durée : jour", "j"),
    }


def state_labels() -> dict[str, str]:
    return {
        SlaState.RUNNING: _("En cours"),
        SlaState.WARNED: _("Alerte avant dépassement"),
        SlaState.BREACHED: _("Dépassé"),
        SlaState.MET: _("Respecté"),
        SlaState.PAUSED: _("En pause"),
        "indicative": _("Indicatif (non engageant)"),
    }


def target_spec(target: SlaTarget) -> str:
    if target.next_business_day:
        return _("J+1 ouvré")
    hours = target.hours
    if hours is None:
        return "—"
    value = int(hours) if hours == int(hours) else formats.number_format(hours, 2)
    return _("%(hours)s h") % {"hours": value}


@dataclass
class Countdown:
    """One target as a badge: its state (as shown now), its text and what the JS needs."""

    kind: str
    label: str
    state: str  # running | warned | breached | met | paused | indicative | past
    text: str
    due_iso: str
    warn_iso: str
    enforced: bool
    live: bool  # the JS ticks it
    title: str


def countdown(target: SlaTarget, now: datetime, tz_name: str) -> Countdown:
    """The badge of a target. A deadline passed before the sweep ran already shows « Dépassé »."""
    label = SlaTargetKind(target.target).label
    due = target.due_at
    state = target.state
    live = False
    if state == SlaState.MET:
        text = _("Respecté")
    elif state == SlaState.BREACHED:
        text = _("Dépassé")
    elif state == SlaState.PAUSED:
        text = _("En pause")
    elif due is None:
        text = "—"
    elif now >= due:
        state = SlaState.BREACHED if target.enforced else "past"
        text = _("Dépassé") if target.enforced else _("Échéance passée")
    else:
        live = True
        if not target.enforced:
            state = "indicative"
        elif state == SlaState.RUNNING and target.warn_at is not None and now >= target.warn_at:
            state = SlaState.WARNED
        text = format_remaining((due - now).total_seconds())
    if due is not None and state != SlaState.PAUSED:
        title = _("%(target)s — échéance le %(due)s (heure du site)") % {
            "target": label,
            "due": site_time(due, tz_name),
        }
    else:
        title = str(label)
    if not target.enforced:
        title = f"{title} · {_('indicatif, non engageant pour cette sévérité')}"
    return Countdown(
        kind=target.target,
        label=str(label),
        state=str(state),
        text=str(text),
        due_iso=iso_utc(due),
        warn_iso=iso_utc(target.warn_at) if target.enforced else "",
        enforced=target.enforced,
        live=live,
        title=str(title),
    )


def countdowns(ticket: Ticket, now: datetime) -> dict[str, Countdown]:
    """The ticket's countdowns by target kind, from the prefetched ``sla_targets``."""
    return {
        t.target: countdown(t, now, ticket.site.timezone)
        for t in ticket.sla_targets.all()  # prefetched by the queues
    }


def routing_message(ticket: Ticket) -> str:
    messages_ = ticket.routing_messages or {}
    return messages_.get(_lang()) or messages_.get("fr") or ticket.routing_reason


# --- Access ----------------------------------------------------------------------------


def _visible_ticket(user: Any, ticket_id: int, *related: str) -> Ticket:
    """The ticket if ``user`` may see it; another partner's ticket does not exist (404)."""
    ticket = (
        visible_tickets(user)
        .select_related(
            "partner", "asset__product_line", "site", "customer", "contract", "offering", *related
        )
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _queue_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related(
        "partner", "asset", "site", "customer", "contract", "offering"
    ).prefetch_related(Prefetch("sla_targets", queryset=SlaTarget.objects.order_by("id")))


@dataclass
class Row:
    ticket: Ticket
    targets: list[Countdown | None]
    routing: str
    extra: dict[str, Any] = field(default_factory=dict)


def _rows(tickets: list[Ticket], now: datetime) -> list[Row]:
    rows = []
    for ticket in tickets:
        by_kind = countdowns(ticket, now)
        rows.append(
            Row(
                ticket=ticket,
                targets=[by_kind.get(kind) for kind in TARGET_ORDER],
                routing=routing_message(ticket),
            )
        )
    return rows


def _apply_filters(tickets: QuerySet[Ticket], values: dict[str, Any]) -> QuerySet[Ticket]:
    if values.get("state") == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif values.get("state") == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    if "status" in values:
        tickets = tickets.filter(status=values["status"])
    delivered_by = values.get("delivered_by")
    if delivered_by == "backup":
        tickets = tickets.filter(cds_backup=True)
    elif delivered_by:
        tickets = tickets.filter(delivered_by=delivered_by)
    if "severity" in values:
        tickets = tickets.filter(severity=values["severity"])
    if "partner" in values:
        tickets = tickets.filter(partner_id=values["partner"])
    return tickets


# --- Partner queue -----------------------------------------------------------------------------


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """« Tickets » : the partner's tickets (HP staff: every partner's, with a partner filter)."""
    user = request.user
    hp = is_hp_staff(user)
    if not hp and partner_of(user) is None:
        raise PermissionDenied
    partners = list(Partner.objects.filter(is_active=True).order_by("name")) if hp else None
    filters = QueueFilterForm(request.GET or None, partners=partners)
    values = filters.values() if request.GET else {}
    tickets = _apply_filters(visible_tickets(user), values).annotate(
        closed_rank=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )
    # Open tickets first, the newest on top.
    tickets = _queue_rows(tickets).order_by("closed_rank", "-opened_at", "-id")
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "tickets/queue.html",
        {
            "page": page,
            "rows": _rows(list(page.object_list), now),
            "filters": filters,
            "filtered": bool(values),
            "hp_view": hp,
            "may_open": True,
            "target_headers": [SlaTargetKind(k).label for k in TARGET_ORDER],
            "labels": countdown_labels(),
        },
    )


# --- CDS queue -----------------------------------------------------------------------------------


def cds_queue_tickets() -> QuerySet[Ticket]:
    """What CDS works, the most urgent first: the earliest pending deadline (breached ones lead)."""
    pending = Q(
        sla_targets__enforced=True,
        sla_targets__met_at__isnull=True,
        sla_targets__state__in=[SlaState.RUNNING, SlaState.WARNED, SlaState.BREACHED],
    )
    return (
        Ticket.objects.cds_queue()
        .annotate(next_due=Min("sla_targets__due_at", filter=pending))
        .order_by(F("next_due").asc(nulls_last=True), "opened_at", "id")
    )


@require_GET
def cds_queue(request: HttpRequest) -> HttpResponse:
    """« File CDS » : tickets CDS delivers plus partner tickets flagged for backup."""
    if not is_cds(request.user):
        raise PermissionDenied
    filters = QueueFilterForm(request.GET or None)
    del filters.fields["state"]  # the CDS queue holds open tickets only
    values = filters.values() if request.GET else {}
    tickets = _queue_rows(_apply_filters(cds_queue_tickets(), values))
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "tickets/cds_queue.html",
        {
            "page": page,
            "rows": _rows(list(page.object_list), now),
            "filters": filters,
            "filtered": bool(values),
            "summary": cds_summary(),
            "target_headers": [SlaTargetKind(k).label for k in TARGET_ORDER],
            "labels": countdown_labels(),
        },
    )


def cds_summary() -> dict[str, int]:
    """Counts of the CDS queue (one query): what the CDS home panel and the queue show."""
    from django.db.models import Count

    return Ticket.objects.cds_queue().aggregate(
        total=Count("pk", distinct=True),
        to_take=Count("pk", filter=Q(status=Status.OPENED), distinct=True),
        backup=Count("pk", filter=Q(cds_backup=True), distinct=True),
        breached=Count("pk", filter=Q(sla_targets__state=SlaState.BREACHED), distinct=True),
        warned=Count("pk", filter=Q(sla_targets__state=SlaState.WARNED), distinct=True),
    )


# --- Ticket page ---------------------------------------------------------------------------------

EVENT_LABELS = {
    "opened": gettext_lazy("Ticket ouvert"),
    "routed": gettext_lazy("Routage"),
    "acknowledged": pgettext_lazy("timeline", "Prise en charge"),
    "dispatched": gettext_lazy("Ingénieur dépêché"),
    "arrived": gettext_lazy("Arrivée sur site"),
    "resolved": gettext_lazy("Remise en service"),
    "closed": gettext_lazy("Ticket clos"),
    "paused": gettext_lazy("Mise en pause"),
    "resumed": gettext_lazy("Reprise"),
    "escalated": gettext_lazy("Escalade"),
    "handed_over": gettext_lazy("Transfert au CDS"),
    "fell_back": gettext_lazy("Bascule automatique au CDS"),
    "sla_warned": gettext_lazy("Alerte avant dépassement"),
    "sla_breached": gettext_lazy("Dépassement du délai"),
    "cds_backup_flagged": gettext_lazy("Renfort CDS demandé"),
    "credits_consumed": gettext_lazy("Crédits Proactive Select consommés"),
}

ACTION_LABELS = {
    "acknowledge": gettext_lazy("Prendre en charge"),
    "dispatch": gettext_lazy("Dépêcher l'ingénieur"),
    "arrive": gettext_lazy("Arrivée sur site"),
    "resolve": gettext_lazy("Service rétabli"),
    "close": gettext_lazy("Clore le ticket"),
    "pause": gettext_lazy("Mettre en pause"),
    "resume": gettext_lazy("Reprendre"),
    "escalate": gettext_lazy("Escalader au niveau %(level)s"),
    "handover": gettext_lazy("Transférer au CDS"),
}

ACTION_DONE = {
    "acknowledge": gettext_lazy("Ticket %(n)s pris en charge."),
    "dispatch": gettext_lazy("Ingénieur dépêché sur le ticket %(n)s."),
    "arrive": gettext_lazy("Arrivée sur site enregistrée pour le ticket %(n)s."),
    "resolve": gettext_lazy("Remise en service enregistrée pour le ticket %(n)s."),
    "close": gettext_lazy("Ticket %(n)s clos."),
    "pause": gettext_lazy("Ticket %(n)s en pause : le délai est suspendu."),
    "resume": gettext_lazy("Ticket %(n)s repris : le délai court de nouveau."),
    "escalate": gettext_lazy("Ticket %(n)s escaladé au niveau %(level)s."),
    "handover": gettext_lazy("Ticket %(n)s transféré au CDS."),
}

ORGANISATION_LABELS = {
    "partner": gettext_lazy("Partenaire"),
    "cds": gettext_lazy("HP / CDS"),
    "system": gettext_lazy("Système"),
}

CLOSED_REASONS = {
    "outside_hours": gettext_lazy("hors plage horaire (soir, nuit ou matin)"),
    "weekend": gettext_lazy("week-end"),
    "holiday": gettext_lazy("jour férié"),
    "weekend_and_holiday": gettext_lazy("week-end et jour férié"),
}

SEGMENT_REASONS = {
    "opened": gettext_lazy("à l'ouverture"),
    "handover": gettext_lazy("transfert par le partenaire"),
    "fallback": gettext_lazy("bascule automatique (prise en charge non faite à temps)"),
}


def _target_label(code: str) -> str:
    try:
        return str(SlaTargetKind(code).label)
    except ValueError:
        return code


def event_details(ticket: Ticket, event: Any) -> list[str]:
    """The detail of a timeline line, in the reader's language."""
    d = event.detail or {}
    tz = ticket.site.timezone
    kind = event.event
    lines: list[str] = []
    if kind == "opened":
        kind_label = Kind(d["kind"]).label if d.get("kind") in Kind.values else d.get("kind", "")
        lines.append(
            _("Sévérité %(severity)s · %(kind)s")
            % {"severity": d.get("severity"), "kind": kind_label}
        )
        if d.get("summary"):
            lines.append(f"« {d['summary']} »")
    elif kind == "routed":
        who = d.get("delivered_by")
        who_label = Organisation(who).label if who in Organisation.values else who
        lines.append(_("Délivré par : %(who)s") % {"who": who_label})
        text = (d.get("messages") or {}).get(_lang()) or (d.get("messages") or {}).get("fr")
        if text:
            lines.append(text)
    elif kind == "dispatched" and d.get("engineer"):
        lines.append(_("Ingénieur : %(name)s") % {"name": d["engineer"]})
    elif kind == "resolved" and d.get("note"):
        lines.append(d["note"])
    elif kind == "paused" and d.get("reason"):
        reason = d["reason"]
        lines.append(PauseReason(reason).label if reason in PauseReason.values else reason)
    elif kind == "escalated":
        lines.append(_("Niveau %(level)s") % {"level": d.get("level")})
        cause = d.get("cause", "")
        if cause.startswith("sla_breach:"):
            lines.append(
                _("Suite au dépassement du délai « %(target)s »")
                % {"target": _target_label(cause.split(":", 1)[1])}
            )
        if d.get("reason"):
            lines.append(d["reason"])
    elif kind == "handed_over" and d.get("reason"):
        lines.append(d["reason"])
    elif kind == "fell_back" and d.get("ownership_due_at"):
        due = datetime.fromisoformat(d["ownership_due_at"])
        lines.append(_("Prise en charge attendue avant le %(due)s") % {"due": site_time(due, tz)})
    elif kind in ("sla_warned", "sla_breached", "cds_backup_flagged") and d.get("target"):
        line = _("Délai : %(target)s") % {"target": _target_label(d["target"])}
        if d.get("due_at"):
            line += " · " + _("échéance le %(due)s") % {
                "due": site_time(datetime.fromisoformat(d["due_at"]), tz)
            }
        lines.append(line)
    elif kind == "credits_consumed":
        lines.append(
            _("%(credits)s crédit(s), solde %(balance)s")
            % {"credits": d.get("credits"), "balance": d.get("balance_after")}
        )
    return [str(line) for line in lines]


def _timeline(ticket: Ticket) -> list[dict[str, Any]]:
    rows = []
    for event in ticket.events.select_related("actor").order_by("at", "id"):
        actor = event.actor
        rows.append(
            {
                "code": event.event,
                "at": site_time(event.at, ticket.site.timezone),
                "label": str(EVENT_LABELS.get(event.event, event.event)),
                "who": (actor.get_full_name() or actor.get_username()) if actor else "",
                "organisation": str(ORGANISATION_LABELS.get(event.organisation, "")),
                "details": event_details(ticket, event),
            }
        )
    return rows


def _segments(ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
    tz = ticket.site.timezone
    rows = []
    for segment in ticket.segments.select_related("partner").order_by("started_at", "id"):
        end = segment.ended_at or (None if ticket.is_open else ticket.resolved_at)
        minutes = int(((end or now) - segment.started_at).total_seconds() // 60)
        rows.append(
            {
                "organisation": segment.organisation,
                "who": segment.partner.name
                if segment.partner
                else Organisation(segment.organisation).label,
                "start": site_time(segment.started_at, tz),
                "end": site_time(end, tz) if end else _("en cours"),
                "duration": format_minutes(minutes),
                "reason": str(SEGMENT_REASONS.get(segment.reason, segment.reason)),
            }
        )
    return rows


def explanation(
    ticket: Ticket, target: SlaTarget, pauses: list[tuple[datetime, datetime | None]]
) -> list[str]:
    """« Pourquoi cette échéance » : what the clock skipped between opening and the deadline."""
    tz = ticket.site.timezone
    offering = ticket.offering
    calendar = sla.calendar_for(ticket)
    coverage = offering.get_coverage_display()
    lines: list[str] = []
    if target.next_business_day:
        lines.append(
            _(
                "J+1 ouvré : arrivée sur site avant la fermeture de la plage le jour ouvré suivant "
                "celui où l'appel est enregistré (ouvert le %(start)s, plage %(coverage)s)."
            )
            % {"start": site_time(ticket.opened_at, tz), "coverage": coverage}
        )
    else:
        lines.append(
            _(
                "Délai de %(hours)s dans la plage %(coverage)s, compté depuis l'ouverture le "
                "%(start)s."
            )
            % {
                "hours": target_spec(target),
                "coverage": coverage,
                "start": site_time(ticket.opened_at, tz),
            }
        )
    if target.due_at is None:
        return [str(line) for line in lines]
    language = "fr" if _lang() == "fr" else "en_US"
    entries = sla_clock.explain(
        calendar, ticket.opened_at, target.due_at, pauses, language=language
    )
    for entry in entries:
        kind = entry["kind"]
        if kind == "closed":
            lines.append(
                _("Non compté du %(start)s au %(end)s : %(reason)s (%(duration)s).")
                % {
                    "start": site_time(entry["start"], tz),
                    "end": site_time(entry["end"], tz),
                    "reason": str(CLOSED_REASONS.get(entry["reason"], entry["reason"])),
                    "duration": format_minutes(entry["minutes"]),
                }
            )
        elif kind == "holiday":
            lines.append(
                _("Jour férié : %(name)s, le %(date)s.")
                % {
                    "name": entry["name"],
                    "date": dateformat.format(
                        entry["date"], formats.get_format("SHORT_DATE_FORMAT")
                    ),
                }
            )
        elif kind == "pause":
            values = {
                "start": site_time(entry["start"], tz),
                "end": site_time(entry["end"], tz) if entry["end"] else "",
                "duration": format_minutes(entry["minutes"]),
            }
            if entry["end"]:
                text = _("Pause du %(start)s au %(end)s : %(duration)s de plage non comptées.")
            else:
                text = _("Pause depuis le %(start)s : le délai est suspendu.")
            lines.append(text % values)
        elif kind == "clock_change":
            at = site_time(entry["at"], tz)
            if entry["shift_minutes"] > 0:
                text = _(
                    "Passage à l'heure d'été le %(at)s : les horloges avancent d'une heure, le délai "
                    "compte des heures réelles."
                )
            else:
                text = _(
                    "Passage à l'heure d'hiver le %(at)s : les horloges reculent d'une heure, le délai "
                    "compte des heures réelles."
                )
            lines.append(text % {"at": at})
    if not entries:
        lines.append(_("Aucune période exclue : le délai court sans interruption."))
    return [str(line) for line in lines]


def _sla_panel(ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
    tz = ticket.site.timezone
    pauses = [(p.started_at, p.ended_at) for p in ticket.pauses.order_by("started_at", "id")]
    targets = sorted(ticket.sla_targets.all(), key=lambda t: TARGET_ORDER.index(t.target))
    rows = []
    for target in targets:
        paused = target.state == SlaState.PAUSED
        rows.append(
            {
                "target": target,
                "label": SlaTargetKind(target.target).label,
                "spec": target_spec(target),
                "due": _("recalculée à la reprise") if paused else site_time(target.due_at, tz),
                "warn": "—" if paused or not target.enforced else site_time(target.warn_at, tz),
                "met": site_time(target.met_at, tz) if target.met_at else "",
                "countdown": countdown(target, now, tz),
                "explanation": explanation(ticket, target, pauses) if not paused else [],
            }
        )
    return rows


def _actions(request: HttpRequest, ticket: Ticket) -> list[dict[str, Any]]:
    return [
        {
            "name": action,
            "label": str(ACTION_LABELS[action]) % {"level": ticket.escalation_level + 1},
            "form": action_form(action, ticket),
        }
        for action in allowed_actions(request.user, ticket)
    ]


def _moved_to_cds(ticket: Ticket) -> str:
    """Why a ticket routed to the partner is now CDS's (the routing explains the opening only)."""
    tz = ticket.site.timezone
    if ticket.fell_back_at:
        return _(
            "Basculé au CDS le %(at)s : l'appel n'a pas été pris en charge à temps par le partenaire."
        ) % {"at": site_time(ticket.fell_back_at, tz)}
    if ticket.handed_over_at:
        return _("Transféré au CDS par le partenaire le %(at)s.") % {
            "at": site_time(ticket.handed_over_at, tz)
        }
    return ""


@require_GET
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _visible_ticket(
        request.user, ticket_id, "assigned_engineer", "assigned_cds_user", "opened_by"
    )
    now = timezone.now()
    tz = ticket.site.timezone
    milestones = [
        (_("Ouvert le"), ticket.opened_at),
        (_("Pris en charge le"), ticket.acknowledged_at),
        (_("Ingénieur dépêché le"), ticket.dispatched_at),
        (_("Arrivé sur site le"), ticket.arrived_at),
        (_("Remis en service le"), ticket.resolved_at),
        (_("Clos le"), ticket.closed_at),
    ]
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "routing": routing_message(ticket),
            "moved_to_cds": _moved_to_cds(ticket),
            "site_tz": tz,
            "milestones": [(label, site_time(at, tz)) for label, at in milestones if at],
            "ownership_due": site_time(ticket.ownership_due_at, tz)
            if ticket.ownership_due_at and ticket.status == Status.OPENED
            else "",
            "sla_rows": _sla_panel(ticket, now),
            "timeline": _timeline(ticket),
            "segments": _segments(ticket, now),
            "actions": _actions(request, ticket),
            "engineer": ticket.assigned_engineer.name
            if ticket.assigned_engineer
            else (
                ticket.assigned_cds_user.get_full_name() or ticket.assigned_cds_user.get_username()
                if ticket.assigned_cds_user
                else ""
            ),
            "labels": countdown_labels(),
        },
    )


def _params(action: str, data: dict[str, Any]) -> dict[str, Any]:
    if action == "dispatch":
        return {"engineer": data.get("engineer")}
    if action in ("pause", "handover", "escalate"):
        return {"reason": data.get("reason", "")}
    if action == "resolve":
        return {"note": data.get("note", "")}
    return {}


@require_POST
def ticket_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    """One action from the ticket page; a refusal is a message and changes nothing."""
    if action not in ACTION_FORMS:
        raise Http404
    ticket = _visible_ticket(request.user, ticket_id)
    form = action_form(action, ticket, request.POST)
    valid = form.is_valid()
    if not valid and action in allowed_actions(request.user, ticket):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("tickets:detail", ticket_id=ticket.pk)
    # An action that does not fit the status or the role is refused by the service itself
    # (403/409) before it reads any parameter, so its own message is what the user sees.
    try:
        done = ticket_act(
            ticket=ticket,
            action=action,
            actor=request.user,
            **_params(action, form.cleaned_data if valid else {}),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            str(ACTION_DONE[action]) % {"n": done.number, "level": done.escalation_level},
        )
    return redirect("tickets:detail", ticket_id=ticket.pk)


# --- Opening a ticket ------------------------------------------------------------------------------


@dataclass
class AssetCoverage:
    asset: Asset
    coverages: list[ContractAsset]
    applies: ContractAsset | None  # what a ticket would be opened under


def _targets_of(offering: Any) -> list[tuple[str, str]]:
    rows = [(SlaTargetKind.RESPONSE.label, _("%(h)s h") % {"h": offering.response_hours})]
    if offering.onsite_next_business_day:
        rows.append((SlaTargetKind.ONSITE.label, _("J+1 ouvré")))
    elif offering.onsite_hours is not None:
        rows.append((SlaTargetKind.ONSITE.label, _("%(h)s h") % {"h": offering.onsite_hours}))
    if offering.resolution_hours is not None:
        text = _("%(h)s h") % {"h": offering.resolution_hours}
        if not offering.resolution_binds_all_severities:
            text = _("%(h)s h (engageant en sévérité 1 et 2)") % {"h": offering.resolution_hours}
        rows.append((SlaTargetKind.RESOLUTION.label, text))
    return [(str(label), str(value)) for label, value in rows]


def lookup_serial(serial: str, partner_id: int | None) -> list[AssetCoverage]:
    """Assets with this serial number (the partner's customers' only) and their coverage."""
    assets = Asset.objects.filter(serial_number=serial).select_related(
        "customer", "site", "product_line"
    )
    if partner_id is not None:
        assets = assets.filter(customer__partner_id=partner_id)
    on = timezone.localdate()
    coverages: dict[int, list[ContractAsset]] = {}
    for row in entitlements_for_serial(serial, partner_id=partner_id, on=on):
        row.contract.offering.target_rows = _targets_of(row.contract.offering)  # type: ignore[attr-defined]
        coverages.setdefault(row.asset_id, []).append(row)
    found = []
    for asset in assets.order_by("vendor", "id"):
        applies = None
        if any(c.kind != OfferingKind.PROACTIVE_CREDITS for c in coverages.get(asset.pk, [])):
            # The same choice as ticket_open (on the site's calendar day).
            local_day = timezone.now().astimezone(_zone(asset.site.timezone)).date()
            applies = coverage_for_asset(asset.pk, on=local_day)
        found.append(AssetCoverage(asset, coverages.get(asset.pk, []), applies))
    return found


@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """« Ouvrir un ticket » : a serial number first, its coverage, then the call itself."""
    user = request.user
    partner = partner_of(user)
    if partner is None and not is_hp_staff(user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    lookup_form = SerialLookupForm(data if data.get("serial") else None)
    serial = ""
    found: list[AssetCoverage] = []
    if lookup_form.is_bound and lookup_form.is_valid():
        serial = lookup_form.cleaned_data["serial"]
        found = lookup_serial(serial, partner.pk if partner else None)
    covered = [f for f in found if f.applies is not None]
    refusal = ""
    if serial and not found:
        refusal = _(
            "Aucun équipement portant le numéro de série « %(serial)s » n'est connu chez vos clients."
        ) % {"serial": serial}
    elif serial and not covered:
        refusal = _(
            "Aucune couverture active pour l'équipement %(serial)s : aucun ticket ne peut être "
            "ouvert. Proposez au client un Care Pack ou un contrat de service."
        ) % {"serial": serial}

    open_form = None
    status = 200
    if covered:
        assets = Asset.objects.filter(pk__in=[f.asset.pk for f in covered]).select_related(
            "product_line"
        )
        open_form = TicketOpenForm(
            request.POST if request.method == "POST" else None, assets=assets
        )
    if request.method == "POST":
        status = 400
        if open_form is not None and open_form.is_valid():
            values = open_form.cleaned_data
            try:
                ticket = ticket_open(
                    asset=values["asset"],
                    severity=values["severity"],
                    kind=values["kind"],
                    summary=values["summary"],
                    description=values["description"],
                    actor=user,
                )
            except DomainError as error:
                add_domain_error(open_form, error)
            else:
                messages.success(
                    request,
                    _("Ticket %(n)s ouvert. %(routing)s")
                    % {"n": ticket.number, "routing": routing_message(ticket)},
                )
                return redirect("tickets:detail", ticket_id=ticket.pk)
        elif open_form is None and not refusal:
            refusal = _("Saisissez le numéro de série de l'équipement.")
    return render(
        request,
        "tickets/new.html",
        {
            "lookup_form": lookup_form if lookup_form.is_bound else SerialLookupForm(),
            "serial": serial,
            "found": found,
            "refusal": refusal,
            "open_form": open_form,
        },
        status=status,
    )


# --- Home panels ---------------------------------------------------------------------------------


def my_tickets(user: Any, limit: int = 10) -> dict[str, Any]:
    """A partner engineer's home: the open tickets assigned to them and the calls to take."""
    partner = partner_of(user)
    if partner is None:
        return {}
    now = timezone.now()
    mine = _queue_rows(
        Ticket.objects.open().filter(partner=partner, assigned_engineer__user=user)
    ).order_by("opened_at", "id")
    to_take = _queue_rows(
        Ticket.objects.filter(
            partner=partner, status=Status.OPENED, delivered_by=Organisation.PARTNER
        )
    ).order_by("ownership_due_at", "opened_at", "id")
    return {
        "mine": _rows(list(mine[:limit]), now),
        "to_take": _rows(list(to_take[:limit]), now),
        "target_headers": [SlaTargetKind(k).label for k in TARGET_ORDER],
        "labels": countdown_labels(),
    }


def cds_panel(limit: int = 5) -> dict[str, Any]:
    now = timezone.now()
    return {
        "summary": cds_summary(),
        "urgent": _rows(list(_queue_rows(cds_queue_tickets())[:limit]), now),
        "target_headers": [SlaTargetKind(k).label for k in TARGET_ORDER],
        "labels": countdown_labels(),
    }
