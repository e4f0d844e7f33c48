"""The scorecard and the dashboard as named tables: one source for the pages, CSV and e-mail.

Each chart on the pages has one of these tables under it; each table exports
to CSV. Cells keep their type (int, float, Decimal, date, str, None) and each
column says how to show it, so the HTML can format the French way while the
CSV stays machine-readable.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from reports.selectors import Dashboard, MonthPoint, PartnerRank, Scorecard, Window
from reports.selectors.cds_causes import CdsCause
from servicone.spreadsheet import safe_cell

TEXT, INT, PCT, MINUTES, EUR, DATE = "text", "int", "pct", "minutes", "eur", "date"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]


def _period_labels() -> tuple[str, str]:
    return _("Mois"), _("12 mois glissants")


# ---------------------------------------------------------------------------
# Partner scorecard
# ---------------------------------------------------------------------------


def _windows(card: Scorecard) -> tuple[tuple[str, Window], ...]:
    month_label, trailing_label = _period_labels()
    return ((month_label, card.month_figures), (trailing_label, card.trailing))


def _sla_table(card: Scorecard) -> Table:
    return Table(
        "sla",
        _("Respect des engagements de service"),
        (
            Column("target", _("Engagement")),
            Column("period", _("Période")),
            Column("met", _("Respectés"), INT),
            Column("breached", _("Dépassés"), INT),
            Column("running", _("En cours"), INT),
            Column("compliance_pct", _("Taux de respect (%)"), PCT),
        ),
        tuple(
            (t.label, period, t.met, t.breached, t.running, t.compliance_pct)
            for period, window in _windows(card)
            for t in window.sla
        ),
    )


def _times_table(card: Scorecard) -> Table:
    rows = []
    for period, window in _windows(card):
        for label, durations in (
            (_("Prise en charge"), window.ownership),
            (_("Arrivée sur site"), window.arrival),
        ):
            rows.append(
                (
                    label,
                    period,
                    durations.count,
                    durations.median_minutes,
                    durations.p90_minutes,
                )
            )
    return Table(
        "times",
        _("Délais depuis l'ouverture (minutes écoulées)"),
        (
            Column("measure", _("Mesure")),
            Column("period", _("Période")),
            Column("tickets", _("Tickets"), INT),
            Column("median_minutes", _("Médiane (min)"), MINUTES),
            Column("p90_minutes", _("90e centile (min)"), MINUTES),
        ),
        tuple(rows),
    )


def _delivery_table(card: Scorecard) -> Table:
    return Table(
        "delivery",
        _("Tickets par organisation qui délivre"),
        (
            Column("period", _("Période")),
            Column("tickets", _("Tickets"), INT),
            Column("partner", _("Partenaire"), INT),
            Column("cds", _("CDS"), INT),
            Column("cds_routed", _("dont routés au CDS"), INT),
            Column("handed_over", _("dont transférés au CDS"), INT),
            Column("fallen_back", _("dont basculés au CDS"), INT),
            Column("partner_pct", _("Part partenaire (%)"), PCT),
            Column("cds_pct", _("Part CDS (%)"), PCT),
            Column("handed_over_pct", _("Part transférée (%)"), PCT),
            Column("fallen_back_pct", _("Part basculée (%)"), PCT),
            Column("cds_backup", _("Renforts CDS après dépassement"), INT),
        ),
        tuple(
            (
                period,
                w.delivery.total,
                w.delivery.partner,
                w.delivery.cds,
                w.delivery.cds_routed,
                w.delivery.handed_over,
                w.delivery.fallen_back,
                w.delivery.partner_pct,
                w.delivery.cds_pct,
                w.delivery.handed_over_pct,
                w.delivery.fallen_back_pct,
                w.delivery.cds_backup,
            )
            for period, w in _windows(card)
        ),
    )


def _reason_kind(kind: str) -> str:
    labels = {
        "routing": _("Routage à l'ouverture"),
        "handover": _("Transfert par le partenaire"),
        "fallback": _("Bascule automatique"),
    }
    return labels.get(kind, kind)


def _reasons_table(card: Scorecard) -> Table:
    return Table(
        "reasons",
        _("Pourquoi le CDS délivre"),
        (
            Column("period", _("Période")),
            Column("kind", _("Origine")),
            Column("reason", _("Motif")),
            Column("tickets", _("Tickets"), INT),
        ),
        tuple(
            (period, _reason_kind(r.kind), r.label, r.count)
            for period, window in _windows(card)
            for r in window.delivery.reasons
        ),
    )


def _monthly_columns(with_sla: bool) -> tuple[Column, ...]:
    columns = (
        Column("month", _("Mois")),
        Column("tickets", _("Tickets"), INT),
        Column("partner", _("Partenaire"), INT),
        Column("cds", _("CDS"), INT),
        Column("handed_over", _("Transférés"), INT),
        Column("fallen_back", _("Basculés"), INT),
    )
    if not with_sla:
        return columns
    return (
        *columns,
        Column("response_pct", _("Respect prise en charge (%)"), PCT),
        Column("onsite_pct", _("Respect intervention sur site (%)"), PCT),
        Column("resolution_pct", _("Respect remise en service (%)"), PCT),
    )


def _monthly_table(series: Iterable[MonthPoint], *, with_sla: bool = True) -> Table:
    return Table(
        "monthly",
        _("Évolution sur 12 mois"),
        _monthly_columns(with_sla),
        tuple(
            (
                str(point.month),
                point.tickets,
                point.partner,
                point.cds,
                point.handed_over,
                point.fallen_back,
                *(t.compliance_pct for t in point.sla),
            )
            for point in series
        ),
    )


def _credits_table(card: Scorecard) -> Table:
    month_label, trailing_label = _period_labels()
    return Table(
        "credits",
        _("Crédits Proactive Select"),
        (Column("measure", _("Indicateur")), Column("value", _("Valeur"), INT)),
        (
            (
                _("Services préventifs délivrés — %(p)s") % {"p": month_label},
                card.month_figures.preventive_services,
            ),
            (_("Crédits consommés — %(p)s") % {"p": month_label}, card.month_figures.credits_used),
            (
                _("Services préventifs délivrés — %(p)s") % {"p": trailing_label},
                card.trailing.preventive_services,
            ),
            (_("Crédits consommés — %(p)s") % {"p": trailing_label}, card.trailing.credits_used),
            (_("Solde de crédits des contrats actifs"), card.credits_balance),
        ),
    )


def _certifications_table(card: Scorecard) -> Table:
    return Table(
        "certifications",
        _("Certifications expirant dans les 90 jours"),
        (
            Column("engineer", _("Ingénieur")),
            Column("course_code", _("Code")),
            Column("course", _("Formation")),
            Column("expires_on", _("Expire le"), DATE),
            Column("days_left", _("Jours restants"), INT),
        ),
        tuple(
            (c.engineer, c.course_code, c.course, c.expires_on, c.days_left)
            for c in card.expiring_certifications
        ),
    )


def _revenue_table(card: Scorecard) -> Table:
    r = card.revenue
    rows: list[tuple[Any, ...]] = [
        (
            _("Chiffre d'affaires services sur 12 mois au %(d)s")
            % {"d": r.as_of.strftime("%d/%m/%Y")},
            r.revenue_12m_eur,
        )
    ]
    # Only a tier with a revenue criterion of its own has a threshold to show.
    if r.tier_code and r.tier_threshold_eur is not None:
        rows.append(
            (_("Seuil du niveau actuel (%(t)s)") % {"t": r.tier_name}, r.tier_threshold_eur)
        )
    if r.next_tier_code and r.next_threshold_eur is not None:
        rows.append(
            (_("Seuil du niveau suivant (%(t)s)") % {"t": r.next_tier_name}, r.next_threshold_eur)
        )
        rows.append((_("Manque pour le niveau suivant"), r.missing_for_next_eur))
    return Table(
        "revenue",
        _("Chiffre d'affaires et seuils du programme"),
        (Column("measure", _("Indicateur")), Column("amount_eur", _("Montant (EUR)"), EUR)),
        tuple(rows),
    )


def _causes_table(causes_by_period: Sequence[tuple[str, Sequence[CdsCause]]]) -> Table:
    return Table(
        "cds-causes",
        _("Part du CDS par cause"),
        (
            Column("period", _("Période")),
            Column("cause", _("Cause")),
            Column("tickets", _("Tickets"), INT),
            Column("share_pct", _("Part des tickets du CDS (%)"), PCT),
        ),
        tuple(
            (period, cause.label, cause.count, cause.pct)
            for period, causes in causes_by_period
            for cause in causes
        ),
    )


def _with_causes(tables: tuple[Table, ...], causes: Table, after: str) -> tuple[Table, ...]:
    at = next((i + 1 for i, t in enumerate(tables) if t.slug == after), len(tables))
    return (*tables[:at], causes, *tables[at:])


def scorecard_report_tables(card: Scorecard) -> tuple[Table, ...]:
    """What the scorecard's CSV serves: ``scorecard_tables`` with the CDS share split by
    cause (area, hours, declined line, capacity, tier, certification, handover, fall-back)
    after the reasons. The page shows that split as a chart of the reasons' section."""
    causes = _causes_table([(period, w.delivery.causes) for period, w in _windows(card)])
    return _with_causes(scorecard_tables(card), causes, after="reasons")


def dashboard_report_tables(board: Dashboard) -> tuple[Table, ...]:
    """``dashboard_tables`` with the month's CDS share by cause, programme-wide."""
    causes = _causes_table([(str(_("Mois")), board.cds_causes)])
    return _with_causes(dashboard_tables(board), causes, after="organisations")


def scorecard_tables(card: Scorecard) -> tuple[Table, ...]:
    return (
        _sla_table(card),
        _times_table(card),
        _delivery_table(card),
        _reasons_table(card),
        _monthly_table(card.series),
        _credits_table(card),
        _certifications_table(card),
        _revenue_table(card),
    )


# ---------------------------------------------------------------------------
# Programme dashboard
# ---------------------------------------------------------------------------


def _tiers_table(board: Dashboard) -> Table:
    tiers = board.tiers_over_time[-1].tiers if board.tiers_over_time else ()
    columns = [Column("month", _("Mois")), Column("on", _("Au"), DATE)]
    columns += [
        Column(f"at_least_{t.code}", _("%(tier)s ou plus") % {"tier": t.name}, INT)
        for t in tiers
        if t.rank > 0
    ]
    columns += [
        Column(f"holding_{t.code}", _("%(tier)s exactement") % {"tier": t.name}, INT) for t in tiers
    ]
    return Table(
        "tiers",
        _("Partenaires par niveau"),
        tuple(columns),
        tuple(
            (
                str(m.month),
                m.on,
                *(t.at_least for t in m.tiers if t.rank > 0),
                *(t.holding for t in m.tiers),
            )
            for m in board.tiers_over_time
        ),
    )


def _pending_table(board: Dashboard) -> Table:
    return Table(
        "pending",
        _("Demandes d'accréditation en attente"),
        (
            Column("partner", _("Partenaire")),
            Column("tier", _("Niveau demandé")),
            Column("submitted_on", _("Soumise le"), DATE),
            Column("age_days", _("Attente (jours)"), INT),
        ),
        tuple(
            (
                p.partner,
                p.tier,
                p.submitted_at.date() if p.submitted_at else None,
                p.age_days,
            )
            for p in board.pending
        ),
    )


def _organisations_table(board: Dashboard) -> Table:
    return Table(
        "organisations",
        _("Respect des engagements par organisation"),
        (
            Column("organisation", _("Organisation")),
            Column("tickets", _("Tickets"), INT),
            Column("response_pct", _("Prise en charge (%)"), PCT),
            Column("onsite_pct", _("Intervention sur site (%)"), PCT),
            Column("resolution_pct", _("Remise en service (%)"), PCT),
            Column("met", _("Respectés"), INT),
            Column("breached", _("Dépassés"), INT),
            Column("compliance_pct", _("Taux global (%)"), PCT),
        ),
        tuple(
            (
                o.name,
                o.tickets,
                *(t.compliance_pct for t in o.sla),
                o.met,
                o.breached,
                o.compliance_pct,
            )
            for o in board.organisations
        ),
    )


def _at_risk_table(board: Dashboard) -> Table:
    return Table(
        "at-risk",
        _("Partenaires dont le niveau est menacé dans les 90 jours"),
        (
            Column("partner", _("Partenaire")),
            Column("tier", _("Niveau")),
            Column("at_risk_on", _("Perdu le"), DATE),
            Column("days_left", _("Jours restants"), INT),
            Column("reason", _("Motif")),
        ),
        tuple((r.partner, r.tier, r.at_risk_on, r.days_left, r.reason) for r in board.at_risk),
    )


def dashboard_tables(board: Dashboard) -> tuple[Table, ...]:
    return (
        _tiers_table(board),
        _pending_table(board),
        _organisations_table(board),
        _at_risk_table(board),
        _monthly_table(board.series, with_sla=False),
    )


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

NUMBER_FORMATS = ("fr", "en")


def ranking_table(ranks: Iterable[PartnerRank]) -> Table:
    """HP's ranking of partners (12 months): compliance of what each delivered, volume."""
    return Table(
        "ranking",
        _("Classement des partenaires sur 12 mois"),
        (
            Column("partner", _("Partenaire")),
            Column("tier", _("Niveau")),
            Column("tickets", _("Tickets"), INT),
            Column("by_partner", _("Délivrés par le partenaire"), INT),
            Column("cds_pct", _("Part du CDS (%)"), PCT),
            Column("met", _("Engagements respectés"), INT),
            Column("breached", _("Engagements dépassés"), INT),
            Column("compliance_pct", _("Taux de respect (%)"), PCT),
        ),
        tuple(
            (
                r.name,
                r.tier,
                r.tickets,
                r.by_partner,
                r.cds_pct,
                r.met,
                r.breached,
                r.compliance_pct,
            )
            for r in ranks
        ),
    )


def _csv_cell(value: Any, kind: str, numbers: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if kind == EUR and isinstance(value, Decimal):
        text = f"{value:.2f}"
    elif kind in (PCT, MINUTES) and isinstance(value, float | int | Decimal):
        text = f"{value:.1f}"
    else:
        return str(value)
    return text.replace(".", ",") if numbers == "fr" else text


def table_csv(table: Table, *, numbers: str = "fr") -> str:
    """The table as CSV: French (``;`` and decimal comma, for Excel FR) or English (``,`` and ``.``)."""
    if numbers not in NUMBER_FORMATS:
        raise ValueError(numbers)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if numbers == "fr" else ",", lineterminator="\r\n")
    writer.writerow([safe_cell(c.label) for c in table.columns])
    for row in table.rows:
        # Partner, course and engineer names are people's text: never a formula in Excel.
        writer.writerow(
            [
                safe_cell(_csv_cell(value, c.kind, numbers))
                for value, c in zip(row, table.columns, strict=True)
            ]
        )
    return out.getvalue()
