"""Report pages: the partner scorecard (« fiche de performance ») and HP's programme dashboard.

Both read one dataclass from ``reports.selectors`` (a fixed number of queries
whatever the number of tickets), turn it into the named tables of
``reports.tables`` and draw the charts of ``reports.charts`` above them. Each
table downloads as CSV from the same URL (``?export=<slug>&numbers=fr|en``), so
the figures on the page and in the file are the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from partners.models import Partner
from reports import charts
from reports.periods import PARIS, BadMonth, Month, share
from reports.selectors import Dashboard, Scorecard, partner_scorecard, programme_dashboard
from reports.tables import (
    NUMBER_FORMATS,
    Column,
    Table,
    dashboard_tables,
    scorecard_tables,
    table_csv,
)
from servicone.access import hp_staff_required, is_hp_staff, is_programme_manager, membership_of

# Excel (French locale) reads a BOM-less CSV as Windows-1252 and garbles « é ».
UTF8_BOM = "\ufeff"


# --- Shared pieces ----------------------------------------------------------------------------


def paris_today() -> date:
    return timezone.localtime(timezone.now(), PARIS).date()


class MonthError(Exception):
    """The ``month`` parameter is not a month; the page says so with a 400."""


def requested_month(request: HttpRequest, today: date) -> Month:
    text = request.GET.get("month", "").strip()
    if not text:
        return Month.of(today)
    try:
        return Month.parse(text)
    except BadMonth:
        raise MonthError(text) from None


def bad_month_message(text: str) -> str:
    return _(
        "Le mois « %(month)s » n'est pas valide : indiquez-le sous la forme AAAA-MM, "
        "par exemple %(example)s."
    ) % {"month": text, "example": str(Month.of(paris_today()))}


def month_title(month: Month) -> str:
    """``novembre 2026`` / ``November 2026``."""
    return formats.date_format(month.first_day, "YEAR_MONTH_FORMAT")


def duration_text(minutes: float | None) -> str:
    """Elapsed minutes as people read them: ``45 min``, ``2 h 05``."""
    if minutes is None:
        return "—"
    whole = round(minutes)
    if whole < 60:
        return _("%(m)s min") % {"m": whole}
    return _("%(h)s h %(m)02d") % {"h": whole // 60, "m": whole % 60}


@dataclass(frozen=True)
class Cell:
    value: Any
    kind: str
    link: str = ""


@dataclass(frozen=True)
class Section:
    table: Table
    rows: list[list[Cell]]
    charts: Sequence[charts.Chart]
    note: str = ""
    action: tuple[str, str] | None = None  # (url, label) under the table

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.table.columns


def section(
    table: Table,
    chart_list: Sequence[charts.Chart] = (),
    *,
    links: Sequence[str] = (),
    note: str = "",
    action: tuple[str, str] | None = None,
) -> Section:
    """A table ready for the template: each cell with its column's kind, the first linked."""
    rows = []
    for index, row in enumerate(table.rows):
        link = links[index] if index < len(links) else ""
        rows.append(
            [
                Cell(value, column.kind, link if position == 0 else "")
                for position, (value, column) in enumerate(zip(row, table.columns, strict=True))
            ]
        )
    return Section(table, rows, tuple(chart_list), note, action)


def csv_response(request: HttpRequest, tables: Sequence[Table], filename_stem: str) -> HttpResponse:
    """``?export=<slug>&numbers=fr|en``: one table as a CSV download, or a clear refusal."""
    numbers = request.GET.get("numbers", "fr")
    if numbers not in NUMBER_FORMATS:
        return HttpResponseBadRequest(
            _("Format de nombres inconnu « %(numbers)s » : choisissez fr ou en.")
            % {"numbers": numbers},
            content_type="text/plain; charset=utf-8",
        )
    slug = request.GET.get("export", "")
    table = next((t for t in tables if t.slug == slug), None)
    if table is None:
        return HttpResponseNotFound(
            _("Tableau inconnu « %(slug)s ». Tableaux disponibles : %(slugs)s.")
            % {"slug": slug, "slugs": ", ".join(t.slug for t in tables)},
            content_type="text/plain; charset=utf-8",
        )
    body = table_csv(table, numbers=numbers)
    if numbers == "fr":
        body = UTF8_BOM + body
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}-{table.slug}.csv"'
    return response


def month_navigation(month: Month, today: date) -> dict[str, Any]:
    current = Month.of(today)
    return {
        "month": month,
        "month_value": str(month),
        "month_title": month_title(month),
        "previous": str(month.previous()),
        "previous_title": month_title(month.previous()),
        # Nothing has happened after the current month yet.
        "next": str(month.next()) if month < current else None,
        "next_title": month_title(month.next()),
        "current": str(current) if month != current else None,
    }


# --- Partner scorecard ----------------------------------------------------------------------------


def _scorecard_partner(request: HttpRequest) -> tuple[Partner | None, list[tuple[int, str]] | None]:
    """The partner the scorecard is about, and the partners HP staff may pick from.

    A partner user sees their own partner only: another partner's id does not
    exist for them (404), like every partner-scoped page of the portal.
    """
    raw = request.GET.get("partner", "").strip()
    membership = membership_of(request.user)
    partners = Partner.objects.select_related("tier")
    if membership is not None:
        if raw and raw != str(membership.partner_id):
            raise Http404
        return partners.get(pk=membership.partner_id), None
    if not is_hp_staff(request.user):
        raise PermissionDenied
    choices = list(
        Partner.objects.filter(is_active=True).order_by("name", "id").values_list("id", "name")
    )
    if not raw:
        return None, choices
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(partners, pk=int(raw)), choices


def _scorecard_sections(card: Scorecard, tables: Sequence[Table]) -> list[Section]:
    month_label, trailing_label = _("Mois"), _("12 mois glissants")
    chart_sets: dict[str, list[charts.Chart]] = {
        "sla": [
            charts.sla_chart(
                [(month_label, card.month_figures.sla), (trailing_label, card.trailing.sla)]
            )
        ],
        "delivery": [
            charts.delivery_chart(
                [
                    (month_label, card.month_figures.delivery),
                    (trailing_label, card.trailing.delivery),
                ]
            )
        ],
        "monthly": [
            charts.compliance_trend_chart(card.series),
            charts.tickets_trend_chart(card.series),
        ],
        "revenue": [charts.revenue_chart(card.revenue)],
    }
    return [section(t, chart_sets.get(t.slug, ())) for t in tables]


def _scorecard_kpis(card: Scorecard) -> dict[str, Any]:
    month = card.month_figures
    met = sum(t.met for t in month.sla)
    breached = sum(t.breached for t in month.sla)
    revenue = card.revenue
    progress = None
    if revenue.next_threshold_eur:
        progress = min(100, round(100 * revenue.revenue_12m_eur / revenue.next_threshold_eur))
    return {
        "compliance": charts.percent(share(met, met + breached)),
        "met": met,
        "decided": met + breached,
        "ownership": duration_text(month.ownership.median_minutes),
        "ownership_count": month.ownership.count,
        "partner_share": charts.percent(month.delivery.partner_pct),
        "tickets": month.delivery.total,
        "credits_used": month.credits_used,
        "credits_balance": card.credits_balance,
        "expiring": len(card.expiring_certifications),
        "revenue": revenue,
        "revenue_progress": progress,
    }


def _month_or_400(
    request: HttpRequest, today: date, template: str, context: dict[str, Any]
) -> Month | HttpResponse:
    """The month asked for, or the 400 that explains it (plain text for a CSV export)."""
    try:
        return requested_month(request, today)
    except MonthError as error:
        message = bad_month_message(str(error))
        if "export" in request.GET:
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        context = {**context, "month_error": message, **month_navigation(Month.of(today), today)}
        return render(request, template, context, status=400)


@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    partner, choices = _scorecard_partner(request)
    today = paris_today()
    exporting = "export" in request.GET
    month = _month_or_400(
        request, today, "reports/scorecard.html", {"partner": partner, "choices": choices}
    )
    if isinstance(month, HttpResponse):
        return month

    if partner is None:
        if exporting:
            return HttpResponseBadRequest(
                _("Choisissez un partenaire (paramètre partner)."),
                content_type="text/plain; charset=utf-8",
            )
        context = {"partner": None, "choices": choices}
        context.update(month_navigation(month, today))
        return render(request, "reports/scorecard.html", context)

    card = partner_scorecard(partner, month, today=today)
    tables = scorecard_tables(card)
    if exporting:
        stem = f"scorecard-{slugify(partner.name) or partner.pk}-{month}"
        return csv_response(request, tables, stem)
    context = {
        "partner": partner,
        "choices": choices,
        "card": card,
        "kpis": _scorecard_kpis(card),
        "sections": _scorecard_sections(card, tables),
        "today": today,
        "hp_view": choices is not None,
    }
    context.update(month_navigation(month, today))
    return render(request, "reports/scorecard.html", context)


# --- HP programme dashboard -----------------------------------------------------------------------


def _dashboard_sections(
    board: Dashboard, tables: Sequence[Table], *, manager: bool
) -> list[Section]:
    by_slug = {t.slug: t for t in tables}
    scorecard_url = reverse("reports:scorecard")
    month = str(board.month)
    queue = (
        (reverse("partners:hp-queue"), _("Ouvrir la file de validation des accréditations"))
        if manager
        else None
    )
    ordered = [
        section(by_slug["tiers"], [charts.tiers_chart(board.tiers_over_time)]),
        section(
            by_slug["pending"],
            links=[
                reverse("partners:hp-accreditation", args=[p.id]) if manager else ""
                for p in board.pending
            ],
            action=queue,
        ),
        section(
            by_slug["organisations"],
            [charts.organisations_chart(board.organisations)],
            links=[
                f"{scorecard_url}?partner={o.partner_id}&month={month}" if o.partner_id else ""
                for o in board.organisations
            ],
            note=_("Tickets ouverts dans le mois, par organisation qui les délivre."),
        ),
        section(
            by_slug["at-risk"],
            links=[reverse("partners:hp-partner", args=[r.partner_id]) for r in board.at_risk],
        ),
        section(
            by_slug["monthly"],
            # Programme-wide compliance is by organisation above; the series is tickets only.
            [charts.tickets_trend_chart(board.series)],
        ),
    ]
    listed = {s.table.slug for s in ordered}
    # A table added to dashboard_tables later still shows, after the known ones.
    return ordered + [section(t) for t in tables if t.slug not in listed]


def _dashboard_kpis(board: Dashboard) -> dict[str, Any]:
    latest = board.tiers_over_time[-1].tiers if board.tiers_over_time else ()
    met = sum(o.met for o in board.organisations)
    breached = sum(o.breached for o in board.organisations)
    return {
        "tiers": [t for t in latest if t.rank > 0],
        "pending": len(board.pending),
        "oldest_days": max((p.age_days for p in board.pending), default=None),
        "at_risk": len(board.at_risk),
        "tickets": board.series[-1].tickets if board.series else 0,
        "compliance": charts.percent(share(met, met + breached)),
    }


@require_GET
@hp_staff_required
def programme(request: HttpRequest) -> HttpResponse:
    today = paris_today()
    exporting = "export" in request.GET
    month = _month_or_400(request, today, "reports/programme.html", {})
    if isinstance(month, HttpResponse):
        return month

    board = programme_dashboard(month, today=today, now=timezone.now())
    tables = dashboard_tables(board)
    if exporting:
        return csv_response(request, tables, f"programme-{month}")
    manager = is_programme_manager(request.user)
    context = {
        "board": board,
        "kpis": _dashboard_kpis(board),
        "sections": _dashboard_sections(board, tables, manager=manager),
        "today": today,
        **month_navigation(month, today),
    }
    return render(request, "reports/programme.html", context)
