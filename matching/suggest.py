"""Ranked suggestions for one item, each with its reasons.

For a need: organizations that may serve it, and funders that may back it. For a funder: needs it
may fund. For an organization: needs it may serve. Every candidate is scored (the index keeps
that to the item's own buckets) and only the top k are explained.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from .explain import Reason
from .index import index_for
from .scoring import funder_fit, org_fit
from .types import Instance, Suggestion


def _lookup(positions: dict[str, int], kind: str, item_id: str) -> int:
    if item_id not in positions:
        raise LookupError(f"no {kind} with id {item_id!r}")
    return positions[item_id]


def _top(
    kind: str,
    ids: list[str],
    score: Callable[[int, bool], tuple[float, list[Reason]]],
    k: int,
) -> list[Suggestion]:
    """The k best of the candidates (ties: input order), with their reasons."""
    scores = [score(j, False)[0] for j in range(len(ids))]
    best = heapq.nsmallest(k, range(len(ids)), key=lambda j: (-scores[j], j))
    return [Suggestion(kind, ids[j], round(scores[j], 3), tuple(score(j, True)[1])) for j in best]


def suggest_for_need(instance: Instance, need_id: str, k: int = 10) -> list[Suggestion]:
    """Organizations that may serve the need, best fit first."""
    pos = _lookup(instance.need_pos, "need", need_id)
    need = instance.needs[pos]
    orgs = [instance.organizations[o] for o in index_for(instance).orgs_for(pos)]
    return _top("organization", [o.id for o in orgs], lambda j, why: org_fit(need, orgs[j], why), k)


def suggest_funders_for_need(instance: Instance, need_id: str, k: int = 10) -> list[Suggestion]:
    """Funders that may back the need (or the proposal that answers it), best fit first."""
    pos = _lookup(instance.need_pos, "need", need_id)
    need = instance.needs[pos]
    funders = [instance.funders[f] for f in index_for(instance).funders_for(pos)]
    return _top(
        "funder",
        [f.id for f in funders],
        lambda j, why: funder_fit(need, funders[j], explain=why),
        k,
    )


def suggest_for_funder(instance: Instance, funder_id: str, k: int = 10) -> list[Suggestion]:
    """Needs the funder may fund, best fit first."""
    pos = _lookup(instance.funder_pos, "funder", funder_id)
    funder = instance.funders[pos]
    needs = [instance.needs[i] for i in index_for(instance).needs_for_funder(pos)]
    return _top(
        "need",
        [n.id for n in needs],
        lambda j, why: funder_fit(needs[j], funder, explain=why),
        k,
    )


def suggest_for_organization(instance: Instance, org_id: str, k: int = 10) -> list[Suggestion]:
    """Needs the organization may serve, best fit first."""
    pos = _lookup(instance.org_pos, "organization", org_id)
    org = instance.organizations[pos]
    needs = [instance.needs[i] for i in index_for(instance).needs_for_org(pos)]
    return _top("need", [n.id for n in needs], lambda j, why: org_fit(needs[j], org, why), k)
