"""Ticket and SLA endpoints of the v1 API (API.md): what an integration client observes.

Time is frozen at Thursday 2026-11-26 10:00 in Paris unless a test travels elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicone.access import PartnerRole, StaffRole
from tests.conftest import token_client
from tests.contracts.factories import asset_of
from tests.partners.factories import EngineerFactory, partner_user, staff_user
from tests.tickets.factories import certified_engineer, covered_asset
from tickets import services
from tickets.models import SlaTarget, Ticket, TicketEvent

API = "/api/v1"
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday

STATUSES = ("opened", "owned", "dispatched", "on_site", "paused", "resolved", "closed")
OPEN = {"opened", "owned", "dispatched", "on_site", "paused"}
# Written out here rather than read from the code: this is the contract the API keeps.
ALLOWED_FROM: dict[str, set[str]] = {
    "acknowledge": {"opened"},
    "dispatch": {"owned", "dispatched"},
    "arrive": {"dispatched"},
    "resolve": {"owned", "dispatched", "on_site"},
    "close": {"resolved"},
    "pause": {"owned", "dispatched", "on_site"},
    "resume": {"paused"},
    "escalate": OPEN,
    "handover": OPEN,
}
ACTIONS = tuple(ALLOWED_FROM)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def errors(response: Any) -> list[dict[str, Any]]:
    return response.json()["errors"]


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in errors(response)]


def url(ticket: Ticket, action: str | None = None) -> str:
    return f"{API}/tickets/{ticket.pk}/" + (f"{action}/" if action else "")


def open_ticket(asset: Any, actor: Any, **kwargs: Any) -> Ticket:
    params = {"severity": 2, "kind": "incident", "summary": "Serveur à l'arrêt", **kwargs}
    return services.ticket_open(asset=asset, actor=actor, **params)


def drive(ticket: Ticket, status: str, actor: Any, engineer: Any) -> Ticket:
    """Bring a ticket from ``opened`` to ``status`` through the services."""
    steps = {
        "opened": [],
        "owned": ["acknowledge"],
        "dispatched": ["acknowledge", "dispatch"],
        "on_site": ["acknowledge", "dispatch", "arrive"],
        "paused": ["acknowledge", "pause"],
        "resolved": ["acknowledge", "resolve"],
        "closed": ["acknowledge", "resolve", "close"],
    }[status]
    params = {
        "dispatch": {"engineer": engineer},
        "pause": {"reason": "awaiting_parts"},
        "resolve": {"note": "Carte mère remplacée"},
    }
    for step in steps:
        ticket = services.ticket_act(
            ticket=ticket, action=step, actor=actor, **params.get(step, {})
        )
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def body_for(action: str, engineer_id: int) -> dict[str, Any]:
    return {
        "dispatch": {"engineer": engineer_id},
        "pause": {"reason": "awaiting_customer"},
        "handover": {"reason": "Pièce introuvable chez nous"},
        "resolve": {"note": "Carte mère remplacée"},
        "escalate": {"reason": "Client stratégique"},
    }.get(action, {})


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.delivered_by,
        ticket.escalation_level,
        ticket.assigned_engineer_id,
        ticket.events.count(),
    )


@pytest.fixture
def asset(partner: Any) -> Any:
    return covered_asset(partner)


@pytest.fixture
def engineer(partner: Any) -> Any:
    return certified_engineer(partner, name="Julie Martin")


@pytest.fixture
def ticket(asset: Any, partner_admin: Any) -> Ticket:
    return open_ticket(asset, partner_admin)


# --- Opening --------------------------------------------------------------------------------------


def test_a_partner_opens_a_ticket_on_a_covered_asset_and_sees_its_deadlines(
    admin_api, asset, partner
):
    response = admin_api.post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Disque en panne"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["id"] == ticket.pk
    assert body["number"] == ticket.number
    assert body["number"].startswith("TK-2026-")
    assert body["status"] == "opened"
    assert body["delivered_by"] == "partner"
    assert body["routing_reason"] == "partner_authorised"
    assert body["routing_message"].startswith("Le partenaire est habilité")
    assert body["escalation_level"] == 1
    assert body["opened_at"] == "2026-11-26T10:00:00+01:00"
    assert body["partner"] == partner.pk
    assert body["asset"] == asset.pk
    assert body["asset_serial"] == asset.serial_number
    assert body["contract"] == ticket.contract_id
    assert body["contract_number"] == ticket.contract.number
    assert body["offering_code"] == "CP-PL-4H-24X7"
    assert body["site"] == asset.site_id
    assert body["site_timezone"] == "Europe/Paris"
    assert body["ownership_due_at"] == "2026-11-26T12:00:00+01:00"
    assert body["cds_backup"] is False
    assert body["assigned_engineer"] is None
    assert [t["target"] for t in body["sla"]] == ["response", "onsite", "resolution"]
    assert body["allowed_actions"] == ["acknowledge", "escalate", "handover"]
    assert [e["event"] for e in body["timeline"]] == ["opened", "routed"]


@pytest.mark.parametrize("role", [PartnerRole.SALES, PartnerRole.ENGINEER])
def test_every_partner_role_may_open_a_ticket(partner, asset, role):
    client = token_client(partner_user(partner, role))
    response = client.post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 3, "kind": "incident", "summary": "Ventilateur bruyant"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Ticket.objects.get().opened_by == client.user


def test_the_routing_message_follows_the_request_language(admin_api, asset):
    response = admin_api.post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Panne"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["routing_message"].startswith("The partner is authorised")


def test_a_ticket_on_a_contract_delivered_by_cds_is_routed_to_cds(admin_api, partner):
    asset = covered_asset(partner, delivery_mode="cds")
    response = admin_api.post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 1, "kind": "incident", "summary": "Panne"},
        format="json",
    )
    body = response.json()
    assert body["delivered_by"] == "cds"
    assert body["routing_reason"] == "contract_delivery_cds"
    assert body["ownership_due_at"] is None
    # The partner does not work CDS deliveries: nothing to offer it.
    assert body["allowed_actions"] == []


def test_opening_without_coverage_is_refused_and_creates_nothing(admin_api, partner):
    uncovered = asset_of(partner)
    response = admin_api.post(
        f"{API}/tickets/",
        {"asset": uncovered.pk, "severity": 2, "kind": "incident", "summary": "Panne"},
        format="json",
    )
    assert response.status_code == 400
    assert codes(response) == [("asset", "not_entitled")]
    assert uncovered.serial_number in errors(response)[0]["message"]
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not SlaTarget.objects.exists()


def test_opening_on_another_partners_asset_is_a_404_and_creates_nothing(other_api, asset):
    response = other_api.post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Panne"},
        format="json",
    )
    assert response.status_code == 404
    assert codes(response) == [("asset", "not_found")]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("role", [StaffRole.CDS_DISPATCHER, StaffRole.PROGRAMME_MANAGER])
def test_hp_staff_open_a_ticket_on_any_partners_asset(asset, partner, role):
    client = token_client(staff_user(role, username=f"staff-{role}"))
    response = client.post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 1, "kind": "incident", "summary": "Appel client direct"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Ticket.objects.get().partner == partner


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("severity", 5, "max_value"),
        ("severity", 0, "min_value"),
        ("kind", "repair", "invalid_choice"),
        ("summary", "", "blank"),
    ],
)
def test_a_bad_opening_body_names_the_field_and_creates_nothing(
    admin_api, asset, field, value, code
):
    body = {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Panne", field: value}
    response = admin_api.post(f"{API}/tickets/", body, format="json")
    assert response.status_code == 400
    assert codes(response) == [(field, code)]
    assert not Ticket.objects.exists()


def test_opening_twice_with_the_same_idempotency_key_creates_one_ticket(admin_api, asset):
    body = {"asset": asset.pk, "severity": 2, "kind": "incident", "summary": "Panne"}
    first = admin_api.post(f"{API}/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="open-42")
    again = admin_api.post(f"{API}/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="open-42")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1

    other_body = admin_api.post(
        f"{API}/tickets/", {**body, "severity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="open-42"
    )
    assert other_body.status_code == 409
    assert Ticket.objects.count() == 1


def test_opening_needs_authentication(anon_api, asset):
    response = anon_api.post(f"{API}/tickets/", {"asset": asset.pk}, format="json")
    assert response.status_code == 401
    assert not Ticket.objects.exists()


# --- Actions per status ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_from_every_status_is_done_or_refused_with_409(
    admin_api, partner_admin, ticket, engineer, status, action
):
    ticket = drive(ticket, status, partner_admin, engineer)
    before = snapshot(ticket)

    response = admin_api.post(url(ticket, action), body_for(action, engineer.pk), format="json")

    if status not in ALLOWED_FROM[action]:
        assert response.status_code == 409, response.json()
        assert codes(response) == [(None, "invalid_transition")]
        assert snapshot(ticket) == before
        return
    assert response.status_code == 200, response.json()
    body = response.json()
    ticket.refresh_from_db()
    assert body["status"] == ticket.status
    assert len(body["timeline"]) == before[-1] + 1
    expected_status = {
        "acknowledge": "owned",
        "dispatch": "dispatched",
        "arrive": "on_site",
        "resolve": "resolved",
        "close": "closed",
        "pause": "paused",
        "resume": "owned",  # back to the status it was paused in
        "escalate": status,
        # CDS owns the call and sends its own engineer; a paused ticket stays paused.
        "handover": {"dispatched": "owned", "on_site": "owned"}.get(status, status),
    }[action]
    assert body["status"] == expected_status
    if action == "escalate":
        assert body["escalation_level"] == 2
    if action == "handover":
        assert body["delivered_by"] == "cds"
        assert [s["organisation"] for s in body["segments"]] == ["partner", "cds"]
    if action == "dispatch":
        assert body["assigned_engineer"] == {
            "kind": "partner",
            "id": engineer.pk,
            "name": "Julie Martin",
        }


def test_escalation_stops_at_level_3_with_409(admin_api, ticket):
    assert (
        admin_api.post(url(ticket, "escalate"), {}, format="json").json()["escalation_level"] == 2
    )
    assert (
        admin_api.post(url(ticket, "escalate"), {}, format="json").json()["escalation_level"] == 3
    )
    response = admin_api.post(url(ticket, "escalate"), {}, format="json")
    assert response.status_code == 409
    assert codes(response) == [(None, "invalid_transition")]


def test_pause_needs_a_known_reason_and_handover_a_reason(admin_api, partner_admin, ticket):
    drive(ticket, "owned", partner_admin, None)
    pause = admin_api.post(url(ticket, "pause"), {"reason": "lunch"}, format="json")
    assert pause.status_code == 400
    assert codes(pause) == [("reason", "invalid_choice")]
    handover = admin_api.post(url(ticket, "handover"), {}, format="json")
    assert handover.status_code == 400
    assert codes(handover) == [("reason", "required")]
    assert snapshot(ticket)[0] == "owned"


# --- Roles and tenancy ----------------------------------------------------------------------------


def test_a_sales_user_sees_the_ticket_but_may_not_acknowledge_it(sales_api, ticket):
    assert sales_api.get(url(ticket)).json()["allowed_actions"] == []
    before = snapshot(ticket)
    response = sales_api.post(url(ticket, "acknowledge"), format="json")
    assert response.status_code == 403
    assert codes(response) == [(None, "forbidden")]
    assert snapshot(ticket) == before


def test_a_partner_engineer_works_the_partners_ticket(engineer_api, ticket):
    response = engineer_api.post(url(ticket, "acknowledge"), format="json")
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["actor"] == "p.engineer"


def test_a_programme_manager_reads_but_does_not_work_tickets(pm_api, ticket):
    assert pm_api.get(url(ticket)).status_code == 200
    assert pm_api.post(url(ticket, "acknowledge"), format="json").status_code == 403


def test_another_partners_ticket_is_a_404_for_reading(other_api, ticket):
    response = other_api.get(url(ticket))
    assert response.status_code == 404
    assert codes(response) == [(None, "not_found")]
    assert other_api.get(f"{API}/tickets/").json()["count"] == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_another_partners_ticket_is_a_404_for_every_action(
    other_api, other_partner, ticket, action
):
    # Even with a valid body naming the other partner's own engineer.
    own_engineer = EngineerFactory(partner=other_partner)
    before = snapshot(ticket)
    response = other_api.post(url(ticket, action), body_for(action, own_engineer.pk), format="json")
    assert response.status_code == 404
    assert snapshot(ticket) == before


def test_cds_works_a_ticket_cds_delivers_and_dispatches_a_cds_engineer(
    cds_api, admin_api, partner, partner_admin, cds_engineer
):
    ticket = open_ticket(covered_asset(partner, delivery_mode="cds"), partner_admin)

    assert admin_api.post(url(ticket, "acknowledge"), format="json").status_code == 403
    assert cds_api.post(url(ticket, "acknowledge"), format="json").status_code == 200
    response = cds_api.post(url(ticket, "dispatch"), {"engineer": cds_engineer.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["assigned_engineer"]["kind"] == "cds"
    assert response.json()["assigned_engineer"]["id"] == cds_engineer.pk


def test_cds_cannot_dispatch_someone_who_is_not_a_cds_engineer(
    cds_api, partner, partner_admin, partner_engineer
):
    ticket = open_ticket(covered_asset(partner, delivery_mode="cds"), partner_admin)
    cds_api.post(url(ticket, "acknowledge"), format="json")
    before = snapshot(ticket)
    response = cds_api.post(
        url(ticket, "dispatch"), {"engineer": partner_engineer.pk}, format="json"
    )
    assert response.status_code == 400
    assert codes(response) == [("engineer", "invalid_engineer")]
    assert snapshot(ticket) == before


def test_cds_may_escalate_a_partner_ticket_but_not_hand_it_over(cds_api, ticket):
    assert cds_api.post(url(ticket, "escalate"), format="json").status_code == 200
    assert cds_api.post(url(ticket, "handover"), {"reason": "x"}, format="json").status_code == 403
    assert cds_api.post(url(ticket, "acknowledge"), format="json").status_code == 403


def test_dispatching_another_partners_engineer_is_refused_and_changes_nothing(
    admin_api, partner_admin, ticket, other_partner
):
    drive(ticket, "owned", partner_admin, None)
    stranger = EngineerFactory(partner=other_partner)
    before = snapshot(ticket)

    response = admin_api.post(url(ticket, "dispatch"), {"engineer": stranger.pk}, format="json")

    assert response.status_code == 404
    assert codes(response) == [("engineer", "not_found")]
    assert snapshot(ticket) == before
    assert before[0] == "owned"
    assert before[3] is None


def test_dispatching_an_unknown_or_inactive_engineer_changes_nothing(
    admin_api, partner_admin, ticket, partner
):
    drive(ticket, "owned", partner_admin, None)
    gone = EngineerFactory(partner=partner, is_active=False)
    before = snapshot(ticket)

    unknown = admin_api.post(url(ticket, "dispatch"), {"engineer": 999999}, format="json")
    inactive = admin_api.post(url(ticket, "dispatch"), {"engineer": gone.pk}, format="json")
    missing = admin_api.post(url(ticket, "dispatch"), {}, format="json")

    assert unknown.status_code == 404
    assert inactive.status_code == 400
    assert codes(inactive) == [("engineer", "invalid_engineer")]
    assert missing.status_code == 400
    assert codes(missing) == [("engineer", "required")]
    assert snapshot(ticket) == before


def test_actions_need_authentication(anon_api, ticket):
    assert anon_api.post(url(ticket, "acknowledge"), format="json").status_code == 401
    assert anon_api.get(url(ticket)).status_code == 401


# --- Detail: SLA, timeline, segments --------------------------------------------------------------


def test_the_detail_shows_deadlines_in_the_sites_time_zone(admin_api, ticket):
    body = admin_api.get(url(ticket)).json()
    sla = {t["target"]: t for t in body["sla"]}

    assert sla["response"] == {
        "target": "response",
        "due_at": "2026-11-26T12:00:00+01:00",
        "warn_at": "2026-11-26T11:36:00+01:00",
        "state": "running",
        "met_at": None,
        "enforced": True,
        "hours": 2.0,
        "next_business_day": False,
        "warned_at": None,
        "breached_at": None,
        "explanation": [],  # 24x7: every minute counts
    }
    assert sla["onsite"]["due_at"] == "2026-11-26T14:00:00+01:00"
    assert sla["onsite"]["warn_at"] == "2026-11-26T13:12:00+01:00"
    assert sla["resolution"]["due_at"] == "2026-11-26T18:00:00+01:00"
    assert sla["resolution"]["warn_at"] == "2026-11-26T16:24:00+01:00"
    assert sla["resolution"]["enforced"] is True


def test_resolution_is_shown_but_not_enforced_for_severity_3(admin_api, asset, partner_admin):
    ticket = open_ticket(asset, partner_admin, severity=3)
    sla = {t["target"]: t for t in admin_api.get(url(ticket)).json()["sla"]}
    assert sla["resolution"]["due_at"] == "2026-11-26T18:00:00+01:00"
    assert sla["resolution"]["enforced"] is False


def test_the_timeline_says_who_did_what_and_when(admin_api, partner_admin, ticket, engineer, clock):
    clock.move_to(datetime(2026, 11, 26, 10, 20, tzinfo=PARIS))
    admin_api.post(url(ticket, "acknowledge"), format="json")
    clock.move_to(datetime(2026, 11, 26, 10, 45, tzinfo=PARIS))
    admin_api.post(url(ticket, "dispatch"), {"engineer": engineer.pk}, format="json")

    body = admin_api.get(url(ticket)).json()

    timeline = [(e["at"], e["event"], e["actor"]) for e in body["timeline"]]
    assert timeline == [
        ("2026-11-26T10:00:00+01:00", "opened", "p.admin"),
        ("2026-11-26T10:00:00+01:00", "routed", "system"),
        ("2026-11-26T10:20:00+01:00", "acknowledged", "p.admin"),
        ("2026-11-26T10:45:00+01:00", "dispatched", "p.admin"),
    ]
    assert body["timeline"][0]["detail"]["severity"] == 2
    assert body["timeline"][3]["detail"] == {"engineer": "Julie Martin"}
    response = {t["target"]: t for t in body["sla"]}["response"]
    assert response["state"] == "met"
    assert response["met_at"] == "2026-11-26T10:20:00+01:00"
    assert body["acknowledged_at"] == "2026-11-26T10:20:00+01:00"
    assert body["segments"] == [
        {
            "organisation": "partner",
            "partner": ticket.partner_id,
            "started_at": "2026-11-26T10:00:00+01:00",
            "ended_at": None,
            "reason": "opened",
        }
    ]
    assert body["allowed_actions"] == [
        "dispatch",
        "arrive",
        "resolve",
        "pause",
        "escalate",
        "handover",
    ]


def test_a_handover_closes_the_partners_segment_and_the_clock_runs_on(admin_api, ticket, clock):
    clock.move_to(datetime(2026, 11, 26, 10, 30, tzinfo=PARIS))
    response = admin_api.post(
        url(ticket, "handover"), {"reason": "Pas d'ingénieur dispo"}, format="json"
    )

    body = response.json()
    assert [
        (s["organisation"], s["started_at"], s["ended_at"], s["reason"]) for s in body["segments"]
    ] == [
        ("partner", "2026-11-26T10:00:00+01:00", "2026-11-26T10:30:00+01:00", "opened"),
        ("cds", "2026-11-26T10:30:00+01:00", None, "handover"),
    ]
    assert body["timeline"][-1]["detail"] == {"reason": "Pas d'ingénieur dispo"}
    # The customer's clock never restarts on a handover.
    assert {t["target"]: t["due_at"] for t in body["sla"]}[
        "response"
    ] == "2026-11-26T12:00:00+01:00"


def test_a_pause_shows_in_the_detail_and_resume_moves_the_deadlines(
    admin_api, partner_admin, ticket, clock
):
    drive(ticket, "owned", partner_admin, None)
    clock.move_to(datetime(2026, 11, 26, 11, 0, tzinfo=PARIS))
    paused = admin_api.post(
        url(ticket, "pause"), {"reason": "awaiting_parts"}, format="json"
    ).json()
    assert paused["pause_reason"] == "awaiting_parts"
    onsite = {t["target"]: t for t in paused["sla"]}["onsite"]
    assert onsite["state"] == "paused"
    # While paused the deadline shown is the one before the pause; the open pause explains
    # why it no longer holds.
    assert onsite["due_at"] == "2026-11-26T14:00:00+01:00"
    assert onsite["explanation"] == [
        {"kind": "pause", "start": "2026-11-26T11:00:00+01:00", "end": None, "minutes": 180}
    ]

    clock.move_to(datetime(2026, 11, 26, 12, 30, tzinfo=PARIS))
    resumed = admin_api.post(url(ticket, "resume"), format="json").json()

    onsite = {t["target"]: t for t in resumed["sla"]}["onsite"]
    assert onsite["state"] == "running"
    assert onsite["due_at"] == "2026-11-26T15:30:00+01:00"  # 14:00 + 1 h 30 paused
    assert onsite["explanation"] == [
        {
            "kind": "pause",
            "start": "2026-11-26T11:00:00+01:00",
            "end": "2026-11-26T12:30:00+01:00",
            "minutes": 90,
        }
    ]
    assert resumed["pauses"] == [
        {
            "reason": "awaiting_parts",
            "started_at": "2026-11-26T11:00:00+01:00",
            "ended_at": "2026-11-26T12:30:00+01:00",
        }
    ]


@pytest.mark.parametrize(("language", "name"), [("fr", "Noël"), ("en", "Christmas Day")])
def test_the_explanation_names_the_holidays_and_closed_hours_skipped(
    partner, partner_admin, admin_api, clock, language, name
):
    asset = covered_asset(partner, code="CP-PL-NBD-9X5")
    clock.move_to(datetime(2026, 12, 24, 16, 0, tzinfo=PARIS))  # Thursday before Christmas
    ticket = open_ticket(asset, partner_admin)

    body = admin_api.get(url(ticket), HTTP_ACCEPT_LANGUAGE=language).json()

    onsite = {t["target"]: t for t in body["sla"]}["onsite"]
    assert onsite["next_business_day"] is True
    assert onsite["hours"] is None
    # Logged Thursday; Friday 25 is Christmas: the next business day is Monday 28.
    assert onsite["due_at"] == "2026-12-28T17:00:00+01:00"
    explanation = onsite["explanation"]
    assert explanation[0] == {
        "kind": "closed",
        "start": "2026-12-24T17:00:00+01:00",
        "end": "2026-12-28T08:00:00+01:00",
        "minutes": (3 * 24 + 15) * 60,
        "reason": "weekend_and_holiday",
    }
    assert {"kind": "holiday", "date": "2026-12-25", "name": name} in explanation


# --- List, filters, queries -----------------------------------------------------------------------


def test_the_list_filters_by_status_organisation_queue_severity_and_asset(
    admin_api, cds_api, partner, partner_admin, asset, other_partner, other_admin
):
    opened = open_ticket(asset, partner_admin, severity=1)
    resolved = drive(open_ticket(asset, partner_admin, severity=3), "resolved", partner_admin, None)
    cds_asset = covered_asset(partner, delivery_mode="cds")
    by_cds = open_ticket(cds_asset, partner_admin)
    backed_up = open_ticket(asset, partner_admin)
    Ticket.objects.filter(pk=backed_up.pk).update(cds_backup=True)  # as an SLA breach does
    elsewhere = open_ticket(covered_asset(other_partner), other_admin)

    def ids(client: Any, query: str = "") -> set[int]:
        response = client.get(f"{API}/tickets/{query}")
        assert response.status_code == 200, response.json()
        return {t["id"] for t in response.json()["results"]}

    mine = {opened.pk, resolved.pk, by_cds.pk, backed_up.pk}
    assert ids(admin_api) == mine
    assert ids(cds_api) == mine | {elsewhere.pk}
    assert ids(admin_api, "?status=resolved") == {resolved.pk}
    assert ids(admin_api, "?status=opened&status=resolved") == mine
    assert ids(admin_api, "?delivered_by=cds") == {by_cds.pk}
    assert ids(admin_api, "?open=true") == {opened.pk, by_cds.pk, backed_up.pk}
    assert ids(admin_api, "?open=false") == {resolved.pk}
    assert ids(cds_api, "?cds_queue=true") == {by_cds.pk, backed_up.pk}
    assert ids(admin_api, "?severity=1") == {opened.pk}
    assert ids(admin_api, f"?asset={cds_asset.pk}") == {by_cds.pk}
    assert ids(cds_api, f"?partner={other_partner.pk}") == {elsewhere.pk}

    bad = admin_api.get(f"{API}/tickets/?status=lost")
    assert bad.status_code == 400
    assert codes(bad)[0][0] == "status"


def test_the_list_is_newest_first_and_paginated(admin_api, asset, partner_admin, clock):
    first = open_ticket(asset, partner_admin)
    clock.shift(60)
    second = open_ticket(asset, partner_admin)
    body = admin_api.get(f"{API}/tickets/?page_size=1").json()
    assert body["count"] == 2
    assert [t["id"] for t in body["results"]] == [second.pk]
    assert body["next"] is not None
    assert "timeline" not in body["results"][0]
    assert first.pk != second.pk


def _open_many(partner: Any, actor: Any, count: int) -> None:
    assets = [covered_asset(partner) for _ in range(3)]
    engineer = certified_engineer(partner)
    for index in range(count):
        ticket = open_ticket(assets[index % 3], actor)
        if index % 2:
            drive(ticket, "dispatched", actor, engineer)


@pytest.mark.parametrize("client_name", ["admin_api", "cds_api"])
def test_the_list_costs_the_same_queries_for_5_or_50_tickets(
    request, partner, partner_admin, django_assert_num_queries, client_name
):
    client = request.getfixturevalue(client_name)
    query = f"{API}/tickets/?page_size=50"
    # token (it brings the caller's tenant scope), count, the page with its asset,
    # contract, site, offering, engineers and SLA targets (sub-selects of its statement)
    expected = 3
    _open_many(partner, partner_admin, 5)
    with django_assert_num_queries(expected):
        assert len(client.get(query).json()["results"]) == 5
    _open_many(partner, partner_admin, 45)
    with django_assert_num_queries(expected):
        results = client.get(query).json()["results"]
    assert len(results) == 50
    assert all(len(t["sla"]) == 3 and t["asset_serial"] and t["contract_number"] for t in results)


def test_the_detail_costs_the_same_queries_however_long_the_timeline(
    admin_api, partner_admin, ticket, engineer, django_assert_num_queries
):
    # token (with the tenant scope and the membership the caller's allowed actions need),
    # then the ticket with its related rows, targets, events with actors, segments and
    # pauses in one statement
    with django_assert_num_queries(2):
        assert admin_api.get(url(ticket)).status_code == 200
    drive(ticket, "dispatched", partner_admin, engineer)
    for _ in range(2):
        services.ticket_escalate(ticket=ticket, actor=partner_admin)
    with django_assert_num_queries(2):
        assert len(admin_api.get(url(ticket)).json()["timeline"]) == 6


# --- sla/calculate/ -------------------------------------------------------------------------------


def calculate(client: Any, offering_id: int, site_id: int, start: str, **extra: Any) -> Any:
    return client.post(
        f"{API}/sla/calculate/",
        {"offering": offering_id, "site": site_id, "start": start},
        format="json",
        **extra,
    )


@pytest.mark.parametrize(
    "code", ["CP-PL-4H-24X7", "CP-PL-4H-13X5", "CP-PL-NBD-9X5", "SC-FOUNDATION-13X5"]
)
@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 11, 26, 10, 0, tzinfo=PARIS),  # Thursday morning
        datetime(2026, 11, 27, 18, 0, tzinfo=PARIS),  # Friday evening
        datetime(2026, 11, 28, 23, 59, 41, tzinfo=PARIS),  # Saturday night, with seconds
        datetime(2026, 12, 24, 20, 30, tzinfo=PARIS),  # Christmas Eve, evening
    ],
)
def test_the_calculator_agrees_with_a_ticket_opened_at_the_same_instant(
    admin_api, partner, partner_admin, clock, code, start
):
    asset = covered_asset(partner, code=code)
    ticket_offering = asset.coverages.get().contract.offering
    calculated = calculate(admin_api, ticket_offering.pk, asset.site_id, start.isoformat())
    assert calculated.status_code == 200, calculated.json()

    clock.move_to(start)
    opened = admin_api.post(
        f"{API}/tickets/",
        {"asset": asset.pk, "severity": 1, "kind": "incident", "summary": "Panne"},
        format="json",
    ).json()

    result = calculated.json()
    sla = {t["target"]: t for t in opened["sla"]}
    for target in ("response", "onsite", "resolution"):
        due = sla[target]["due_at"] if target in sla else None
        warn = sla[target]["warn_at"] if target in sla else None
        assert result[f"{target}_due"] == due, target
        assert result[f"{target}_warn"] == warn, target


def test_the_calculator_answers_a_24x7_care_pack(admin_api, asset):
    offering = asset.coverages.get().contract.offering
    result = calculate(admin_api, offering.pk, asset.site_id, "2026-11-26T10:00:00+01:00").json()
    assert result["response_due"] == "2026-11-26T12:00:00+01:00"
    assert result["onsite_due"] == "2026-11-26T14:00:00+01:00"
    assert result["resolution_due"] == "2026-11-26T18:00:00+01:00"
    assert result["onsite_next_business_day"] is False
    assert result["calendar"] == {"coverage": "24x7", "timezone": "Europe/Paris", "region": ""}


def test_next_business_day_from_friday_evening_is_due_tuesday_at_closing(admin_api, partner):
    asset = covered_asset(partner, code="CP-PL-NBD-9X5")
    offering = asset.coverages.get().contract.offering

    result = calculate(admin_api, offering.pk, asset.site_id, "2026-11-27T18:00:00+01:00").json()

    # Logged at Monday's opening; the next business day is Tuesday, due when it closes.
    assert result["clock_starts_at"] == "2026-11-30T08:00:00+01:00"
    assert result["onsite_due"] == "2026-12-01T17:00:00+01:00"
    assert result["onsite_next_business_day"] is True
    assert result["response_due"] == "2026-11-30T12:00:00+01:00"
    assert result["resolution_due"] is None
    assert result["resolution_warn"] is None


def test_the_calculator_answers_in_the_sites_time_zone(admin_api, partner):
    asset = covered_asset(
        partner,
        code="CP-PL-4H-13X5",
        site_kwargs={"timezone": "Indian/Reunion", "region": "974", "city": "Saint-Denis"},
    )
    offering = asset.coverages.get().contract.offering

    # 09:00 UTC is 13:00 on La Réunion (UTC+4): a 2-hour response is due at 15:00 there.
    result = calculate(admin_api, offering.pk, asset.site_id, "2026-11-26T09:00:00Z").json()

    assert result["response_due"] == "2026-11-26T15:00:00+04:00"
    assert result["onsite_due"] == "2026-11-26T17:00:00+04:00"
    assert result["calendar"] == {
        "coverage": "13x5",
        "timezone": "Indian/Reunion",
        "region": "974",
    }


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("2026-11-27T18:00:00", "naive"),
        ("vendredi soir", "invalid"),
        ("", "invalid"),
    ],
)
def test_the_calculator_refuses_a_start_without_an_offset_or_not_a_datetime(
    admin_api, asset, start, code
):
    offering = asset.coverages.get().contract.offering
    response = calculate(admin_api, offering.pk, asset.site_id, start)
    assert response.status_code == 400
    assert codes(response) == [("start", code)]


def test_the_calculator_hides_another_partners_site(other_api, cds_api, asset):
    offering = asset.coverages.get().contract.offering
    response = calculate(other_api, offering.pk, asset.site_id, "2026-11-26T10:00:00+01:00")
    assert response.status_code == 404
    assert codes(response) == [("site", "not_found")]
    # HP and CDS staff compute for any site.
    assert (
        calculate(cds_api, offering.pk, asset.site_id, "2026-11-26T10:00:00+01:00").status_code
        == 200
    )


def test_the_calculator_needs_a_known_offering(admin_api, asset):
    response = calculate(admin_api, 999999, asset.site_id, "2026-11-26T10:00:00+01:00")
    assert response.status_code == 400
    assert codes(response) == [("offering", "does_not_exist")]


# --- Schema ---------------------------------------------------------------------------------------


def test_the_openapi_schema_describes_tickets_actions_and_the_calculator(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    paths = schema["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/tickets/"])
    assert "get" in paths["/api/v1/tickets/{id}/"]
    for action in ACTIONS:
        operation = paths[f"/api/v1/tickets/{{id}}/{action}/"]["post"]
        assert {"200", "403", "404", "409"} <= set(operation["responses"]), action
    assert "post" in paths["/api/v1/sla/calculate/"]
    opening = paths["/api/v1/tickets/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in opening["parameters"])
    listing = {p["name"] for p in paths["/api/v1/tickets/"]["get"]["parameters"]}
    assert {"status", "delivered_by", "open", "cds_queue", "severity", "asset"} <= listing
    dispatch = schema["components"]["schemas"]["DispatchRequest"]["properties"]["engineer"]
    assert "CDS" in dispatch["description"]
    assert "engineers/" in dispatch["description"]
    detail = schema["components"]["schemas"]["TicketDetail"]["properties"]
    assert {"sla", "timeline", "segments", "allowed_actions"} <= set(detail)
