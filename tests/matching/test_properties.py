"""Random small instances: every allocation is feasible, and deterministic."""

from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import allocate, allocation, parse_instance, verify
from matching.flow import min_cost_flow

CATEGORIES = ["A", "H", "I"]
PLACES = {"330102001": ["清波门社区", "劳动路社区"], "330102003": ["涌金门社区"]}
STREETS = list(PLACES)
COMMUNITIES = [c for names in PLACES.values() for c in names]
money = st.integers(1, 30).map(lambda k: k * 10) | st.integers(1, 300)


@st.composite
def instances(draw):
    orgs = []
    for i in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["anywhere", "streets", "communities"]))
        orgs.append(
            {
                "id": f"o{i}",
                "categories": draw(
                    st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2, unique=True)
                ),
                "streets": draw(st.lists(st.sampled_from(STREETS), min_size=1, unique=True))
                if kind == "streets"
                else [],
                "communities": draw(st.lists(st.sampled_from(COMMUNITIES), min_size=1, unique=True))
                if kind == "communities"
                else [],
                "capacity": draw(st.integers(0, 2)),
                "rating": draw(st.none() | st.floats(0, 5)),
            }
        )
    needs = []
    for i in range(draw(st.integers(0, 8))):
        street = draw(st.sampled_from(STREETS))
        named = draw(st.none() | st.sampled_from([o["id"] for o in orgs])) if orgs else None
        needs.append(
            {
                "id": f"n{i}",
                "street": street,
                "community": draw(st.sampled_from(PLACES[street])),
                "category": draw(st.sampled_from(CATEGORIES)),
                "budget_fen": draw(money),
                "organization": named,
            }
        )
    funders = [
        {
            "id": f"f{i}",
            "budget_fen": draw(st.integers(0, 400)),
            "categories": draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)),
            "streets": draw(st.lists(st.sampled_from(STREETS), max_size=1, unique=True)),
            "max_per_need_fen": draw(st.none() | money),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    return parse_instance({"needs": needs, "organizations": orgs, "funders": funders})


def without_time(result):
    out = result.to_dict()
    del out["summary"]["seconds"]
    return out


@settings(max_examples=150, deadline=None)
@given(instances(), st.sampled_from(["networkx", "ortools"]))
def test_every_allocation_is_feasible_and_deterministic(inst, backend):
    result = allocate(inst, backend=backend)
    assert verify(inst, result) == []
    assert all(u.reasons for u in result.unfunded)
    assert all(0 <= p.score <= 1 and p.reasons for p in result.pairings)
    for lang in ("zh", "en"):  # every reason the engine gives has a sentence in both
        said = result.to_dict(lang)
        assert all(r["text"] for p in said["pairings"] + said["unfunded"] for r in p["reasons"])
    assert without_time(allocate(inst, backend=backend)) == without_time(result)


@settings(max_examples=100, deadline=None)
@given(instances())
def test_large_instance_path_is_feasible(inst):
    """Above EXACT_UP_TO needs keep limited candidates, and above POLISH_UP_TO the staged
    allocation stands without the polish: patched down, small instances take that path."""
    with patch.multiple(allocation, EXACT_UP_TO=0, POLISH_UP_TO=0):
        result = allocate(inst)
    assert verify(inst, result) == []
    assert result.method in ("flow", "exact") and result.funded_fen <= result.bound_fen


@st.composite
def flow_problems(draw):
    """A source, a sink and three middle nodes; a bypass arc keeps every problem feasible."""
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, 4), st.integers(0, 4)).filter(lambda p: p[0] != p[1]),
            unique=True,
            max_size=12,
        ).map(lambda ps: [p for p in ps if p != (0, 4)])
    )
    supply = draw(st.integers(0, 9))
    arcs = [(t, h, draw(st.integers(0, 6)), draw(st.integers(-5, 5))) for t, h in pairs]
    arcs.append((0, 4, supply, 0))
    tails, heads, caps, costs = (
        np.array(column, dtype=np.int64) for column in zip(*arcs, strict=True)
    )
    return tails, heads, caps, costs, {0: supply, 4: -supply}


@settings(max_examples=200, deadline=None)
@given(flow_problems())
def test_both_flow_backends_find_the_same_least_cost(problem):
    tails, heads, caps, costs, supplies = problem
    costs_by_backend = []
    for backend in ("networkx", "ortools"):
        flow = min_cost_flow(tails, heads, caps, costs, supplies, backend)
        assert ((flow >= 0) & (flow <= caps)).all()
        net = np.zeros(5, dtype=np.int64)
        np.add.at(net, tails, flow)
        np.subtract.at(net, heads, flow)
        assert net.tolist() == [supplies.get(node, 0) for node in range(5)]
        costs_by_backend.append(int(flow @ costs))
    assert costs_by_backend[0] == costs_by_backend[1]


@settings(max_examples=100, deadline=None)
@given(instances())
def test_both_backends_fund_the_same_demand(inst):
    assert (
        allocate(inst, backend="networkx").funded_fen
        == allocate(inst, backend="ortools").funded_fen
    )
