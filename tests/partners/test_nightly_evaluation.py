"""The nightly tier evaluation: set-wise when it can, one partner at a time when a batch fails."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from partners.models import Partner
from partners.services import partners_evaluate_all, tiers
from partners.tasks import evaluate_all_partner_tiers
from servicone.models import AuditEvent, Notification
from tests.partners.factories import PartnerFactory, make_deliver_ready, partner_user


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 03:00 +01:00", tick=False):
        yield


def errors_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]


def tier_of(partner: Partner) -> str | None:
    partner.refresh_from_db()
    return partner.tier.code if partner.tier else None


@pytest.fixture
def poisoned(monkeypatch):
    """Make ``step`` of the tier services raise for the partners in the returned set."""
    bad: set[int] = set()

    def poison(step: str) -> set[int]:
        original = getattr(tiers, step)

        def failing(partner, *args, **kwargs):
            if partner.pk in bad:
                raise RuntimeError("broken partner")
            return original(partner, *args, **kwargs)

        monkeypatch.setattr(tiers, step, failing)
        return bad

    return poison


def test_a_partner_whose_evaluation_fails_is_skipped_counted_and_logged(db, poisoned, caplog):
    good, bad, other = PartnerFactory.create_batch(3)
    poisoned("_tier_decision").add(bad.pk)

    assert evaluate_all_partner_tiers() == {"upgrade": 2, "failed": 1}

    assert (tier_of(good), tier_of(bad), tier_of(other)) == ("registered", None, "registered")
    assert errors_of(caplog) == [
        f"tier evaluation of partner {bad.pk} failed; retried at the next run: "
        "RuntimeError: broken partner"
    ]


def test_a_partner_whose_tier_move_fails_to_be_stored_holds_back_no_other(
    partner, partner_admin, poisoned
):
    # The batch's one transaction fails on the bad partner's audit: the others are
    # written one by one, audited and notified as usual; the bad one is left as it was.
    bad = PartnerFactory()
    partner_user(bad, username="bad.admin")
    make_deliver_ready(partner, on=date(2026, 1, 1))
    make_deliver_ready(bad, on=date(2026, 1, 1))
    poisoned("_audit_and_notices").add(bad.pk)

    assert partners_evaluate_all() == {"upgrade": 1, "failed": 1}

    assert (tier_of(partner), tier_of(bad)) == ("deliver", None)
    assert bad.evaluated_on is None
    assert set(
        AuditEvent.objects.filter(action="tier.upgrade").values_list("partner", flat=True)
    ) == {partner.pk}
    notified = Notification.objects.filter(kind="tier_changed")
    assert [n.recipient for n in notified] == [partner_admin]


def test_a_partner_that_failed_is_evaluated_at_the_next_run(db, poisoned):
    _good, bad = PartnerFactory.create_batch(2)
    failing = poisoned("_tier_decision")
    failing.add(bad.pk)
    partners_evaluate_all()

    failing.clear()

    assert partners_evaluate_all() == {"upgrade": 1, "keep": 1}
    assert tier_of(bad) == "registered"


def test_only_the_batch_that_fails_is_evaluated_one_by_one(db, poisoned, monkeypatch):
    partners = PartnerFactory.create_batch(4)
    partners_evaluate_all()  # every partner gets Registered, then nothing changes
    poisoned("_tier_decision").add(partners[0].pk)
    alone: list[int] = []
    apply_one = tiers.partner_apply_evaluation

    def spied(*, partner, **kwargs):
        alone.append(partner.pk)
        return apply_one(partner=partner, **kwargs)

    monkeypatch.setattr(tiers, "partner_apply_evaluation", spied)

    assert partners_evaluate_all(batch_size=2) == {"keep": 3, "failed": 1}

    assert alone == [partners[0].pk, partners[1].pk]
