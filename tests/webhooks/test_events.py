"""Events are written by the services in the change's own transaction (the outbox), and
the fan-out gives each to the active endpoints subscribed to it: a partner's endpoints its
own partner's events, programme-wide ones every partner's; ``data`` is the resource as the
API returns it to the endpoint's owner, rendered once per audience."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from contracts.services import contract_cancel, contracts_send_renewal_reminders
from partners.models import Certification
from partners.services import (
    accreditation_approve,
    certifications_announce_expiring,
)
from servicone.access import PartnerRole
from servicone.errors import StateConflict
from tests.partners.factories import (
    EngineerFactory,
    make_expert_ready,
    partner_user,
    submitted_application,
)
from tests.tickets.factories import certified_engineer, covered_asset
from tests.webhooks.factories import PARIS, endpoint
from tickets import sla
from tickets.services import ticket_act, ticket_open
from webhooks import fanout
from webhooks.models import Delivery, Event, Payload
from webhooks.services import endpoint_ping, endpoint_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(partner, clock):
    """A covered asset; the events of its sale are left out of what the tests read."""
    asset = covered_asset(partner)
    Event.objects.all().delete()
    return asset


def open_ticket(asset, actor):
    return ticket_open(asset=asset, severity=2, kind="incident", summary="Disque HS", actor=actor)


def types(**filters) -> list[str]:
    return list(Event.objects.filter(**filters).order_by("pk").values_list("type", flat=True))


def body(delivery: Delivery) -> dict:
    return json.loads(delivery.payload.body)


# --- Written with the change -------------------------------------------------------------------


def test_opening_a_ticket_writes_its_event_in_one_insert_and_renders_nothing(asset, partner_admin):
    with CaptureQueriesContext(connection) as queries:
        ticket = open_ticket(asset, partner_admin)
    touching = [q["sql"] for q in queries if '"webhooks_' in q["sql"]]
    assert len(touching) == 1
    assert touching[0].startswith('INSERT INTO "webhooks_event"')
    event = Event.objects.get()
    assert (event.type, event.resource_id, event.partner_id) == (
        "ticket.opened",
        ticket.pk,
        ticket.partner_id,
    )
    assert event.dispatched_at is None
    assert not Payload.objects.exists()


def test_an_event_exists_only_if_its_change_was_committed(asset, partner_admin):
    with transaction.atomic():
        open_ticket(asset, partner_admin)
        transaction.set_rollback(True)
    assert not Event.objects.exists()


def test_a_refused_action_writes_no_event(asset, partner_admin):
    ticket = open_ticket(asset, partner_admin)
    with pytest.raises(StateConflict):
        ticket_act(ticket=ticket, action="close", actor=partner_admin)
    assert types() == ["ticket.opened"]


def test_ticket_actions_emit_updated_when_status_organisation_or_level_changes(
    asset, partner, partner_admin
):
    engineer = certified_engineer(partner)  # sent without a reason (issue 15)
    ticket = open_ticket(asset, partner_admin)
    ticket = ticket_act(ticket=ticket, action="acknowledge", actor=partner_admin)
    ticket = ticket_act(ticket=ticket, action="dispatch", actor=partner_admin, engineer=engineer)
    # Another engineer sent: the status stays "dispatched", nothing to report.
    ticket = ticket_act(ticket=ticket, action="dispatch", actor=partner_admin, engineer=engineer)
    ticket = ticket_act(ticket=ticket, action="escalate", actor=partner_admin)
    ticket_act(ticket=ticket, action="handover", actor=partner_admin, reason="Pièces")
    assert types() == [
        "ticket.opened",
        "ticket.updated",  # owned
        "ticket.updated",  # dispatched
        "ticket.updated",  # L2
        "ticket.updated",  # CDS delivers
        "ticket.handed_over",
    ]


def test_the_sla_sweep_writes_warnings_breaches_and_escalations(asset, partner_admin, clock):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))  # every target overdue
    sla.sweep()
    written = types(resource_id=ticket.pk)
    assert written.count("sla.warning") == 3
    assert written.count("sla.breached") == 3
    assert "ticket.updated" in written  # escalated to L3


def test_contracts_emit_sold_cancelled_and_expiring_once_per_threshold(
    partner, partner_admin, clock
):
    covered_asset(partner)
    contract = Contract.objects.get(partner=partner)
    assert types(resource_id=contract.pk) == ["contract.sold"]
    reminder_day = contract.ends_on - timedelta(days=30)
    contracts_send_renewal_reminders(today=reminder_day)
    contracts_send_renewal_reminders(today=reminder_day)  # the job ran twice
    assert types(resource_id=contract.pk, type="contract.expiring") == ["contract.expiring"]
    contract_cancel(contract=contract, actor=partner_admin, reason="Client parti")
    assert types(resource_id=contract.pk)[-1] == "contract.cancelled"


def test_an_accreditation_emits_submitted_decided_and_the_tier_change(
    partner, partner_admin, programme_manager, clock
):
    make_expert_ready(partner, on=date(2026, 11, 1))
    application = submitted_application(partner, partner_admin)
    accreditation_approve(accreditation=application, actor=programme_manager)
    assert types(type__startswith="accreditation.") == [
        "accreditation.submitted",
        "accreditation.decided",
    ]
    assert Event.objects.filter(type="tier.changed", resource_id=partner.pk).exists()


def test_certifications_90_then_30_days_from_expiry_are_announced_once_each(partner, clock):
    engineer = EngineerFactory(partner=partner)
    from partners.models import Course

    course = Course.objects.get(code="PL-ASE")
    expiring = Certification.objects.create(
        engineer=engineer, course=course, passed_on=date(2024, 1, 1), expires_on=date(2027, 2, 1)
    )
    assert certifications_announce_expiring(today=date(2026, 10, 1)) == 0  # 123 days left
    certifications_announce_expiring(today=date(2026, 11, 4))  # 89 days left
    certifications_announce_expiring(today=date(2026, 11, 5))  # run again: nothing new
    certifications_announce_expiring(today=date(2027, 1, 2))  # 30 days left
    assert list(
        Event.objects.filter(resource_id=expiring.pk).values_list("dedup_key", flat=True)
    ) == [
        f"certification-expiring:{expiring.pk}:90",
        f"certification-expiring:{expiring.pk}:30",
    ]
    # Renewed: no more notices for the old one.
    Certification.objects.create(
        engineer=engineer, course=course, passed_on=date(2027, 1, 5), expires_on=date(2030, 1, 4)
    )
    Event.objects.all().delete()
    assert certifications_announce_expiring(today=date(2027, 1, 20)) == 0


# --- Fanned out to who subscribes --------------------------------------------------------------


def test_only_active_subscribed_endpoints_get_a_delivery(asset, partner, partner_admin):
    tickets, _ = endpoint(partner_admin, partner, events=["ticket.opened"])
    endpoint(partner_admin, partner, events=["contract.sold"])
    off, _ = endpoint(partner_admin, partner, events=["ticket.opened"])
    endpoint_update(endpoint=off, actor=partner_admin, active=False)
    open_ticket(asset, partner_admin)

    result = fanout.dispatch_batch()

    assert (result.events, result.deliveries) == (1, 1)
    assert list(Delivery.objects.values_list("endpoint", flat=True)) == [tickets.pk]
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert fanout.dispatch_batch().events == 0


def test_an_event_nobody_subscribes_to_is_dispatched_without_delivery_nor_body(
    asset, partner_admin
):
    open_ticket(asset, partner_admin)
    fanout.dispatch_batch()
    assert not Delivery.objects.exists()
    assert not Payload.objects.exists()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_a_partners_endpoint_gets_its_own_events_and_a_programme_endpoint_every_partners(
    partner, partner_admin, other_partner, other_admin, programme_manager, clock
):
    mine, _ = endpoint(partner_admin, partner, events=["ticket.opened"])
    theirs, _ = endpoint(other_admin, other_partner, events=["ticket.opened"])
    hp, _ = endpoint(programme_manager, None, events=["ticket.opened"])
    ticket = open_ticket(covered_asset(partner), partner_admin)
    other_ticket = open_ticket(covered_asset(other_partner), other_admin)

    fanout.dispatch_batch()

    def received(hook):
        return sorted(body(d)["data"]["id"] for d in Delivery.objects.filter(endpoint=hook))

    assert received(mine) == [ticket.pk]
    assert received(theirs) == [other_ticket.pk]
    assert received(hp) == sorted([ticket.pk, other_ticket.pk])


def test_data_is_the_resource_as_the_api_returns_it_to_the_endpoints_owner(
    asset, partner, partner_admin, programme_manager, admin_api, pm_api
):
    mine, _ = endpoint(partner_admin, partner, events=["ticket.opened", "contract.sold"])
    hp, _ = endpoint(programme_manager, None, events=["ticket.opened", "contract.sold"])
    ticket = open_ticket(asset, partner_admin)
    contract = Contract.objects.get(partner=partner)
    Event.objects.create(type="contract.sold", partner=partner, resource_id=contract.pk)
    fanout.dispatch_batch()

    def data(hook, event_type):
        return body(Delivery.objects.get(endpoint=hook, event__type=event_type))["data"]

    as_admin = admin_api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    as_hp = pm_api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    # No person reads a webhook: its ``allowed_actions`` (the caller's buttons) is empty.
    for seen in (as_admin, as_hp):
        seen["allowed_actions"] = []
    assert data(mine, "ticket.opened") == as_admin
    assert data(hp, "ticket.opened") == as_hp
    assert data(mine, "contract.sold") == admin_api.get(f"/api/v1/contracts/{contract.pk}/").json()
    assert data(hp, "contract.sold") == pm_api.get(f"/api/v1/contracts/{contract.pk}/").json()


def test_the_body_is_type_timestamp_and_data_rendered_once_per_audience(
    asset, partner, partner_admin, programme_manager
):
    one, _ = endpoint(partner_admin, partner, events=["ticket.opened"])
    two, _ = endpoint(partner_admin, partner, "https://b.example.com/", events=["ticket.opened"])
    endpoint(programme_manager, None, events=["ticket.opened"])
    ticket = open_ticket(asset, partner_admin)
    fanout.dispatch_batch()

    assert Payload.objects.count() == 2  # the partner's, HP's
    first = Delivery.objects.get(endpoint=one)
    assert first.payload_id == Delivery.objects.get(endpoint=two).payload_id
    document = body(first)
    assert set(document) == {"type", "timestamp", "data"}
    assert document["type"] == "ticket.opened"
    assert datetime.fromisoformat(document["timestamp"]) == ticket.opened_at


def test_a_ping_goes_to_its_endpoint_alone_carrying_the_endpoint(
    partner, partner_admin, programme_manager
):
    hook, secret = endpoint(partner_admin, partner, events=["ticket.opened"])
    endpoint(programme_manager, None, events=["ticket.opened"])
    delivery = endpoint_ping(endpoint=hook, actor=partner_admin)
    fanout.dispatch_batch()

    assert list(Delivery.objects.values_list("endpoint", flat=True)) == [hook.pk]
    document = body(delivery)
    assert document["type"] == "ping"
    assert document["data"]["id"] == hook.pk
    assert document["data"]["url"] == hook.url
    assert secret not in delivery.payload.body


def test_a_partner_user_who_is_not_admin_has_no_endpoint(partner):
    sales = partner_user(partner, PartnerRole.SALES, username="p.s2")
    from servicone.errors import NotAllowed

    with pytest.raises(NotAllowed):
        endpoint(sales, partner)


def test_the_nightly_evaluation_writes_its_tier_changes_set_wise(db):
    from partners.services import partners_evaluate_all
    from tests.partners.factories import PartnerFactory

    partners = PartnerFactory.create_batch(3)
    partners_evaluate_all()  # every partner gets its first tier
    changed = Event.objects.filter(type="tier.changed")
    assert sorted(changed.values_list("resource_id", flat=True)) == sorted(p.pk for p in partners)
    assert set(changed.values_list("partner_id", flat=True)) == {p.pk for p in partners}


def test_the_ownership_fall_back_to_cds_is_a_ticket_update(asset, partner_admin, clock):
    from tickets.services import ticket_fallback_to_cds

    ticket = open_ticket(asset, partner_admin)
    clock.move_to(ticket.ownership_due_at + timedelta(minutes=1))
    assert ticket_fallback_to_cds(ticket=ticket)
    assert types() == ["ticket.opened", "ticket.updated"]


def test_a_late_acknowledgement_records_the_breach_no_timer_fired(asset, partner_admin, clock):
    ticket = open_ticket(asset, partner_admin)
    clock.move_to(datetime(2026, 11, 26, 20, 0, tzinfo=PARIS))  # past the response deadline
    ticket_act(ticket=ticket, action="acknowledge", actor=partner_admin)
    assert types() == ["ticket.opened", "sla.breached", "ticket.updated"]
