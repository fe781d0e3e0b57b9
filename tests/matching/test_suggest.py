"""Suggestions for one item: only eligible candidates, ranked, explained in zh and en."""

import pytest

from matching import (
    Reason,
    build_graph,
    neighbours,
    suggest_for_funder,
    suggest_for_need,
    suggest_for_organization,
    suggest_funders_for_need,
)
from matching.index import CandidateIndex

from .builders import HUBIN, QINGBO, funder, instance, need, org, said


@pytest.fixture
def inst():
    return instance(
        [
            need("n1", 100, text="独居老人助餐服务"),
            need("n2", 100, category="I", text="四点半课堂"),
            need("n3", 100, street=HUBIN, community="涌金门社区", text="老年食堂"),
            need("n4", 100, organization="o_text"),
        ],
        [
            org("o_any", streets=(), rating=3.0),
            org("o_here", streets=(), communities=("清波门社区",), rating=4.0, completed=3),
            org("o_text", rating=4.0, completed=3, text="助餐服务，独居老人探访"),
            org("o_hubin", streets=(HUBIN,)),
            org("o_youth", categories=("I",)),
        ],
        [
            funder("f_open", 1000),
            funder("f_small", 1000, categories=("H",), cap=50),
            funder("f_qingbo", 1000, categories=("H",), streets=(QINGBO,)),
            funder("f_youth", 1000, categories=("I",)),
        ],
    )


def test_organizations_for_a_need_are_eligible_and_ranked(inst):
    found = suggest_for_need(inst, "n1")
    assert [s.id for s in found] == ["o_text", "o_here", "o_any"]
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert said(found[0].reasons)[:2] == ("服务领域一致：为老服务", "同一街道：清波街道")
    assert "服务内容相近：独居、居老、老人" in said(found[0].reasons)
    assert suggest_for_need(inst, "n1", k=1) == found[:1]


def test_reasons_come_in_english_too(inst):
    (best,) = suggest_for_need(inst, "n1", k=1)
    assert said(best.reasons, "en")[:2] == (
        "Same service area: elderly care",
        "Works in the same street: Qingbo",
    )
    assert best.to_dict()["kind"] == "organization"


def test_funders_for_a_need_prefer_those_naming_it_and_covering_it(inst):
    found = suggest_funders_for_need(inst, "n1")
    assert [s.id for s in found] == ["f_qingbo", "f_open", "f_small"]
    assert said(found[0].reasons, "en") == (
        "Funder supports elderly care",
        "Funder supports Qingbo",
        "Can cover the whole budget of ¥1",
    )
    assert found[2].reasons[-1] == Reason("grant_part", {"amount": 50})
    assert said(found[2].reasons, "en")[-1] == "Can give up to ¥0.50; co-funding needed"


def test_needs_for_a_funder_and_for_an_organization(inst):
    assert [s.id for s in suggest_for_funder(inst, "f_qingbo")] == ["n1", "n4"]
    assert [s.id for s in suggest_for_funder(inst, "f_youth")] == ["n2"]
    assert {s.id for s in suggest_for_funder(inst, "f_open")} == {"n1", "n2", "n3", "n4"}
    # n4 names o_text, so o_any may not serve it; o_text serves both.
    assert [s.id for s in suggest_for_organization(inst, "o_any")] == ["n1", "n3"]
    assert [s.id for s in suggest_for_organization(inst, "o_text")] == ["n1", "n4"]
    assert [s.id for s in suggest_for_organization(inst, "o_hubin")] == ["n3"]


def test_unknown_ids_are_refused(inst):
    with pytest.raises(LookupError, match="no need with id 'n9'"):
        suggest_for_need(inst, "n9")


def test_index_reads_only_the_needs_own_buckets(inst):
    index = CandidateIndex(inst)
    names = lambda positions, items: [items[i].id for i in positions]  # noqa: E731
    assert names(index.orgs_for(0), inst.organizations) == ["o_here", "o_text", "o_any"]
    assert names(index.orgs_for(2), inst.organizations) == ["o_hubin", "o_any"]
    assert names(index.orgs_for(3), inst.organizations) == ["o_text"]
    assert names(index.funders_for(1), inst.funders) == ["f_youth", "f_open"]
    assert len(index.orgs_for(0, limit=2)) == 2


def test_graph_tags_nodes_and_carries_scored_edges(inst):
    graph = build_graph(inst)
    assert graph.edges[("community", "清波门社区"), ("street", QINGBO)]["kind"] == "in"
    served = neighbours(graph, ("need", "n1"), "may_serve")
    assert [node for node, _ in served] == [
        ("organization", i) for i in ("o_text", "o_here", "o_any")
    ]
    assert all(isinstance(weight, int) for _, weight in served)
    assert neighbours(graph, ("funder", "f_qingbo"), "prefers") == [(("street", QINGBO), 0)]
