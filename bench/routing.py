"""Benchmark of routing with the partners' delivery policies (issue 16), printing its figures.

Two measures, on ``bench/scorecard.py``'s data set (``--tickets`` tickets, default
1,000,000, over ``--partners`` partners, default 100, opened over 12 months), each site
given a postal code and each partner a delivery policy (an area of a few départements,
9x5 staffed hours with hand-back, a declined product line, a capacity):

1. ``--calls`` calls (default 10,000) routed at once: their facts gathered set-wise
   (``tickets.bulk_routing``: policy versions, certifications, load — a fixed number of
   queries), then the pure router; time, queries, decisions by reason;
2. the policy page's what-if for one partner: its last three months of tickets replayed
   against another area and other hours (``tickets.what_if``); time and queries. Target:
   ≤ 1 s with 1,000,000 tickets on PostgreSQL.

Run: ``DATABASE_URL=postgres://… .venv/bin/python bench/routing.py``. A throwaway database
``bench_servicone`` is created and dropped on that server; without a PostgreSQL URL it runs
on a temporary SQLite file (use a smaller ``--tickets``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eligibility import drop_postgres_database  # noqa: E402  (bench/eligibility.py)
from scorecard import on_isolated_database, populate, timed  # noqa: E402  (bench/scorecard.py)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=PARIS)
# Postal codes the sites are given, round-robin: Lille, Arras, Paris, Marseille, Lyon,
# Ajaccio, Bastia, La Réunion, Strasbourg, Rennes.
POSTAL_CODES = (
    "59000", "62000", "75008", "13001", "69003", "20000", "20200", "97400", "67000", "35000",
)  # fmt: skip
# The partners' areas, round-robin: the north, Île-de-France, the south-east, the west.
AREAS = (
    ["59", "62", "80", "02"],
    ["75", "92", "93", "94", "91", "95", "77", "78"],
    ["13", "83", "84", "06", "2A", "2B"],
    ["35", "22", "29", "56", "44"],
)


def equip(partners: list[int]) -> None:
    """Postal codes on the sites, a delivery policy per partner (set-wise)."""
    from django.db import connection

    from contracts.models import Site
    from partners.models import Certification, Course, DeliveryPolicy, Engineer, ProductLine

    with connection.cursor() as cursor:
        for index, code in enumerate(POSTAL_CODES):
            cursor.execute(
                f"UPDATE {Site._meta.db_table} SET postal_code = %s WHERE id %% %s = %s",
                [code, len(POSTAL_CODES), index],
            )
    policies = DeliveryPolicy.objects.bulk_create(
        DeliveryPolicy(
            partner_id=partner_id,
            effective_from=date(2025, 11, 1),
            created_at=datetime(2025, 11, 1, tzinfo=PARIS),
            departments=AREAS[index % len(AREAS)],
            staffed_coverage="9x5",
            hand_back_at_opening=True,
            max_open_tickets_per_engineer=3 if index % 5 == 0 else None,
        )
        for index, partner_id in enumerate(partners)
    )
    # One engineer certified on ProLiant per partner (the populated assets' line), so that
    # the programme's rules give the partner its calls and the policies decide.
    course = Course.objects.get(code="PL-ASE")
    engineers = Engineer.objects.bulk_create(
        Engineer(partner_id=partner_id, name=f"Ingénieur banc {partner_id}")
        for partner_id in partners
    )
    Certification.objects.bulk_create(
        Certification(
            engineer=engineer,
            course=course,
            passed_on=date(2025, 6, 1),
            expires_on=date(2028, 6, 1),
        )
        for engineer in engineers
    )
    declined = ProductLine.objects.get(code="3par")
    DeliveryPolicy.product_lines_declined.through.objects.bulk_create(
        DeliveryPolicy.product_lines_declined.through(
            deliverypolicy_id=policy.pk, productline_id=declined.pk
        )
        for policy in policies
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    described = on_isolated_database("servicone-bench-routing-")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from contracts.models import ContractAsset
        from partners.models import Partner
        from tickets import routing
        from tickets.bulk_routing import Call, routing_inputs
        from tickets.what_if import policy_what_if

        call_command("migrate", verbosity=0)
        print(f"== routing with delivery policies on {described}", flush=True)
        started = time.perf_counter()
        sizes = populate(args.tickets, args.partners)
        partners = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
        equip(partners)
        print(
            f"   populated {sizes['tickets']:,} tickets over {sizes['partners']} partners, "
            f"{len(POSTAL_CODES)} postal codes, a policy each, in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )

        links = list(
            ContractAsset.objects.select_related(
                "asset__site",
                "asset__product_line",
                "contract__partner__tier",
                "contract__offering__tier_to_deliver",
            ).order_by("pk")
        )
        # Calls every 7 minutes from Monday 00:00: nights, days and a weekend.
        monday = datetime(2026, 11, 23, 0, 0, tzinfo=PARIS)
        calls = [
            Call(
                links[i % len(links)].asset,
                links[i % len(links)].contract,
                links[i % len(links)].contract.offering,
                monday + timedelta(minutes=7 * i),
            )
            for i in range(args.calls)
        ]

        def route_all() -> list[routing.RoutingDecision]:
            return [routing.route(facts) for facts in routing_inputs(calls)]

        decisions = timed(f"routing {len(calls):,} calls (facts + rules)", route_all, 3)
        reasons = Counter(d.reason for d in decisions)
        print(
            "   decisions: " + ", ".join(f"{r} {n:,}" for r, n in reasons.most_common()),
            flush=True,
        )

        # scorecard.populate routes every tenth partner's tickets to CDS by the programme's
        # rules (no certified engineer): pick one whose tickets its policy decides.
        partner_id = partners[len(partners) // 2 + 3]

        site = links[[link.contract.partner_id for link in links].index(partner_id)].asset.site
        area = [site.department or "75", "59", "62", "75", "92", "13"]

        def what_if() -> routing.WhatIf:
            return policy_what_if(
                partner_id,
                departments=area,
                staffed_coverage="13x5",
                declined_line_ids=[],
                now=NOW,
            )

        outcome = timed("what-if, one partner, last 3 months", what_if, args.repeat)
        print(
            f"   would have gone: partner {outcome.partner:,}, CDS {outcome.cds:,} "
            f"({outcome.total:,} tickets; area {', '.join(sorted(set(area)))}, 13x5)",
            flush=True,
        )
        print("   target: what-if ≤ 1,000 ms with 1,000,000 tickets on PostgreSQL")
    finally:
        from django.db import connections

        connections.close_all()
        drop_postgres_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
