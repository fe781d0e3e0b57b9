"""Candidate generation through buckets keyed by (category, place): never all pairs.

An organization is filed under each (category, community), (category, street) or, when it works
anywhere, (category, *); a need looks up only its own three buckets. Funders are filed under
(category or *, street or *), so a need reads four buckets. Buckets are kept best-first, and a
need reads a limited number of candidates as equal shares of its buckets, each share a window
at a need-dependent offset, so that popular organizations and open funders are spread over needs
instead of being everyone's first choice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import chain
from weakref import WeakKeyDictionary

from .scoring import standing
from .types import Instance, may_serve

_ANY = "*"
_SPREAD = 2654435761  # Knuth's multiplicative hash: offsets that look unrelated for i, i + 1


def _quotas(sizes: list[int], limit: int) -> list[int]:
    """How many items to read from each bucket: equal shares, and what a small bucket cannot
    use goes to the others. Equal shares keep every kind of funder (and organization) reachable
    from many needs, which is what lets money flow where it is needed."""
    quota = [0] * len(sizes)
    room = limit
    while room > 0:
        open_ = [j for j, size in enumerate(sizes) if quota[j] < size]
        if not open_:
            break
        each = max(1, room // len(open_))
        for j in open_:
            add = min(each, sizes[j] - quota[j], room)
            quota[j] += add
            room -= add
    return quota


def _window(bucket: list[int], key: int, count: int) -> list[int]:
    """`count` items of the bucket from a key-dependent start, so that needs share them out."""
    if count >= len(bucket):
        return bucket
    start = key * _SPREAD % len(bucket)
    return (bucket[start:] + bucket[:start])[:count]


class CandidateIndex:
    """Who may serve, fund or be served by whom, answered from buckets."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        orgs: defaultdict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i, org in enumerate(instance.organizations):
            if org.capacity == 0:
                continue
            for cat in org.categories:
                if org.anywhere:
                    orgs[cat, _ANY, ""].append(i)
                for community in org.communities:
                    orgs[cat, "c", community].append(i)
                for street in org.streets:
                    orgs[cat, "s", street].append(i)
        rank = [-standing(o) for o in instance.organizations]
        for bucket in orgs.values():
            bucket.sort(key=lambda i: (rank[i], i))
        self._orgs = dict(orgs)

        funders: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        for i, f in enumerate(instance.funders):
            if f.budget_fen == 0:
                continue
            for cat in f.categories or (_ANY,):
                for street in f.streets or (_ANY,):
                    funders[cat, street].append(i)
        budget = [-f.budget_fen for f in instance.funders]
        for bucket in funders.values():
            bucket.sort(key=lambda i: (budget[i], i))
        self._funders = dict(funders)

        needs: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        for i, n in enumerate(instance.needs):
            for key in ((n.category, n.street), (n.category, _ANY), (_ANY, n.street), (_ANY, _ANY)):
                needs[key].append(i)
            needs["c:" + n.category, n.community].append(i)
        self._needs = dict(needs)

    def orgs_for(self, need_pos: int, limit: int | None = None) -> list[int]:
        """Organizations that may serve the need: same community first, then street, then any."""
        inst = self.instance
        need = inst.needs[need_pos]
        if need.organization is not None:
            o = inst.org_pos[need.organization]
            org = inst.organizations[o]
            return [o] if org.capacity > 0 and may_serve(org, need) else []
        buckets = (
            self._orgs.get((need.category, "c", need.community), []),
            self._orgs.get((need.category, "s", need.street), []),
            self._orgs.get((need.category, _ANY, ""), []),
        )
        return self._take(buckets, need_pos, limit)

    def funder_keys(self, need_pos: int) -> list[tuple[str, str]]:
        """The need's four funder buckets, most specific first; a funder that may fund the need
        is filed under exactly one of them."""
        need = self.instance.needs[need_pos]
        return [
            (need.category, need.street),
            (_ANY, need.street),
            (need.category, _ANY),
            (_ANY, _ANY),
        ]

    def funder_buckets(self) -> dict[tuple[str, str], list[int]]:
        """Funders by bucket, for bounds that need not list every pair."""
        return self._funders

    def funders_for(self, need_pos: int, limit: int | None = None) -> list[int]:
        """Funders that may fund the need: those naming both its category and street first."""
        keys = self.funder_keys(need_pos)
        return self._take([self._funders.get(k, []) for k in keys], need_pos, limit)

    @staticmethod
    def _take(buckets: Sequence[list[int]], key: int, limit: int | None) -> list[int]:
        """Distinct items of the buckets in order, at most `limit` of them."""
        if limit is None:
            return list(dict.fromkeys(chain.from_iterable(buckets)))
        quotas = _quotas([len(b) for b in buckets], limit)
        windows = (_window(b, key, q) for b, q in zip(buckets, quotas, strict=True))
        return list(dict.fromkeys(chain.from_iterable(windows)))

    def needs_for_org(self, org_pos: int) -> list[int]:
        """Needs the organization may serve, in input order."""
        org = self.instance.organizations[org_pos]
        found: list[int] = []
        for cat in org.categories:
            if org.anywhere:
                found += self._needs.get((cat, _ANY), [])
            for community in org.communities:
                found += self._needs.get(("c:" + cat, community), [])
            for street in org.streets:
                found += self._needs.get((cat, street), [])
        needs = self.instance.needs
        return sorted(i for i in set(found) if needs[i].organization in (None, org.id))

    def needs_for_funder(self, funder_pos: int) -> list[int]:
        """Needs the funder may fund, in input order."""
        f = self.instance.funders[funder_pos]
        found: list[int] = []
        for cat in f.categories or (_ANY,):
            for street in f.streets or (_ANY,):
                found += self._needs.get((cat, street), [])
        return sorted(set(found))


_INDEXES: WeakKeyDictionary[Instance, CandidateIndex] = WeakKeyDictionary()


def index_for(instance: Instance) -> CandidateIndex:
    """The instance's index, built once (suggestions for many items share it)."""
    index = _INDEXES.get(instance)
    if index is None:
        index = _INDEXES[instance] = CandidateIndex(instance)
    return index
