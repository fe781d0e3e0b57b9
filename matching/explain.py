"""Reason sentences in Chinese (the default) and English.

Scoring and allocation speak in reason keys with parameters; this module alone turns them into
sentences, so the algorithms stay language-free and both languages say the same thing.
"""

from __future__ import annotations

from typing import Any

from .catalog import category_name, street_name

#: A reason before rendering: (template key, parameters).
Reason = tuple[str, dict[str, Any]]

LANGS = ("zh", "en")

_TEMPLATES: dict[str, tuple[str, str]] = {
    # organization <-> need
    "category": ("服务领域一致：{category}", "Same service area: {category}"),
    "community": ("同一社区：{community}", "Works in the same community: {community}"),
    "street": ("同一街道：{street}", "Works in the same street: {street}"),
    "anywhere": ("服务范围不限地区", "Works in any area"),
    "named": ("申报书指定的执行机构", "Named in the proposal as the implementer"),
    "track": (
        "评分 {rating}，已完成 {completed} 个项目",
        "Rated {rating}, {completed} projects done",
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

_SEPARATOR = {"zh": "、", "en": ", "}


def yuan(fen: int) -> str:
    """Money for people: ¥ with thousands separators, cents only when there are some."""
    whole, cents = divmod(fen, 100)
    return f"¥{whole:,}" + (f".{cents:02d}" if cents else "")


def render(reason: Reason, lang: str = "zh") -> str:
    """One reason as a sentence; categories and streets given by code are named."""
    key, params = reason
    values = dict(params)
    if "category" in values:
        values["category"] = category_name(values["category"], lang)
    if "street" in values:
        values["street"] = street_name(values["street"])
    for name in ("amount", "budget"):
        if name in values:
            values[name] = yuan(values[name])
    for name in ("words", "funders"):
        if name in values:
            values[name] = _SEPARATOR[lang].join(values[name])
    zh, en = _TEMPLATES[key]
    return (en if lang == "en" else zh).format(**values)


def render_all(reasons: list[Reason], lang: str = "zh") -> tuple[str, ...]:
    return tuple(render(r, lang) for r in reasons)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    return lang
