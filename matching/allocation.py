"""Global allocation: which (need, organization, funders) pairings fund the most demand.

Funding a need takes two resources at once (one organization slot and exactly its budget in
money), which makes the exact problem an integer program. Instead, staged min-cost flows:

1. organizations -> needs, a capacitated assignment that prefers large budgets, then fit;
2. funders -> needs that got an organization, a maximum flow of money in which needs are filled
   in priority order, so that at most a few needs per group of funders end up partly funded;
3. partly funded needs are dropped and their money reused, and needs left without money give up
   their organization to needs without one; repeat until no need is partly funded;
4. a greedy repair funds needs that fit in the leftover capacity and money;
5. where the instance is small enough, an exact program (`exact.py`, HiGHS): its relaxation is
   rounded (LP-guided, each need kept if the set stays feasible), and the program starts from
   the better of that and the flows' value and, within the time budget, proves it optimal or
   finds a better funded set;
6. with the funded set fixed, organizations and money are re-assigned for the best fit.

Every result states how it was found (`exact`, `mip`, `rounded` or `flow`) and the best upper
bound on funded demand known: the optimum itself, the program's dual bound, or the money bound
of `bounds.py`.

Each stage is a flow over the candidate edges of the index (a few dozen per need), so a round
costs one C++ min-cost flow over O(needs) arcs; rounds are bounded. Money is counted in units of
the greatest common divisor of all budgets and caps, so flows carry small integers, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise
from math import gcd
from time import perf_counter

import numpy as np

from . import exact
from .bounds import money_bound
from .explain import Reason
from .flow import FlowError, min_cost_flow
from .index import CandidateIndex, index_for
from .scoring import FIT_SCALE, funder_fit, org_fit
from .types import Funding, Instance, Pairing, Result, Unfunded

ORG_LIMIT = 24  # candidate organizations per need, on instances with many needs
FUNDER_LIMIT = (48, 96)  # candidate funders per need: money must reach far to be spent ...
FUNDER_EDGES = 800_000  # ... so each need gets this many over the needs, within the limits
EXACT_UP_TO = 2000  # needs; up to this many, every eligible pair is an edge and both orders run
POLISH_UP_TO = 20_000  # needs; above, the polish for fit would cost a fifth of the time
MAX_ROUNDS = 30
PATIENCE = 1  # rounds without a better funded demand before stopping
MIN_GAIN = 1e-3  # a round must add this share of funded demand to count as better
BUDGET_SCALE = 1000  # budget weight of a need in the organization stage: 1..1000
ORG_SHARE = 0.75  # weight of the organization's fit in a pairing's score; the rest is funders'
TIME_LIMIT = 2.0  # seconds an allocation may take when an exact program is tried
RESERVE = 0.25  # seconds of the limit kept for what follows the program (and its overrun)


def funders_per_need(needs: int) -> int:
    """Candidate funders per need above EXACT_UP_TO needs: 96 at a city's size (8,000 needs),
    falling to 48 by 16,700 needs, so that the funding edges stay near FUNDER_EDGES."""
    low, high = FUNDER_LIMIT
    return max(low, min(high, FUNDER_EDGES // max(needs, 1)))


@dataclass
class _Edges:
    """Candidate edges as parallel arrays: need position, other end, capacity, integer cost."""

    need: np.ndarray
    other: np.ndarray
    cap: np.ndarray
    cost: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[int, int, int, int]]) -> _Edges:
        table = np.array(rows, dtype=np.int64).reshape(-1, 4)
        return cls(table[:, 0], table[:, 1], table[:, 2], table[:, 3])

    def where(self, mask: np.ndarray) -> _Edges:
        return _Edges(self.need[mask], self.other[mask], self.cap[mask], self.cost[mask])


class _Problem:
    """Candidate edges and resources of one instance, in integer units."""

    def __init__(self, instance: Instance, index: CandidateIndex, backend: str) -> None:
        self.instance = instance
        self.backend = backend
        needs, orgs, funders = instance.needs, instance.organizations, instance.funders
        self.n = len(needs)
        amounts = [n.budget_fen for n in needs] + [f.budget_fen for f in funders]
        amounts += [f.max_per_need_fen for f in funders if f.max_per_need_fen is not None]
        self.unit = gcd(*amounts) or 1  # every amount is a whole number of units: no rounding
        self.budget = np.array([n.budget_fen // self.unit for n in needs], dtype=np.int64)
        self.org_cap = np.array([o.capacity for o in orgs], dtype=np.int64)
        self.fund_cap = np.array([f.budget_fen // self.unit for f in funders], dtype=np.int64)
        org_limit, funder_limit = (
            (None, None) if self.n <= EXACT_UP_TO else (ORG_LIMIT, funders_per_need(self.n))
        )
        org_rows, fund_rows = [], []
        self.why: dict[int, Reason] = {}  # needs that cannot be funded whatever the others get
        for i, need in enumerate(needs):
            cand_orgs = index.orgs_for(i, org_limit)
            cand_funders = index.funders_for(i, funder_limit)
            caps = [
                min(funders[f].cap_for(need), funders[f].budget_fen) // self.unit
                for f in cand_funders
            ]
            if not cand_orgs:
                self.why[i] = _no_org(instance, i)
            elif not cand_funders:
                self.why[i] = Reason(
                    "no_funder", {"category": need.category, "street": need.street}
                )
            elif sum(caps) < self.budget[i]:
                most = sum(
                    min(f.cap_for(need), f.budget_fen)
                    for f in map(funders.__getitem__, index.funders_for(i))
                )
                if most < need.budget_fen:
                    self.why[i] = Reason(
                        "funders_short", {"amount": most, "budget": need.budget_fen}
                    )
                else:
                    self.why[i] = Reason("budgets_spent", {})
            if i in self.why:
                continue
            for o in cand_orgs:
                fit = org_fit(need, orgs[o])[0]
                org_rows.append((i, o, 1, -round(FIT_SCALE * fit)))
            for f, cap in zip(cand_funders, caps, strict=True):
                if cap > 0:
                    pref = funder_fit(need, funders[f])[0]
                    fund_rows.append((i, f, cap, FIT_SCALE - round(FIT_SCALE * pref)))
        self.org_edges = _Edges.of(org_rows)
        self.fund_edges = _Edges.of(fund_rows)
        self.eligible = np.ones(self.n, dtype=bool)
        self.eligible[list(self.why)] = False
        self.servable = np.ones(self.n, dtype=bool)  # some organization may serve the need
        self.servable[[i for i, why in self.why.items() if why.code in NO_ORG]] = False
        self.all_pairs = org_limit is None
        self.short_of_money = np.zeros(self.n, dtype=bool)  # had an organization, lacked money
        self.rounds_run = 0
        top = int(self.budget.max()) if self.n else 1
        self.weight = np.maximum(1, self.budget * BUDGET_SCALE // top) * (FIT_SCALE + 1)

    # Node numbering shared by the flows: source, sink, needs, then organizations or funders.
    SOURCE, SINK, FIRST = 0, 1, 2

    def _flow(self, arcs: list[tuple[np.ndarray, ...]], supplies: dict[int, int]) -> np.ndarray:
        tails, heads, caps, costs = (np.concatenate(parts) for parts in zip(*arcs, strict=True))
        return min_cost_flow(tails, heads, caps, costs, supplies, self.backend)

    def assign_orgs(self, active: np.ndarray, required: bool = False) -> np.ndarray:
        """Organization position per need (-1 for none): the most weight of budget, then fit.
        With `required`, every active need must get one (the caller knows that is feasible)."""
        edges = self.org_edges.where(active[self.org_edges.need])
        org_of = np.full(self.n, -1, dtype=np.int64)
        if not len(edges.need):
            return org_of
        needs = np.unique(edges.need)
        orgs = np.unique(edges.other)
        first_org = self.FIRST + self.n
        count = len(needs)
        arcs = [
            (
                np.zeros(count, np.int64),
                needs + self.FIRST,
                np.ones(count, np.int64),
                np.zeros(count, np.int64) if required else -self.weight[needs],
            ),
            (edges.need + self.FIRST, edges.other + first_org, edges.cap, edges.cost),
            (
                orgs + first_org,
                np.full(len(orgs), self.SINK),
                self.org_cap[orgs],
                np.zeros(len(orgs), np.int64),
            ),
        ]
        if not required:
            arcs.append(_bypass(count))
        flows = self._flow(arcs, {self.SOURCE: count, self.SINK: -count})
        used = flows[count : count + len(edges.need)] > 0
        org_of[edges.need[used]] = edges.other[used]
        return org_of

    def fund(self, with_org: np.ndarray, priority: np.ndarray | None = None) -> np.ndarray:
        """Units from each funding edge. With a priority per need: the most money, filling needs
        in priority order. Without: every need in `with_org` gets exactly its budget (the caller
        knows that is feasible) at the least preference cost."""
        edges = self.fund_edges.where(with_org[self.fund_edges.need])
        if not len(edges.need):
            return np.zeros(0, dtype=np.int64)
        needs = np.unique(edges.need)
        funders = np.unique(edges.other)
        first_funder = self.FIRST + self.n
        zeros = np.zeros(len(funders), np.int64)
        arcs = [
            (zeros, funders + first_funder, self.fund_cap[funders], zeros),
            (
                edges.other + first_funder,
                edges.need + self.FIRST,
                edges.cap,
                np.zeros(len(edges.need), np.int64) if priority is not None else edges.cost,
            ),
            (
                needs + self.FIRST,
                np.full(len(needs), self.SINK),
                self.budget[needs],
                -priority[needs] if priority is not None else np.zeros(len(needs), np.int64),
            ),
        ]
        if priority is None:
            supply = int(self.budget[needs].sum())
        else:
            supply = int(self.fund_cap[funders].sum())
            arcs.append(_bypass(supply))
        flows = self._flow(arcs, {self.SOURCE: supply, self.SINK: -supply})
        mine = flows[len(funders) : len(funders) + len(edges.need)]
        full = np.zeros(len(self.fund_edges.need), dtype=np.int64)
        full[np.flatnonzero(with_org[self.fund_edges.need])] = mine
        return full

    def received(self, money: np.ndarray) -> np.ndarray:
        return np.bincount(self.fund_edges.need, weights=money, minlength=self.n).astype(np.int64)

    def priority(self, org_of: np.ndarray, largest_first: bool) -> np.ndarray:
        """Distinct positive priorities by budget, then better organization fit, then more
        beneficiaries. Largest first lets small needs fill the money left at the margins
        (first-fit decreasing, as in bin packing); smallest first wins when one large need
        would block two smaller ones that fit exactly."""
        fit = np.zeros(self.n, dtype=np.int64)
        chosen = np.flatnonzero(org_of[self.org_edges.need] == self.org_edges.other)
        fit[self.org_edges.need[chosen]] = -self.org_edges.cost[chosen]
        people = np.array([n.beneficiaries for n in self.instance.needs], dtype=np.int64)
        size = -self.budget if largest_first else self.budget
        order = np.lexsort((np.arange(self.n), -people, -fit, size))
        priority = np.empty(self.n, dtype=np.int64)
        priority[order] = np.arange(self.n, 0, -1)
        return priority

    def rounds(self, largest_first: bool) -> tuple[np.ndarray, np.ndarray]:
        """Stages 1-3: organization and money flows, dropping partly funded needs (and then
        needs that got no money, to free their organizations), until nothing changes or the
        funded demand stops growing; the best round is kept."""
        active = self.eligible.copy()
        best = (-1, np.full(self.n, -1, dtype=np.int64), np.zeros(len(self.fund_edges.need), int))
        stale = 0
        for _ in range(MAX_ROUNDS):
            self.rounds_run += 1
            org_of = self.assign_orgs(active)
            money = self.fund(org_of >= 0, self.priority(org_of, largest_first))
            got = self.received(money)
            funded = (org_of >= 0) & (got == self.budget)
            self.short_of_money |= (org_of >= 0) & ~funded
            value = int(self.budget[funded].sum())
            stale = 0 if value > best[0] * (1 + MIN_GAIN) else stale + 1
            if value > best[0]:
                kept = funded[self.fund_edges.need]
                best = (value, np.where(funded, org_of, -1), np.where(kept, money, 0))
            partial = (got > 0) & (got < self.budget)
            starved = (org_of >= 0) & (got == 0)
            if stale >= PATIENCE:
                break
            if partial.any():
                active &= ~partial
            elif starved.any() and (active & (org_of < 0)).any():
                active &= ~starved
            else:
                break
        return best[1], best[2]

    def repair(self, org_of: np.ndarray, money: np.ndarray) -> None:
        """Stage 4: fund, largest first, the needs that fit in what is left (in place)."""
        funded = org_of >= 0
        org_left = self.org_cap - np.bincount(org_of[funded], minlength=len(self.org_cap))
        fund_left = self.fund_cap - np.bincount(
            self.fund_edges.other, weights=money, minlength=len(self.fund_cap)
        ).astype(np.int64)
        org_rows = _rows_by_need(self.org_edges.need, self.n)
        fund_rows = _rows_by_need(self.fund_edges.need, self.n)
        waiting = np.flatnonzero(self.eligible & ~funded)
        for i in waiting[np.lexsort((waiting, -self.budget[waiting]))].tolist():
            rows = org_rows[i]
            free = rows[org_left[self.org_edges.other[rows]] > 0]
            if not len(free):
                continue
            give = np.minimum(
                self.fund_edges.cap[fund_rows[i]], fund_left[self.fund_edges.other[fund_rows[i]]]
            )
            if give.sum() < self.budget[i]:
                continue
            best = free[np.argmin(self.org_edges.cost[free])]
            org_of[i] = self.org_edges.other[best]
            org_left[org_of[i]] -= 1
            take = np.minimum(give, np.maximum(0, self.budget[i] - (np.cumsum(give) - give)))
            money[fund_rows[i]] = take
            fund_left[self.fund_edges.other[fund_rows[i]]] -= take


def _bypass(supply: int) -> tuple[np.ndarray, ...]:
    """Source -> sink at no cost: what is not worth routing through the network goes here."""
    return (np.array([0]), np.array([1]), np.array([supply]), np.array([0]))


def _rows_by_need(need: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(need, kind="stable")
    bounds = np.searchsorted(need[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


NO_ORG = ("no_org", "named_ineligible")


def _no_org(instance: Instance, i: int) -> Reason:
    need = instance.needs[i]
    if need.organization is not None:
        return Reason(
            "named_ineligible", {"organization": need.organization, "category": need.category}
        )
    return Reason(
        "no_org", {"community": need.community, "street": need.street, "category": need.category}
    )


def _staged(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """Stages 1-4: the organizations and money of the better of the two orders."""
    orders = (True, False) if problem.all_pairs else (True,)
    tries = []
    for largest_first in orders:
        org_of, money = problem.rounds(largest_first)
        problem.repair(org_of, money)
        tries.append((int(problem.budget[org_of >= 0].sum()), -len(tries), org_of, money))
    return max(tries, key=lambda t: t[:2])[2:]


def _polish(problem: _Problem, funded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stage 6: organizations and money for a funded set known to be feasible."""
    if not funded.any():
        return np.full(problem.n, -1, dtype=np.int64), np.zeros(len(problem.fund_edges.need), int)
    org_of = problem.assign_orgs(funded, required=True)
    money = problem.fund(funded)
    short = problem.received(money)[funded] != problem.budget[funded]
    if (org_of[funded] < 0).any() or short.any():
        raise FlowError("the funded set is not feasible")
    return org_of, money


def _solve(
    problem: _Problem, funded: np.ndarray, seconds: float
) -> tuple[np.ndarray, str, int | None]:
    """Stage 5: the exact program from the staged flow's value, when every pair is an edge.
    Returns the funded set, how it was found and the bound proved (money units) if any."""
    if not problem.all_pairs:
        return funded, "flow", None
    org, fund = problem.org_edges, problem.fund_edges
    deadline = perf_counter() + seconds / 2
    solved = exact.solve(
        problem.budget,
        problem.eligible,
        (org.need, org.other),
        problem.org_cap,
        (fund.need, fund.other, fund.cap),
        problem.fund_cap,
        floor=int(problem.budget[funded].sum()),
        seconds=seconds,
        rounding=lambda lp: _round(problem, lp, deadline),
    )
    if solved is None:
        return funded, "flow", None
    if solved.funded is not None:
        method = "exact" if solved.optimal else "rounded" if solved.rounded else "mip"
        return solved.funded, method, solved.bound
    return funded, "flow", solved.bound


def _feasible(problem: _Problem, funded: np.ndarray) -> bool:
    try:
        _polish(problem, funded)
    except FlowError:
        return False
    return True


def _round(problem: _Problem, lp: np.ndarray, deadline: float) -> np.ndarray | None:
    """LP-guided rounding: the needs the relaxation funds in full, then every other eligible
    need by its value there (larger budgets first among equals), each kept if the set can
    still be funded; stops at the deadline. None if the whole part is not feasible."""
    chosen = (lp >= 1 - exact.TOLERANCE) & problem.eligible
    if not _feasible(problem, chosen):
        return None
    rest = np.flatnonzero(problem.eligible & ~chosen)
    for i in rest[np.lexsort((-problem.budget[rest], -np.round(lp[rest], 6)))].tolist():
        if perf_counter() > deadline:
            break
        chosen[i] = True
        chosen[i] = _feasible(problem, chosen)
    return chosen


def allocate(
    instance: Instance,
    backend: str = "auto",
    index: CandidateIndex | None = None,
    timings: dict[str, float] | None = None,
    time_limit: float = TIME_LIMIT,
) -> Result:
    """The global allocation of the contract: most demand funded, then best fit; always feasible.
    Deterministic for a given instance and backend, and within `time_limit` seconds where the
    exact program is tried (it is stopped there; the staged flow alone is not). `timings`, when
    given, receives the seconds of each stage (for logs and benchmarks)."""
    clock = {"start": perf_counter()}
    index = index or index_for(instance)
    problem = _Problem(instance, index, backend)
    clock["candidates"] = perf_counter()
    staged_orgs, staged_money = _staged(problem)
    staged = staged_orgs >= 0
    clock["rounds"] = perf_counter()
    left = time_limit - RESERVE - (perf_counter() - clock["start"])
    funded, method, bound = _solve(problem, staged, left)
    clock["exact"] = perf_counter()
    if not problem.all_pairs and problem.n > POLISH_UP_TO:  # the staged allocation stands
        org_of, money = staged_orgs, staged_money
    else:
        try:
            org_of, money = _polish(problem, funded)
        except FlowError:  # the solver's set failed the exact check: keep the flow's own
            method, funded = "flow", staged
            org_of, money = _polish(problem, funded)
    clock["polish"] = perf_counter()
    value = int(problem.budget[funded].sum())
    if bound is None or bound < value:
        fund = problem.fund_edges
        pairs = (fund.need, fund.other, fund.cap * problem.unit) if problem.all_pairs else None
        bound_fen = money_bound(index, problem.servable, pairs)
    else:
        bound_fen = bound * problem.unit
    clock["bound"] = perf_counter()
    result = _result(problem, org_of, money, perf_counter() - clock["start"])
    bound_fen = max(bound_fen, result.funded_fen)
    if bound_fen == result.funded_fen:  # the bound proves the result optimal
        method = "exact"
    result = replace(result, method=method, bound_fen=bound_fen)
    if timings is not None:
        marks = list(clock.items())
        timings.update((name, t - before) for (_, before), (name, t) in pairwise(marks))
        timings["rounds_run"] = problem.rounds_run
    return result


def _result(problem: _Problem, org_of: np.ndarray, money: np.ndarray, seconds: float) -> Result:
    inst = problem.instance
    edges = problem.fund_edges
    paid = np.flatnonzero(money > 0)
    shares: dict[int, list[tuple[int, int]]] = {}
    for row in paid[np.lexsort((edges.other[paid], edges.need[paid]))].tolist():
        shares.setdefault(int(edges.need[row]), []).append(
            (int(edges.other[row]), int(money[row]) * problem.unit)
        )
    pairings, unfunded = [], []
    for i, need in enumerate(inst.needs):
        if org_of[i] < 0:
            reason = problem.why.get(i) or (
                Reason("budgets_spent", {})
                if problem.short_of_money[i]
                else Reason("capacity_used", {})
            )
            unfunded.append(Unfunded(need.id, (reason,)))
            continue
        score, reasons = org_fit(need, inst.organizations[org_of[i]], explain=True)
        funding = shares[i]
        backing = sum(funder_fit(need, inst.funders[f])[0] * amount for f, amount in funding)
        score = ORG_SHARE * score + (1 - ORG_SHARE) * backing / need.budget_fen
        reasons.append(Reason("funded_by", {"funders": [inst.funders[f].id for f, _ in funding]}))
        if len(funding) > 1:
            reasons.append(Reason("cofunded", {"count": len(funding)}))
        pairings.append(
            Pairing(
                need=need.id,
                organization=inst.organizations[org_of[i]].id,
                funding=tuple(Funding(inst.funders[f].id, amount) for f, amount in funding),
                score=round(min(1.0, score), 3),
                reasons=tuple(reasons),
            )
        )
    demand = sum(n.budget_fen for n in inst.needs)
    return Result(tuple(pairings), tuple(unfunded), demand, seconds)
