"""Seeded synthetic instances at three scales, shaped like the district's own figures.

Categories follow a skew (elderly care and governance most common), budgets are log-normal in
whole thousands of yuan, organizations mostly work in one community or a few streets, funders
mostly prefer one district's streets and some categories, and the money on offer is 80% of the
demand so that choices matter.

The tight scale is the district's real rounds: 50-120 needs, 150-400 organizations (most bound
to one or two communities, capacity 1-3), 10-30 funders that nearly all name categories and
streets, per-need caps around the median budget, and 60-90% of the demand in money, all drawn
per seed. Restrictions, caps and capacity all bind, so the funded set is a real choice.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Shangcheng's streets (code -> name) from the directory's own data file: the district scale
#: is laid out on them.
STREETS = {
    street["code"]: street["name"]
    for street in json.loads(
        (Path(__file__).resolve().parent.parent / "funding/data/shangcheng.json").read_text("utf-8")
    )["streets"]
}
CATEGORY_WEIGHTS = {"H": 20, "A": 15, "I": 14, "G": 12, "D": 10, "B": 9, "C": 8, "E": 6, "F": 6}
WORDS = {
    "A": ["居民议事", "协商共治", "楼道自治", "社区规划", "志愿者管理"],
    "B": ["邻里融合", "新居民融入", "文化活动", "邻里节", "社区共建"],
    "C": ["心理咨询", "法律援助", "社会工作", "个案管理", "康复服务"],
    "D": ["环保宣传", "垃圾分类", "公益市集", "爱心义卖", "社区花园"],
    "E": ["组织培育", "骨干培训", "项目管理", "财务规范", "能力建设"],
    "F": ["孵化平台", "资源对接", "督导支持", "评估服务", "信息平台"],
    "G": ["困难家庭", "残疾人帮扶", "低保救助", "就业援助", "临时救助"],
    "H": ["独居老人", "助餐服务", "上门探访", "老年食堂", "失智照护", "适老改造"],
    "I": ["四点半课堂", "青少年成长", "亲子阅读", "暑期托管", "心理辅导"],
}
#: Communities of the district's streets named in public data (the others are synthesised).
DISTRICT_COMMUNITIES = {
    "330102001": ["清波门社区", "劳动路社区", "定安路社区", "清河坊社区", "柳翠井巷社区"],
    "330102003": ["涌金门社区", "青年路社区", "东平巷社区", "岳王路社区", "东坡路社区"],
    "330102004": ["小营巷社区", "马市街社区", "紫金观巷社区", "老浙大社区", "大学路社区"],
    "330102009": ["上羊市街社区", "十五奎巷社区", "彩霞岭社区", "候潮门社区", "凤凰社区"],
}


#: Per-need caps of funders (fen): most bind only on large needs.
CAPS = (None, None, 5_000_000, 10_000_000, 20_000_000, 50_000_000)
#: The tight scale's caps: around the median budget, so that they bind.
TIGHT_CAPS = (None, 3_000_000, 5_000_000, 8_000_000, 10_000_000)

Size = int | tuple[int, int]  # a count, or a range drawn per seed


@dataclass(frozen=True)
class Scale:
    name: str
    needs: Size
    organizations: Size
    funders: Size
    districts: int
    streets_per_district: int
    communities_per_street: int
    anywhere_orgs: float  # share of organizations that work anywhere
    open_funders: float  # share of funders with no preference at all
    community_orgs: float = 0.35  # organizations up to this share work in a few communities
    money: tuple[float, float] = (0.8, 0.8)  # money on offer as a share of demand
    preferring_funders: float = 0.5  # share of place-bound funders that also name categories
    caps: tuple[int | None, ...] = CAPS


SCALES = {
    "tight": Scale(
        "tight",
        (50, 120),
        (150, 400),
        (10, 30),
        1,
        6,
        9,
        0.01,
        0.0,
        community_orgs=0.6,
        money=(0.6, 0.9),
        preferring_funders=0.9,
        caps=TIGHT_CAPS,
    ),
    "district": Scale("district", 200, 1400, 200, 1, 6, 9, 0.03, 0.05),
    "city": Scale("city", 8000, 20000, 2000, 13, 15, 10, 0.005, 0.02),
    "large": Scale("large", 50000, 200000, 20000, 100, 12, 12, 0.001, 0.005),
}


def _size(rng: random.Random, size: Size) -> int:
    return size if isinstance(size, int) else rng.randint(*size)


def _geography(scale: Scale) -> list[list[tuple[str, list[str]]]]:
    """Districts as lists of (street code, communities); the first is Shangcheng at district
    scale."""
    if scale.districts == 1:
        return [
            [
                (code, DISTRICT_COMMUNITIES.get(code, [f"{name[:2]}{k}社区" for k in range(1, 10)]))
                for code, name in STREETS.items()
            ]
        ]
    return [
        [
            (code, [f"{code[-5:]}-{k}社区" for k in range(1, scale.communities_per_street + 1)])
            for code in (f"33{d:04d}{s:03d}" for s in range(1, scale.streets_per_district + 1))
        ]
        for d in range(1, scale.districts + 1)
    ]


def _categories(rng: random.Random, most: int) -> list[str]:
    picked = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()), k=most)
    return list(dict.fromkeys(picked))


def _text(rng: random.Random, categories: list[str], words: int) -> str:
    return "，".join(rng.choice(WORDS[c]) for c in rng.choices(categories, k=words))


def _yuan_thousands(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    """Fen, log-normal, rounded to whole thousands of yuan."""
    value = min(high, max(low, rng.lognormvariate(0, sigma) * median))
    return round(value / 1000) * 1000 * 100


def generate(scale: Scale | str, seed: int = 1) -> dict[str, Any]:
    """An instance JSON object (the contract's format) for the scale, the same for the same
    seed."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    rng = random.Random(f"{scale.name}:{seed}")
    sizes = random.Random(f"{scale.name}:{seed}:sizes")  # leaves the fixed scales unchanged
    count_needs, count_orgs, count_funders = (
        _size(sizes, s) for s in (scale.needs, scale.organizations, scale.funders)
    )
    districts = _geography(scale)
    streets = [s for d in districts for s in d]
    district_of = {code: d for d in districts for code, _ in d}

    orgs = []
    for i in range(count_orgs):
        cats = _categories(rng, rng.choice([1, 1, 2, 2, 3]))
        district = rng.choice(districts)
        kind = rng.random()
        streets_at: list[str] = []
        communities: list[str] = []
        if kind < scale.anywhere_orgs:
            pass
        elif kind < scale.community_orgs:
            _, names = rng.choice(district)
            communities = rng.sample(names, rng.choice([1, 1, 2]))
        elif kind < 0.87:
            streets_at = [code for code, _ in rng.sample(district, rng.choice([1, 1, 2]))]
        else:
            streets_at = [code for code, _ in district]
        orgs.append(
            {
                "id": f"o{i + 1}",
                "categories": cats,
                "streets": streets_at,
                "communities": communities,
                "capacity": rng.choices([1, 2, 3], weights=[50, 35, 15])[0],
                "rating": round(rng.uniform(3.0, 5.0), 1) if rng.random() < 0.6 else None,
                "completed": min(30, int(rng.expovariate(0.25))),
                "text": _text(rng, cats, 3),
            }
        )

    needs = []
    for i in range(count_needs):
        named = rng.choice(orgs) if rng.random() < 0.1 else None
        if named and named["communities"]:
            community = rng.choice(named["communities"])
            street = next(code for code, names in streets if community in names)
        elif named and named["streets"]:
            street = rng.choice(named["streets"])
            community = rng.choice(dict(streets)[street])
        else:
            street, names = rng.choice(streets)
            community = rng.choice(names)
        category = rng.choice(named["categories"]) if named else _categories(rng, 1)[0]
        needs.append(
            {
                "id": f"n{i + 1}",
                "street": street,
                "community": community,
                "category": category,
                "budget_fen": _yuan_thousands(rng, 60_000, 0.7, 10_000, 500_000),
                "beneficiaries": rng.randint(20, 500),
                "text": _text(rng, [category], 2),
                "organization": named["id"] if named else None,
            }
        )

    demand = sum(n["budget_fen"] for n in needs)
    weights = [rng.lognormvariate(0, 1.0) for _ in range(count_funders)]
    share = scale.money[0] if scale.money[0] == scale.money[1] else sizes.uniform(*scale.money)
    money = share * demand / sum(weights)
    funders = []
    for i, weight in enumerate(weights):
        street = rng.choice(streets)[0]
        district = [code for code, _ in district_of[street]]
        kind = rng.random()
        if kind < scale.open_funders:
            cats, where = [], []
        elif kind < 0.45:
            cats = _categories(rng, 2) if rng.random() < scale.preferring_funders else []
            where = rng.sample(district, min(len(district), rng.choice([1, 2, 3])))
        elif kind < 0.8:
            prefers = rng.random() < scale.preferring_funders
            cats, where = (_categories(rng, 2) if prefers else []), district
        else:
            cats, where = _categories(rng, 2), []
        cap = rng.choice(scale.caps)
        funders.append(
            {
                "id": f"f{i + 1}",
                "budget_fen": max(100_000, round(weight * money / 100_000) * 100_000),
                "categories": cats,
                "streets": where,
                "max_per_need_fen": cap,
            }
        )
    return {"version": 1, "needs": needs, "organizations": orgs, "funders": funders}
