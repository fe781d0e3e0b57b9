"""Upper bounds on funded demand, for results that are not proved optimal.

The money bound: the most money that can flow from funders into needs that some organization may
serve, each need taking at most its budget. Up to the size where allocation uses every eligible
pair, the flow runs over those pairs with each funder's cap per need; above it, over the index's
buckets (a funder reaches a need through exactly one of the need's four buckets), a bucket
giving one need at most the sum of its funders' caps: coarser, and still valid. One C++ max
flow either way: well under a second at a city's size.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import max_flow

from .index import CandidateIndex


def money_bound(
    index: CandidateIndex,
    servable: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> int:
    """The bound in fen. `servable` marks needs some organization may serve; `pairs` are
    (need, funder, cap in fen) arrays over every eligible pair, or None to use the buckets."""
    instance = index.instance
    n, k = len(instance.needs), len(instance.funders)
    budget = np.array([need.budget_fen for need in instance.needs], dtype=np.int64)
    funds = np.array([f.budget_fen for f in instance.funders], dtype=np.int64)
    needs = np.flatnonzero(servable)
    source, sink = 0, 1
    need_node = 2 + np.arange(n)
    funder_node = 2 + n + np.arange(k)
    tails = [np.zeros(k, np.int64), need_node[needs]]
    heads = [funder_node, np.full(len(needs), sink)]
    caps = [funds, budget[needs]]
    if pairs is not None:
        need, funder, cap = pairs
        keep = servable[need]
        tails.append(funder_node[funder[keep]])
        heads.append(need_node[need[keep]])
        caps.append(cap[keep])
    else:
        buckets = index.funder_buckets()
        bucket_node = {key: 2 + n + k + b for b, key in enumerate(buckets)}
        most = {}  # what a bucket's funders can give one need together, caps included
        for key, members in buckets.items():
            tails.append(funder_node[np.asarray(members, dtype=np.int64)])
            heads.append(np.full(len(members), bucket_node[key]))
            caps.append(funds[members])
            most[key] = sum(
                min(f.budget_fen, f.max_per_need_fen or f.budget_fen)
                for f in map(instance.funders.__getitem__, members)
            )
        rows = [
            (bucket_node[key], need_node[i], min(most[key], int(budget[i])))
            for i in needs.tolist()
            for key in index.funder_keys(i)
            if key in bucket_node
        ]
        if rows:
            table = np.array(rows, dtype=np.int64)
            tails.append(table[:, 0])
            heads.append(table[:, 1])
            caps.append(table[:, 2])
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps).astype(np.int64),
    )
    if solver.solve(source, sink) != solver.OPTIMAL:
        raise RuntimeError("max flow did not finish")
    return int(solver.optimal_flow())
