"""Rows -> the matching contract's instance, with the rows kept beside it to show results.

Needs are open community needs ("need-12") and approved projects still short of money
("project-5", naming their organization). Organizations are verified ones ("org-3"); funders
are programs whose fund holds money ("program-2") and verified enterprises with the money they
have pledged and not yet spent ("enterprise-7"). A project's own category and community count
as where its organization works: the foundation approved it to do that work there.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import selectinload

import matching
from funding.directory.models import Community, Enterprise, Need, NeedStatus, Organization
from funding.extensions import db, sum_fen
from funding.grants.records import track_records
from funding.i18n import localized
from funding.ledger.models import AccountKind
from funding.ledger.services import balance
from funding.pledges.models import Pledge, PledgeState
from funding.pledges.services import pledgeable_projects
from funding.proposals.models import Program, Proposal

#: An enterprise's money on offer: confirmed plus expected.
OPEN_PLEDGES = (PledgeState.PLEDGED, PledgeState.RECEIVED)


def ref(kind: str, row_id: int) -> str:
    """The instance id of a row: ``ref("need", 12) == "need-12"``."""
    return f"{kind}-{row_id}"


def parse_ref(value: str) -> tuple[str, int]:
    """``"need-12"`` -> ``("need", 12)``; ValueError for anything else."""
    kind, _, number = value.rpartition("-")
    if kind not in {"need", "project", "org", "program", "enterprise"} or not number.isdigit():
        raise ValueError(f"not a matchmaking reference: {value!r}")
    return kind, int(number)


@dataclass
class Snapshot:
    """One instance and the rows its ids stand for."""

    data: dict
    instance: matching.Instance
    rows: dict[str, object] = field(default_factory=dict)

    def row(self, item_ref: str):
        return self.rows.get(item_ref)

    def has(self, item_ref: str) -> bool:
        return item_ref in self.instance.need_pos or item_ref in self.instance.funder_pos


def short_projects() -> list[Proposal]:
    """Approved projects whose grant is not reserved yet (or that have no grant yet)."""
    return list(
        db.session.scalars(
            pledgeable_projects()
            .options(
                selectinload(Proposal.communities).selectinload(Community.street),
                selectinload(Proposal.organization),
            )
            .order_by(Proposal.id)
        )
    )


def _need_item(need: Need) -> dict:
    return {
        "id": ref("need", need.id),
        "street": need.community.street_code,
        "community": need.community.name,
        "category": need.category_code,
        "budget_fen": need.budget_estimate_fen,
        "beneficiaries": need.beneficiaries,
        "text": f"{need.title} {need.description}",
        "organization": None,
    }


def _project_item(proposal: Proposal) -> dict:
    place = proposal.communities[0]
    return {
        "id": ref("project", proposal.id),
        "street": place.street_code,
        "community": place.name,
        "category": proposal.category_code,
        "budget_fen": proposal.approved_amount_fen,
        "beneficiaries": proposal.direct_beneficiaries or 0,
        "text": f"{proposal.title} {proposal.summary}",
        "organization": ref("org", proposal.organization_id),
    }


def build_snapshot() -> Snapshot:
    """Read the rows and build the instance (validated by the engine's parser)."""
    rows: dict[str, object] = {}
    needs = db.session.scalars(
        sa.select(Need)
        .where(Need.status == NeedStatus.OPEN)
        .options(selectinload(Need.community))
        .order_by(Need.id)
    ).all()
    orgs = db.session.scalars(
        sa.select(Organization)
        .where(Organization.verified_at.is_not(None))
        .options(
            selectinload(Organization.categories),
            selectinload(Organization.streets),
            selectinload(Organization.communities),
        )
        .order_by(Organization.id)
    ).all()
    org_ids = {o.id for o in orgs}
    projects = [
        p
        for p in short_projects()
        if p.communities and p.category_code and p.organization_id in org_ids
    ]
    running, ratings, completed = track_records()
    extra: dict[int, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for p in projects:
        extra[p.organization_id][0].add(p.category_code)
        extra[p.organization_id][1].add(p.communities[0].name)

    need_items = []
    for need in needs:
        rows[ref("need", need.id)] = need
        need_items.append(_need_item(need))
    for proposal in projects:
        rows[ref("project", proposal.id)] = proposal
        need_items.append(_project_item(proposal))
    org_items = []
    for org in orgs:
        categories = [c.code for c in org.categories] + sorted(extra[org.id][0])
        if not categories:
            continue
        communities = [c.name for c in org.communities] + sorted(extra[org.id][1])
        rows[ref("org", org.id)] = org
        org_items.append(
            {
                "id": ref("org", org.id),
                "categories": list(dict.fromkeys(categories)),
                "streets": [s.code for s in org.streets],
                "communities": list(dict.fromkeys(communities)),
                "capacity": max(org.capacity - running[org.id], 0),
                "rating": ratings.get(org.id),
                "completed": completed[org.id],
                "text": org.description or "",
            }
        )
    data = {
        "version": 1,
        "needs": need_items,
        "organizations": org_items,
        "funders": _funders(rows),
    }
    return Snapshot(data=data, instance=matching.parse_instance(data), rows=rows)


def _funders(rows: dict[str, object]) -> list[dict]:
    items = []
    programs = db.session.scalars(
        sa.select(Program)
        .options(selectinload(Program.categories), selectinload(Program.streets))
        .order_by(Program.id)
    ).all()
    for program in programs:
        money = balance(AccountKind.PROGRAM_FUND, program.id)
        if money <= 0:
            continue
        rows[ref("program", program.id)] = program
        items.append(
            {
                "id": ref("program", program.id),
                "budget_fen": money,
                "categories": [c.code for c in program.categories],
                "streets": [s.code for s in program.streets],
                "max_per_need_fen": program.max_grant_fen,
            }
        )
    pledged = dict(
        db.session.execute(
            sa.select(Pledge.enterprise_id, sum_fen(Pledge.amount_fen))
            .where(Pledge.state.in_(OPEN_PLEDGES))
            .group_by(Pledge.enterprise_id)
        ).all()
    )
    enterprises = db.session.scalars(
        sa.select(Enterprise)
        .where(Enterprise.verified_at.is_not(None))
        .options(selectinload(Enterprise.categories), selectinload(Enterprise.streets))
        .order_by(Enterprise.id)
    ).all()
    for ent in enterprises:
        rows[ref("enterprise", ent.id)] = ent
        items.append(
            {
                "id": ref("enterprise", ent.id),
                "budget_fen": int(pledged.get(ent.id) or 0),
                "categories": [c.code for c in ent.categories],
                "streets": [s.code for s in ent.streets],
            }
        )
    return items


def current_snapshot() -> Snapshot:
    """The snapshot of this request, built once (the engine caches its index per instance)."""
    if not has_request_context():
        return build_snapshot()
    this = request._get_current_object()
    cached = g.get("match_snapshot")
    if cached is None or cached[0] is not this:  # tests may share ``g`` between requests
        cached = g.match_snapshot = (this, build_snapshot())
    return cached[1]


MODELS = {
    "need": Need,
    "project": Proposal,
    "org": Organization,
    "program": Program,
    "enterprise": Enterprise,
}


def resolve(refs) -> dict[str, object]:
    """The rows behind references, one query per kind (rows deleted since are left out)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for item in refs:
        kind, row_id = parse_ref(item)
        wanted[kind].add(row_id)
    found: dict[str, object] = {}
    for kind, ids in wanted.items():
        model = MODELS[kind]
        for row in db.session.scalars(sa.select(model).where(model.id.in_(ids))):
            found[ref(kind, row.id)] = row
    return found


_REF = re.compile(r"\b(?:need|project|org|program|enterprise)-\d+\b")


def name_refs(text: str, rows: dict[str, object]) -> str:
    """A reason sentence with the references it names ("资助方：program-2") as names."""

    def name(match: re.Match) -> str:
        row = rows.get(match.group(0))
        if row is None:
            return match.group(0)
        return getattr(row, "title", None) or localized(row, "name")

    return _REF.sub(name, text)
