"""Edge scores in [0, 1] with their reasons.

An organization's fit for a need weighs where it works (same community > same street > anywhere),
its standing (specialisation, rating, completed projects, capacity left) and how alike the texts
are. A funder's fit weighs whether it named the need's category and street and how much of the
budget it can give. The weights sum to 1 so scores compare across needs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .explain import Reason
from .types import Funder, Need, Organization

W_CATEGORY = 0.10  # specialised organizations (fewer categories) first
W_PLACE = 0.30
W_TRACK = 0.25  # rating and completed projects
W_CAPACITY = 0.05
W_TEXT = 0.30
PLACE = {"community": 1.0, "street": 0.6, "anywhere": 0.2, "named": 1.0}

W_FUNDER_CATEGORY = 0.30
W_FUNDER_STREET = 0.30
W_GRANT = 0.40
OPEN_PREFERENCE = 0.4  # a funder open to any category or street prefers none of them

FIT_SCALE = 100  # scores become integers 0..100 where an algorithm needs integer weights

_RUNS = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of each run of letters: Chinese needs no word segmentation for this."""
    grams: set[str] = set()
    for run in _RUNS.findall(text.lower()):
        grams.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return frozenset(grams)


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the bigram sets, doubled and capped: short texts share few bigrams."""
    ga, gb = bigrams(a), bigrams(b)
    if not ga or not gb:
        return 0.0
    return min(1.0, 4 * len(ga & gb) / (len(ga) + len(gb)))


def shared_words(a: str, b: str) -> list[str]:
    """The bigrams both texts use, in the order they appear in `a` (for a reason sentence)."""
    shared = bigrams(a) & bigrams(b)
    return [g for g in dict.fromkeys(a[i : i + 2] for i in range(len(a) - 1)) if g in shared]


def place_of(org: Organization, need: Need) -> str:
    """How specifically the organization covers the need's place (assumes it may serve it)."""
    if need.organization == org.id:
        return "named"
    if need.community in org.communities:
        return "community"
    if need.street in org.streets:
        return "street"
    return "anywhere"


def standing(org: Organization) -> float:
    """The part of an organization's fit that does not depend on the need."""
    rating = 0.5 if org.rating is None else org.rating / 5
    track = 0.6 * rating + 0.4 * min(org.completed, 10) / 10
    return (
        W_CATEGORY / len(org.categories) + W_TRACK * track + W_CAPACITY * min(org.capacity, 3) / 3
    )


def org_fit(need: Need, org: Organization, explain: bool = False) -> tuple[float, list[Reason]]:
    """Score of an organization for a need it may serve; reasons only when asked (allocation
    scores every candidate edge but explains only the chosen ones)."""
    place = place_of(org, need)
    score = standing(org) + W_PLACE * PLACE[place] + W_TEXT * similarity(need.text, org.text)
    if not explain:
        return score, []
    reasons: list[Reason] = [Reason("category", {"category": need.category})]
    if place == "named":
        reasons.append(Reason("named", {}))
    elif place == "community":
        reasons.append(Reason("community", {"community": need.community}))
    elif place == "street":
        reasons.append(Reason("street", {"street": need.street}))
    else:
        reasons.append(Reason("anywhere", {}))
    if org.rating is not None:
        reasons.append(Reason("track", {"rating": org.rating, "completed": org.completed}))
    elif org.completed:
        reasons.append(Reason("completed", {"completed": org.completed}))
    if org.capacity:
        reasons.append(Reason("capacity", {"capacity": org.capacity}))
    words = shared_words(need.text, org.text)
    if words:
        reasons.append(Reason("text", {"words": words[:3]}))
    return score, reasons


def funder_fit(
    need: Need, funder: Funder, left_fen: int | None = None, explain: bool = False
) -> tuple[float, list[Reason]]:
    """Score of a funder for a need it may fund: named preferences beat openness, and a funder
    that can cover more of the budget fits better. `left_fen` is its budget still unspent."""
    left = funder.budget_fen if left_fen is None else left_fen
    give = min(funder.cap_for(need), left)
    score = (
        W_FUNDER_CATEGORY * (1.0 if funder.categories else OPEN_PREFERENCE)
        + W_FUNDER_STREET * (1.0 if funder.streets else OPEN_PREFERENCE)
        + W_GRANT * give / need.budget_fen
    )
    if not explain:
        return score, []
    reasons: list[Reason] = []
    if funder.categories:
        reasons.append(Reason("funder_category", {"category": need.category}))
    if funder.streets:
        reasons.append(Reason("funder_street", {"street": need.street}))
    if not reasons:
        reasons.append(Reason("funder_open", {}))
    if give >= need.budget_fen:
        reasons.append(Reason("grant_covers", {"budget": need.budget_fen}))
    else:
        reasons.append(Reason("grant_part", {"amount": give}))
    return score, reasons
