"""Hand-made instances whose optimum is known: the allocation reaches it, feasibly."""

import pytest

from matching import allocate, parse_instance, parse_result, verify

from .builders import HUBIN, contract_example, funder, instance, need, org, said

BACKENDS = ("networkx", "ortools")


def funded(result):
    return {p.need: p for p in result.pairings}


def test_contract_example_funds_the_elderly_need_and_explains_the_other():
    inst = parse_instance(contract_example())
    result = allocate(inst)
    assert verify(inst, result) == []
    out = result.to_dict()
    assert out["summary"] == {
        "needs": 2,
        "funded": 1,
        "funded_fen": 3_000_000,
        "demand_fen": 4_500_000,
        "seconds": out["summary"]["seconds"],
        "method": "exact",
        "bound_fen": 3_000_000,
        "gap": 0.0,
    }
    (pairing,) = out["pairings"]
    assert pairing["organization"] == "o1"
    assert pairing["funding"] == [{"funder": "f1", "amount_fen": 3_000_000}]
    assert pairing["reasons"][:3] == [
        {"code": "category", "params": {"category": "H"}},
        {"code": "street", "params": {"street": "330102001"}},
        {"code": "track", "params": {"rating": 4.6, "completed": 5}},
    ]
    assert said(result.pairings[0].reasons)[:3] == (
        "服务领域一致：为老服务",
        "同一街道：清波街道",
        "评分 4.6，已完成 5 个项目",
    )
    (unfunded,) = out["unfunded"]
    assert unfunded["reasons"] == [
        {
            "code": "no_org",
            "params": {"community": "清波门社区", "street": "330102001", "category": "I"},
        }
    ]
    assert said(result.unfunded[0].reasons) == (
        "清波门社区和清波街道都没有能提供青少年服务的社会组织",
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_smaller_needs_beat_one_larger_that_blocks_them(backend):
    inst = instance(
        [need("n1", 60), need("n2", 50), need("n3", 50)],
        [org("o1", capacity=3)],
        [funder("f1", 100)],
    )
    result = allocate(inst, backend=backend)
    assert verify(inst, result) == []
    assert sorted(funded(result)) == ["n2", "n3"]
    assert result.funded_fen == 100


@pytest.mark.parametrize("backend", BACKENDS)
def test_co_funding_respects_each_funders_cap_per_need(backend):
    inst = instance(
        [need("n1", 100)], [org("o1")], [funder("f1", 500, cap=60), funder("f2", 500, cap=60)]
    )
    result = allocate(inst, backend=backend)
    assert verify(inst, result) == []
    amounts = sorted(a.amount_fen for a in result.pairings[0].funding)
    assert sum(amounts) == 100 and amounts[-1] <= 60 and amounts[0] > 0
    assert "2 家资助方联合资助" in said(result.pairings[0].reasons)


@pytest.mark.parametrize("backend", BACKENDS)
def test_organizations_are_routed_so_that_both_needs_are_served(backend):
    # o_street could take either need, o_here only n1: the optimum gives n1 to o_here.
    inst = instance(
        [need("n1", 10, community="清波门社区"), need("n2", 10, community="劳动路社区")],
        [
            org("o_street", rating=5.0, completed=10),
            org("o_here", streets=(), communities=("清波门社区",)),
        ],
        [funder("f1", 20)],
    )
    result = allocate(inst, backend=backend)
    assert verify(inst, result) == []
    assert {n: p.organization for n, p in funded(result).items()} == {
        "n1": "o_here",
        "n2": "o_street",
    }


def test_same_community_is_preferred_to_anywhere():
    inst = instance(
        [need("n1", 10)],
        [org("o_any", streets=()), org("o_here", streets=(), communities=("清波门社区",))],
        [funder("f1", 10)],
    )
    (pairing,) = allocate(inst).pairings
    assert pairing.organization == "o_here"
    assert "Works in the same community: 清波门社区" in said(pairing.reasons, "en")


def test_funders_that_name_the_need_pay_before_open_funders():
    # Both needs can be funded only if the open funder pays for the youth need.
    inst = instance(
        [need("n1", 100), need("n2", 100, category="I")],
        [org("o1", categories=("H", "I"), capacity=2)],
        [
            funder("f_open", 100),
            funder("f_elderly", 100, categories=("H",), streets=("330102001",)),
        ],
    )
    result = allocate(inst)
    assert verify(inst, result) == []
    payers = {n: [a.funder for a in p.funding] for n, p in funded(result).items()}
    assert payers == {"n1": ["f_elderly"], "n2": ["f_open"]}


def test_a_named_implementer_is_the_only_one_that_may_serve():
    inst = instance(
        [need("n1", 10, organization="o_named"), need("n2", 10, organization="o_far")],
        [
            org("o_best", rating=5.0, completed=10, capacity=2),
            org("o_named"),
            org("o_far", streets=(HUBIN,)),
        ],
        [funder("f1", 100)],
    )
    result = allocate(inst)
    assert funded(result)["n1"].organization == "o_named"
    assert "申报书指定的执行机构" in said(funded(result)["n1"].reasons)
    assert said(result.unfunded[0].reasons) == ("指定的执行机构 o_far 不能在此提供为老服务",)


@pytest.mark.parametrize(
    ("needs", "orgs", "funders", "reason"),
    [
        (
            [need("n1", 10, category="I")],
            [org("o1")],
            [funder("f1", 10)],
            "No organization provides youth services in 清波门社区 or Qingbo",
        ),
        (
            [need("n1", 10)],
            [org("o1")],
            [funder("f1", 10, categories=("I",))],
            "No funder supports elderly care in Qingbo",
        ),
        (
            [need("n1", 1000)],
            [org("o1")],
            [funder("f1", 600), funder("f2", 900, cap=300)],
            "Eligible funders can give at most ¥9, less than the budget of ¥10",
        ),
        (
            [need("n1", 10), need("n2", 10)],
            [org("o1")],
            [funder("f1", 20)],
            "Eligible organizations have no capacity left",
        ),
        (
            [need("n1", 10), need("n2", 10)],
            [org("o1", capacity=2)],
            [funder("f1", 15)],
            "Eligible funders' budgets are spent",
        ),
    ],
)
def test_unfunded_needs_say_why(needs, orgs, funders, reason):
    inst = instance(needs, orgs, funders)
    result = allocate(inst)
    assert verify(inst, result) == []
    assert said(result.unfunded[-1].reasons, "en") == (reason,)
    assert len(result.pairings) == len(needs) - 1


def test_verify_names_each_broken_rule():
    inst = instance([need("n1", 100), need("n2", 50)], [org("o1")], [funder("f1", 120, cap=80)])
    result = parse_result(
        {
            "pairings": [
                {
                    "need": "n1",
                    "organization": "o1",
                    "funding": [{"funder": "f1", "amount_fen": 90}],
                },
                {
                    "need": "n2",
                    "organization": "o1",
                    "funding": [{"funder": "f1", "amount_fen": 50}],
                },
            ],
            "unfunded": [],
            "summary": {"demand_fen": 150},
        }
    )
    assert verify(inst, result) == [
        "need n1: f1 gives over its cap per need",
        "need n1: funded 90 fen of a 100 budget",
        "organization o1: 2 needs over capacity",
        "funder f1: gives 140 fen over its budget",
    ]


def test_backends_reach_the_same_objective_on_hand_made_instances():
    inst = parse_instance(contract_example())
    a, b = (allocate(inst, backend=x) for x in BACKENDS)
    assert a.funded_fen == b.funded_fen == 3_000_000
    assert [p.score for p in a.pairings] == [p.score for p in b.pairings]
