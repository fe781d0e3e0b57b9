"""The funded set as a mixed-integer program, solved by HiGHS (through `scipy.optimize.milp`).

Variables over the candidate edges of the staged flow: x_i in {0, 1} funds need i, y_ij in
[0, 1] is organization j's share of need i, z_if in [0, cap_if] is funder f's money for need i:

    maximise  sum b_i x_i                      (funded demand, in money units)
    subject   sum_j y_ij = x_i                 (one organization for a funded need)
              sum_f z_if = b_i x_i             (exactly its budget)
              z_if <= cap_if x_i               (per-need caps: a tighter relaxation)
              sum_i y_ij <= capacity_j,  sum_i z_if <= budget_f
              sum b_i x_i >= floor             (the staged flow's value: prunes the search)

Given integral x, the rest is a transportation problem with integer data, so only x needs to be
integral and the staged flow's polish recovers an integral assignment. The solver stops at the
time limit with its best solution and its dual bound, both of which the caller reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack

#: Above this many columns the program is not tried: building it alone would eat the budget.
MAX_COLUMNS = 400_000
#: Below this many seconds left, the solver is not started.
MIN_SECONDS = 0.05
#: Values within this of an integer are that integer (HiGHS's own feasibility tolerance).
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Solved:
    """What the solver found: the funded needs (when it has a solution), whether it proved
    them optimal, and the best upper bound on funded demand it proved (money units)."""

    funded: np.ndarray | None
    optimal: bool
    bound: int | None
    #: The funded set is the rounding of the relaxation (the program found nothing better).
    rounded: bool = False


def _groups(need: np.ndarray, other: np.ndarray, mergeable: np.ndarray) -> np.ndarray:
    """A group number per edge: members of one side that reach the same needs (and are
    `mergeable`) share a group, the others keep one each. Merging is exact where an edge's only
    limits are the group's total and the need's own demand: a need takes one organization slot,
    and funders whose caps per need do not bind pool their money."""
    order = np.lexsort((need, other))
    sorted_other = other[order]
    starts = np.flatnonzero(np.r_[True, sorted_other[1:] != sorted_other[:-1]])
    keys: dict[object, int] = {}
    group_of: dict[int, int] = {}
    for member, reach in zip(
        sorted_other[starts].tolist(), np.split(need[order], starts[1:]), strict=True
    ):
        key = reach.tobytes() if mergeable[member] else ("own", member)
        group_of[member] = keys.setdefault(key, len(keys))
    return np.fromiter((group_of[o] for o in other.tolist()), dtype=np.int64, count=len(other))


def _pool(other: np.ndarray, group: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Each group's capacity: the sum of its members' (each counted once)."""
    if not len(other):
        return np.zeros(0, dtype=np.int64)
    members, first = np.unique(other, return_index=True)
    total = np.bincount(group[first], weights=capacity[members], minlength=group.max() + 1)
    return total.astype(np.int64)


def _collapse(
    need: np.ndarray, group: np.ndarray, amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One edge per (need, group), with the sum of the members' amounts."""
    pairs, inverse = np.unique(np.stack([need, group]), axis=1, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=amount, minlength=pairs.shape[1])
    return pairs[0], pairs[1], total.astype(np.int64)


def solve(
    budget: np.ndarray,
    eligible: np.ndarray,
    org_edges: tuple[np.ndarray, np.ndarray],
    org_cap: np.ndarray,
    fund_edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    fund_cap: np.ndarray,
    floor: int,
    seconds: float,
    rounding: Callable[[np.ndarray], np.ndarray | None] | None = None,
) -> Solved | None:
    """Solve the program over eligible needs; None when it is too large or there is no time.
    `org_edges` are (need, organization) arrays, `fund_edges` (need, funder, cap) arrays.
    With `rounding`, the relaxation is solved first and its values per need given to it; a
    feasible set it returns that beats `floor` raises the floor (and is kept if the program
    finds nothing in time)."""
    needs = np.flatnonzero(eligible)
    if len(needs) == 0 or seconds < MIN_SECONDS:
        return None
    o_need, o_org = org_edges
    group = _groups(o_need, o_org, np.ones(len(org_cap), dtype=bool))
    org_cap = _pool(o_org, group, org_cap)
    o_need, o_org, _ = _collapse(o_need, group, np.ones(len(o_need)))
    f_need, f_funder, f_cap = fund_edges
    binding = f_cap < np.minimum(budget[f_need], fund_cap[f_funder])
    pooled = np.ones(len(fund_cap), dtype=bool)
    pooled[f_funder[binding]] = False
    group = _groups(f_need, f_funder, pooled)
    fund_cap = _pool(f_funder, group, fund_cap)
    f_need, f_funder, f_cap = _collapse(f_need, group, f_cap)
    f_cap = np.minimum(f_cap, budget[f_need])
    m, p, q = len(needs), len(o_need), len(f_need)
    if m + p + q > MAX_COLUMNS:
        return None
    col = np.full(len(budget), -1, dtype=np.int64)
    col[needs] = np.arange(m)
    y0, z0 = m, m + p
    b = budget[needs].astype(float)

    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    rows_used = 0

    def add(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, count: int) -> int:
        nonlocal rows_used
        blocks.append((rows + rows_used, cols, vals))
        first = rows_used
        rows_used += count
        return first

    # one organization per funded need: sum_j y_ij - x_i = 0
    add(
        np.concatenate([col[o_need], np.arange(m)]),
        np.concatenate([y0 + np.arange(p), np.arange(m)]),
        np.concatenate([np.ones(p), -np.ones(m)]),
        m,
    )
    # exactly its budget: sum_f z_if - b_i x_i = 0
    add(
        np.concatenate([col[f_need], np.arange(m)]),
        np.concatenate([z0 + np.arange(q), np.arange(m)]),
        np.concatenate([np.ones(q), -b]),
        m,
    )
    # per-need caps that bind: z_if - cap_if x_i <= 0
    tight = np.flatnonzero(f_cap < budget[f_need])
    t = len(tight)
    add(
        np.concatenate([np.arange(t), np.arange(t)]),
        np.concatenate([z0 + tight, col[f_need[tight]]]),
        np.concatenate([np.ones(t), -f_cap[tight].astype(float)]),
        t,
    )
    # organization capacity and funder budgets
    orgs, org_row = np.unique(o_org, return_inverse=True)
    add(org_row, y0 + np.arange(p), np.ones(p), len(orgs))
    funders, funder_row = np.unique(f_funder, return_inverse=True)
    add(funder_row, z0 + np.arange(q), np.ones(q), len(funders))
    rows, cols, vals = (np.concatenate(parts) for parts in zip(*blocks, strict=True))
    matrix = coo_matrix((vals, (rows, cols)), shape=(rows_used, m + p + q)).tocsr()
    low = np.concatenate([np.zeros(2 * m), np.full(t + len(orgs) + len(funders), -np.inf)])
    high = np.concatenate(
        [np.zeros(2 * m + t), org_cap[orgs].astype(float), fund_cap[funders].astype(float)]
    )
    bounds = Bounds(np.zeros(m + p + q), np.concatenate([np.ones(m + p), f_cap.astype(float)]))
    objective = -np.concatenate([b, np.zeros(p + q)])
    started = perf_counter()

    def run(integral: bool, floor: int, limit: float):
        """HiGHS on the program, with funded demand at least `floor`."""
        floor_row = csr_matrix(np.concatenate([b, np.zeros(p + q)]))
        return milp(
            objective,
            constraints=LinearConstraint(
                vstack([matrix, floor_row]), np.r_[low, floor], np.r_[high, np.inf]
            ),
            integrality=np.concatenate([np.full(m, float(integral)), np.zeros(p + q)]),
            bounds=bounds,
            options={"time_limit": max(limit, MIN_SECONDS), "mip_rel_gap": 0.0, "disp": False},
        )

    rounded = None
    if rounding is not None:
        relaxed = run(False, floor, seconds / 2)
        if relaxed.x is not None:
            lp = np.zeros(len(budget))
            lp[needs] = relaxed.x[:m]
            rounded = rounding(lp)
            if rounded is not None and int(budget[rounded].sum()) > floor:
                floor = int(budget[rounded].sum())
            else:
                rounded = None
    result = run(True, floor, seconds - (perf_counter() - started))
    bound = getattr(result, "mip_dual_bound", None)
    proved = None if bound is None or not np.isfinite(bound) else int(-bound + TOLERANCE)
    if result.x is None:
        return Solved(rounded, False, proved, rounded is not None)
    funded = np.zeros(len(budget), dtype=bool)
    funded[needs] = result.x[:m] > 0.5
    value = int(budget[funded].sum())
    optimal = result.status == 0
    return Solved(funded, optimal, value if optimal else proved)
