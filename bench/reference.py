"""Reference optima for the allocation's primary objective (funded demand).

The exact problem as a mixed-integer program over every eligible pair: x_n in {0, 1} funds need n,
y organization shares, z money. Given x, the rest is a flow problem with integer data, so only x
needs to be integral. Relaxing x to [0, 1] gives the LP bound used where the MIP is too slow.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from ortools.graph.python import max_flow
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from matching.index import CandidateIndex
from matching.types import Instance


def funded_demand_bound(
    instance: Instance, integral: bool, time_limit: float = 120.0
) -> tuple[float, str]:
    """Best funded demand in fen (MIP: the optimum or the best bound at the time limit; LP: the
    relaxation's optimum) and the solver's status message."""
    index = CandidateIndex(instance)
    needs, funders = instance.needs, instance.funders
    unit = gcd(*(n.budget_fen for n in needs))
    n = len(needs)
    org_pairs = [(i, o) for i in range(n) for o in index.orgs_for(i)]
    money_pairs = [(i, f) for i in range(n) for f in index.funders_for(i)]
    y0, z0 = n, n + len(org_pairs)
    width = z0 + len(money_pairs)
    rows, cols, vals, low, high = [], [], [], [], []

    def constraint(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        row = len(low)
        for col, val in entries:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        low.append(lo)
        high.append(hi)

    by_need_org: list[list[int]] = [[] for _ in range(n)]
    by_org: dict[int, list[int]] = {}
    for k, (i, o) in enumerate(org_pairs):
        by_need_org[i].append(y0 + k)
        by_org.setdefault(o, []).append(y0 + k)
    by_need_money: list[list[int]] = [[] for _ in range(n)]
    by_funder: dict[int, list[int]] = {}
    upper = np.ones(width)
    budget = [need.budget_fen // unit for need in needs]
    for k, (i, f) in enumerate(money_pairs):
        cap = min(funders[f].cap_for(needs[i]), funders[f].budget_fen) // unit
        upper[z0 + k] = cap
        by_need_money[i].append(z0 + k)
        by_funder.setdefault(f, []).append(z0 + k)
        if cap < budget[i]:
            constraint([(z0 + k, 1.0), (i, -cap)], -np.inf, 0.0)
    for i in range(n):
        constraint([(c, 1.0) for c in by_need_org[i]] + [(i, -1.0)], 0.0, 0.0)
        constraint([(c, 1.0) for c in by_need_money[i]] + [(i, -budget[i])], 0.0, 0.0)
    for o, columns in by_org.items():
        constraint([(c, 1.0) for c in columns], -np.inf, instance.organizations[o].capacity)
    for f, columns in by_funder.items():
        constraint([(c, 1.0) for c in columns], -np.inf, funders[f].budget_fen // unit)
    matrix = coo_matrix((vals, (rows, cols)), shape=(len(low), width)).tocsr()
    objective = np.zeros(width)
    objective[:n] = -np.array(budget, dtype=float)
    integrality = np.zeros(width)
    if integral:
        integrality[:n] = 1
    result = milp(
        objective,
        constraints=LinearConstraint(matrix, low, high),
        integrality=integrality,
        bounds=Bounds(np.zeros(width), upper),
        options={"time_limit": time_limit, "disp": False},
    )
    if integral and result.status == 1 and getattr(result, "mip_dual_bound", None) is not None:
        return -result.mip_dual_bound * unit, result.message
    return -result.fun * unit, result.message


def money_flow_bound(instance: Instance) -> float:
    """Most money (fen) that can flow from funders into needs some organization may serve:
    an upper bound on funded demand."""
    index = CandidateIndex(instance)
    needs, funders = instance.needs, instance.funders
    n = len(needs)
    source, sink = n + len(funders), n + len(funders) + 1
    tails, heads, caps = [], [], []
    for i, need in enumerate(needs):
        if not index.orgs_for(i, 1):
            continue
        for f in index.funders_for(i):
            tails.append(n + f)
            heads.append(i)
            caps.append(min(funders[f].cap_for(need), funders[f].budget_fen))
        tails.append(i)
        heads.append(sink)
        caps.append(need.budget_fen)
    for f, funder in enumerate(funders):
        tails.append(source)
        heads.append(n + f)
        caps.append(funder.budget_fen)
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32), np.array(caps, np.int64)
    )
    if solver.solve(source, sink) != solver.OPTIMAL:
        raise RuntimeError("max flow did not finish")
    return float(solver.optimal_flow())
