"""Plain data of the matching contract (docs/matching-instance.md, version 1).

Frozen dataclasses so that an instance can be shared between threads and cached against; parsing
validates every field once, so the algorithms never re-check input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .explain import LANGS, Reason

VERSION = 1


class InvalidInstance(ValueError):
    """An instance or result that breaks the contract; the message names the item and field."""


@dataclass(frozen=True)
class Need:
    id: str
    street: str
    community: str
    category: str
    budget_fen: int
    beneficiaries: int = 0
    text: str = ""
    #: The implementer a proposal already names: only it may serve the need.
    organization: str | None = None


@dataclass(frozen=True)
class Organization:
    id: str
    categories: tuple[str, ...]
    streets: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    capacity: int = 1
    rating: float | None = None
    completed: int = 0
    text: str = ""

    @property
    def anywhere(self) -> bool:
        return not self.streets and not self.communities


@dataclass(frozen=True)
class Funder:
    id: str
    budget_fen: int
    categories: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    max_per_need_fen: int | None = None

    def can_fund(self, need: Need) -> bool:
        return (not self.categories or need.category in self.categories) and (
            not self.streets or need.street in self.streets
        )

    def cap_for(self, need: Need) -> int:
        """The most this funder may put into the need, ignoring what it has already given."""
        cap = self.max_per_need_fen
        return need.budget_fen if cap is None else min(cap, need.budget_fen)


@dataclass(frozen=True, eq=False)
class Instance:
    """Needs, organizations and funders; compared by identity so that it can key caches."""

    needs: tuple[Need, ...]
    organizations: tuple[Organization, ...]
    funders: tuple[Funder, ...]
    #: Display names per language for the codes and ids the instance uses ({"zh": {...}}).
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @cached_property
    def need_pos(self) -> dict[str, int]:
        return {n.id: i for i, n in enumerate(self.needs)}

    @cached_property
    def org_pos(self) -> dict[str, int]:
        return {o.id: i for i, o in enumerate(self.organizations)}

    @cached_property
    def funder_pos(self) -> dict[str, int]:
        return {f.id: i for i, f in enumerate(self.funders)}


def may_serve(org: Organization, need: Need) -> bool:
    """The contract's hard rule for an organization serving a need."""
    if need.organization is not None and need.organization != org.id:
        return False
    return need.category in org.categories and (
        org.anywhere or need.community in org.communities or need.street in org.streets
    )


@dataclass(frozen=True)
class Funding:
    funder: str
    amount_fen: int


@dataclass(frozen=True)
class Pairing:
    need: str
    organization: str
    funding: tuple[Funding, ...]
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Unfunded:
    need: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Result:
    pairings: tuple[Pairing, ...]
    unfunded: tuple[Unfunded, ...]
    demand_fen: int
    seconds: float = 0.0
    #: How the funded set was found: "exact" (proved optimal), "mip" (the exact program's best
    #: within its time limit), "rounded" (the rounding of the program's relaxation, when the
    #: program found nothing better in time) or "flow" (the staged flows).
    method: str = "flow"
    #: The best upper bound known on funded demand (fen): the optimum when exact.
    bound_fen: int | None = None

    @property
    def funded_fen(self) -> int:
        return sum(a.amount_fen for p in self.pairings for a in p.funding)

    @property
    def gap(self) -> float | None:
        """Share of the bound this result may leave unfunded: 0 when proved optimal."""
        if self.bound_fen is None:
            return None
        return (self.bound_fen - self.funded_fen) / self.bound_fen if self.bound_fen else 0.0

    def to_dict(
        self, lang: str | None = None, names: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The contract's result JSON object; with a language, reasons carry their sentences."""

        def said(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
            return [r.to_dict(lang, names) for r in reasons]

        return {
            "version": VERSION,
            "pairings": [
                {
                    "need": p.need,
                    "organization": p.organization,
                    "funding": [
                        {"funder": a.funder, "amount_fen": a.amount_fen} for a in p.funding
                    ],
                    "score": p.score,
                    "reasons": said(p.reasons),
                }
                for p in self.pairings
            ],
            "unfunded": [{"need": u.need, "reasons": said(u.reasons)} for u in self.unfunded],
            "summary": {
                "needs": len(self.pairings) + len(self.unfunded),
                "funded": len(self.pairings),
                "funded_fen": self.funded_fen,
                "demand_fen": self.demand_fen,
                "seconds": round(self.seconds, 3),
                "method": self.method,
                "bound_fen": self.bound_fen,
                "gap": None if self.gap is None else round(self.gap, 6),
            },
        }


@dataclass(frozen=True)
class Suggestion:
    """One ranked answer to "what fits this item": an organization, funder or need."""

    kind: str
    id: str
    score: float
    reasons: tuple[Reason, ...] = field(default=())

    def to_dict(
        self, lang: str | None = None, names: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "score": self.score,
            "reasons": [r.to_dict(lang, names) for r in self.reasons],
        }


class _Item:
    """Reads the fields of one JSON object, raising InvalidInstance that names where it is."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise InvalidInstance(f"{where}: must be an object")
        self.data = data
        self.where = where
        ident = data.get("id")
        if isinstance(ident, str) and ident:
            self.where = f'{where} (id "{ident}")'

    def fail(self, name: str, must: str) -> InvalidInstance:
        return InvalidInstance(f"{self.where}: {name} must be {must}")

    def text(self, name: str, *, required: bool = True, empty: bool = False) -> str:
        value = self.data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (not value and not empty):
            raise self.fail(name, "a non-empty string" if not empty else "a string")
        return value

    def integer(self, name: str, *, minimum: int, default: int | None = None) -> int:
        value = self.data.get(name)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(name, "a positive integer" if minimum > 0 else "a non-negative integer")
        return value

    def texts(self, name: str, *, non_empty: bool = False) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if (
            not isinstance(value, list)
            or not all(isinstance(v, str) and v for v in value)
            or (non_empty and not value)
        ):
            raise self.fail(
                name, "a non-empty list of strings" if non_empty else "a list of strings"
            )
        return tuple(dict.fromkeys(value))


def _unique(items: list[_Item], seen: dict[str, str]) -> None:
    for item in items:
        ident = item.text("id")
        if ident in seen:
            raise item.fail("id", f"unique (already used by {seen[ident]})")
        seen[ident] = item.where


def _list(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise InvalidInstance(f"{name}: must be a list")
    return value


def parse_instance(data: Any) -> Instance:
    """Validate a decoded instance JSON object and build the frozen Instance."""
    if not isinstance(data, dict):
        raise InvalidInstance("instance: must be a JSON object")
    if data.get("version", VERSION) != VERSION:
        raise InvalidInstance(f"version: must be {VERSION}")
    needs = [_Item(d, f"needs[{i}]") for i, d in enumerate(_list(data, "needs"))]
    orgs = [_Item(d, f"organizations[{i}]") for i, d in enumerate(_list(data, "organizations"))]
    funders = [_Item(d, f"funders[{i}]") for i, d in enumerate(_list(data, "funders"))]
    for group in (needs, orgs, funders):
        _unique(group, {})
    org_ids = {o.data["id"] for o in orgs}
    return Instance(
        needs=tuple(_need(n, org_ids) for n in needs),
        organizations=tuple(_organization(o) for o in orgs),
        funders=tuple(_funder(f) for f in funders),
        names=_names(data.get("names", {})),
    )


def _names(data: Any) -> dict[str, dict[str, str]]:
    """The optional names object: {"zh": {code or id: name}, "en": {...}}."""
    if not isinstance(data, dict) or not all(
        lang in LANGS
        and isinstance(names, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in names.items())
        for lang, names in data.items()
    ):
        raise InvalidInstance("names: must map zh and en to objects of strings")
    return {lang: dict(names) for lang, names in data.items()}


def _need(item: _Item, org_ids: set[str]) -> Need:
    named = item.data.get("organization")
    if named is not None and named not in org_ids:
        raise item.fail("organization", "null or the id of a listed organization")
    return Need(
        id=item.text("id"),
        street=item.text("street"),
        community=item.text("community", empty=True),
        category=item.text("category"),
        budget_fen=item.integer("budget_fen", minimum=1),
        beneficiaries=item.integer("beneficiaries", minimum=0, default=0),
        text=item.text("text", required=False, empty=True),
        organization=named,
    )


def _organization(item: _Item) -> Organization:
    rating = item.data.get("rating")
    if rating is not None and (
        isinstance(rating, bool) or not isinstance(rating, int | float) or not 0 <= rating <= 5
    ):
        raise item.fail("rating", "a number from 0 to 5")
    return Organization(
        id=item.text("id"),
        categories=item.texts("categories", non_empty=True),
        streets=item.texts("streets"),
        communities=item.texts("communities"),
        capacity=item.integer("capacity", minimum=0, default=1),
        rating=None if rating is None else float(rating),
        completed=item.integer("completed", minimum=0, default=0),
        text=item.text("text", required=False, empty=True),
    )


def _funder(item: _Item) -> Funder:
    cap = item.data.get("max_per_need_fen")
    return Funder(
        id=item.text("id"),
        budget_fen=item.integer("budget_fen", minimum=0),
        categories=item.texts("categories"),
        streets=item.texts("streets"),
        max_per_need_fen=None if cap is None else item.integer("max_per_need_fen", minimum=1),
    )


def _reasons(item: _Item, data: dict[str, Any]) -> tuple[Reason, ...]:
    try:
        return tuple(Reason.of(r) for r in data.get("reasons") or ())
    except ValueError as error:
        raise item.fail("reasons", "a list of {code, params} objects") from error


def parse_result(data: Any) -> Result:
    """Read a result JSON object back (for verification of files written earlier)."""
    if not isinstance(data, dict):
        raise InvalidInstance("result: must be a JSON object")
    pairings = []
    for i, d in enumerate(_list(data, "pairings")):
        item = _Item(d, f"pairings[{i}]")
        funding = []
        for j, a in enumerate(d.get("funding") or []):
            share = _Item(a, f"pairings[{i}].funding[{j}]")
            funding.append(Funding(share.text("funder"), share.integer("amount_fen", minimum=0)))
        pairings.append(
            Pairing(
                need=item.text("need"),
                organization=item.text("organization"),
                funding=tuple(funding),
                score=float(d.get("score", 0.0)),
                reasons=_reasons(item, d),
            )
        )
    unfunded = []
    for i, d in enumerate(_list(data, "unfunded")):
        item = _Item(d, f"unfunded[{i}]")
        unfunded.append(Unfunded(item.text("need"), _reasons(item, d)))
    summary = data.get("summary") or {}
    return Result(
        pairings=tuple(pairings),
        unfunded=tuple(unfunded),
        demand_fen=int(summary.get("demand_fen", 0)),
        seconds=float(summary.get("seconds", 0.0)),
        method=str(summary.get("method", "flow")),
        bound_fen=summary.get("bound_fen"),
    )
