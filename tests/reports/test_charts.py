"""Chart builders: self-contained, accessible SVG in the reader's language; empty data survives."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.utils import translation

from reports import charts
from reports.periods import Month
from reports.selectors import (
    Delivery,
    MonthPoint,
    OrganisationCompliance,
    RevenueStanding,
    TargetCompliance,
    TierCount,
    TierMonth,
)

STATIC = Path(__file__).resolve().parents[2] / "servicone" / "static"
NNBSP = "\u202f"
NBSP = "\u00a0"
MONTHS = Month(2026, 11).trailing(12)


def targets(met: int = 8, breached: int = 2, running: int = 1) -> tuple[TargetCompliance, ...]:
    return (
        TargetCompliance("response", "Prise en charge", met, breached, running),
        TargetCompliance("onsite", "Intervention sur site", met // 2, breached, running),
        TargetCompliance("resolution", "Remise en service", 0, 0, running),
    )


def series(tickets: int = 1200) -> tuple[MonthPoint, ...]:
    return tuple(
        MonthPoint(m, tickets, tickets - 200, 200, 150, 50, targets(met=3 + i))
        for i, m in enumerate(MONTHS)
    )


def empty_series() -> tuple[MonthPoint, ...]:
    return tuple(MonthPoint(m, 0, 0, 0, 0, 0, targets(0, 0, 0)) for m in MONTHS)


def delivery(total: int = 10, partner: int = 8) -> Delivery:
    return Delivery(total, partner, total - partner, total - partner, 0, 0, 0, ())


REVENUE = RevenueStanding(
    revenue_12m_eur=Decimal("12345.60"),
    as_of=date(2026, 11, 26),
    tier_code="sell",
    tier_name="Sell",
    tier_threshold_eur=Decimal("10000.00"),
    next_tier_code="deliver",
    next_tier_name="Deliver",
    next_threshold_eur=Decimal("25000.00"),
)

TIERS = tuple(
    TierMonth(
        m,
        m.last_day,
        (
            TierCount("registered", "Registered", 0, 10, 130 + i),
            TierCount("sell", "Sell", 1, 70, 100 + i),
            TierCount("deliver", "Deliver", 2, 10, 30),
            TierCount("expert", "Expert", 3, 20, 20),
        ),
    )
    for i, m in enumerate(MONTHS)
)

ORGANISATIONS = (
    OrganisationCompliance("cds", None, "CDS (HP)", 40, targets(30, 3, 1)),
    OrganisationCompliance("partner", 7, "Ovesys", 12, targets(3, 3, 1)),
    OrganisationCompliance("partner", 8, "Sans échéance", 1, targets(0, 0, 1)),
)


def every_chart() -> list[charts.Chart]:
    return [
        charts.sla_chart([("Mois", targets()), ("12 mois glissants", targets(80, 20, 2))]),
        charts.compliance_trend_chart(series()),
        charts.tickets_trend_chart(series()),
        charts.delivery_chart([("Mois", delivery()), ("12 mois glissants", delivery(100, 81))]),
        charts.revenue_chart(REVENUE),
        charts.tiers_chart(TIERS),
        charts.organisations_chart(ORGANISATIONS),
    ]


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 — our own output, not untrusted input


@pytest.fixture
def french():
    with translation.override("fr"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_every_chart_is_a_non_empty_svg_with_bars_or_lines(french):
    for chart in every_chart():
        assert chart.svg, chart.slug
        root = parse(str(chart.svg))
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        shapes = root.findall(".//{http://www.w3.org/2000/svg}rect") + root.findall(
            ".//{http://www.w3.org/2000/svg}path"
        )
        assert len(shapes) > 3, chart.slug


def test_every_chart_is_an_image_with_a_label_for_screen_readers(french):
    for chart in every_chart():
        root = parse(str(chart.svg))
        assert root.get("role") == "img"
        assert root.get("aria-label") == chart.title
        assert root.find("{http://www.w3.org/2000/svg}title").text == chart.title
        assert chart.testid == f"chart-{chart.slug}"


def test_charts_reference_nothing_outside_themselves(french):
    for chart in every_chart():
        svg = str(chart.svg)
        assert not svg.startswith("<?xml")
        assert "<script" not in svg
        assert "<!--" not in svg
        assert "href" not in svg
        assert "@import" not in svg
        assert "url(" not in svg
        # The only URLs are the XML namespace names, which are never fetched.
        assert set(re.findall(r"https?://[^\s\"'<>]+", svg)) <= {"http://www.w3.org/2000/svg"}


def test_chart_labels_and_numbers_are_french(french):
    sla, compliance, tickets, share, revenue, tiers, organisations = every_chart()
    assert sla.title == "Engagements respectés, dépassés et en cours"
    assert ">Respectés<" in sla.svg
    assert ">Dépassés<" in sla.svg
    assert "Prise en charge — Mois" in sla.svg
    assert "Taux de respect par engagement sur 12 mois" in compliance.svg
    assert f"100,0{NBSP}%" in compliance.svg
    assert "nov. 2026" in compliance.svg
    assert f"1{NNBSP}000" in tickets.svg  # 1,000 partner tickets in a month
    assert ">Partenaire<" in tickets.svg
    assert f"80,0{NBSP}%" in share.svg
    assert f"12{NNBSP}345,60{NBSP}€" in revenue.svg
    assert "Seuil Deliver" in revenue.svg
    assert "Sell ou plus" in tiers.svg
    assert f"40,0{NBSP}%" in organisations.svg  # Ovesys: 4 met of 10


def test_chart_labels_and_numbers_switch_to_english(english):
    sla, compliance, tickets, share, revenue, _tiers, organisations = every_chart()
    # Labels already in the English catalogue; the new titles follow with makemessages.
    assert ">Running<" in sla.svg
    assert ">En cours<" not in sla.svg
    assert ">Partner<" in tickets.svg
    assert ">Partenaire<" not in tickets.svg
    assert "Nov. 2026" in compliance.svg
    assert "100.0%" in compliance.svg
    assert "1,000" in tickets.svg
    assert "80.0%" in share.svg
    assert "12,345.60 EUR" in revenue.svg
    assert "40.0%" in organisations.svg


def test_each_value_has_a_native_tooltip_with_its_label_and_series(french):
    tickets = charts.tickets_trend_chart(series())
    assert f"<title>nov. 2026 — Partenaire : 1{NNBSP}000</title>" in tickets.svg


def test_no_tickets_gives_a_message_instead_of_a_chart(french):
    for chart in (
        charts.sla_chart([("Mois", targets(0, 0, 0))]),
        charts.tickets_trend_chart(empty_series()),
        charts.delivery_chart([("Mois", delivery(0, 0))]),
        charts.tickets_trend_chart(()),
    ):
        assert chart.svg is None
        assert chart.empty_text == "Aucun ticket sur la période"
    trend = charts.compliance_trend_chart(empty_series())
    assert trend.svg is None
    assert trend.empty_text == "Aucun engagement échu sur la période"
    assert charts.organisations_chart(()).svg is None
    assert charts.tiers_chart(()).svg is None


def test_months_without_decided_targets_leave_a_gap_in_the_trend(french):
    points = list(series())
    points[3] = MonthPoint(MONTHS[3], 0, 0, 0, 0, 0, targets(0, 0, 0))
    assert charts.compliance_trend_chart(points).svg


def test_revenue_without_a_tier_or_a_next_tier_still_draws(french):
    revenue = RevenueStanding(
        Decimal("0.00"), date(2026, 11, 26), None, None, None, None, None, None
    )
    chart = charts.revenue_chart(revenue)
    assert chart.svg
    assert f"0,00{NBSP}€" in chart.svg


@pytest.mark.parametrize(
    ("peak", "labels"),
    [(0, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (1234, [0, 500, 1000, 1500])],
)
def test_count_axes_have_whole_number_ticks(peak, labels):
    assert charts._count_labels(peak) == labels


def test_french_number_helpers():
    with translation.override("fr"):
        assert charts.number(1234567) == f"1{NNBSP}234{NNBSP}567"
        assert charts.percent(12.5) == f"12,5{NBSP}%"
        assert charts.percent(None) == "—"
    with translation.override("en"):
        assert charts.number(1234.5, 1) == "1,234.5"
        assert charts.percent(12.5) == "12.5%"


def test_pygal_leaves_no_legacy_import_hook_behind():
    import sys

    assert all(hasattr(finder, "find_spec") for finder in sys.meta_path)


def test_charts_carry_no_style_element_or_attribute_the_content_security_policy_refuses(french):
    for chart in every_chart():
        root = parse(str(chart.svg))
        assert root.find(".//{http://www.w3.org/2000/svg}style") is None, chart.slug
        styled = [node.tag for node in root.iter() if "style" in node.attrib]
        assert styled == [], chart.slug


def test_each_series_is_coloured_by_a_palette_class_of_the_portals_stylesheet(french):
    stylesheet = (STATIC / "servicone" / "portal.css").read_text()
    for chart in every_chart():
        root = parse(str(chart.svg))
        assert charts.CHART_CLASS in root.get("class", "").split(), chart.slug
        used = {
            c
            for node in root.iter()
            for c in node.get("class", "").split()
            if c.startswith("chart-")
        }
        assert used, chart.slug
        for css_class in used:
            assert f".{css_class} " in stylesheet, (chart.slug, css_class)


def test_a_value_in_its_own_colour_keeps_it_without_a_style_attribute(french):
    organisations = parse(str(charts.organisations_chart(ORGANISATIONS).svg))
    fills = {node.get("fill") for node in organisations.iter() if node.get("fill")}
    assert charts.CDS in fills  # CDS's bar, in CDS purple


def test_the_portals_stylesheet_holds_the_charts_rules_as_pygal_writes_them():
    # After a pygal upgrade: paste charts.stylesheet() into portal.css, in place of the old rules.
    assert charts.stylesheet() in (STATIC / "servicone" / "portal.css").read_text()
