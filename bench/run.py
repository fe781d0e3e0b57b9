"""Benchmark of the matching library: `python -m bench.run [--scales ...] [--seeds ...]`.

Each (scale, seed) runs in its own process, so that its peak memory is its own. Per run: the
global allocation (cold: it builds its own index) with the method it used and the gap it
states, the peak memory up to the end of the allocation, the share of demand funded, and the
quality against a reference computed independently of the engine: the exact optimum of the MIP
(HiGHS, 60 s) on the tight and district scales, the maximum money flow over every eligible pair
with the caps (a bound at least as high as the LP relaxation's) on the city scale, and on the
large scale the bound the engine states. The first seed of a scale also times suggestions.
One line per scale sums its seeds up. Besides the allocation's wall time it prints the CPU
time its process used, which a busy machine changes far less.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from time import perf_counter, process_time

ROOT = Path(__file__).resolve().parent.parent
MIP_TIME_LIMIT = 60.0
SAMPLES = {"need": 100, "organization": 50, "funder": 50}
#: Seeds per scale unless --seeds says otherwise: the city and large scales take minutes each.
DEFAULT_SEEDS = {"tight": 20, "district": 20, "city": 3, "large": 1}
METHODS = ("exact", "mip", "rounded", "flow")
REFERENCES = {
    "tight": "MIP optimum",
    "district": "MIP optimum",
    "city": "flow bound >= LP",
    "large": "stated bound",
}
COLUMNS = [
    ("scale", "scale", "{}"),
    ("seeds", "seeds", "{}"),
    ("size", "needs/orgs/funders", "{}"),
    ("alloc_median_s", "alloc s median", "{:.2f}"),
    ("alloc_max_s", "alloc s max", "{:.2f}"),
    ("alloc_cpu_max_s", "alloc CPU s max", "{:.2f}"),
    ("peak_mb", "peak MB", "{:.0f}"),
    ("funded_share", "funded share", "{:.3f}"),
    ("reference", "reference", "{}"),
    ("quality_min", "quality min", "{:.4f}"),
    ("quality_median", "quality median", "{:.4f}"),
    ("at_reference", "= reference", "{}"),
    ("solver", "solver", "{}"),
    ("gap_max", "stated gap max", "{:.4f}"),
    ("violations", "violations", "{}"),
    ("suggest_p50_ms", "sugg p50 ms", "{:.2f}"),
    ("suggest_p99_ms", "sugg p99 ms", "{:.2f}"),
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _suggestions(instance, seed: int) -> tuple[float, float]:
    """p50 and p99 latency (ms) of suggestions for sampled needs, organizations, funders."""
    from matching.suggest import (
        suggest_for_funder,
        suggest_for_need,
        suggest_for_organization,
        suggest_funders_for_need,
    )

    rng = random.Random(seed)
    asks = [
        (f, item.id)
        for kind, items, calls in (
            ("need", instance.needs, (suggest_for_need, suggest_funders_for_need)),
            ("organization", instance.organizations, (suggest_for_organization,)),
            ("funder", instance.funders, (suggest_for_funder,)),
        )
        for item in rng.sample(items, min(len(items), SAMPLES[kind]))
        for f in calls
    ]
    latencies = []
    for ask, ident in asks:
        start = perf_counter()
        ask(instance, ident, 10)
        latencies.append((perf_counter() - start) * 1000)
    return _percentile(latencies, 0.5), _percentile(latencies, 0.99)


def measure(name: str, seed: int, suggestions: bool) -> dict[str, object]:
    """One seed of one scale, in this process."""
    from bench.generate import generate
    from bench.reference import funded_demand_bound, money_flow_bound
    from matching import allocate, parse_instance, verify

    instance = parse_instance(generate(name, seed))
    cpu = process_time()
    result = allocate(instance)
    cpu = process_time() - cpu
    row: dict[str, object] = {
        "needs": len(instance.needs),
        "orgs": len(instance.organizations),
        "funders": len(instance.funders),
        "seconds": result.seconds,
        "cpu_seconds": cpu,
        "peak_mb": _peak_mb(),
        "method": result.method,
        "gap": result.gap,
        "violations": len(verify(instance, result)),
        "funded_share": result.funded_fen / result.demand_fen,
    }
    if name in ("tight", "district"):
        best, message = funded_demand_bound(instance, integral=True, time_limit=MIP_TIME_LIMIT)
        row["reference_proved"] = "optimal" in message.lower()
    elif name == "city":
        best = money_flow_bound(instance)
    else:
        best = result.bound_fen
    row["quality"] = result.funded_fen / best if best else 1.0
    if suggestions:
        row["suggest_p50_ms"], row["suggest_p99_ms"] = _suggestions(instance, seed)
    return row


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def summary(name: str, runs: list[dict[str, object]]) -> dict[str, object]:
    """One line for a scale: medians, worst cases and counts over its seeds."""
    seconds = [r["seconds"] for r in runs]
    quality = [r["quality"] for r in runs]
    methods = Counter(r["method"] for r in runs)
    reference = REFERENCES[name]
    if name in ("tight", "district") and not all(r["reference_proved"] for r in runs):
        reference += " (some only bounded at 60 s)"
    return {
        "scale": name,
        "seeds": len(runs),
        "size": "/".join(_span([r[k] for r in runs]) for k in ("needs", "orgs", "funders")),
        "alloc_median_s": statistics.median(seconds),
        "alloc_max_s": max(seconds),
        "alloc_cpu_max_s": max(r["cpu_seconds"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "funded_share": statistics.median(r["funded_share"] for r in runs),
        "reference": reference,
        "quality_min": min(quality),
        "quality_median": statistics.median(quality),
        "at_reference": f"{sum(q >= 1 - 1e-9 for q in quality)}/{len(runs)}",
        "solver": " ".join(f"{m} {methods[m]}" for m in METHODS if methods[m]),
        "gap_max": max(r["gap"] for r in runs),
        "violations": sum(r["violations"] for r in runs),
        "suggest_p50_ms": runs[0]["suggest_p50_ms"],
        "suggest_p99_ms": runs[0]["suggest_p99_ms"],
    }


def table(rows: list[dict[str, object]]) -> str:
    """Rows as a Markdown table (printed, and pasted into docs/matching.md)."""
    lines = ["| " + " | ".join(title for _, title, _ in COLUMNS) + " |"]
    lines.append("|" + "|".join("---" for _ in COLUMNS) + "|")
    for row in rows:
        cells = [fmt.format(row[key]) for key, _, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _seeds(text: str | None, scales: list[str]) -> dict[str, int]:
    """`20` for every scale, or `tight=20,city=5`; the defaults fill the rest."""
    counts = {name: DEFAULT_SEEDS.get(name, 1) for name in scales}
    if text and text.isdigit():
        return dict.fromkeys(scales, int(text))
    for part in filter(None, (text or "").split(",")):
        name, _, count = part.partition("=")
        counts[name] = int(count)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scales", default="tight,district,city,large")
    parser.add_argument("--seeds", help="seeds per scale: 20, or tight=20,city=5")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one seed here, print JSON
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--suggestions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.seed, args.suggestions)))
        return 0
    scales = args.scales.split(",")
    rows = []
    for name, count in _seeds(args.seeds, scales).items():
        runs = []
        for seed in range(args.first_seed, args.first_seed + count):
            command = [sys.executable, "-m", "bench.run", "--one", name, "--seed", str(seed)]
            if not runs:
                command.append("--suggestions")
            done = subprocess.run(  # noqa: S603 (this interpreter, this module)
                command, cwd=ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return done.returncode
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            run = runs[-1]
            print(
                f"{name} seed {seed}: {run['method']} {run['seconds']:.2f} s, "
                f"quality {run['quality']:.4f}, stated gap {run['gap']:.4f}",
                flush=True,
            )
        rows.append(summary(name, runs))
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
