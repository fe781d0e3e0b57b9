"""The instance as a networkx graph, for views that show who is connected to whom.

Nodes are tagged tuples such as ("need", "n1") or ("street", "330102001"), so that ids of
different kinds never collide and an edge's ends can be told apart whatever its orientation.
Need-organization and need-funder edges carry the integer score (networkx's matchings are exact
only with integer weights) and the reasons. The allocation does not use the graph: its
flows run on the index's arrays, which a city-sized graph would dwarf in memory.
"""

from __future__ import annotations

import networkx as nx

from .index import index_for
from .scoring import FIT_SCALE, funder_fit, org_fit
from .types import Instance

Node = tuple[str, str]


def build_graph(instance: Instance) -> nx.Graph:
    """Streets, communities, needs, organizations and funders, with "in", "at", "works_in",
    "prefers", "may_serve" and "may_fund" edges."""
    graph = nx.Graph()
    index = index_for(instance)
    for i, need in enumerate(instance.needs):
        street, community = ("street", need.street), ("community", need.community)
        graph.add_edge(community, street, kind="in")
        graph.add_edge(("need", need.id), community, kind="at")
        for o in index.orgs_for(i):
            org = instance.organizations[o]
            score, reasons = org_fit(need, org, explain=True)
            graph.add_edge(
                ("need", need.id),
                ("organization", org.id),
                kind="may_serve",
                weight=round(FIT_SCALE * score),
                reasons=tuple(reasons),
            )
        for f in index.funders_for(i):
            funder = instance.funders[f]
            score, reasons = funder_fit(need, funder, explain=True)
            graph.add_edge(
                ("need", need.id),
                ("funder", funder.id),
                kind="may_fund",
                weight=round(FIT_SCALE * score),
                reasons=tuple(reasons),
            )
    for org in instance.organizations:
        places = [("community", c) for c in org.communities] + [("street", s) for s in org.streets]
        graph.add_node(("organization", org.id), capacity=org.capacity)
        graph.add_edges_from(((("organization", org.id), p) for p in places), kind="works_in")
    for funder in instance.funders:
        graph.add_node(("funder", funder.id), budget_fen=funder.budget_fen)
        graph.add_edges_from(
            ((("funder", funder.id), ("street", s)) for s in funder.streets), kind="prefers"
        )
    return graph


def neighbours(graph: nx.Graph, node: Node, kind: str) -> list[tuple[Node, int]]:
    """The node's neighbours over edges of a kind, heaviest first (ties by key)."""
    found = [
        (other, data.get("weight", 0))
        for other, data in graph[node].items()
        if data["kind"] == kind
    ]
    return sorted(found, key=lambda item: (-item[1], item[0]))
