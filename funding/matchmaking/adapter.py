"""Rows -> the matching contract's instance, with the rows kept beside it to show results.

Every need and every yuan is counted once:

- Needs are open community needs ("need-12") that no approved or funded project answers, and
  approved projects still short of money ("project-5", naming their organization): their
  approved amount less what their own fund holds and what enterprises have pledged to them and
  not yet paid.
- Money is counted where it is earmarked. A program ("program-2") offers its free money (the
  fund less what it has promised, as `figures.available_fen` says) and program pledges not yet
  paid. A category fund ("category-H") offers its balance and category pledges not yet paid,
  for that category only. An enterprise ("enterprise-7") offers its pool pledges that are not
  yet reserved for a grant: what is due and what arrived and waits in the pool. Money given
  to one project lowers that project's need and is offered to nothing else.

Organizations are verified ones ("org-3"). Communities are keyed by id ("community-4"): names
repeat across a city. A project's own category and community count as where its organization
works: the foundation approved it to do that work there. The instance carries the
directory's names of categories, streets and communities, for the library's own sentences.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from sqlalchemy.orm import selectinload

import matching
from funding.caching import cache, data_version
from funding.dates import today
from funding.directory.models import (
    Community,
    Enterprise,
    Need,
    NeedStatus,
    Organization,
    ServiceCategory,
    Street,
    organization_communities,
    party_categories,
    party_streets,
)
from funding.extensions import db
from funding.figures import available_by_program, giving, promised_matches_by_project
from funding.grants.models import Grant, GrantState
from funding.grants.records import track_records
from funding.ledger.models import Account, AccountKind
from funding.pledges.models import Pledge, PledgeTarget
from funding.pledges.services import pledgeable_projects
from funding.proposals.models import Program, Proposal, proposal_needs
from funding.proposals.needs import ANSWERING

PARSED = "matching-snapshot"  # app.extensions key: (cache key, the parsed snapshot)
KINDS = {"need", "project", "org", "program", "enterprise", "category", "community"}


def ref(kind: str, key: int | str) -> str:
    """The instance id of a row: ``ref("need", 12) == "need-12"``, ``ref("category", "H")``."""
    return f"{kind}-{key}"


def parse_ref(value: str) -> tuple[str, int | str]:
    """``"need-12"`` -> ``("need", 12)``, ``"category-H"`` -> ``("category", "H")``;
    ValueError for anything else."""
    kind, _, key = value.rpartition("-")
    if kind == "category" and key.isalpha():
        return kind, key
    if kind not in KINDS or not key.isdigit():
        raise ValueError(f"not a matchmaking reference: {value!r}")
    return kind, int(key)


@dataclass
class Snapshot:
    """One instance and the rows its ids stand for, read as a page asks for them."""

    data: dict
    instance: matching.Instance
    rows: dict[str, object] = field(default_factory=dict)
    #: Rankings computed on this instance, shared by the requests of a worker until the data
    #: changes (a funder's panel ranks every need: worth doing once, not per request).
    ranked: dict[tuple, list] = field(default_factory=dict)

    def load(self, refs: Iterable[str]) -> None:
        """Read the rows behind these references, one query per kind: a page loads what it
        is about to show before its loop, so its statement count stays fixed."""
        missing = {item for item in refs if item not in self.rows}
        if missing:
            self.rows.update(dict.fromkeys(missing))
            self.rows.update(resolve(missing))

    def row(self, item_ref: str):
        """The row behind a reference (None for one deleted since the instance was built)."""
        self.load((item_ref,))
        return self.rows[item_ref]

    def has(self, item_ref: str) -> bool:
        return item_ref in self.instance.need_pos or item_ref in self.instance.funder_pos


def answered_need_ids() -> sa.Select:
    """Needs that an approved or funded project answers (a terminated grant answers none)."""
    return (
        sa.select(proposal_needs.c.need_id)
        .join(Proposal, Proposal.id == proposal_needs.c.proposal_id)
        .outerjoin(Grant, Grant.proposal_id == Proposal.id)
        .where(
            Proposal.state.in_(ANSWERING),
            sa.or_(Grant.id.is_(None), Grant.state != GrantState.TERMINATED),
        )
    )


def open_needs() -> list[sa.Row]:
    """Open needs that no project answers yet, as plain rows with their street."""
    return db.session.execute(
        sa.select(
            Need.id,
            Need.community_id,
            Community.street_code,
            Need.category_code,
            Need.budget_estimate_fen,
            Need.beneficiaries,
            Need.title,
            Need.description,
        )
        .join(Community, Community.id == Need.community_id)
        .where(Need.status == NeedStatus.OPEN, Need.id.not_in(answered_need_ids()))
        .order_by(Need.id)
    ).all()


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


@dataclass
class Money:
    """What the ledger and the pledges offer, by where it is earmarked (fen)."""

    programs: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    categories: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    enterprises: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    #: Per project: its own fund, what is pledged to it and not yet paid, and the matching
    #: gifts its program promised for those pledges and has not yet added.
    projects: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def money_on_offer() -> Money:
    """Money by target, each yuan once: balances for what arrived, pledges for what is due."""
    money = Money()
    for program_id, free in available_by_program().items():
        money.programs[program_id] += max(0, free)
    for kind, key, balance in db.session.execute(
        sa.select(Account.kind, Account.ref, Account.balance_fen).where(
            Account.kind.in_((AccountKind.CATEGORY_FUND, AccountKind.PROJECT_FUND))
        )
    ):
        if kind == AccountKind.CATEGORY_FUND:
            money.categories[key] += balance
        else:
            money.projects[int(key)] += balance
    flows = giving(by_pledge=True)  # cancelled, refunded or paid-out pledges have nothing left
    pledges = db.session.execute(
        sa.select(
            Pledge.id,
            Pledge.target,
            Pledge.enterprise_id,
            Pledge.program_id,
            Pledge.category_code,
            Pledge.proposal_id,
        )
    ).all()
    for pledge_id, target, enterprise_id, program_id, category, proposal_id in pledges:
        flow = flows.get(pledge_id)
        due = flow.due_fen if flow else 0
        if target == PledgeTarget.POOL:  # what arrived waits in the pool under its name
            money.enterprises[enterprise_id] += due + (flow.waiting_fen if flow else 0)
        elif target == PledgeTarget.PROGRAM:
            money.programs[program_id] += due
        elif target == PledgeTarget.CATEGORY:
            money.categories[category] += due
        else:
            money.projects[proposal_id] += due
    for proposal_id, promised in promised_matches_by_project().items():
        money.projects[proposal_id] += promised
    return money


def _directory_names() -> tuple[dict[str, str], dict[str, str]]:
    """Names of categories, streets and communities from the directory, in zh and en."""
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    for category in db.session.scalars(sa.select(ServiceCategory)):
        zh[category.code], en[category.code] = category.name, category.name_en
    for street in db.session.scalars(sa.select(Street)):
        zh[street.code], en[street.code] = street.name, street.name_en
    for community in db.session.scalars(sa.select(Community)):
        zh[ref("community", community.id)] = en[ref("community", community.id)] = community.name
    return zh, en


def _need_item(need: sa.Row) -> dict:
    return {
        "id": ref("need", need.id),
        "street": need.street_code,
        "community": ref("community", need.community_id),
        "category": need.category_code,
        "budget_fen": need.budget_estimate_fen,
        "beneficiaries": need.beneficiaries,
        "text": f"{need.title} {need.description}",
        "organization": None,
    }


def _project_item(proposal: Proposal, short_fen: int) -> dict:
    place = proposal.communities[0]
    return {
        "id": ref("project", proposal.id),
        "street": place.street_code,
        "community": ref("community", place.id),
        "category": proposal.category_code,
        "budget_fen": short_fen,
        "beneficiaries": proposal.direct_beneficiaries or 0,
        "text": f"{proposal.title} {proposal.summary}",
        "organization": ref("org", proposal.organization_id),
    }


@dataclass
class Links:
    """Each party's categories and streets and each organization's communities, in the order
    their pages list them, read as plain rows: a district's 1,400 organizations as objects
    with their collections cost most of a snapshot."""

    categories: dict[int, list[str]]
    streets: dict[int, list[str]]
    communities: dict[int, list[int]]


def _links() -> Links:
    def grouped(query: sa.Select) -> dict[int, list]:
        found: dict[int, list] = defaultdict(list)
        for key, value in db.session.execute(query):
            found[key].append(value)
        return found

    categories = party_categories.c
    streets = party_streets.c
    communities = organization_communities.c
    return Links(
        grouped(
            sa.select(categories.party_id, categories.category_code).order_by(
                categories.party_id, categories.category_code
            )
        ),
        grouped(
            sa.select(streets.party_id, streets.street_code)
            .join(Street, Street.code == streets.street_code)
            .order_by(streets.party_id, Street.position)
        ),
        grouped(
            sa.select(communities.organization_id, communities.community_id).order_by(
                communities.organization_id, communities.community_id
            )
        ),
    )


def snapshot_data() -> dict:
    """The matching instance as plain data, read from the rows (the contract's JSON)."""
    money = money_on_offer()
    orgs = db.session.execute(
        sa.select(Organization.id, Organization.capacity, Organization.description)
        .where(Organization.verified_at.is_not(None))
        .order_by(Organization.id)
    ).all()
    links = _links()
    org_ids = {o.id for o in orgs}
    projects = [
        (p, p.approved_amount_fen - money.projects[p.id])
        for p in short_projects()
        if p.communities and p.category_code and p.organization_id in org_ids
    ]
    projects = [(p, short) for p, short in projects if short > 0]
    running, ratings, completed = track_records()
    extra: dict[int, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for p, _ in projects:
        extra[p.organization_id][0].add(p.category_code)
        extra[p.organization_id][1].add(p.communities[0].id)

    need_items = [_need_item(need) for need in open_needs()]
    for proposal, short in projects:
        need_items.append(_project_item(proposal, short))
    org_items = []
    for org in orgs:
        categories = links.categories[org.id] + sorted(extra[org.id][0])
        if not categories:
            continue
        communities = links.communities[org.id] + sorted(extra[org.id][1])
        org_items.append(
            {
                "id": ref("org", org.id),
                "categories": list(dict.fromkeys(categories)),
                "streets": links.streets[org.id],
                "communities": [ref("community", c) for c in dict.fromkeys(communities)],
                "capacity": max(org.capacity - running[org.id], 0),
                "rating": ratings.get(org.id),
                "completed": completed[org.id],
                "text": org.description or "",
            }
        )
    zh, en = _directory_names()
    data = {
        "version": 1,
        "needs": need_items,
        "organizations": org_items,
        "funders": _funders(money, links),
        "names": {"zh": zh, "en": en},
    }
    return data


def _funders(money: Money, links: Links) -> list[dict]:
    items = []
    programs = db.session.scalars(
        sa.select(Program)
        .options(selectinload(Program.categories), selectinload(Program.streets))
        .order_by(Program.id)
    ).all()
    for program in programs:
        if money.programs[program.id] <= 0:
            continue
        items.append(
            {
                "id": ref("program", program.id),
                "budget_fen": money.programs[program.id],
                "categories": [c.code for c in program.categories],
                "streets": [s.code for s in program.streets],
                "max_per_need_fen": program.max_grant_fen,
            }
        )
    for category in db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.code)):
        if money.categories[category.code] <= 0:
            continue
        items.append(
            {
                "id": ref("category", category.code),
                "budget_fen": money.categories[category.code],
                "categories": [category.code],
                "streets": [],
            }
        )
    enterprises = db.session.scalars(
        sa.select(Enterprise.id).where(Enterprise.verified_at.is_not(None)).order_by(Enterprise.id)
    )
    for ent_id in enterprises:
        items.append(
            {
                "id": ref("enterprise", ent_id),
                "budget_fen": money.enterprises[ent_id],
                "categories": links.categories[ent_id],
                "streets": links.streets[ent_id],
            }
        )
    return items


def current_snapshot() -> Snapshot:
    """This request's snapshot. Its data is built once per data version and kept in the
    application's cache (``funding.caching``), and each worker keeps the instance it parsed
    from it, so pages that suggest neither read every organization, need and pledge nor parse
    them again on each request; rows are read as the page shows them."""
    if not has_request_context():
        return _parsed(snapshot_data())
    this = request._get_current_object()
    cached = g.get("match_snapshot")
    if cached is None or cached[0] is not this:  # tests may share ``g`` between requests
        cached = g.match_snapshot = (this, _shared_snapshot())
    return cached[1]


def _shared_snapshot() -> Snapshot:
    key = f"match-data:{data_version()}:{today().isoformat()}"
    kept = current_app.extensions.get(PARSED)
    if kept is not None and kept[0] == key and cache.has(key):
        return Snapshot(data=kept[1].data, instance=kept[1].instance, ranked=kept[1].ranked)
    data = cache.get(key)
    if data is None:
        data = snapshot_data()
        cache.set(key, data)
    snapshot = _parsed(data)
    current_app.extensions[PARSED] = (key, snapshot)
    return Snapshot(data=data, instance=snapshot.instance, ranked=snapshot.ranked)


def _parsed(data: dict) -> Snapshot:
    return Snapshot(data=data, instance=matching.parse_instance(data))


MODELS = {
    "need": Need,
    "project": Proposal,
    "org": Organization,
    "program": Program,
    "enterprise": Enterprise,
    "category": ServiceCategory,
    "community": Community,
}
FUNDER_KINDS = {"program", "category", "enterprise"}
#: What the suggestion panels show beside a row's name, read with it.
LOADS = {
    "need": (selectinload(Need.community),),
    "project": (selectinload(Proposal.organization),),
}


def resolve(refs) -> dict[str, object]:
    """The rows behind references, one query per kind (rows deleted since are left out)."""
    wanted: dict[str, set[int | str]] = defaultdict(set)
    for item in refs:
        kind, row_id = parse_ref(item)
        wanted[kind].add(row_id)
    found: dict[str, object] = {}
    if wanted.keys() & FUNDER_KINDS:  # one query each whatever the mix: a fixed cost per page
        for kind in FUNDER_KINDS:
            wanted.setdefault(kind, set())
    for kind, ids in wanted.items():
        model = MODELS[kind]
        key = model.code if kind == "category" else model.id
        query = sa.select(model).where(key.in_(ids)).options(*LOADS.get(kind, ()))
        for row in db.session.scalars(query):
            found[ref(kind, row.code if kind == "category" else row.id)] = row
    return found
