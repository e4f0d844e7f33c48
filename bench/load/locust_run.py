"""One load (bench/load/run.py): locust run headless against the portal while the sweep's lag
is sampled, and its figures read back from locust's CSV and the locustfile's summary.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from due_targets import LATE_S, plant_due_targets
from population import RECOVERY_RANGE
from portal import SWEEPS, LagSampler, Portal, metric

HERE = Path(__file__).resolve().parent
LOCUST = HERE / ".venv" / "bin" / "locust"
LOCUSTFILE = HERE / "locustfile.py"
LOGIN_ALLOWANCE_S = 300  # the logins of the ramp may take this much longer than the ramp
MEASURING = "statistics reset, measuring"  # the locustfile's word that every user is in


@dataclass
class Row:
    name: str
    method: str
    requests: int
    failures: int
    rps: float
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass
class Load:
    users: int
    seconds: int
    ramp: float
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: list[tuple[str, str, int]] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    sweeps: float = 0
    planted: int = 0
    returncode: int = 0
    ended: datetime | None = None
    whole_run: bool = False  # not every user logged in: the figures include the ramp
    scrape_errors: int = 0
    locust_cpu: float = 0.0  # CPU seconds the load generator itself used, on these cores
    not_logged_in: int = 0  # virtual users whose login failed (the load ran without them)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None  # "N/A": no request of that name


def read_csv(prefix: Path, load: Load) -> None:
    with Path(f"{prefix}_stats.csv").open(newline="", encoding="utf-8") as stats:
        for line in csv.DictReader(stats):
            row = Row(
                name=line["Name"],
                method=line["Type"],
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                rps=float(line["Requests/s"]),
                p50=_number(line["50%"]),
                p95=_number(line["95%"]),
                p99=_number(line["99%"]),
            )
            if row.name == "Aggregated":
                load.total = row
            else:
                load.rows.append(row)
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open(newline="", encoding="utf-8") as rows:
            load.failures = [
                (line["Name"], line["Error"], int(line["Occurrences"]))
                for line in csv.DictReader(rows)
            ]


def run_load(
    *,
    portal: Portal,
    workdir: Path,
    label: str,
    phase: int,
    users: int,
    seconds: int,
    spawn_rate: float | None,
    due_targets: int,
    sample_every: float,
    think_scale: float,
    drain: bool,
) -> Load:
    from django.utils import timezone

    rate = spawn_rate or max(1.0, users / 20)
    ramp = users / rate
    total = int(ramp + seconds + 0.999)
    load = Load(users=users, seconds=seconds, ramp=ramp)
    load.planted = plant_due_targets(phase, due_targets, timezone.now(), total)
    prefix = workdir / f"locust-{label}"
    env = {
        **os.environ,
        "LOAD_SUMMARY_JSON": f"{prefix}_kinds.json",
        # The locustfile measures this long from the last user's login, then stops.
        "LOAD_MEASURE_SECONDS": str(seconds),
        "LOAD_THINK_SCALE": str(think_scale),
        # Second-factor codes are single use: each load has its own (population.py).
        "LOAD_RECOVERY_FIRST": str(phase * RECOVERY_RANGE),
    }
    print(
        f"   {label}: {users} users (ramp {ramp:.0f} s at {rate:g}/s, logins left out), "
        f"{seconds} s measured; {load.planted:,} SLA targets planted to fall due within "
        f"{total} s",
        flush=True,
    )
    sampler = LagSampler(portal, sample_every)
    sampler.start()
    before = metric(portal.metrics(), SWEEPS) or 0
    cpu_before = _children_cpu()
    with Path(f"{prefix}.log").open("wb") as out:
        done = subprocess.run(
            [
                str(LOCUST),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                portal.base,
                "--users",
                str(users),
                "--spawn-rate",
                f"{rate:g}",
                # A bound only: the run ends LOAD_MEASURE_SECONDS after the last login.
                "--run-time",
                f"{total + LOGIN_ALLOWANCE_S}s",
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            cwd=HERE,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=total + LOGIN_ALLOWANCE_S + 120,
            check=False,
        )
    load.ended = timezone.now()
    load.locust_cpu = _children_cpu() - cpu_before
    if drain:
        # What fell due at the very end has LATE_S to fire; the lag is still sampled.
        time.sleep(LATE_S + 2 * sample_every)
    sampler.stop()
    load.returncode = done.returncode
    load.lags = sampler.lags
    load.scrape_errors = sampler.errors
    load.sweeps = (sampler.sweeps[-1] if sampler.sweeps else before) - before
    read_csv(prefix, load)
    load.whole_run = MEASURING not in Path(f"{prefix}.log").read_text(errors="replace")
    kinds = Path(f"{prefix}_kinds.json")
    if kinds.exists():
        summary = json.loads(kinds.read_text())
        load.kinds = summary["kinds"]
        load.not_logged_in = summary["users_not_logged_in"]
    return load


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
