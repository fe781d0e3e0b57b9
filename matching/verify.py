"""Checks every hard rule of the contract on a result; the tests and the CLI rely on it."""

from __future__ import annotations

from collections import Counter

from .types import Instance, Result, may_serve


def verify(instance: Instance, result: Result) -> list[str]:
    """Every violated rule, as sentences naming the need, organization or funder; empty if the
    result is feasible and its summary honest."""
    problems: list[str] = []
    needs, orgs, funders = instance.need_pos, instance.org_pos, instance.funder_pos
    seen = Counter([p.need for p in result.pairings] + [u.need for u in result.unfunded])
    for need_id, times in seen.items():
        if need_id not in needs:
            problems.append(f"need {need_id}: not in the instance")
        elif times > 1:
            problems.append(f"need {need_id}: appears {times} times")
    problems += [f"need {n}: missing from the result" for n in needs if n not in seen]
    load: Counter[str] = Counter()
    spent: Counter[str] = Counter()
    for p in result.pairings:
        if p.need not in needs:
            continue
        need = instance.needs[needs[p.need]]
        if p.organization not in orgs:
            problems.append(f"need {p.need}: unknown organization {p.organization}")
        elif not may_serve(instance.organizations[orgs[p.organization]], need):
            problems.append(f"need {p.need}: organization {p.organization} may not serve it")
        load[p.organization] += 1
        givers = Counter(a.funder for a in p.funding)
        problems += [f"need {p.need}: funder {f} appears twice" for f, c in givers.items() if c > 1]
        for share in p.funding:
            if share.funder not in funders:
                problems.append(f"need {p.need}: unknown funder {share.funder}")
                continue
            funder = instance.funders[funders[share.funder]]
            if not funder.can_fund(need):
                problems.append(f"need {p.need}: funder {share.funder} may not fund it")
            if isinstance(share.amount_fen, bool) or not isinstance(share.amount_fen, int):
                problems.append(f"need {p.need}: amount from {share.funder} is not an integer")
            elif share.amount_fen <= 0:
                problems.append(f"need {p.need}: amount from {share.funder} is not positive")
            elif share.amount_fen > funder.cap_for(need):
                problems.append(f"need {p.need}: {share.funder} gives over its cap per need")
            spent[share.funder] += share.amount_fen
        total = sum(a.amount_fen for a in p.funding)
        if total != need.budget_fen:
            problems.append(f"need {p.need}: funded {total} fen of a {need.budget_fen} budget")
    for org_id, count in sorted(load.items()):
        if org_id in orgs and count > instance.organizations[orgs[org_id]].capacity:
            problems.append(f"organization {org_id}: {count} needs over capacity")
    for funder_id, amount in sorted(spent.items()):
        if funder_id in funders and amount > instance.funders[funders[funder_id]].budget_fen:
            problems.append(f"funder {funder_id}: gives {amount} fen over its budget")
    demand = sum(n.budget_fen for n in instance.needs)
    if result.demand_fen != demand:
        problems.append(f"summary: demand_fen {result.demand_fen} is not {demand}")
    return problems
