"""Small instances written by hand: plain dicts in the contract's format, parsed by the library."""

from __future__ import annotations

from typing import Any

from matching import Instance, Reason, parse_instance, render_all

QINGBO = "330102001"  # 清波街道
HUBIN = "330102003"  # 湖滨街道
#: Names for the codes the instances use, as the platform's adapter sends them.
NAMES = {
    "zh": {"H": "为老服务", "I": "青少年服务", QINGBO: "清波街道", HUBIN: "湖滨街道"},
    "en": {"H": "elderly care", "I": "youth services", QINGBO: "Qingbo", HUBIN: "Hubin"},
}


def need(
    ident: str,
    budget: int,
    *,
    category: str = "H",
    street: str = QINGBO,
    community: str = "清波门社区",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": ident,
        "street": street,
        "community": community,
        "category": category,
        "budget_fen": budget,
        **extra,
    }


def org(
    ident: str,
    *,
    categories: tuple[str, ...] = ("H",),
    streets: tuple[str, ...] = (QINGBO,),
    communities: tuple[str, ...] = (),
    capacity: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": ident,
        "categories": list(categories),
        "streets": list(streets),
        "communities": list(communities),
        "capacity": capacity,
        **extra,
    }


def funder(
    ident: str,
    budget: int,
    *,
    categories: tuple[str, ...] = (),
    streets: tuple[str, ...] = (),
    cap: int | None = None,
) -> dict[str, Any]:
    return {
        "id": ident,
        "budget_fen": budget,
        "categories": list(categories),
        "streets": list(streets),
        "max_per_need_fen": cap,
    }


def instance(needs: list[dict], orgs: list[dict], funders: list[dict]) -> Instance:
    return parse_instance(
        {"version": 1, "needs": needs, "organizations": orgs, "funders": funders, "names": NAMES}
    )


def said(reasons: tuple[Reason, ...], lang: str = "zh") -> tuple[str, ...]:
    """Reasons as the reader sees them."""
    return render_all(reasons, lang, NAMES[lang])


def contract_example() -> dict[str, Any]:
    """The instance of the contract's own example, plus a youth need nobody can serve."""
    return {
        "version": 1,
        "needs": [
            need("n1", 3_000_000, beneficiaries=120, text="独居老人助餐与探访", organization=None),
            need("n7", 1_500_000, category="I"),
        ],
        "organizations": [
            org(
                "o1",
                categories=("H", "G"),
                capacity=2,
                rating=4.6,
                completed=5,
                text="为老服务，助餐，探访",
            ),
        ],
        "funders": [funder("f1", 10_000_000, categories=("H",), cap=5_000_000)],
        "names": NAMES,
    }
