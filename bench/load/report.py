"""What a load printed (bench/load/run.py): each request type, kind and the whole beside the
targets, the sweep's lag, the exactly-once check and the steps; and whether the targets
were met.
"""

from __future__ import annotations

from due_targets import LATE_S, Exactness
from locust_run import Load

TARGET_PAGE_MS = 300
TARGET_API_MS = 150
TARGET_LAG_S = 60


def target_of(name: str, method: str) -> float | None:
    if name.startswith("page:"):
        return TARGET_PAGE_MS
    if name.startswith("api:") and method == "GET":
        return TARGET_API_MS
    return None


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def verdict(p95: float | None, target: float | None, failures: int) -> str:
    if target is None:
        return "" if not failures else "ERRORS"
    met = p95 is not None and p95 <= target and not failures
    return f"p95 ≤ {target:.0f} ms, 0 errors: " + ("met" if met else "NOT met")


def print_load(load: Load) -> None:
    width = max([len(r.name) for r in load.rows] + [24])
    print(
        f"   {'request':<{width}} {'count':>7} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'errors':>6}  target"
    )
    order = ("page:", "post:", "api:", "api post:")
    rows = sorted(
        load.rows,
        key=lambda r: (next((i for i, p in enumerate(order) if r.name.startswith(p)), 9), r.name),
    )
    for r in rows:
        if not r.requests and not r.failures:
            continue  # only during the ramp (left out)
        print(
            f"   {r.name:<{width}} {r.requests:>7,} {r.rps:>6.1f} {ms(r.p50):>6} {ms(r.p95):>6} "
            f"{ms(r.p99):>6} {r.failures:>6}  {verdict(r.p95, target_of(r.name, r.method), r.failures)}"
        )
    for kind, k in load.kinds.items():
        target = {"pages": TARGET_PAGE_MS, "API reads": TARGET_API_MS}.get(kind)
        print(
            f"   {'= ' + kind:<{width}} {int(k['requests']):>7,} {k['rps']:>6.1f} "
            f"{ms(k['p50']):>6} {ms(k['p95']):>6} {ms(k['p99']):>6} {int(k['failures']):>6}  "
            f"{verdict(k['p95'], target, int(k['failures']))}"
        )
    if load.total is not None:
        t = load.total
        print(
            f"   {'= overall':<{width}} {t.requests:>7,} {t.rps:>6.1f} {ms(t.p50):>6} "
            f"{ms(t.p95):>6} {ms(t.p99):>6} {t.failures:>6}  0 errors: "
            + ("met" if not t.failures else "NOT met")
        )
    print(
        "   (times in ms; p50/p95/p99 from locust's histogram, 2 significant digits; locust "
        f"itself used {load.locust_cpu:.0f} CPU-s of these cores over the whole run)"
    )
    if load.whole_run:
        print("   WARNING: not every user logged in: these figures include the ramp")
    if load.not_logged_in:
        print(f"   ERROR: {load.not_logged_in} virtual users could not log in and did not run")
    print_failures(load, limit=10)
    if load.returncode not in (0, 1):  # 1: locust saw failures, printed above
        print(f"   locust exited with {load.returncode}: see its log (--keep keeps it)")


def met(load: Load) -> bool:
    """Every target of the issue, for this load (the exit status says it)."""
    if load.total is None or load.total.failures or load.not_logged_in or not load.lags:
        return False
    for kind, target in (("pages", TARGET_PAGE_MS), ("API reads", TARGET_API_MS)):
        p95 = load.kinds.get(kind, {}).get("p95")
        if p95 is None or p95 > target:
            return False
    return max(load.lags) < TARGET_LAG_S


def print_lag(load: Load, every: float) -> None:
    if not load.lags:
        print("   SLA sweep lag: no sample read from /metrics")
        return
    worst = max(load.lags)
    print(
        f"   SLA sweep lag: max {worst:.0f} s over {len(load.lags)} samples (every {every:g} s), "
        f"mean {sum(load.lags) / len(load.lags):.1f} s; {load.sweeps:.0f} sweep tasks ran; "
        f"target < {TARGET_LAG_S} s: " + ("met" if worst < TARGET_LAG_S else "NOT met")
    )
    if load.scrape_errors:
        print(f"   ({load.scrape_errors} scrapes of /metrics failed)")


def print_exactness(check: Exactness) -> None:
    print(
        f"   exactly once (database): {check.fired:,} SLA events and {check.fallbacks:,} "
        f"ownership fall-backs fired; {check.expected:,} planted events were due by the end "
        f"of the load: {check.missing} not fired, the others {check.p95_late:.0f} s late at "
        f"p95, {check.max_late:.0f} s at most"
    )
    print(
        f"   due more than {LATE_S} s ago and not fired: {check.late_targets} targets, "
        f"{check.late_fallbacks} fall-backs; fired twice: {check.twice} (ticket, target, event), "
        f"{check.fallbacks_twice} fall-backs; target 0 each: " + ("met" if check.ok else "NOT met")
    )


def print_steps(steps: list[Load]) -> None:
    print(
        f"   {'users':>5} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6} "
        f"{'p95 pages':>9} {'p95 API':>8} {'max lag':>8}   (times in ms, overall unless named)"
    )
    crossed = None
    for load in steps:
        t = load.total
        if t is None:
            print(f"   {load.users:>5} (no figures: see the locust log)")
            continue
        pages = load.kinds.get("pages", {}).get("p95")
        api = load.kinds.get("API reads", {}).get("p95")
        lag = f"{max(load.lags):.0f} s" if load.lags else "—"
        print(
            f"   {load.users:>5} {t.rps:>6.1f} {ms(t.p50):>6} {ms(t.p95):>6} {ms(t.p99):>6} "
            f"{t.failures:>6} {ms(pages):>9} {ms(api):>8} {lag:>8}"
            + ("   (not every user logged in: includes the ramp)" if load.whole_run else "")
            + (f"   ({load.not_logged_in} users could not log in)" if load.not_logged_in else "")
        )
        if crossed is None and t.p95 is not None and t.p95 > 1000:
            crossed = load.users
    if crossed is None:
        print(f"   overall p95 stays ≤ 1 s up to {steps[-1].users} users")
    else:
        print(f"   overall p95 crosses 1 s at {crossed} users")
    for load in steps:
        print_failures(load, limit=5, where=f"{load.users} users, ")


def print_failures(load: Load, *, limit: int, where: str = "") -> None:
    """The load's first failures by request type, with locust's error text."""
    for name, error, count in load.failures[:limit]:
        print(f"   {where}error ×{count}: {name}: {error[:160]}")
