"""Suggestion panels on other features' pages, from the request's one snapshot.

Each returns rows with the engine's score and reasons, rendered in the visitor's language; an
item the snapshot does not hold (a need no longer open, a funded project) gets no panel.
"""

from collections import Counter
from dataclasses import dataclass

import matching
from funding.directory.models import Enterprise, Need
from funding.matchmaking.adapter import current_snapshot, parse_ref, ref
from funding.matchmaking.reasons import GRANT_SIZE, refs_named, say_all
from funding.proposals.models import Proposal

PANEL_SIZE = 5


@dataclass(frozen=True)
class Suggested:
    kind: str  # need, project, org, program, category, enterprise
    row: object
    score: float
    reasons: tuple[str, ...]
    ref: str = ""  # the instance id ("program-2", "category-H")

    @property
    def percent(self) -> int:
        return round(100 * self.score)


def _rows(
    suggestions: list[matching.Suggestion], keep=lambda kind, row: True, drop=frozenset()
) -> list[Suggested]:
    """Suggestions with their rows and sentences; reasons whose code is in `drop` are left out."""
    snapshot = current_snapshot()
    snapshot.load([s.id for s in suggestions])
    snapshot.load(refs_named(r for s in suggestions for r in s.reasons))
    out = []
    for s in suggestions:
        kind, _ = parse_ref(s.id)
        row = snapshot.row(s.id)
        if row is not None and keep(kind, row):
            reasons = [r for r in s.reasons if r.code not in drop]
            said = tuple(say_all(reasons, snapshot.rows))
            out.append(Suggested(kind, row, s.score, said, s.id))
    return out


def organizations_for_need(need: Need, k: int = PANEL_SIZE) -> list[Suggested]:
    """Organizations that could serve an open need."""
    snapshot = current_snapshot()
    item = ref("need", need.id)
    if item not in snapshot.instance.need_pos:
        return []
    return _rows(matching.suggest_for_need(snapshot.instance, item, k=k))


def _funders(item: str, k: int, public: bool) -> list[Suggested]:
    """Funders that might back a need or project; on public pages an enterprise that keeps
    its giving unlisted is left out."""
    snapshot = current_snapshot()
    if item not in snapshot.instance.need_pos:
        return []
    found = matching.suggest_funders_for_need(snapshot.instance, item, k=k + 5)
    listed = _rows(
        found,
        lambda kind, row: not (public and kind == "enterprise" and not row.public_listing),
    )
    return listed[:k]


def funders_for_project(
    proposal: Proposal, k: int = PANEL_SIZE, public: bool = False
) -> list[Suggested]:
    """Programs, category funds and enterprises that might back an approved project still
    short of money."""
    return _funders(ref("project", proposal.id), k, public)


def funders_for_need(need: Need, k: int = PANEL_SIZE, public: bool = False) -> list[Suggested]:
    """Programs, category funds and enterprises that might back a project for an open need."""
    return _funders(ref("need", need.id), k, public)


def fits_for_enterprise(enterprise: Enterprise, k: int = PANEL_SIZE) -> dict[str, list]:
    """Projects short of money and open needs that fit an enterprise's preferences."""
    snapshot = current_snapshot()
    item = ref("enterprise", enterprise.id)
    if item not in snapshot.instance.funder_pos:
        return {"projects": [], "needs": []}
    found = for_funder(item, restrict=None, per_kind=k)
    return {
        "projects": [s for s in found if s.kind == "project"],
        "needs": [s for s in found if s.kind == "need"],
    }


def for_funder(
    funder_ref: str, restrict: set[str] | None, per_kind: int | None = None
) -> list[Suggested]:
    """Every need a funder may fund, best first, optionally only those in ``restrict`` and
    only the first ``per_kind`` open needs and projects.

    A funder with nothing pledged yet says nothing useful about grant size ("can give up to
    ¥0"), so those reasons are dropped for it.
    """
    snapshot = current_snapshot()
    instance = snapshot.instance
    funder = instance.funders[instance.funder_pos[funder_ref]]
    key = (funder_ref, per_kind)
    found = snapshot.ranked.get(key) if restrict is None else None
    if found is None:
        found = matching.suggest_for_funder(instance, funder_ref, k=len(instance.needs))
        if restrict is not None:
            found = [s for s in found if s.id in restrict]
        if per_kind is not None:
            found = _first_per_kind(found, per_kind)
        if restrict is None:
            snapshot.ranked[key] = found
    return _rows(found, drop=GRANT_SIZE if funder.budget_fen == 0 else frozenset())


def _first_per_kind(found: list, per_kind: int) -> list:
    seen: Counter[str] = Counter()
    kept = []
    for s in found:
        kind, _ = parse_ref(s.id)
        seen[kind] += 1
        if seen[kind] <= per_kind:
            kept.append(s)
    return kept
