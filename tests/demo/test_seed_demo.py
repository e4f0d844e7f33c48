from __future__ import annotations

from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from demo.seed import DEMO_LOGINS, DEMO_PASSWORD


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in ("auth", "partners", "contracts", "tickets")
    }


def test_seed_demo_twice_changes_nothing(demo):
    first = _counts()
    call_command("seed_demo", "--quiet-logins")
    assert _counts() == first


def test_every_printed_demo_login_works(demo):
    for login in DEMO_LOGINS:
        assert authenticate(username=login.username, password=DEMO_PASSWORD) is not None, login


def test_the_demo_has_tickets_in_every_state_and_about_a_fifth_delivered_by_cds(demo):
    from tickets.models import Status, Ticket

    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    total = Ticket.objects.count()
    by_cds = Ticket.objects.filter(delivered_by="cds").count()
    assert total >= 100
    assert 0.15 <= by_cds / total <= 0.25
    assert Ticket.objects.filter(handed_over_at__isnull=False).exists()
    assert Ticket.objects.filter(fell_back_at__isnull=False).exists()


def test_the_demo_sells_contracts_to_customers_across_regions(demo):
    from contracts.models import Contract, Site

    assert Contract.objects.filter(status="active").count() >= 50
    assert {"", "57", "6AE", "974"} <= set(Site.objects.values_list("region", flat=True))
    assert Contract.objects.filter(offering__kind="proactive_credits").exists()


def test_the_demo_partner_siren_has_a_valid_luhn_key():
    from demo.seed import DEMO_PARTNER
    from partners.legacy import luhn_valid

    assert luhn_valid(DEMO_PARTNER["siren"])
