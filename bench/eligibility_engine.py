"""Benchmark of the eligibility engine: 10,000 partners, ~5 certifications each, 4 tiers.

Run with `.venv/bin/python bench/eligibility_engine.py [partners]`.

Two ways of evaluating everyone are timed (best of 3 runs each):

* sweep: each evaluation is reduced to what the scheduled job stores (the highest tier)
  and dropped, as the batched sweep does;
* hold: every Evaluation is kept in a list, as a page or an export that renders them
  all would. Holding ~300,000 live objects makes Python's cyclic GC rescan them as
  the list grows, which is why this figure is higher.

Peak memory is measured separately under tracemalloc (tracing slows Python down). The
script also times `tier_at_risk` for the highest tier each partner holds.
"""

import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partners.eligibility import (
    Approval,
    Certification,
    PartnerSnapshot,
    Requirement,
    RevenueEntry,
    Tier,
    evaluate,
    tier_at_risk,
)

ON = date(2026, 11, 26)
COURSES = ("HPE-SVC", "3PAR-ADV", "SYNERGY", "ARUBA-CX", "PROACTIVE")
COURSE_WEIGHTS = (40, 25, 15, 10, 10)
TIERS = (
    Tier("registered", "Registered", 0, False),
    Tier("sell", "Sell", 1, False, (Requirement("min_revenue", amount_eur=Decimal("10000")),)),
    Tier(
        "deliver",
        "Deliver",
        2,
        False,
        (
            Requirement("previous_tier", tier_code="sell", tier_name="Sell"),
            Requirement(
                "course", course_code="HPE-SVC", course_name="HPE Services", min_engineers=2
            ),
            Requirement("min_revenue", amount_eur=Decimal("50000")),
        ),
    ),
    Tier(
        "expert",
        "Expert",
        3,
        True,
        (
            Requirement("previous_tier", tier_code="deliver", tier_name="Deliver"),
            Requirement(
                "course", course_code="3PAR-ADV", course_name="3PAR StoreServ", min_engineers=2
            ),
            Requirement("course", course_code="SYNERGY", course_name="Synergy", min_engineers=1),
        ),
    ),
)


def build_snapshots(count: int, seed: int = 20261126) -> list[PartnerSnapshot]:
    rng = random.Random(seed)
    snapshots = []
    for partner_id in range(1, count + 1):
        engineers = rng.randint(1, 4)
        certifications = []
        for _ in range(rng.randint(3, 7)):
            engineer = rng.randint(1, engineers)
            passed_on = ON - timedelta(days=rng.randint(0, 1000))
            certifications.append(
                Certification(
                    engineer_id=partner_id * 10 + engineer,
                    engineer_name=f"Ingénieur {partner_id}-{engineer}",
                    course_code=rng.choices(COURSES, COURSE_WEIGHTS)[0],
                    passed_on=passed_on,
                    expires_on=passed_on + timedelta(days=rng.choice((730, 1095))),
                )
            )
        entries = tuple(
            RevenueEntry(
                amount_eur=Decimal(rng.randint(50_000, 2_000_000)) / 100,
                booked_on=ON - timedelta(days=rng.randint(-30, 500)),
            )
            for _ in range(rng.randint(0, 8))
        )
        approvals = (
            (Approval("expert", ON + timedelta(days=rng.randint(-200, 500))),)
            if rng.random() < 0.5
            else ()
        )
        snapshots.append(
            PartnerSnapshot(
                partner_id=partner_id,
                declared_revenue_12m_eur=Decimal(rng.randint(0, 6_000_000)) / 100,
                revenue_entries=entries,
                certifications=tuple(certifications),
                approvals=approvals,
            )
        )
    return snapshots


def sweep(snapshots: list[PartnerSnapshot]) -> list[str]:
    tiers_held = []
    for snapshot in snapshots:
        highest = evaluate(snapshot, TIERS, ON).highest_eligible
        tiers_held.append(highest.code if highest else "")
    return tiers_held


def hold(snapshots: list[PartnerSnapshot]) -> list[object]:
    return [evaluate(snapshot, TIERS, ON) for snapshot in snapshots]


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """Best (wall, CPU) seconds over `runs` runs; CPU time shows through a busy machine."""
    timings = []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        timings.append((time.perf_counter() - started, time.process_time() - started_cpu))
        del result
    return min(timings)


def peak_mib(work: Callable[[], object]) -> float:
    tracemalloc.start()
    result = work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak / 1024 / 1024


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    snapshots = build_snapshots(count)
    certifications = sum(len(s.certifications) for s in snapshots)
    held = Counter(sweep(snapshots))

    sweep_s, sweep_cpu = best_of(3, lambda: sweep(snapshots))
    hold_s, hold_cpu = best_of(3, lambda: hold(snapshots))
    sweep_peak = peak_mib(lambda: sweep(snapshots))
    hold_peak = peak_mib(lambda: hold(snapshots))

    started, started_cpu = time.perf_counter(), time.process_time()
    at_risk = 0
    for snapshot in snapshots:
        highest = evaluate(snapshot, TIERS, ON).highest_eligible
        if highest is not None and highest.rank > 0:
            at_risk += tier_at_risk(snapshot, TIERS, ON, highest.code) is not None
    risk_s, risk_cpu = time.perf_counter() - started, time.process_time() - started_cpu

    print(f"partners: {count:,}  certifications: {certifications:,}  tiers: {len(TIERS)}")
    print("highest tier held: " + ", ".join(f"{t.code} {held[t.code]:,}" for t in TIERS))
    print(
        f"evaluate, sweep: {sweep_s * 1000:.0f} ms wall, {sweep_cpu * 1000:.0f} ms CPU "
        f"({sweep_s / count * 1e6:.1f} µs per partner), peak {sweep_peak:.1f} MiB"
    )
    print(
        f"evaluate, hold all: {hold_s * 1000:.0f} ms wall, {hold_cpu * 1000:.0f} ms CPU "
        f"({hold_s / count * 1e6:.1f} µs per partner), peak {hold_peak:.1f} MiB"
    )
    print(
        f"evaluate + tier_at_risk of the highest tier held: {risk_s * 1000:.0f} ms wall, "
        f"{risk_cpu * 1000:.0f} ms CPU; {at_risk:,} partners would lose a tier within 730 days"
    )


if __name__ == "__main__":
    main()
