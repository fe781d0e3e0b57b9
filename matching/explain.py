"""Reasons as codes with parameters, and their sentences in Chinese (the default) and English.

Scoring and allocation speak in `Reason(code, params)`: the results carry them as data, and a
reader's language is chosen where they are shown (the platform renders them with its own
catalogue). This module's sentences serve the command line; the names of categories, streets,
communities and parties come from the instance's own `names` (the library holds no copy of a
district's directory), else the codes themselves are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reason:
    """Why a pairing, a suggestion or an unfunded need is what it is: a code from `CODES` and
    its parameters (codes of categories and streets, ids, amounts in fen, counts)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, lang: str | None = None, names: Mapping[str, str] | None = None) -> dict:
        """The reason as JSON; with a language, its sentence too (under "text")."""
        data: dict[str, Any] = {"code": self.code, "params": dict(self.params)}
        if lang is not None:
            data["text"] = render(self, lang, names)
        return data

    @classmethod
    def of(cls, data: Any) -> Reason:
        """A reason read back from its JSON object."""
        if not isinstance(data, dict) or data.get("code") not in CODES:
            raise ValueError(f"not a reason: {data!r}")
        return cls(data["code"], dict(data.get("params") or {}))


LANGS = ("zh", "en")

_TEMPLATES: dict[str, tuple[str, str]] = {
    # organization <-> need
    "category": ("服务领域一致：{category}", "Same service area: {category}"),
    "community": ("同一社区：{community}", "Works in the same community: {community}"),
    "street": ("同一街道：{street}", "Works in the same street: {street}"),
    "anywhere": ("服务范围不限地区", "Works in any area"),
    "named": ("申报书指定的执行机构", "Named in the proposal as the implementer"),
    "track": (
        "评分 {rating:g}，已完成 {completed} 个项目",
        "Rated {rating:g}, {completed} projects done",
    ),
    "completed": ("已完成 {completed} 个项目", "{completed} projects done"),
    "capacity": ("还可承接 {capacity} 个项目", "Can take {capacity} more projects"),
    "text": ("服务内容相近：{words}", "Similar work: {words}"),
    # funder <-> need
    "funder_category": ("资助方关注{category}", "Funder supports {category}"),
    "funder_street": ("资助方关注{street}", "Funder supports {street}"),
    "funder_open": ("资助方不限领域和地区", "Funder is open to any area and place"),
    "grant_covers": ("可全额资助预算 {budget}", "Can cover the whole budget of {budget}"),
    "grant_part": ("最多可出 {amount}，需联合资助", "Can give up to {amount}; co-funding needed"),
    # a pairing
    "funded_by": ("资助方：{funders}", "Funded by {funders}"),
    "cofunded": ("{count} 家资助方联合资助", "Co-funded by {count} funders"),
    # an unfunded need
    "no_org": (
        "{community}和{street}都没有能提供{category}的社会组织",
        "No organization provides {category} in {community} or {street}",
    ),
    "named_ineligible": (
        "指定的执行机构 {organization} 不能在此提供{category}",
        "The named organization {organization} cannot provide {category} here",
    ),
    "no_funder": (
        "没有资助方支持{street}的{category}",
        "No funder supports {category} in {street}",
    ),
    "funders_short": (
        "符合条件的资助方最多可出 {amount}，不足预算 {budget}",
        "Eligible funders can give at most {amount}, less than the budget of {budget}",
    ),
    "capacity_used": ("符合条件的社会组织名额已满", "Eligible organizations have no capacity left"),
    "budgets_spent": ("符合条件的资助方预算已用完", "Eligible funders' budgets are spent"),
}

CODES = frozenset(_TEMPLATES)

_SEPARATOR = {"zh": "、", "en": ", "}


def yuan(fen: int) -> str:
    """Money for people: ¥ with thousands separators, cents only when there are some."""
    whole, cents = divmod(fen, 100)
    return f"¥{whole:,}" + (f".{cents:02d}" if cents else "")


def render(reason: Reason, lang: str = "zh", names: Mapping[str, str] | None = None) -> str:
    """One reason as a sentence; codes and ids are named from `names` where it has them."""
    names = names or {}
    values = dict(reason.params)
    for name in ("category", "street", "community", "organization"):
        if name in values:
            values[name] = names.get(values[name], values[name])
    for name in ("amount", "budget"):
        if name in values:
            values[name] = yuan(values[name])
    if "funders" in values:
        values["funders"] = [names.get(f, f) for f in values["funders"]]
    for name in ("words", "funders"):
        if name in values:
            values[name] = _SEPARATOR[lang].join(values[name])
    zh, en = _TEMPLATES[reason.code]
    return (en if lang == "en" else zh).format(**values)


def render_all(
    reasons: tuple[Reason, ...] | list[Reason],
    lang: str = "zh",
    names: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    return tuple(render(r, lang, names) for r in reasons)
