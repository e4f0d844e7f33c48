"""Server-side SVG charts of the scorecard and the dashboard (pygal): pure functions.

Each builder takes the selectors' dataclasses and returns a ``Chart``: its title
and the SVG to inline, or no SVG and the sentence to show instead when there is
nothing to draw (a partner without tickets must not get an empty or broken
chart). Titles, labels and numbers follow the active language; the SVG references
nothing outside itself (no script, no stylesheet link, no font).

The SVG carries no ``<style>`` element and no ``style`` attribute either: the portal's
Content-Security-Policy refuses inline styles. pygal's stylesheet, the same for every chart
but its series colours, lives in ``portal.css`` (``stylesheet()`` writes it); each series is
coloured by a class of the palette (``chart-brand``…) that the stylesheet defines.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pygal
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.etree import etree
from pygal.style import Style

from reports.periods import Month
from reports.selectors import (
    Delivery,
    MonthPoint,
    OrganisationCompliance,
    RevenueStanding,
    TargetCompliance,
    TierMonth,
)
from reports.selectors.cds_causes import CdsCause
from servicone.presenters import format_eur, is_english

# pygal puts a legacy import hook for its map plugins (``find_module`` only, no
# ``find_spec``) on sys.meta_path. We draw no maps, and finders without find_spec
# break importers that ask every finder (pytest's importlib mode fails to collect
# the modules imported after this one; Python 3.12 ignores such finders anyway).
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

# The portal's palette (portal.css): brand blue, ok green, bad red, CDS purple, warn.
BRAND, OK, BAD, INFO, CDS, WARN, MUTED = (
    "#0b5cab",
    "#1e7b3a",
    "#b3261e",
    "#6f9fd8",
    "#5a2d91",
    "#b46900",
    "#5b6478",
)
# The class of a series drawn in each colour of the palette (portal.css colours them).
PALETTE = {
    BRAND: "brand",
    OK: "ok",
    BAD: "bad",
    INFO: "info",
    CDS: "cds",
    WARN: "warn",
    MUTED: "muted",
}
CHART_CLASS = "pygal-chart"  # pygal's class on the root of every chart
# pygal's rules for the series at index N (minified): its colour, and that of the values
# printed on it (black or white, whichever reads on the colour).
_SERIES_COLOUR = re.compile(r"\.color-(\d+)[^{}]*\{stroke:([^;}]+);fill:[^;}]+\}")
_VALUE_COLOUR = re.compile(r"\.text-overlay \.color-(\d+) text\{fill:([^;}]+)\}")
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
WIDTH, HEIGHT = 760, 320


def _style(*colors: str) -> Style:
    return Style(
        background="transparent",
        plot_background="#ffffff",
        foreground="#1d2433",
        foreground_strong="#1d2433",
        foreground_subtle="#d9dee8",
        font_family=FONT,
        label_font_size=12,
        major_label_font_size=12,
        value_font_size=12,
        value_label_font_size=12,
        tooltip_font_size=13,
        title_font_size=15,
        legend_font_size=13,
        no_data_font_size=16,
        opacity=".85",
        opacity_hover=".95",
        guide_stroke_color="#d9dee8",
        major_guide_stroke_color="#b8c0cf",
        colors=colors or (BRAND,),
    )


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    svg: SafeString | None  # None: nothing to draw, show ``empty_text``
    empty_text: str = ""
    # The CSV of the chart's own figures, when they are not the section's table.
    csv_slug: str = ""

    @property
    def testid(self) -> str:
        return f"chart-{self.slug}"


# --- Numbers the reader's way -------------------------------------------------------------


def number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """``1234.5`` -> ``1 234,5`` in French (U+202F groups), ``1,234.5`` in English."""
    if value is None:
        return "—"
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def percent(value: float | None) -> str:
    """``80.0`` -> ``80,0 %`` (no-break space, French typography) or ``80.0%``."""
    if value is None:
        return "—"
    sign = "%" if formats.get_format("DECIMAL_SEPARATOR") == "." else "\u00a0%"
    return f"{number(value, 1)}{sign}"


def month_label(month: Month) -> str:
    """``Month(2026, 11)`` -> ``nov. 2026`` / ``Nov. 2026`` ("M" would give « Jui » twice)."""
    return formats.date_format(month.first_day, "N Y")


def _count_labels(peak: float) -> list[int]:
    """Whole-number axis ticks up to at least ``peak`` (counts are never fractional)."""
    steps = (m * 10**e for e in range(9) for m in (1, 2, 5))
    step = next(s for s in steps if -(-peak // s) <= 6)
    top = max(1, -(-int(peak) // step)) * step
    return list(range(0, top + 1, step))


# --- Finishing the SVG --------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _strip_styles(root: Any) -> str:
    """Remove what the Content-Security-Policy would refuse; return pygal's stylesheet text.

    The ``<style>`` element goes (portal.css holds its rules), and so do ``style``
    attributes: their declarations (a value's own colour, a hidden tooltip) become
    presentation attributes, which are not styles to the policy.
    """
    css = ""
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "style":
                css += child.text or ""
                parent.remove(child)
    for node in root.iter():
        declarations = node.attrib.pop("style", "")
        for declaration in declarations.split(";"):
            name, _sep, value = declaration.partition(":")
            if name.strip():
                node.set(name.strip(), value.strip())
    return css


def _colour_series(root: Any, css: str) -> None:
    """Swap pygal's per-chart ``color-N`` rules for the palette's classes."""
    colours = {int(index): colour for index, colour in _SERIES_COLOUR.findall(css)}
    on_values = {int(index): colour for index, colour in _VALUE_COLOUR.findall(css)}
    for node in root.iter():
        classes = (node.get("class") or "").split()
        index = next((int(c[6:]) for c in classes if c.startswith("color-")), None)
        if index is None or index not in colours:
            continue
        colour = colours[index]
        if colour in PALETTE:
            classes += [f"chart-{PALETTE[colour]}", f"chart-value-{on_values.get(index, 'black')}"]
            node.set("class", " ".join(classes))
        else:  # not a palette colour: say it on the element (no printed-value colour then)
            node.set("fill", colour)
            node.set("stroke", colour)


def _finish(title: str, series_titles: Sequence[str]) -> Callable[[Any], Any]:
    """An xml filter: accessible root, no script, style or comment, a native tooltip per value."""

    def finish(root: Any) -> Any:
        root.set("role", "img")
        root.set("aria-label", title)
        for parent in list(root.iter()):
            for child in list(parent):
                # pygal's config script is only useful with its external JS; comments
                # carry pygal's home page URLs.
                if child.tag is etree.Comment or _local(child.tag) == "script":
                    parent.remove(child)
        _colour_series(root, _strip_styles(root))
        for group in root.iter():
            classes = (group.get("class") or "").split()
            if _local(group.tag) != "g" or "series" not in classes:
                continue
            index = next((int(c[6:]) for c in classes if c.startswith("serie-")), -1)
            name = series_titles[index] if 0 <= index < len(series_titles) else ""
            for node in group.iter():
                descs = {
                    (d.get("class") or "").split()[0]: d.text or ""
                    for d in node
                    if _local(d.tag) == "desc" and d.get("class")
                }
                if "value" not in descs:
                    continue
                parts = [p for p in (descs.get("x_label", ""), name) if p]
                tip = etree.Element("title")
                # French puts a space before the colon, English does not.
                colon = ": " if is_english() else " : "
                tip.text = (
                    f"{' — '.join(parts)}{colon}{descs['value']}" if parts else descs["value"]
                )
                node.insert(0, tip)
        return root

    return finish


def _render(chart: Any, title: str) -> SafeString:
    chart.add_xml_filter(
        _finish(title, [str(kwargs.get("title", "")) for _values, kwargs in chart.raw_series])
    )
    svg = chart.render(is_unicode=True)
    return mark_safe(svg)  # noqa: S308 — pygal escapes every text node it writes


def _config(title: str, *colors: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "js": [],
        "disable_xml_declaration": True,
        "width": WIDTH,
        "height": HEIGHT,
        "style": _style(*colors),
        "legend_at_bottom": True,
        "legend_box_size": 12,
        "truncate_legend": -1,
        "truncate_label": -1,
        "no_data_text": _("Aucune donnée sur la période"),
        "margin": 12,
        **extra,
    }


def _empty(slug: str, title: str, text: str | None = None) -> Chart:
    return Chart(slug, title, None, text or _("Aucun ticket sur la période"))


def _pct_axis() -> dict[str, Any]:
    return {"range": (0, 100), "y_labels": [0, 20, 40, 60, 80, 100], "value_formatter": percent}


# --- Scorecard ------------------------------------------------------------------------------


def sla_chart(periods: Sequence[tuple[str, Sequence[TargetCompliance]]]) -> Chart:
    """Met / breached / running per target and period: horizontal stacked bars."""
    title = _("Engagements respectés, dépassés et en cours")
    rows = [(f"{t.label} — {period}", t) for period, targets in periods for t in targets]
    rows.reverse()  # pygal draws the first label at the bottom
    if not any(t.total for _label, t in rows):
        return _empty("sla", title)
    chart = pygal.HorizontalStackedBar(
        **_config(
            title,
            OK,
            BAD,
            INFO,
            height=70 + 34 * len(rows),
            x_labels=[label for label, _t in rows],
            value_formatter=lambda v: number(v),
            y_labels=_count_labels(max(t.total for _label, t in rows)),
        )
    )
    chart.add(_("Respectés"), [t.met for _label, t in rows])
    chart.add(_("Dépassés"), [t.breached for _label, t in rows])
    chart.add(_("En cours"), [t.running for _label, t in rows])
    return Chart("sla", title, _render(chart, title))


def compliance_trend_chart(series: Sequence[MonthPoint], slug: str = "compliance-trend") -> Chart:
    """Compliance % per target, month by month (gaps where nothing was decided)."""
    title = _("Taux de respect par engagement sur 12 mois")
    if not any(t.met + t.breached for p in series for t in p.sla):
        return _empty(slug, title, _("Aucun engagement échu sur la période"))
    chart = pygal.Line(
        **_config(
            title,
            BRAND,
            WARN,
            OK,
            x_labels=[month_label(p.month) for p in series],
            x_label_rotation=30,
            allow_interruptions=True,
            dots_size=4,
            **_pct_axis(),
        )
    )
    for index, target in enumerate(series[0].sla if series else ()):
        chart.add(target.label, [p.sla[index].compliance_pct for p in series])
    return Chart(slug, title, _render(chart, title))


def tickets_trend_chart(series: Sequence[MonthPoint], slug: str = "tickets-trend") -> Chart:
    """Tickets delivered by the partner(s) and by CDS, month by month: stacked bars."""
    title = _("Tickets délivrés par le partenaire et par le CDS")
    if not any(p.tickets for p in series):
        return _empty(slug, title)
    chart = pygal.StackedBar(
        **_config(
            title,
            BRAND,
            CDS,
            x_labels=[month_label(p.month) for p in series],
            x_label_rotation=30,
            value_formatter=lambda v: number(v),
            y_labels=_count_labels(max(p.partner + p.cds for p in series)),
        )
    )
    chart.add(_("Partenaire"), [p.partner for p in series])
    chart.add(_("CDS"), [p.cds for p in series])
    return Chart(slug, title, _render(chart, title))


def delivery_chart(periods: Sequence[tuple[str, Delivery]]) -> Chart:
    """Share of tickets delivered by the partner vs CDS, per period (100 % stacked bars)."""
    title = _("Part des tickets délivrés par le partenaire et par le CDS")
    if not any(d.total for _period, d in periods):
        return _empty("delivery", title)
    periods = list(reversed(periods))  # first period on top
    chart = pygal.HorizontalStackedBar(
        **_config(
            title,
            BRAND,
            CDS,
            height=90 + 44 * len(periods),
            x_labels=[period for period, _d in periods],
            print_values=True,
            **_pct_axis(),
        )
    )
    chart.add(_("Partenaire"), [d.partner_pct for _period, d in periods])
    chart.add(_("CDS"), [d.cds_pct for _period, d in periods])
    return Chart("delivery", title, _render(chart, title))


def revenue_chart(revenue: RevenueStanding) -> Chart:
    """Trailing-12-month revenue beside the current and the next tier's thresholds."""
    title = _("Chiffre d'affaires services sur 12 mois et seuils")
    bars: list[tuple[str, Decimal, str]] = [
        (_("Chiffre d'affaires 12 mois"), revenue.revenue_12m_eur, BRAND)
    ]
    if revenue.tier_threshold_eur is not None:
        bars.append(
            (
                _("Seuil %(tier)s") % {"tier": revenue.tier_name},
                revenue.tier_threshold_eur,
                MUTED,
            )
        )
    if revenue.next_threshold_eur is not None:
        bars.append(
            (
                _("Seuil %(tier)s") % {"tier": revenue.next_tier_name},
                revenue.next_threshold_eur,
                WARN,
            )
        )
    chart = pygal.HorizontalBar(
        **_config(
            title,
            *(colour for _label, _amount, colour in bars),
            height=90 + 44 * len(bars),
            value_formatter=format_eur,
            print_values=True,
            # The amounts are printed on the bars; an axis of amounts in cents is noise.
            show_x_labels=False,
        )
    )
    # One series per bar so each gets its colour and its own label.
    for label, amount, _colour in bars:
        chart.add(label, [float(amount)])
    return Chart("revenue", title, _render(chart, title))


# --- Programme dashboard --------------------------------------------------------------------


def tiers_chart(months: Sequence[TierMonth]) -> Chart:
    """Partners at each tier or above, at each month's end: one line per tier."""
    title = _("Partenaires par niveau (ce niveau ou plus)")
    tiers = [t for t in (months[-1].tiers if months else ()) if t.rank > 0]
    if not tiers or not any(t.at_least for m in months for t in m.tiers if t.rank > 0):
        return _empty("tiers", title, _("Aucun partenaire classé sur la période"))
    chart = pygal.Line(
        **_config(
            title,
            BRAND,
            OK,
            CDS,
            WARN,
            x_labels=[month_label(m.month) for m in months],
            x_label_rotation=30,
            dots_size=4,
            value_formatter=lambda v: number(v),
            y_labels=_count_labels(max(t.at_least for m in months for t in m.tiers)),
        )
    )
    for tier in tiers:
        by_code = [{t.code: t.at_least for t in m.tiers}.get(tier.code, 0) for m in months]
        chart.add(_("%(tier)s ou plus") % {"tier": tier.name}, by_code)
    return Chart("tiers", title, _render(chart, title))


def organisations_chart(organisations: Sequence[OrganisationCompliance]) -> Chart:
    """Overall SLA compliance of CDS and of each partner: one horizontal bar each."""
    title = _("Taux de respect des engagements par organisation")
    rows = [o for o in reversed(organisations) if o.compliance_pct is not None]  # first on top
    if not rows:
        return _empty("organisations", title, _("Aucun engagement échu sur la période"))
    chart = pygal.HorizontalBar(
        **_config(
            title,
            BRAND,
            height=90 + 28 * len(rows),
            x_labels=[o.name for o in rows],
            show_legend=False,
            print_values=True,
            **_pct_axis(),
        )
    )
    chart.add(
        _("Taux global"),
        [
            {"value": o.compliance_pct, "color": CDS if o.partner_id is None else BRAND}
            for o in rows
        ],
    )
    return Chart("organisations", title, _render(chart, title))


def cds_causes_chart(causes: Sequence[CdsCause]) -> Chart:
    """Why CDS delivers: its tickets of the period by cause, one horizontal bar each."""
    title = _("Part du CDS par cause")
    rows = [c for c in reversed(causes) if c.count]  # the list's first cause on top
    if not rows:
        return _empty("cds-causes", title, _("Aucun ticket délivré par le CDS sur la période"))
    chart = pygal.HorizontalBar(
        **_config(
            title,
            CDS,
            height=90 + 28 * len(rows),
            x_labels=[c.label for c in rows],
            show_legend=False,
            print_values=True,
        )
    )
    chart.add(_("Tickets"), [c.count for c in rows])
    return Chart("cds-causes", title, _render(chart, title), csv_slug="cds-causes")


# --- The charts' stylesheet ----------------------------------------------------------------------


def stylesheet() -> str:
    """The charts' rules as portal.css holds them: pygal's stylesheet for the portal's style,
    scoped to ``.pygal-chart`` rather than one chart's id, with the palette's colour classes
    where pygal had per-chart ``color-N`` rules (tests/reports/test_charts.py checks that
    portal.css has it; paste this function's output there after a pygal upgrade)."""
    captured: list[str] = []

    def capture(root: Any) -> Any:
        for node in root.iter():
            if _local(node.tag) == "style":
                captured.append(node.text or "")
        captured.append(f"#{root.get('id')} ")
        return root

    chart = pygal.Bar(**_config("", *PALETTE))
    for colour in PALETTE:
        chart.add(colour, [1])
    chart.add_xml_filter(capture)
    chart.render(is_unicode=True)
    *texts, prefix = captured
    css = "".join(texts)
    on_values = dict(_VALUE_COLOUR.findall(css))
    scope = f".{CHART_CLASS}"
    palette_rules = [
        f"{scope} .chart-{name},{scope} .chart-{name} a:visited {{stroke:{colour};fill:{colour}}}"
        for colour, name in PALETTE.items()
    ] + [
        f"{scope} .text-overlay .chart-value-{colour} text {{fill:{colour}}}"
        for colour in sorted(set(on_values.values()))
    ]
    lines: list[str] = []
    for rule in css.replace("\n", "").split("}"):
        if not rule.strip():
            continue
        if ".color-" in rule:
            lines.extend(palette_rules)  # the palette's rules where pygal had its colours
            palette_rules = []
            continue
        selector, _brace, declarations = rule.partition("{")
        selector = selector.replace(prefix, f"{scope} ").replace(prefix.strip(), scope)
        lines.append(f"{selector} {{{declarations}}}")
    return "\n".join(lines) + "\n"
