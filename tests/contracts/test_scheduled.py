"""The scheduled jobs of contracts (expiry, renewal reminders): one bad contract blocks none."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from contracts.models import Contract
from contracts.services import contract_sell, scheduled
from contracts.tasks import expire_contracts, send_renewal_reminders
from servicone.models import Notification
from tests.contracts.factories import asset_of, offering
from tests.partners.factories import set_tier

TODAY = date(2026, 11, 26)
ENDED = date(2027, 11, 26)  # the day after a one-year contract sold today ends
REMINDED = date(2027, 8, 27)  # 90 days before it ends


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def contracts(partner, partner_admin) -> list[Contract]:
    """Three one-year contracts of the partner, each for its own customer."""
    seller = set_tier(partner, "sell")
    return [
        contract_sell(
            partner=seller,
            customer=asset.customer,
            offering=offering("SC-FOUNDATION-13X5"),
            assets=[asset],
            starts_on=TODAY,
            actor=None,
        )
        for asset in (asset_of(seller) for _ in range(3))
    ]


def errors_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


# --- Expiry ---------------------------------------------------------------------------------


@pytest.fixture
def poisoned_expiry(monkeypatch):
    """Make ending the coverage of the contracts in the returned set raise."""
    poisoned: set[int] = set()
    end_coverage = scheduled.end_coverage

    def failing(contract, **kwargs):
        if contract.pk in poisoned:
            raise RuntimeError("broken contract")
        end_coverage(contract, **kwargs)

    monkeypatch.setattr(scheduled, "end_coverage", failing)
    return poisoned


def test_a_contract_that_fails_to_expire_holds_back_no_other(contracts, poisoned_expiry, caplog):
    good, bad, other = contracts
    poisoned_expiry.add(bad.pk)

    with time_machine.travel("2027-11-26 01:00 +01:00", tick=False):
        assert expire_contracts() == 2

    statuses = dict(Contract.objects.values_list("pk", "status"))
    assert statuses == {good.pk: "expired", bad.pk: "active", other.pk: "expired"}
    assert not bad.coverages.filter(is_active=False).exists()  # rolled back, all of it
    assert errors_of(caplog) == [
        f"expiry of contract {bad.number} failed; retried at the next run: "
        "RuntimeError: broken contract"
    ]
    poisoned_expiry.clear()
    assert scheduled.contracts_expire_due(today=ENDED) == 1  # the next run expires it
    assert Contract.objects.filter(status="expired").count() == 3


def test_contracts_that_fail_to_expire_do_not_stop_the_batches_after_them(
    contracts, poisoned_expiry
):
    # Batches of one: the failing contract comes first in every claim unless it is set aside.
    bad, *good = contracts
    poisoned_expiry.add(bad.pk)

    assert scheduled.contracts_expire_due(today=ENDED, batch_size=1) == 2

    assert set(Contract.objects.filter(status="expired")) == set(good)


# --- Renewal reminders ------------------------------------------------------------------------


@pytest.fixture
def poisoned_reminders(monkeypatch):
    """Make the reminder of the contracts in the returned set raise when it is written."""
    poisoned: set[int] = set()
    notify = scheduled.notify

    def failing(**kwargs):
        if any(kwargs["dedup_key"].startswith(f"contract-renewal:{pk}:") for pk in poisoned):
            raise RuntimeError("broken reminder")
        return notify(**kwargs)

    monkeypatch.setattr(scheduled, "notify", failing)
    return poisoned


def test_a_reminder_that_fails_holds_back_no_other_and_goes_out_at_the_next_run(
    contracts, partner_admin, poisoned_reminders, caplog
):
    good, bad, other = contracts
    poisoned_reminders.add(bad.pk)

    with time_machine.travel("2027-08-27 06:00 +02:00", tick=False):
        assert send_renewal_reminders() == 2

    reminded = {n.link for n in Notification.objects.filter(kind="contract_renewal")}
    assert reminded == {f"/contracts/{good.pk}/", f"/contracts/{other.pk}/"}
    assert errors_of(caplog) == [
        f"renewal reminder of contract {bad.number} failed; retried at the next run: "
        "RuntimeError: broken reminder"
    ]
    poisoned_reminders.clear()
    assert scheduled.contracts_send_renewal_reminders(today=date(2027, 8, 28)) == 1
    assert Notification.objects.filter(kind="contract_renewal").count() == 3
