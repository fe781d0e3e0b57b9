"""One min-cost-flow interface, two backends.

networkx's network simplex is pure Python and easy to inspect: right for small problems and as a
reference. OR-tools' SimpleMinCostFlow (cost-scaling push-relabel in C++) takes numpy arrays and
is the one that makes a city's allocation take seconds. Both return an optimal flow; among
several optima they may pick different ones, so callers compare objective values, not flows.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from ortools.graph.python import min_cost_flow as ortools_flow

BACKENDS = ("auto", "networkx", "ortools")
AUTO_NETWORKX_ARCS = 100  # below this, network simplex is as fast as crossing into C++


class FlowError(RuntimeError):
    """The flow problem had no optimal solution (infeasible supplies or overflowing costs)."""


def min_cost_flow(
    tails: np.ndarray,
    heads: np.ndarray,
    capacities: np.ndarray,
    costs: np.ndarray,
    supplies: dict[int, int],
    backend: str = "auto",
) -> np.ndarray:
    """Flow on each arc of an optimal solution. Nodes are integers; arcs must be distinct
    (tail, head) pairs; `supplies` gives the net supply of the nodes that have one."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
    if backend == "networkx" or (backend == "auto" and len(tails) <= AUTO_NETWORKX_ARCS):
        return _networkx(tails, heads, capacities, costs, supplies)
    return _ortools(tails, heads, capacities, costs, supplies)


def _networkx(tails, heads, capacities, costs, supplies) -> np.ndarray:
    graph = nx.DiGraph()
    for node, supply in supplies.items():
        graph.add_node(int(node), demand=-int(supply))
    for t, h, cap, cost in zip(
        tails.tolist(), heads.tolist(), capacities.tolist(), costs.tolist(), strict=True
    ):
        graph.add_edge(t, h, capacity=cap, weight=cost)
    if graph.number_of_edges() != len(tails):
        raise ValueError("arcs must be distinct (tail, head) pairs")
    try:
        _, flow = nx.network_simplex(graph)
    except (nx.NetworkXUnfeasible, nx.NetworkXUnbounded) as error:
        raise FlowError(str(error)) from error
    return np.fromiter(
        (flow[t][h] for t, h in zip(tails.tolist(), heads.tolist(), strict=True)),
        dtype=np.int64,
        count=len(tails),
    )


def _ortools(tails, heads, capacities, costs, supplies) -> np.ndarray:
    solver = ortools_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        capacities.astype(np.int64),
        costs.astype(np.int64),
    )
    nodes = np.fromiter(supplies, dtype=np.int32, count=len(supplies))
    amounts = np.fromiter(supplies.values(), dtype=np.int64, count=len(supplies))
    solver.set_nodes_supplies(nodes, amounts)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise FlowError(f"OR-tools min-cost flow ended with status {status}")
    return np.asarray(solver.flows(arcs), dtype=np.int64)
