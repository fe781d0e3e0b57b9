"""Parsing validates the contract and names the item and field that break it."""

import pytest

from matching import InvalidInstance, allocate, parse_instance, parse_result

from .builders import contract_example, funder, need, org


def test_contract_example_parses_into_frozen_items():
    inst = parse_instance(contract_example())
    assert [n.id for n in inst.needs] == ["n1", "n7"]
    assert inst.organizations[0].categories == ("H", "G")
    assert inst.organizations[0].rating == 4.6
    assert inst.funders[0].max_per_need_fen == 5_000_000
    assert inst.need_pos == {"n1": 0, "n7": 1}
    with pytest.raises(AttributeError):
        inst.needs[0].budget_fen = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["needs"].append(need("n4", 0)),
            'needs[2] (id "n4"): budget_fen must be a positive integer',
        ),
        (
            lambda d: d["needs"].append(need("n4", 10.5)),
            'needs[2] (id "n4"): budget_fen must be a positive integer',
        ),
        (
            lambda d: d["needs"].append(need("n4", True)),
            'needs[2] (id "n4"): budget_fen must be a positive integer',
        ),
        (
            lambda d: d["needs"].append(need("n1", 10)),
            'needs[2] (id "n1"): id must be unique (already used by needs[0] (id "n1"))',
        ),
        (
            lambda d: d["needs"].append(need("n4", 10, organization="o9")),
            'needs[2] (id "n4"): organization must be null or the id of a listed organization',
        ),
        (
            lambda d: d["needs"].append(need("n4", 10, street="")),
            'needs[2] (id "n4"): street must be a non-empty string',
        ),
        (
            lambda d: d["needs"].append({"street": "s", "category": "H", "budget_fen": 1}),
            "needs[2]: id must be a non-empty string",
        ),
        (
            lambda d: d["organizations"].append(org("o2", categories=())),
            'organizations[1] (id "o2"): categories must be a non-empty list of strings',
        ),
        (
            lambda d: d["organizations"].append(org("o2", capacity=-1)),
            'organizations[1] (id "o2"): capacity must be a non-negative integer',
        ),
        (
            lambda d: d["organizations"].append(org("o2", rating=5.5)),
            'organizations[1] (id "o2"): rating must be a number from 0 to 5',
        ),
        (
            lambda d: d["funders"].append(funder("f2", 10, cap=0)),
            'funders[1] (id "f2"): max_per_need_fen must be a positive integer',
        ),
        (
            lambda d: d["funders"].append({"id": "f2", "budget_fen": 1, "streets": "s1"}),
            'funders[1] (id "f2"): streets must be a list of strings',
        ),
        (lambda d: d.update(version=2), "version: must be 1"),
        (lambda d: d.update(needs={}), "needs: must be a list"),
        (lambda d: d["funders"].append(7), "funders[1]: must be an object"),
    ],
)
def test_invalid_instances_name_the_item_and_field(change, message):
    data = contract_example()
    change(data)
    with pytest.raises(InvalidInstance) as error:
        parse_instance(data)
    assert str(error.value) == message


def test_optional_fields_take_their_defaults():
    inst = parse_instance(
        {"needs": [need("n1", 5)], "organizations": [{"id": "o", "categories": ["H"]}]}
    )
    assert inst.needs[0].beneficiaries == 0 and inst.needs[0].organization is None
    o = inst.organizations[0]
    assert (o.capacity, o.rating, o.completed, o.anywhere) == (1, None, 0, True)
    assert inst.funders == ()


def test_result_round_trips_through_its_json_form():
    inst = parse_instance(contract_example())
    result = allocate(inst)
    again = parse_result(result.to_dict())
    assert again.pairings == result.pairings
    assert again.unfunded == result.unfunded
    assert again.to_dict()["summary"] == result.to_dict()["summary"]
