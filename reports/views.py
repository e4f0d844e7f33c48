"""Report pages: the partner scorecard (« fiche de performance ») and HP's programme dashboard.

Both read one dataclass from ``reports.selectors`` (a fixed number of queries
whatever the number of tickets), turn it into the named tables of
``reports.tables`` and the sections of ``reports.presenters`` (charts above
tables). Each table downloads as CSV from the same URL
(``?export=<slug>&numbers=fr|en``), so the figures on the page and in the file
are the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from partners.models import Partner
from reports import presenters, selectors
from reports.periods import BadMonth, Month, paris_today
from reports.selectors import cached
from reports.tables import (
    Table,
    dashboard_report_tables,
    ranking_table,
    scorecard_report_tables,
    scorecard_tables,
)
from servicone.access import hp_staff_required, is_hp_staff, is_programme_manager, membership_of

PLAIN_TEXT = "text/plain; charset=utf-8"


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


def _month_or_400(
    request: HttpRequest, today: date, template: str, context: dict[str, Any]
) -> Month | HttpResponse:
    """The month asked for, or the 400 that explains it (plain text for a CSV export)."""
    try:
        return requested_month(request, today)
    except MonthError as error:
        message = presenters.bad_month_message(str(error))
        if "export" in request.GET:
            return HttpResponseBadRequest(message, content_type=PLAIN_TEXT)
        context = {
            **context,
            "month_error": message,
            **presenters.month_navigation(Month.of(today), today),
        }
        return render(request, template, context, status=400)


def csv_response(request: HttpRequest, tables: Sequence[Table], filename_stem: str) -> HttpResponse:
    """``?export=<slug>&numbers=fr|en``: one table as a CSV download, or a clear refusal."""
    try:
        download = presenters.csv_file(
            tables,
            slug=request.GET.get("export", ""),
            numbers=request.GET.get("numbers", "fr"),
            stem=filename_stem,
        )
    except presenters.UnknownNumberFormat as error:
        return HttpResponseBadRequest(str(error), content_type=PLAIN_TEXT)
    except presenters.UnknownTable as error:
        return HttpResponseNotFound(str(error), content_type=PLAIN_TEXT)
    response = HttpResponse(download.body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    return response


def _freshness(computed: cached.Computed[Any]) -> dict[str, Any]:
    """When the figures shown were computed, and how often they are (templates/reports/_computed.html)."""
    return {"computed_at": computed.at, "refresh_minutes": cached.refresh_minutes()}


# --- Partner scorecard ----------------------------------------------------------------------------


def _scorecard_partner(request: HttpRequest) -> tuple[Partner | None, list[tuple[int, str]] | None]:
    """The partner the scorecard is about, and the partners HP staff may pick from.

    A partner user sees their own partner only: another partner's id does not
    exist for them (404), like every partner-scoped page of the portal.
    """
    raw = request.GET.get("partner", "").strip()
    membership = membership_of(request.user)
    partners = selectors.scorecard_partners()
    if membership is not None:
        if raw and raw != str(membership.partner_id):
            raise Http404
        return partners.get(pk=membership.partner_id), None
    if not is_hp_staff(request.user):
        raise PermissionDenied
    choices = selectors.scorecard_partner_choices()
    if not raw:
        return None, choices
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(partners, pk=int(raw)), choices


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
        # HP staff before picking a partner: every partner ranked by SLA compliance and
        # volume over the 12 months to the month, sortable, with its CSV.
        sort = request.GET.get("sort", selectors.DEFAULT_SORT)
        sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
        ranked = cached.ranking(month, sort=sort)
        ranks = ranked.figures
        ranking = ranking_table(ranks)
        if exporting:
            if request.GET.get("export") == ranking.slug:
                return csv_response(request, [ranking], f"classement-partenaires-{month}")
            return HttpResponseBadRequest(
                _("Choisissez un partenaire (paramètre partner)."), content_type=PLAIN_TEXT
            )
        context: dict[str, Any] = {
            "partner": None,
            "choices": choices,
            "ranking": presenters.section(
                ranking, links=[f"?partner={r.partner_id}&month={month}" for r in ranks]
            ),
            "sort": sort,
            **_freshness(ranked),
        }
        context.update(presenters.month_navigation(month, today))
        return render(request, "reports/scorecard.html", context)

    computed = cached.scorecard(partner, month, today=today)
    card = computed.figures
    tables = scorecard_tables(card)
    if exporting:
        stem = presenters.scorecard_file_stem(partner.name, partner.pk, month)
        # The CDS share by cause is a chart of the reasons' section; its CSV is served too.
        return csv_response(request, scorecard_report_tables(card), stem)
    context = {
        "partner": partner,
        "choices": choices,
        "card": card,
        "kpis": presenters.scorecard_kpis(card),
        "sections": presenters.scorecard_sections(card, tables),
        "today": today,
        "hp_view": choices is not None,
        **_freshness(computed),
    }
    context.update(presenters.month_navigation(month, today))
    return render(request, "reports/scorecard.html", context)


# --- HP programme dashboard -----------------------------------------------------------------------


@require_GET
@hp_staff_required
def programme(request: HttpRequest) -> HttpResponse:
    today = paris_today()
    exporting = "export" in request.GET
    month = _month_or_400(request, today, "reports/programme.html", {})
    if isinstance(month, HttpResponse):
        return month

    computed = cached.dashboard(month, today=today)
    board = computed.figures
    tables = dashboard_report_tables(board)
    if exporting:
        return csv_response(request, tables, f"programme-{month}")
    manager = is_programme_manager(request.user)
    context = {
        "board": board,
        "kpis": presenters.dashboard_kpis(board),
        "sections": presenters.dashboard_sections(board, tables, manager=manager),
        "today": today,
        **presenters.month_navigation(month, today),
        **_freshness(computed),
    }
    return render(request, "reports/programme.html", context)
