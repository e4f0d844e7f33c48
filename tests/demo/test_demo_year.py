"""The demo's year: what HP and a partner see on the charts, lists and queues after ``seed_demo``.

Seeded once for the package (``tests/demo/conftest.py``) on 2 December 2026.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.core import mail
from django.db.models import Count, Q
from django.utils import timezone

from contracts.models import Contract, Customer, Site
from partners.models import Partner, TierPeriod
from servicone.models import Notification
from servicone.outbox import send_batch
from tickets import sla
from tickets.models import SlaState, SlaTarget, Ticket
from tickets.selectors import cds_summary
from tickets.tasks import _fall_back_overdue

MONTHS = ["2025-12", *(f"2026-{month:02d}" for month in range(1, 12))]


def test_every_month_of_the_year_has_tickets_for_the_charts(demo):
    months = Counter(
        timezone.localtime(at).strftime("%Y-%m")
        for at in Ticket.objects.values_list("opened_at", flat=True)
    )
    for month in MONTHS:
        assert months[month] >= 80, (month, months[month])
    assert months["2026-12"] > 0  # this week's
    assert min(months[m] for m in MONTHS) >= 0.5 * max(months[m] for m in MONTHS)


def test_ovesys_has_tickets_every_month_for_its_scorecard(demo):
    ovesys = Partner.objects.get(name="Ovesys")
    months = Counter(
        timezone.localtime(at).strftime("%Y-%m")
        for at in Ticket.objects.filter(partner=ovesys).values_list("opened_at", flat=True)
    )
    assert all(months[m] >= 2 for m in MONTHS), months


def test_commitments_are_kept_90_to_97_percent_of_the_time(demo):
    targets = SlaTarget.objects.filter(enforced=True, ticket__status="closed")
    met = targets.filter(state=SlaState.MET).count()
    breached = targets.filter(state=SlaState.BREACHED).count()
    assert 0.90 <= met / (met + breached) <= 0.97
    per_partner = (
        targets.filter(ticket__delivered_by="partner")
        .values("ticket__partner")
        .annotate(
            met=Count("id", filter=Q(state=SlaState.MET)),
            breached=Count("id", filter=Q(state=SlaState.BREACHED)),
        )
    )
    rates = [r["met"] / (r["met"] + r["breached"]) for r in per_partner if r["met"] > 40]
    assert len(rates) >= 20
    assert max(rates) - min(rates) >= 0.05  # partners differ: a ranking worth reading


def test_about_a_hundred_partners_sell_and_about_thirty_deliver_their_own_tickets(demo):
    sellers = Contract.objects.values("partner").distinct().count()
    assert sellers in range(90, 111)
    delivering = Ticket.objects.filter(delivered_by="partner").values("partner").distinct().count()
    assert delivering in range(25, 36)


def test_customers_are_many_and_varied_with_sites_in_moselle_alsace_and_la_reunion(demo):
    names = list(Customer.objects.values_list("name", flat=True))
    assert len(names) >= 200
    assert len(set(names)) == len(names)  # no customer name shared by every partner
    sites = Site.objects.all()
    assert {"", "57", "6AE", "974"} <= set(sites.values_list("region", flat=True))
    alsace = set(sites.filter(region="6AE").values_list("postal_code", flat=True))
    assert {code[:2] for code in alsace} == {"67", "68"}
    reunion = sites.filter(region="974")
    assert reunion.exists()
    assert set(reunion.values_list("timezone", flat=True)) == {"Indian/Reunion"}
    assert sites.filter(region="57", postal_code__startswith="57").exists()


def test_each_partner_is_at_its_tier_since_its_tier_history_says(demo):
    since = {
        p.partner_id: p.started_on
        for p in TierPeriod.objects.filter(ended_on__isnull=True, partner__tier__isnull=False)
    }
    partners = Partner.objects.filter(tier__isnull=False)
    assert {p.pk: p.tier_since for p in partners} == since
    assert len(set(since.values())) >= 50  # not one date for everyone
    ovesys = Partner.objects.get(name="Ovesys")
    assert ovesys.tier_since < date(2026, 1, 1)
    assert TierPeriod.objects.filter(partner=ovesys).count() >= 2  # Sell, then Deliver


def test_the_cds_queue_is_mostly_within_its_deadlines(demo):
    summary = cds_summary()
    assert summary["total"] >= 6
    assert summary["breached"] <= summary["total"] * 0.3


def test_the_first_sweep_after_seeding_tells_the_dispatcher_and_ovesys_a_few_things_only(demo):
    before = set(Notification.objects.values_list("pk", flat=True))
    mail.outbox = []
    now = timezone.now()
    more = True
    while more:
        _fired, due_left = sla.sweep(now=now)
        _done, overdue_left = _fall_back_overdue(now)
        more = due_left or overdue_left
    while send_batch()[1]:
        pass

    new = Notification.objects.exclude(pk__in=before)
    for username, most in (("cds.dispatch", 5), ("ovesys.admin", 3)):
        assert new.filter(recipient__username=username).count() <= most
        emails = [m for m in mail.outbox if m.to == [f"{username}@demo.servicone.local"]]
        assert len(emails) <= most
    assert len(mail.outbox) <= 15  # what the seed wrote is the demo's past, not news
