"""A month of tickets with known outcomes: every figure of the scorecard, its CSV and its API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract, CreditEntry
from contracts.services import credits_consume
from partners.models import Certification, Course
from reports import tables
from reports.periods import Month
from reports.selectors import partner_scorecard
from tests.bulk import insert_rows
from tests.partners.factories import EngineerFactory, PartnerFactory, certify
from tests.reports.factories import coverage_for, ticket_with

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 3)
OCTOBER = Month(2026, 10)

pytestmark = pytest.mark.django_db


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def frozen():
    with time_machine.travel(paris(2026, 11, 3, 10, 0), tick=False):
        yield


@pytest.fixture
def october(frozen, partner):
    """Partner's October 2026, outcome by outcome (see each ticket's comment)."""
    cover = coverage_for(partner)
    partner.declared_revenue_12m_eur = Decimal("9000.00")
    partner.save(update_fields=["declared_revenue_12m_eur"])
    t = {}
    # Partner delivered, everything on time.
    t[1] = ticket_with(
        cover, opened_at=paris(2026, 10, 5, 9), acknowledged=30, arrived=240,
        status="closed", sla=("met", "met", "met"),
    )  # fmt: skip
    # Partner delivered, late on site and at resolution: CDS asked to back up.
    t[2] = ticket_with(
        cover, opened_at=paris(2026, 10, 6, 9), acknowledged=90, arrived=600,
        cds_backup=True, status="resolved", sla=("met", "breached", "breached"),
    )  # fmt: skip
    # Paused, awaiting parts: still running.
    t[3] = ticket_with(
        cover, opened_at=paris(2026, 10, 7, 9), acknowledged=10,
        status="paused", sla=("met", "paused", "paused"),
    )  # fmt: skip
    # Handed over to CDS by the partner.
    t[4] = ticket_with(
        cover, opened_at=paris(2026, 10, 8, 9), delivered_by="cds", acknowledged=45,
        arrived=300, handed_over=50, handover_reason="Pièce en rupture",
        status="on_site", sla=("met", "met", "running"),
    )  # fmt: skip
    # Nobody took it in time: fell back to CDS, response breached, on-site warned.
    t[5] = ticket_with(
        cover, opened_at=paris(2026, 10, 9, 9), delivered_by="cds", acknowledged=300,
        fell_back=240, status="owned", sla=("breached", "warned", "running"),
    )  # fmt: skip
    # Routed to CDS at opening by the contract; resolution not enforced (severity 3-4).
    t[6] = ticket_with(
        cover, opened_at=paris(2026, 10, 12, 9), delivered_by="cds",
        routing_reason="contract_delivery_cds", acknowledged=20, arrived=120,
        status="closed", sla=("met", "met", "met"), resolution_enforced=False,
    )  # fmt: skip
    # Opened 23:30 on the 31st, Paris time (22:30 UTC): October; not yet taken.
    t[7] = ticket_with(cover, opened_at=paris(2026, 10, 31, 23, 30), status="opened")
    # Opened 00:05 on the 1st, Paris time (still 30 September in UTC): October.
    t[9] = ticket_with(
        cover, opened_at=paris(2026, 10, 1, 0, 5), delivered_by="cds", acknowledged=60,
        handed_over=70, handover_reason="Client absent", status="owned",
        sla=("met", "running", "running"),
    )  # fmt: skip
    # Not October: 1 November 00:10 Paris (31 October UTC), and September.
    ticket_with(cover, opened_at=paris(2026, 11, 1, 0, 10), acknowledged=1)
    ticket_with(
        cover, opened_at=paris(2026, 9, 15, 9), acknowledged=15, arrived=100,
        status="closed", sla=("met", "met", "met"),
    )  # fmt: skip
    # Another partner's October ticket counts for nobody here.
    ticket_with(
        coverage_for(PartnerFactory()), opened_at=paris(2026, 10, 5, 9), acknowledged=5,
        sla=("breached", "breached", "breached"),
    )  # fmt: skip

    # Proactive Select: 10 credits bought, 2 used in October, 1 in September.
    credits = coverage_for(partner, code="PS-CREDITS-10").contract
    for at, used in ((paris(2026, 10, 20, 15), 2), (paris(2026, 9, 10, 15), 1)):
        entry = credits_consume(contract=credits, credits=used, actor=None)
        CreditEntry.objects.filter(pk=entry.pk).update(at=at)

    # Certifications: one expiring in 42 days; one expiring but already renewed;
    # one beyond 90 days.
    pl_ase = Course.objects.get(code="PL-ASE")
    due = EngineerFactory(partner=partner, name="Anne Roux")
    Certification.objects.create(
        engineer=due, course=pl_ase, passed_on=date(2024, 12, 15), expires_on=date(2026, 12, 15)
    )
    renewed = EngineerFactory(partner=partner, name="Bruno Petit")
    Certification.objects.create(
        engineer=renewed, course=pl_ase, passed_on=date(2024, 12, 1), expires_on=date(2026, 12, 1)
    )
    Certification.objects.create(
        engineer=renewed, course=pl_ase, passed_on=date(2026, 10, 1), expires_on=date(2028, 10, 1)
    )
    certify(partner, "NET-ATP", passed_on=date(2025, 3, 1), expires_on=date(2027, 3, 1))
    return t


def _sla(card_window):
    return {t.target: (t.met, t.breached, t.running, t.compliance_pct) for t in card_window.sla}


def test_the_month_counts_tickets_opened_in_it_paris_time_by_delivering_organisation(
    october, partner
):
    card = partner_scorecard(partner, OCTOBER, today=TODAY)
    d = card.month_figures.delivery
    assert (d.total, d.partner, d.cds) == (8, 4, 4)
    assert (d.cds_routed, d.handed_over, d.fallen_back, d.cds_backup) == (1, 2, 1, 1)
    assert (d.partner_pct, d.cds_pct, d.handed_over_pct, d.fallen_back_pct) == (
        50.0,
        50.0,
        25.0,
        12.5,
    )
    assert [(r.kind, r.code, r.label, r.count) for r in d.reasons] == [
        ("routing", "contract_delivery_cds", "Le contrat prévoit la délivrance par le CDS", 1),
        ("handover", "", "Client absent", 1),
        ("handover", "", "Pièce en rupture", 1),
        (
            "fallback",
            "ownership_window_elapsed",
            "Délai de prise en charge du partenaire écoulé",
            1,
        ),
    ]


def test_sla_compliance_per_target_is_met_over_met_plus_breached_running_apart(october, partner):
    card = partner_scorecard(partner, OCTOBER, today=TODAY)
    assert _sla(card.month_figures) == {
        "response": (6, 1, 1, 85.7),
        "onsite": (3, 1, 4, 75.0),
        # Ticket 6's resolution is not enforced: not counted.
        "resolution": (1, 1, 5, 50.0),
    }


def test_ownership_and_arrival_times_are_interpolated_median_and_90th_percentile(october, partner):
    card = partner_scorecard(partner, OCTOBER, today=TODAY)
    # Taken in charge after 10, 20, 30, 45, 60, 90, 300 minutes.
    assert card.month_figures.ownership.count == 7
    assert card.month_figures.ownership.median_minutes == 45.0
    assert card.month_figures.ownership.p90_minutes == 174.0  # 90 + 0.4 × (300 − 90)
    # On site after 120, 240, 300, 600 minutes.
    assert card.month_figures.arrival.count == 4
    assert card.month_figures.arrival.median_minutes == 270.0
    assert card.month_figures.arrival.p90_minutes == 510.0  # 300 + 0.7 × 300


def test_trailing_twelve_months_add_september_and_the_series_splits_them(october, partner):
    card = partner_scorecard(partner, OCTOBER, today=TODAY)
    trailing = card.trailing
    assert (trailing.first, trailing.last) == (Month(2025, 11), OCTOBER)
    assert (trailing.delivery.total, trailing.delivery.partner, trailing.delivery.cds) == (9, 5, 4)
    assert _sla(trailing)["response"] == (7, 1, 1, 87.5)
    # 10, 15, 20, 30, 45, 60, 90, 300: median (30 + 45) / 2.
    assert trailing.ownership.median_minutes == 37.5
    assert (trailing.credits_used, trailing.preventive_services) == (3, 2)
    assert [p.month for p in card.series] == list(OCTOBER.trailing(12))
    by_month = {str(p.month): p for p in card.series}
    assert by_month["2026-10"].tickets == 8
    assert by_month["2026-09"].tickets == 1
    assert by_month["2026-09"].sla[0].compliance_pct == 100.0
    assert sum(p.tickets for p in card.series) == 9


def test_credits_certifications_and_revenue_against_thresholds(october, partner):
    card = partner_scorecard(partner, OCTOBER, today=TODAY)
    assert (card.month_figures.credits_used, card.month_figures.preventive_services) == (2, 1)
    assert card.credits_balance == 7
    assert [(c.engineer, c.course_code, c.expires_on, c.days_left) for c in card.expiring_certifications] == [
        ("Anne Roux", "PL-ASE", date(2026, 12, 15), 42)
    ]  # fmt: skip
    # As of 31 October: the declared 9,000 EUR; the sales of 3 November come later.
    revenue = card.revenue
    assert (revenue.revenue_12m_eur, revenue.as_of) == (Decimal("9000.00"), date(2026, 10, 31))
    # Issue 15: only Sell has a revenue criterion; Deliver and Expert have no threshold.
    assert (revenue.tier_code, revenue.tier_threshold_eur) == ("deliver", None)
    assert (revenue.next_tier_code, revenue.next_threshold_eur) == ("expert", None)
    assert revenue.missing_for_next_eur is None
    assert revenue.margin_over_tier_eur is None
    # This month's scorecard reads revenue today: the sales count.
    sold = sum(Contract.objects.filter(partner=partner).values_list("price_eur", flat=True))
    now = partner_scorecard(partner, Month(2026, 11), today=TODAY).revenue
    assert (now.revenue_12m_eur, now.as_of) == (Decimal("9000.00") + sold, TODAY)


def test_csv_of_every_table_in_french_and_english_number_formats(october, partner):
    card = partner_scorecard(partner, OCTOBER, today=TODAY)
    by_slug = {t.slug: t for t in tables.scorecard_tables(card)}
    assert list(by_slug) == [
        "sla",
        "times",
        "delivery",
        "reasons",
        "monthly",
        "credits",
        "certifications",
        "revenue",
    ]
    expected = {
        "sla": [
            "Engagement;Période;Respectés;Dépassés;En cours;Taux de respect (%)",
            "Prise en charge;Mois;6;1;1;85,7",
            "Intervention sur site;Mois;3;1;4;75,0",
            "Remise en service;Mois;1;1;5;50,0",
            "Prise en charge;12 mois glissants;7;1;1;87,5",
            "Intervention sur site;12 mois glissants;4;1;4;80,0",
            "Remise en service;12 mois glissants;2;1;5;66,7",
        ],
        "times": [
            "Mesure;Période;Tickets;Médiane (min);90e centile (min)",
            "Prise en charge;Mois;7;45,0;174,0",
            "Arrivée sur site;Mois;4;270,0;510,0",
            # 12 months add September's 15 and 100 minutes.
            "Prise en charge;12 mois glissants;8;37,5;153,0",
            "Arrivée sur site;12 mois glissants;5;240,0;480,0",
        ],
        "delivery": [
            "Période;Tickets;Partenaire;CDS;dont routés au CDS;dont transférés au CDS;"
            "dont basculés au CDS;Part partenaire (%);Part CDS (%);Part transférée (%);"
            "Part basculée (%);Renforts CDS après dépassement",
            "Mois;8;4;4;1;2;1;50,0;50,0;25,0;12,5;1",
            "12 mois glissants;9;5;4;1;2;1;55,6;44,4;22,2;11,1;1",
        ],
        "reasons": [
            "Période;Origine;Motif;Tickets",
            "Mois;Routage à l'ouverture;Le contrat prévoit la délivrance par le CDS;1",
            "Mois;Transfert par le partenaire;Client absent;1",
            "Mois;Transfert par le partenaire;Pièce en rupture;1",
            "Mois;Bascule automatique;Délai de prise en charge du partenaire écoulé;1",
            "12 mois glissants;Routage à l'ouverture;Le contrat prévoit la délivrance par le CDS;1",
            "12 mois glissants;Transfert par le partenaire;Client absent;1",
            "12 mois glissants;Transfert par le partenaire;Pièce en rupture;1",
            "12 mois glissants;Bascule automatique;Délai de prise en charge du partenaire écoulé;1",
        ],
        "monthly": [
            "Mois;Tickets;Partenaire;CDS;Transférés;Basculés;Respect prise en charge (%);"
            "Respect intervention sur site (%);Respect remise en service (%)",
            *(f"{m};0;0;0;0;0;;;" for m in Month(2026, 8).trailing(10)),
            "2026-09;1;1;0;0;0;100,0;100,0;100,0",
            "2026-10;8;4;4;2;1;85,7;75,0;50,0",
        ],
        "credits": [
            "Indicateur;Valeur",
            "Services préventifs délivrés — Mois;1",
            "Crédits consommés — Mois;2",
            "Services préventifs délivrés — 12 mois glissants;2",
            "Crédits consommés — 12 mois glissants;3",
            "Solde de crédits des contrats actifs;7",
        ],
        "certifications": [
            "Ingénieur;Code;Formation;Expire le;Jours restants",
            "Anne Roux;PL-ASE;ProLiant Server Solutions (ASE);2026-12-15;42",
        ],
        "revenue": [
            "Indicateur;Montant (EUR)",
            "Chiffre d'affaires services sur 12 mois au 31/10/2026;9000,00",
        ],
    }
    for slug, lines in expected.items():
        assert tables.table_csv(by_slug[slug], numbers="fr").splitlines() == lines, slug
    assert tables.table_csv(by_slug["times"], numbers="en").splitlines()[:3] == [
        "Mesure,Période,Tickets,Médiane (min),90e centile (min)",
        "Prise en charge,Mois,7,45.0,174.0",
        "Arrivée sur site,Mois,4,270.0,510.0",
    ]
    assert tables.table_csv(by_slug["sla"], numbers="en").endswith(
        "12 mois glissants,2,1,5,66.7\r\n"
    )


def test_api_gives_the_same_figures_to_the_partner(october, partner, admin_api):
    body = admin_api.get("/api/v1/reports/scorecard/", {"month": "2026-10"}).json()
    assert body["partner"] == {"id": partner.pk, "name": partner.name}
    assert body["month"] == "2026-10"
    assert [(s["target"], s["met"], s["breached"], s["running"], s["compliance_pct"]) for s in body["sla"]] == [
        ("response", 6, 1, 1, 85.7),
        ("onsite", 3, 1, 4, 75.0),
        ("resolution", 1, 1, 5, 50.0),
    ]  # fmt: skip
    assert body["median_ownership_minutes"] == 45.0
    assert body["p90_ownership_minutes"] == 174.0
    assert body["onsite_arrival"] == {"count": 4, "median_minutes": 270.0, "p90_minutes": 510.0}
    orgs = body["tickets_by_organisation"]
    assert {k: orgs[k] for k in ("total", "partner", "cds", "handed_over", "fallen_back")} == {
        "total": 8,
        "partner": 4,
        "cds": 4,
        "handed_over": 2,
        "fallen_back": 1,
    }
    assert orgs["fallen_back_pct"] == 12.5
    assert body["expiring_certifications"] == [
        {
            "engineer": "Anne Roux",
            "course_code": "PL-ASE",
            "course": "ProLiant Server Solutions (ASE)",
            "expires_on": "2026-12-15",
            "days_left": 42,
        }
    ]
    assert (body["credits_used"], body["credits_balance"]) == (2, 7)
    assert body["revenue"]["tier"] == {"code": "deliver", "name": "Deliver"}
    assert body["revenue"]["next_threshold_eur"] is None  # Expert has no revenue criterion
    assert orgs["reasons"] == [
        {
            "kind": "routing",
            "code": "contract_delivery_cds",
            "label": "Le contrat prévoit la délivrance par le CDS",
            "count": 1,
        },
        {"kind": "handover", "code": "", "label": "Client absent", "count": 1},
        {"kind": "handover", "code": "", "label": "Pièce en rupture", "count": 1},
        {
            "kind": "fallback",
            "code": "ownership_window_elapsed",
            "label": "Délai de prise en charge du partenaire écoulé",
            "count": 1,
        },
    ]
    assert {k: orgs[k] for k in ("cds_routed", "cds_backup", "partner_pct", "cds_pct")} == {
        "cds_routed": 1,
        "cds_backup": 1,
        "partner_pct": 50.0,
        "cds_pct": 50.0,
    }
    assert body["ownership"] == {"count": 7, "median_minutes": 45.0, "p90_minutes": 174.0}
    assert body["preventive_services"] == 1
    assert body["revenue"] == {
        "revenue_12m_eur": "9000.00",
        "as_of": "2026-10-31",
        "tier": {"code": "deliver", "name": "Deliver"},
        "tier_threshold_eur": None,
        "next_tier": {"code": "expert", "name": "Expert"},
        "next_threshold_eur": None,
        "missing_for_next_eur": None,
    }
    trailing = body["trailing_12_months"]
    assert (trailing["first_month"], trailing["last_month"]) == ("2025-11", "2026-10")
    assert [(t["met"], t["breached"], t["running"], t["compliance_pct"]) for t in trailing["sla"]] == [
        (7, 1, 1, 87.5),
        (4, 1, 4, 80.0),
        (2, 1, 5, 66.7),
    ]  # fmt: skip
    assert trailing["ownership"] == {"count": 8, "median_minutes": 37.5, "p90_minutes": 153.0}
    assert trailing["onsite_arrival"] == {"count": 5, "median_minutes": 240.0, "p90_minutes": 480.0}
    assert trailing["tickets_by_organisation"]["total"] == 9
    assert (trailing["credits_used"], trailing["preventive_services"]) == (3, 2)
    assert [m["month"] for m in body["monthly"]] == [str(m) for m in OCTOBER.trailing(12)]
    october_point = body["monthly"][-1]
    assert {
        k: october_point[k] for k in ("tickets", "partner", "cds", "handed_over", "fallen_back")
    } == {
        "tickets": 8,
        "partner": 4,
        "cds": 4,
        "handed_over": 2,
        "fallen_back": 1,
    }
    assert [t["compliance_pct"] for t in october_point["sla"]] == [85.7, 75.0, 50.0]
    assert body["monthly"][-2]["tickets"] == 1


def test_hp_staff_read_any_partner_and_must_name_one(october, partner, pm_api):
    body = pm_api.get("/api/v1/reports/scorecard/", {"partner": partner.pk, "month": "2026-10"})
    assert body.status_code == 200
    assert body.json()["tickets_by_organisation"]["total"] == 8
    missing = pm_api.get("/api/v1/reports/scorecard/", {"month": "2026-10"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "partner"


@pytest.mark.parametrize(
    ("month", "code"),
    [("2026-13", "invalid_month"), ("10/2026", "invalid_month"), ("2026-12", "future_month")],
)
def test_bad_month_is_a_400_on_month(frozen, admin_api, month, code):
    answer = admin_api.get("/api/v1/reports/scorecard/", {"month": month})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"field": "month", "code": code, "message": answer.json()["errors"][0]["message"]}
    ]


def test_another_partners_scorecard_is_a_404(frozen, partner, other_api, other_partner):
    assert other_api.get("/api/v1/reports/scorecard/", {"partner": partner.pk}).status_code == 404
    own = other_api.get("/api/v1/reports/scorecard/", {"partner": other_partner.pk})
    assert own.status_code == 200


def test_programme_dashboard_is_for_hp_staff_only(frozen, admin_api, pm_api, cds_api, anon_api):
    assert admin_api.get("/api/v1/reports/programme/").status_code == 403
    assert anon_api.get("/api/v1/reports/programme/").status_code == 401
    assert pm_api.get("/api/v1/reports/programme/").status_code == 200
    assert cds_api.get("/api/v1/reports/programme/").status_code == 200


def test_query_count_does_not_depend_on_the_number_of_tickets(frozen, partner):
    cover = coverage_for(partner)
    ticket_with(cover, opened_at=paris(2026, 10, 5, 9), acknowledged=30, arrived=60)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            partner_scorecard(partner, OCTOBER, today=TODAY)
        return len(captured.captured_queries)

    few = queries()
    _bulk_tickets(cover, 10_000)
    assert queries() == few
    card = partner_scorecard(partner, OCTOBER, today=TODAY)
    assert card.month_figures.delivery.total == 10_001


def _bulk_tickets(cover, count: int) -> None:
    """``count`` October tickets, each with three targets, written in bulk (``insert_rows``)."""
    from datetime import timedelta

    from tickets.models import SlaTarget, Ticket

    start = paris(2026, 10, 1, 8)
    insert_rows(
        Ticket,
        (
            {
                "number": f"SR-BULK-{i:06d}",
                "delivered_by": "partner" if i % 5 else "cds",
                "routing_reason": "partner_authorised" if i % 5 else "no_certified_engineer",
                "opened_at": start + timedelta(minutes=4 * i),
                "acknowledged_at": start + timedelta(minutes=4 * i + i % 97),
                "arrived_at": start + timedelta(minutes=4 * i + 60 + i % 181),
            }
            for i in range(count)
        ),
        **cover.ticket_fields(),
        status="closed",
    )
    ids = Ticket.objects.filter(number__startswith="SR-BULK-").order_by("number")
    insert_rows(
        SlaTarget,
        (
            {"ticket": ticket_id, "target": kind, "state": "met" if i % 7 else "breached"}
            for i, ticket_id in enumerate(ids.values_list("pk", flat=True))
            for kind in ("response", "onsite", "resolution")
        ),
    )
    assert SlaTarget.objects.filter(ticket__number__startswith="SR-BULK-").count() == 3 * count


def test_the_api_query_count_is_pinned(frozen, partner, admin_api, django_assert_num_queries):
    cover = coverage_for(partner)
    ticket_with(cover, opened_at=paris(2026, 10, 5, 9), acknowledged=30, arrived=60)
    admin_api.get("/api/v1/reports/scorecard/", {"month": "2026-10"})  # warm the caches
    with django_assert_num_queries(SCORECARD_API_QUERIES):
        admin_api.get("/api/v1/reports/scorecard/", {"month": "2026-10"})


# Token and user, the partner, then the scorecard's fixed set of aggregate reads.
SCORECARD_API_QUERIES = 33


def test_openapi_schema_describes_the_report_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    scorecard = paths["/api/v1/reports/scorecard/"]["get"]
    assert {p["name"] for p in scorecard["parameters"]} == {"partner", "month"}
    assert "/api/v1/reports/programme/" in paths
