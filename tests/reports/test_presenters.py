"""How the report pages present their figures: durations, month links, sections, KPIs, CSV files."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from reports import presenters
from reports.periods import Month
from reports.selectors import (
    Dashboard,
    Delivery,
    Durations,
    OrganisationCompliance,
    PendingAccreditation,
    RevenueStanding,
    Scorecard,
    TargetCompliance,
    Window,
)
from reports.tables import INT, TEXT, Column, Table

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 26)
NOVEMBER = Month(2026, 11)

TABLE = Table(
    "sla",
    "Respect des engagements",
    (Column("target", "Engagement"), Column("met", "Respectés", INT)),
    (("Prise en charge", 8), ("Intervention sur site", 3)),
)
OTHER = Table("times", "Délais", (Column("measure", "Mesure", TEXT),), ())


def window(*, met: int = 8, breached: int = 2, median: float | None = 125.0) -> Window:
    return Window(
        first=NOVEMBER,
        last=NOVEMBER,
        delivery=Delivery(10, 8, 2, 1, 1, 0, 0, ()),
        sla=(TargetCompliance("response", "Prise en charge", met, breached, 1),),
        ownership=Durations(4, median, median),
        arrival=Durations(0, None, None),
        credits_used=3,
        preventive_services=1,
    )


def card(*, revenue: Decimal, next_threshold: Decimal | None) -> Scorecard:
    return Scorecard(
        partner_id=7,
        partner_name="Ovesys",
        month=NOVEMBER,
        today=TODAY,
        month_figures=window(),
        trailing=window(),
        series=(),
        credits_balance=40,
        expiring_certifications=(),
        revenue=RevenueStanding(
            revenue_12m_eur=revenue,
            as_of=TODAY,
            tier_code="sell",
            tier_name="Sell",
            tier_threshold_eur=Decimal("10000.00"),
            next_tier_code="deliver" if next_threshold else None,
            next_tier_name="Deliver" if next_threshold else None,
            next_threshold_eur=next_threshold,
        ),
    )


@pytest.mark.parametrize(
    ("minutes", "french"),
    [(None, "—"), (44.6, "45 min"), (59.4, "59 min"), (60, "1 h 00"), (125.2, "2 h 05")],
)
def test_durations_read_as_minutes_then_hours(minutes, french):
    with translation.override("fr"):
        assert presenters.duration_text(minutes) == french


def test_month_titles_are_spelled_out_in_the_readers_language():
    with translation.override("fr"):
        assert presenters.month_title(NOVEMBER) == "novembre 2026"
    with translation.override("en"):
        assert presenters.month_title(NOVEMBER) == "November 2026"


def test_the_current_month_offers_no_next_month_and_a_past_one_links_back_to_today():
    with translation.override("fr"):
        current = presenters.month_navigation(NOVEMBER, TODAY)
        past = presenters.month_navigation(Month(2026, 9), TODAY)
    assert current["month_value"] == "2026-11"
    assert current["previous"] == "2026-10"
    assert current["previous_title"] == "octobre 2026"
    assert current["next"] is None
    assert current["current"] is None
    assert past["next"] == "2026-10"
    assert past["current"] == "2026-11"


def test_a_bad_month_is_named_with_this_month_as_the_example():
    # 23:30 UTC on 31 October is already November in Paris.
    with (
        time_machine.travel(datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False),
        translation.override("fr"),
    ):
        message = presenters.bad_month_message("2026-13")
    assert "« 2026-13 »" in message
    assert message.endswith("par exemple 2026-11.")


def test_a_section_links_only_the_first_cell_of_each_row_and_keeps_the_column_kinds():
    built = presenters.section(TABLE, links=["/a/"], note="Note")
    assert [[(c.value, c.kind, c.link) for c in row] for row in built.rows] == [
        [("Prise en charge", TEXT, "/a/"), (8, INT, "")],
        [("Intervention sur site", TEXT, ""), (3, INT, "")],
    ]
    assert built.columns == TABLE.columns
    assert built.note == "Note"
    assert built.charts == ()


def test_scorecard_tiles_show_the_months_compliance_and_cap_the_revenue_progress():
    with translation.override("fr"):
        kpis = presenters.scorecard_kpis(
            card(revenue=Decimal("30000.00"), next_threshold=Decimal("25000.00"))
        )
    assert kpis["compliance"] == "80,0\u00a0%"
    assert (kpis["met"], kpis["decided"]) == (8, 10)
    assert kpis["ownership"] == "2 h 05"
    assert kpis["revenue_progress"] == 100


def test_scorecard_tiles_without_a_next_tier_show_no_progress():
    kpis = presenters.scorecard_kpis(card(revenue=Decimal("30000.00"), next_threshold=None))
    assert kpis["revenue_progress"] is None
    kpis = presenters.scorecard_kpis(
        card(revenue=Decimal("5000.00"), next_threshold=Decimal("20000.00"))
    )
    assert kpis["revenue_progress"] == 25


def test_dashboard_tiles_with_nothing_pending_show_no_waiting_time():
    board = Dashboard(
        month=NOVEMBER,
        today=TODAY,
        tiers_over_time=(),
        pending=(),
        organisations=(
            OrganisationCompliance("cds", None, "CDS (HP)", 4, window(met=3, breached=1).sla),
        ),
        at_risk=(),
    )
    with translation.override("en"):
        kpis = presenters.dashboard_kpis(board)
    assert kpis == {
        "tiers": [],
        "pending": 0,
        "oldest_days": None,
        "at_risk": 0,
        "tickets": 0,
        "compliance": "75.0%",
    }


def test_dashboard_tiles_count_the_oldest_pending_application():
    submitted = datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)
    board = Dashboard(
        month=NOVEMBER,
        today=TODAY,
        tiers_over_time=(),
        pending=(
            PendingAccreditation(1, 7, "Ovesys", "Deliver", submitted, 25),
            PendingAccreditation(2, 8, "Concurrent", "Expert", None, 0),
        ),
        organisations=(),
        at_risk=(),
    )
    kpis = presenters.dashboard_kpis(board)
    assert (kpis["pending"], kpis["oldest_days"], kpis["compliance"]) == (2, 25, "—")


def test_a_french_csv_starts_with_a_bom_for_excel_and_an_english_one_does_not():
    french = presenters.csv_file([OTHER, TABLE], slug="sla", numbers="fr", stem="scorecard-x")
    english = presenters.csv_file([OTHER, TABLE], slug="sla", numbers="en", stem="scorecard-x")
    assert french.filename == english.filename == "scorecard-x-sla.csv"
    assert french.body.splitlines()[0] == "\ufeffEngagement;Respectés"
    assert english.body.splitlines()[0] == "Engagement,Respectés"


def test_an_unknown_number_format_is_refused_before_the_table_is_looked_for():
    with translation.override("fr"), pytest.raises(presenters.UnknownNumberFormat) as refused:
        presenters.csv_file([TABLE], slug="nope", numbers="de", stem="x")
    assert str(refused.value) == "Format de nombres inconnu « de » : choisissez fr ou en."


def test_an_unknown_table_is_refused_with_the_list_of_tables():
    with translation.override("en"), pytest.raises(presenters.UnknownTable) as refused:
        presenters.csv_file([OTHER, TABLE], slug="nope", numbers="fr", stem="x")
    assert str(refused.value) == "Unknown table “nope”. Available tables: times, sla."


def test_scorecard_file_names_use_the_partners_name_or_its_id():
    assert (
        presenters.scorecard_file_stem("Ovesys Lyon", 7, NOVEMBER)
        == "scorecard-ovesys-lyon-2026-11"
    )
    assert presenters.scorecard_file_stem("???", 7, NOVEMBER) == "scorecard-7-2026-11"
