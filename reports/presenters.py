"""The report pages as their templates show them: sections, KPIs, month navigation, CSV files.

The figures come from ``reports.selectors``; ``reports.tables`` names them as
tables (one source for the page, the CSV and the e-mail) and ``reports.charts``
draws them. This module puts those together for the two pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext as _

from reports import charts
from reports.periods import Month, paris_today, share
from reports.selectors import Dashboard, Scorecard
from reports.tables import NUMBER_FORMATS, Column, Table, table_csv

# Excel (French locale) reads a BOM-less CSV as Windows-1252 and garbles « é ».
UTF8_BOM = "\ufeff"


# --- Months -------------------------------------------------------------------------------------


def month_title(month: Month) -> str:
    """``novembre 2026`` / ``November 2026``."""
    return formats.date_format(month.first_day, "YEAR_MONTH_FORMAT")


def bad_month_message(text: str) -> str:
    """Why ``text`` is not a month, with this month as the example to follow."""
    return _(
        "Le mois « %(month)s » n'est pas valide : indiquez-le sous la forme AAAA-MM, "
        "par exemple %(example)s."
    ) % {"month": text, "example": str(Month.of(paris_today()))}


def month_navigation(month: Month, today: date) -> dict[str, Any]:
    """The previous / next / current month links above a report (``_month_nav.html``)."""
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


def duration_text(minutes: float | None) -> str:
    """Elapsed minutes as people read them: ``45 min``, ``2 h 05``."""
    if minutes is None:
        return "—"
    whole = round(minutes)
    if whole < 60:
        return _("%(m)s min") % {"m": whole}
    return _("%(h)s h %(m)02d") % {"h": whole // 60, "m": whole % 60}


# --- Sections: a table with its charts ----------------------------------------------------------


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


# --- The partner scorecard ----------------------------------------------------------------------


def scorecard_sections(card: Scorecard, tables: Sequence[Table]) -> list[Section]:
    """The scorecard's tables in order, each under its charts."""
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
        # Why CDS delivers, by cause (issue 16): the month's; its CSV is ``cds-causes``.
        "reasons": [charts.cds_causes_chart(card.month_figures.delivery.causes)],
        "revenue": [charts.revenue_chart(card.revenue)],
    }
    return [section(t, chart_sets.get(t.slug, ())) for t in tables]


def scorecard_kpis(card: Scorecard) -> dict[str, Any]:
    """The figures of the tiles at the top of the scorecard, for the month."""
    month = card.month_figures
    met = sum(t.met for t in month.sla)
    breached = sum(t.breached for t in month.sla)
    revenue = card.revenue
    progress = None
    if revenue.next_threshold_eur:
        progress = min(100, round(100 * revenue.revenue_12m_eur / revenue.next_threshold_eur))
    compliance = share(met, met + breached)
    return {
        "compliance": charts.percent(compliance),
        # The tile's bar: the share of the month's decided commitments that were kept.
        "compliance_bar": round(compliance) if compliance is not None else None,
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


def scorecard_file_stem(partner_name: str, partner_id: int, month: Month) -> str:
    """``scorecard-ovesys-2026-11``: the start of the scorecard's CSV file names."""
    return f"scorecard-{slugify(partner_name) or partner_id}-{month}"


# --- The programme dashboard --------------------------------------------------------------------


def dashboard_sections(
    board: Dashboard, tables: Sequence[Table], *, manager: bool
) -> list[Section]:
    """The dashboard's tables in order, with their charts and links (approvals for managers)."""
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


def dashboard_kpis(board: Dashboard) -> dict[str, Any]:
    """The figures of the tiles at the top of the dashboard."""
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


# --- CSV downloads ------------------------------------------------------------------------------


class UnknownNumberFormat(ValueError):
    """``numbers`` is neither ``fr`` nor ``en``; the message says which to choose."""


class UnknownTable(LookupError):
    """No table has this slug; the message lists the ones there are."""


@dataclass(frozen=True)
class CsvFile:
    filename: str
    body: str


def csv_file(tables: Sequence[Table], *, slug: str, numbers: str, stem: str) -> CsvFile:
    """One of ``tables`` as a CSV download, French (with a BOM for Excel) or English."""
    if numbers not in NUMBER_FORMATS:
        raise UnknownNumberFormat(
            _("Format de nombres inconnu « %(numbers)s » : choisissez fr ou en.")
            % {"numbers": numbers}
        )
    table = next((t for t in tables if t.slug == slug), None)
    if table is None:
        raise UnknownTable(
            _("Tableau inconnu « %(slug)s ». Tableaux disponibles : %(slugs)s.")
            % {"slug": slug, "slugs": ", ".join(t.slug for t in tables)}
        )
    body = table_csv(table, numbers=numbers)
    if numbers == "fr":
        body = UTF8_BOM + body
    return CsvFile(f"{stem}-{table.slug}.csv", body)
