"""How tickets read on the pages: countdowns, site times, the timeline, the SLA panel.

Labels come from the models' choices (statuses, targets, timeline events,
segment reasons) or are written here, French first, in the reader's language
(``servicone.presenters.active_language``); instants and durations are written by
``tickets.time_text``. Nothing here queries the database: the views hand in what the
selectors read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import TextChoices
from django.utils import dateformat, formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from servicone.presenters import active_language
from tickets import sla, sla_clock
from tickets.models import (
    Kind,
    Organisation,
    OwnershipSegment,
    PauseReason,
    SegmentReason,
    SlaState,
    SlaTarget,
    SlaTargetKind,
    Status,
    Ticket,
    TicketEvent,
    TicketEventKind,
)
from tickets.time_text import format_minutes, format_remaining, iso_utc, site_time

if TYPE_CHECKING:
    from contracts.models import Asset, ContractAsset, Offering
    from tickets.selectors import AssetCoverage

TARGET_ORDER = (SlaTargetKind.RESPONSE, SlaTargetKind.ONSITE, SlaTargetKind.RESOLUTION)

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

# Who acted on a timeline line when no user did: "system" is the timers.
ORGANISATION_LABELS = {
    "partner": gettext_lazy("Partenaire"),
    "cds": gettext_lazy("HP / CDS"),
    "system": gettext_lazy("Système"),
}

# Why the clock did not count a stretch (``sla_clock.explain``'s "closed" reasons).
CLOSED_REASONS = {
    "outside_hours": gettext_lazy("hors plage horaire (soir, nuit ou matin)"),
    "weekend": gettext_lazy("week-end"),
    "holiday": gettext_lazy("jour férié"),
    "weekend_and_holiday": gettext_lazy("week-end et jour férié"),
}


def choice_label(choices: type[TextChoices], code: object) -> str:
    """The label of ``code`` among ``choices``; an unknown code as it is."""
    if isinstance(code, str) and code in choices.values:
        return str(choices(code).label)
    return str(code)


def countdown_labels() -> dict[str, str]:
    """What countdown.js writes, in the reader's language (printed as JSON by the pages)."""
    return {
        "breached": _("Dépassé"),
        "past": _("Échéance passée"),
        "day": pgettext("unité de durée : jour", "j"),
    }


def target_headers() -> list[Promise]:
    """The queues' countdown columns, in the order a reader expects."""
    return [SlaTargetKind(kind).label for kind in TARGET_ORDER]


def target_spec(target: SlaTarget) -> str:
    """The commitment as written in the contract: ``4 h``, ``J+1 ouvré``."""
    if target.next_business_day:
        return _("J+1 ouvré")
    hours = target.hours
    if hours is None:
        return "—"
    value = int(hours) if hours == int(hours) else formats.number_format(hours, 2)
    return _("%(hours)s h") % {"hours": value}


def offering_targets(offering: Offering) -> list[tuple[str, str]]:
    """A service level's targets, for the coverage shown before opening a ticket."""
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


# --- Countdowns and queue rows ----------------------------------------------------------


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


def routing_message(ticket: Ticket) -> str:
    """Why this organisation delivers, in the reader's language (French if not written)."""
    written = ticket.routing_messages or {}
    message: str = written.get(active_language()) or written.get("fr") or ticket.routing_reason
    return message


@dataclass
class Row:
    """A ticket as a queue shows it: its countdowns in ``TARGET_ORDER`` and its routing."""

    ticket: Ticket
    targets: list[Countdown | None]
    routing: str


def rows(tickets: Iterable[Ticket], now: datetime) -> list[Row]:
    """Queue rows, from the tickets' prefetched ``sla_targets`` (no query per row)."""
    result = []
    for ticket in tickets:
        tz = ticket.site.timezone
        by_kind = {t.target: countdown(t, now, tz) for t in ticket.sla_targets.all()}
        targets = [by_kind.get(kind) for kind in TARGET_ORDER]
        result.append(Row(ticket=ticket, targets=targets, routing=routing_message(ticket)))
    return result


def queue_context(tickets: Iterable[Ticket], now: datetime) -> dict[str, Any]:
    """What every ticket table needs: its rows, the countdown columns and the JS labels."""
    return {
        "rows": rows(tickets, now),
        "target_headers": target_headers(),
        "labels": countdown_labels(),
    }


# --- The ticket page --------------------------------------------------------------------


# Timeline lines about one SLA target (their detail names it).
_ABOUT_A_TARGET = (
    TicketEventKind.SLA_WARNED,
    TicketEventKind.SLA_BREACHED,
    TicketEventKind.CDS_BACKUP_FLAGGED,
)


def event_details(ticket: Ticket, event: TicketEvent) -> list[str]:
    """The detail of a timeline line, in the reader's language."""
    d = event.detail or {}
    tz = ticket.site.timezone
    kind = event.event
    lines: list[str] = []
    if kind == TicketEventKind.OPENED:
        lines.append(
            _("Sévérité %(severity)s · %(kind)s")
            % {"severity": d.get("severity"), "kind": choice_label(Kind, d.get("kind", ""))}
        )
        if d.get("summary"):
            lines.append(_("« %(summary)s »") % {"summary": d["summary"]})
    elif kind == TicketEventKind.ROUTED:
        who = choice_label(Organisation, d.get("delivered_by"))
        lines.append(_("Délivré par : %(who)s") % {"who": who})
        written = d.get("messages") or {}
        text = written.get(active_language()) or written.get("fr")
        if text:
            lines.append(text)
        if d.get("hand_back_at"):
            back = site_time(datetime.fromisoformat(d["hand_back_at"]), tz)
            lines.append(_("Retour au partenaire prévu le %(at)s") % {"at": back})
    elif kind == TicketEventKind.HAND_BACK_CANCELLED:
        lines.append(_("Le CDS a déjà envoyé un ingénieur : le ticket reste au CDS."))
    elif kind == TicketEventKind.DISPATCHED and d.get("engineer"):
        lines.append(_("Ingénieur : %(name)s") % {"name": d["engineer"]})
        if d.get("certified") is False:
            lines.append(_("Non certifié sur la gamme de l'équipement"))
        if d.get("reason"):
            lines.append(_("Motif : %(reason)s") % {"reason": d["reason"]})
    elif kind == TicketEventKind.RESOLVED and d.get("note"):
        lines.append(_("Compte rendu : %(note)s") % {"note": d["note"]})
    elif kind == TicketEventKind.PAUSED and d.get("reason"):
        lines.append(choice_label(PauseReason, d["reason"]))
    elif kind == TicketEventKind.ESCALATED:
        lines.append(_("Niveau %(level)s") % {"level": d.get("level")})
        cause = d.get("cause", "")
        if cause.startswith("sla_breach:"):
            lines.append(
                _("Suite au dépassement du délai « %(target)s »")
                % {"target": choice_label(SlaTargetKind, cause.split(":", 1)[1])}
            )
        if d.get("reason"):
            lines.append(d["reason"])
    elif kind == TicketEventKind.HANDED_OVER and d.get("reason"):
        lines.append(d["reason"])
    elif kind == TicketEventKind.FELL_BACK and d.get("ownership_due_at"):
        due = datetime.fromisoformat(d["ownership_due_at"])
        lines.append(_("Prise en charge attendue avant le %(due)s") % {"due": site_time(due, tz)})
    elif kind in _ABOUT_A_TARGET and d.get("target"):
        line = _("Délai : %(target)s") % {"target": choice_label(SlaTargetKind, d["target"])}
        if d.get("due_at"):
            line += " · " + _("échéance le %(due)s") % {
                "due": site_time(datetime.fromisoformat(d["due_at"]), tz)
            }
        lines.append(line)
    elif kind == TicketEventKind.CREDITS_CONSUMED:
        lines.append(
            ngettext(
                "%(credits)s crédit, solde %(balance)s",
                "%(credits)s crédits, solde %(balance)s",
                int(d.get("credits") or 0),
            )
            % {"credits": d.get("credits"), "balance": d.get("balance_after")}
        )
    return [str(line) for line in lines]


def timeline(ticket: Ticket, events: Iterable[TicketEvent]) -> list[dict[str, Any]]:
    """The timeline's lines: when (site time), what, who and on whose side, the details."""
    result = []
    for event in events:
        actor = event.actor
        result.append(
            {
                "code": event.event,
                "at": site_time(event.at, ticket.site.timezone),
                "label": choice_label(TicketEventKind, event.event),
                "who": (actor.get_full_name() or actor.get_username()) if actor else "",
                "organisation": str(ORGANISATION_LABELS.get(event.organisation, "")),
                "details": event_details(ticket, event),
            }
        )
    return result


def segments(
    ticket: Ticket, held: Iterable[OwnershipSegment], now: datetime
) -> list[dict[str, Any]]:
    """Who held the ticket from when to when; a finished ticket's last segment ends at resolution."""
    tz = ticket.site.timezone
    result = []
    for segment in held:
        end = segment.ended_at or (None if ticket.is_open else ticket.resolved_at)
        minutes = int(((end or now) - segment.started_at).total_seconds() // 60)
        result.append(
            {
                "organisation": segment.organisation,
                "who": segment.partner.name
                if segment.partner
                else Organisation(segment.organisation).label,
                "start": site_time(segment.started_at, tz),
                "end": site_time(end, tz) if end else _("en cours"),
                "duration": format_minutes(minutes),
                "reason": choice_label(SegmentReason, segment.reason),
            }
        )
    return result


def explanation(
    ticket: Ticket, target: SlaTarget, pauses: list[tuple[datetime, datetime | None]]
) -> list[str]:
    """« Pourquoi cette échéance » : what the clock skipped between opening and the deadline."""
    tz = ticket.site.timezone
    offering = ticket.offering
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
        return lines
    language = "fr" if active_language() == "fr" else "en_US"
    entries = sla_clock.explain(
        sla.calendar_for(ticket), ticket.opened_at, target.due_at, pauses, language=language
    )
    lines += [_explained(entry, tz) for entry in entries]
    if not entries:
        lines.append(_("Aucune période exclue : le délai court sans interruption."))
    return [line for line in lines if line]


def _explained(entry: dict[str, Any], tz: str) -> str:
    """One entry of ``sla_clock.explain`` as a sentence."""
    kind = entry["kind"]
    if kind == "closed":
        return _("Non compté du %(start)s au %(end)s : %(reason)s (%(duration)s).") % {
            "start": site_time(entry["start"], tz),
            "end": site_time(entry["end"], tz),
            "reason": str(CLOSED_REASONS.get(entry["reason"], entry["reason"])),
            "duration": format_minutes(entry["minutes"]),
        }
    if kind == "holiday":
        return _("Jour férié : %(name)s, le %(date)s.") % {
            "name": entry["name"],
            "date": dateformat.format(entry["date"], formats.get_format("SHORT_DATE_FORMAT")),
        }
    if kind == "pause":
        values = {
            "start": site_time(entry["start"], tz),
            "end": site_time(entry["end"], tz) if entry["end"] else "",
            "duration": format_minutes(entry["minutes"]),
        }
        if entry["end"]:
            return _("Pause du %(start)s au %(end)s : %(duration)s de plage non comptées.") % values
        return _("Pause depuis le %(start)s : le délai est suspendu.") % values
    if kind == "clock_change":
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
        return text % {"at": site_time(entry["at"], tz)}
    return ""


def sla_panel(
    ticket: Ticket, pauses: list[tuple[datetime, datetime | None]], now: datetime
) -> list[dict[str, Any]]:
    """The ticket page's SLA table: each target's commitment, deadlines, badge and why."""
    tz = ticket.site.timezone
    targets = sorted(ticket.sla_targets.all(), key=lambda t: TARGET_ORDER.index(t.target))
    result = []
    for target in targets:
        paused = target.state == SlaState.PAUSED
        result.append(
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
    return result


def action_label(action: str, ticket: Ticket) -> str:
    return str(ACTION_LABELS[action]) % {"level": ticket.escalation_level + 1}


def action_done(action: str, ticket: Ticket) -> str:
    """The message once an action from the ticket page went through."""
    return str(ACTION_DONE[action]) % {"n": ticket.number, "level": ticket.escalation_level}


def moved_to_cds(ticket: Ticket) -> str:
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


def milestones(ticket: Ticket) -> list[tuple[str, str]]:
    """The lifecycle instants reached so far, in site time."""
    reached = [
        (_("Ouvert le"), ticket.opened_at),
        (_("Pris en charge le"), ticket.acknowledged_at),
        (_("Ingénieur dépêché le"), ticket.dispatched_at),
        (_("Arrivé sur site le"), ticket.arrived_at),
        (_("Remis en service le"), ticket.resolved_at),
        (_("Clos le"), ticket.closed_at),
    ]
    return [(label, site_time(at, ticket.site.timezone)) for label, at in reached if at]


def ownership_due(ticket: Ticket) -> str:
    """Until when the partner may take the call (an opened partner ticket only)."""
    if ticket.ownership_due_at and ticket.status == Status.OPENED:
        return site_time(ticket.ownership_due_at, ticket.site.timezone)
    return ""


# --- Opening a ticket -------------------------------------------------------------------


@dataclass
class CoverageRow:
    coverage: ContractAsset
    targets: list[tuple[str, str]]  # (target, commitment) of its service level


@dataclass
class AssetCard:
    """An asset found by its serial number, with its coverage and the targets it gives."""

    asset: Asset
    coverages: list[CoverageRow]
    applies: ContractAsset | None  # what a ticket would be opened under


def asset_cards(found: list[AssetCoverage]) -> list[AssetCard]:
    return [
        AssetCard(
            asset=f.asset,
            coverages=[CoverageRow(c, offering_targets(c.contract.offering)) for c in f.coverages],
            applies=f.applies,
        )
        for f in found
    ]


def opening_refusal(serial: str, found: list[AssetCoverage]) -> str:
    """Why no ticket can be opened on this serial (unknown, or no active coverage), or ``""``."""
    if serial and not found:
        return _(
            "Aucun équipement portant le numéro de série « %(serial)s » n'est connu chez vos clients."
        ) % {"serial": serial}
    if serial and not any(f.applies is not None for f in found):
        return _(
            "Aucune couverture active pour l'équipement %(serial)s : aucun ticket ne peut être "
            "ouvert. Proposez au client un Care Pack ou un contrat de service."
        ) % {"serial": serial}
    return ""


def opened_message(ticket: Ticket) -> str:
    return _("Ticket %(n)s ouvert. %(routing)s") % {
        "n": ticket.number,
        "routing": routing_message(ticket),
    }
