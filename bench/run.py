"""Benchmark of the matching library: `python -m bench.run [--scales district,city,large]`.

Each scale runs in its own process, so that its peak memory is its own. Per scale: candidate
generation (the index and every need's candidate lists: time, then peak traced memory in a
second pass), suggestion latency per item (p50/p99 over sampled needs, organizations and
funders), the global allocation (cold: it builds its own index) and its stages, the share of
demand funded, and the quality ratio against a reference: the exact MIP optimum where it is
quick (district), the maximum money flow, a valid upper bound at least as high as the LP
relaxation's (city), and at large scale the money on offer.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
MIP_TIME_LIMIT = 60.0
SAMPLES = {"need": 100, "organization": 50, "funder": 50}
COLUMNS = [
    ("scale", "scale", "{}"),
    ("size", "needs/orgs/funders", "{}"),
    ("candidates_s", "cand s", "{:.2f}"),
    ("candidates_mb", "cand MB", "{:.0f}"),
    ("suggest_p50_ms", "sugg p50 ms", "{:.2f}"),
    ("suggest_p99_ms", "sugg p99 ms", "{:.2f}"),
    ("allocate_s", "alloc s", "{:.2f}"),
    ("stages", "cand/rounds/polish s", "{}"),
    ("rounds", "rounds", "{}"),
    ("funded_share", "funded share", "{:.3f}"),
    ("reference", "reference", "{}"),
    ("quality", "quality", "{:.4f}"),
    ("violations", "violations", "{}"),
    ("peak_mb", "peak MB", "{:.0f}"),
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(name: str, seed: int) -> dict[str, object]:
    """One scale, in this process."""
    from bench.generate import generate
    from bench.reference import funded_demand_bound, money_flow_bound
    from matching import Instance, allocate, index_for, parse_instance, verify
    from matching.allocation import FUNDER_LIMIT, ORG_LIMIT
    from matching.suggest import (
        suggest_for_funder,
        suggest_for_need,
        suggest_for_organization,
        suggest_funders_for_need,
    )

    instance = parse_instance(generate(name, seed))
    row: dict[str, object] = {
        "scale": name,
        "size": f"{len(instance.needs)}/{len(instance.organizations)}/{len(instance.funders)}",
    }
    timings: dict[str, float] = {}
    result = allocate(instance, timings=timings)
    row["allocate_s"] = result.seconds
    row["rounds"] = int(timings["rounds_run"])
    row["violations"] = len(verify(instance, result))
    row["funded_share"] = result.funded_fen / result.demand_fen

    row["stages"] = "/".join(f"{timings[k]:.2f}" for k in ("candidates", "rounds", "polish"))

    def candidates(instance: Instance) -> list[tuple[list[int], list[int]]]:
        index = index_for(instance)
        return [
            (index.orgs_for(i, ORG_LIMIT), index.funders_for(i, FUNDER_LIMIT))
            for i in range(len(instance.needs))
        ]

    fresh = parse_instance(generate(name, seed))
    start = perf_counter()
    candidates(fresh)
    row["candidates_s"] = perf_counter() - start
    tracemalloc.start()
    candidates(parse_instance(generate(name, seed)))
    row["candidates_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    rng = random.Random(seed)
    asks = [
        (f, item.id)
        for kind, items, calls in (
            ("need", fresh.needs, (suggest_for_need, suggest_funders_for_need)),
            ("organization", fresh.organizations, (suggest_for_organization,)),
            ("funder", fresh.funders, (suggest_for_funder,)),
        )
        for item in rng.sample(items, min(len(items), SAMPLES[kind]))
        for f in calls
    ]
    latencies = []
    for ask, ident in asks:
        start = perf_counter()
        ask(fresh, ident, 10)
        latencies.append((perf_counter() - start) * 1000)
    row["suggest_p50_ms"] = _percentile(latencies, 0.5)
    row["suggest_p99_ms"] = _percentile(latencies, 0.99)

    if name == "district":
        best, _ = funded_demand_bound(instance, integral=True, time_limit=MIP_TIME_LIMIT)
        row["reference"] = "MIP optimum"
    elif name == "city":
        best = money_flow_bound(instance)
        row["reference"] = "flow bound >= LP"
    else:
        best = min(result.demand_fen, sum(f.budget_fen for f in instance.funders))
        row["reference"] = "money offered"
    row["quality"] = result.funded_fen / best
    row["peak_mb"] = _peak_mb()
    return row


def table(rows: list[dict[str, object]]) -> str:
    """Rows as a Markdown table (printed, and pasted into docs/matching.md)."""
    lines = ["| " + " | ".join(title for _, title, _ in COLUMNS) + " |"]
    lines.append("|" + "|".join("---" for _ in COLUMNS) + "|")
    for row in rows:
        cells = [fmt.format(row[key]) for key, _, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scales", default="district,city,large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one scale here, print JSON
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.seed)))
        return 0
    rows = []
    for name in args.scales.split(","):
        done = subprocess.run(  # noqa: S603 (this interpreter, this module)
            [sys.executable, "-m", "bench.run", "--one", name, "--seed", str(args.seed)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        rows.append(json.loads(done.stdout))
        print(table(rows[-1:]), flush=True)
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
