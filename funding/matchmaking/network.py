"""The network picture as positioned shapes, drawn as SVG by the template (no script).

Three columns: funders | needs, grouped under their street with the community on each card |
organizations. Funders and organizations are ordered by the mean height of the needs they are
linked to, which keeps the edges of the latest batch's pairings short and mostly uncrossed.

Above `BUNDLE_ABOVE` needs the picture would be a tangle, so needs are drawn as bundles, one
per street and service category, with their count, demand and the money the latest run found
for them; a bundle links to the picture of its own street and category. Only the latest run's
pairings are drawn then, summed per bundle. Every picture also has its rows as a table (the
amounts on its lines), which is what a phone shows instead of the drawing.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

import matching
from funding.directory.models import ServiceCategory, Street
from funding.extensions import db
from funding.i18n import localized
from funding.matchmaking.adapter import Snapshot, parse_ref
from funding.matchmaking.models import MatchBatch, PairingState
from funding.money import format_fen

WIDTH = 1060  # at about its natural size on a laptop, so that 13-unit text stays readable
ROW = 26  # height of one need card and its gap
HEADER = 30  # space for a street's name above its needs
TOP = 40
FUNDER_X, NEED_LEFT, NEED_RIGHT, ORG_X = 210, 300, 690, 780
#: Where the template draws things: columns, the need cards and the street bands.
LAYOUT = {
    "funder_x": FUNDER_X,
    "need_left": NEED_LEFT,
    "need_width": NEED_RIGHT - NEED_LEFT,
    "title_x": NEED_LEFT + 96,
    "band_left": NEED_LEFT - 10,
    "band_width": NEED_RIGHT - NEED_LEFT + 20,
    "org_x": ORG_X,
}
LABEL_CHARS = 20
BUNDLE_ABOVE = 40  # needs; above this many, they are drawn as street and category bundles


def clip(text: str, limit: int = LABEL_CHARS) -> str:
    """Shorten a label to about ``limit`` Chinese characters' width (Latin letters are narrower)."""
    used = 0.0
    for i, char in enumerate(text):
        used += 1.0 if ord(char) > 0x2E80 else 0.6
        if used > limit:
            return text[:i].rstrip() + "…"
    return text


@dataclass
class Node:
    ref: str
    kind: str
    label: str
    title: str
    x: int
    y: int
    row: object = None
    funded: bool = False
    community: str = ""


@dataclass
class Edge:
    path: str
    width: float
    accepted: bool
    score: float | None = None
    amount_fen: int | None = None
    count: int | None = None  # needs a bundle's line stands for


@dataclass
class Group:
    label: str
    y: int
    height: int


@dataclass
class Row:
    """One line of the table beside the picture: a need or a bundle, with what it got."""

    ref: str
    kind: str  # need, project or bundle
    title: str
    place: str
    demand_fen: int
    needs: int = 1
    funded: int = 0
    funded_fen: int = 0
    row: object = None
    #: For a bundle: the street and category it gathers (the link that expands it).
    street: str = ""
    category: str = ""
    #: (name, amount) of each funder and the organizations, for a need the latest run funded.
    funders: list[tuple[str, int]] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)


@dataclass
class Picture:
    height: int = 200
    needs: list[Node] = field(default_factory=list)
    organizations: list[Node] = field(default_factory=list)
    funders: list[Node] = field(default_factory=list)
    streets: list[Group] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    bundled: bool = False

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def layout(self) -> dict[str, int]:
        return LAYOUT


def _curve(x1: int, y1: int, x2: int, y2: int) -> str:
    mid = (x1 + x2) // 2
    return f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"


def _title(row) -> str:
    return getattr(row, "title", None) or localized(row, "name")


def _spread(nodes: list[Node], wanted: dict[str, float], top: int, bottom: int) -> None:
    """Order by the wanted height and share the column's height evenly."""
    nodes.sort(key=lambda n: (wanted.get(n.ref, bottom), n.ref))
    if not nodes:
        return
    step = max(ROW, (bottom - top) / len(nodes))
    for i, node in enumerate(nodes):
        node.y = round(top + (i + 0.5) * step)


def picture(
    snapshot: Snapshot,
    batch: MatchBatch | None,
    street: str | None = None,
    category: str | None = None,
) -> Picture:
    """Lay out the needs that pass the filters and who is linked to them."""
    instance = snapshot.instance
    streets = {s.code: s for s in db.session.scalars(sa.select(Street))}
    shown = [
        n
        for n in instance.needs
        if (not street or n.street == street) and (not category or n.category == category)
    ]
    shown.sort(key=lambda n: (getattr(streets.get(n.street), "position", 99), n.community, n.id))
    pairings = {}
    if batch is not None:
        pairings = {p.need_ref: p for p in batch.pairings if p.need_ref in instance.need_pos}
    if len(shown) > BUNDLE_ABOVE:
        return _bundled(snapshot, shown, pairings, streets)
    snapshot.load(n.id for n in shown)
    community_names = instance.names.get("zh", {})
    pic = Picture()
    y = TOP
    current = None
    for need in shown:
        if need.street != current:
            if pic.streets:
                pic.streets[-1].height = y - pic.streets[-1].y
            current = need.street
            name = (
                localized(streets[need.street], "name") if need.street in streets else need.street
            )
            pic.streets.append(Group(name, y, 0))
            y += HEADER
        row = snapshot.row(need.id)
        kind, _ = parse_ref(need.id)
        pic.needs.append(
            Node(
                need.id,
                kind,
                clip(_title(row)),
                _title(row),
                NEED_LEFT,
                y,
                row,
                need.id in pairings,
                clip(community_names.get(need.community, ""), 8),
            )
        )
        y += ROW
    if pic.streets:
        pic.streets[-1].height = y - pic.streets[-1].y
    bottom = max(y, TOP + ROW)

    need_y = {n.ref: n.y + ROW // 2 - 3 for n in pic.needs}
    linked: dict[str, list[int]] = defaultdict(list)
    index = matching.index_for(instance)
    for need_ref, ny in need_y.items():
        pos = instance.need_pos[need_ref]
        for o in index.orgs_for(pos):
            linked[instance.organizations[o].id].append(ny)
        for f in index.funders_for(pos):
            linked[instance.funders[f].id].append(ny)
    paired: dict[str, list[int]] = defaultdict(list)
    for need_ref, p in pairings.items():
        if need_ref in need_y:
            paired[p.organization_ref].append(need_y[need_ref])
            for share in p.funding:
                paired[share["funder"]].append(need_y[need_ref])
    wanted = {k: sum(v) / len(v) for k, v in (linked | paired).items()}

    parties = list(linked) + [k for k in paired if k not in linked]
    org_y, funder_y = _place_parties(pic, snapshot, parties, wanted, bottom)
    biggest = max((s["amount_fen"] for p in pairings.values() for s in p.funding), default=1)
    for need_ref, p in pairings.items():
        if need_ref not in need_y:
            continue
        ny = need_y[need_ref]
        accepted = p.state == PairingState.ACCEPTED
        if p.organization_ref in org_y:
            pic.edges.append(
                Edge(
                    _curve(NEED_RIGHT, ny, ORG_X, org_y[p.organization_ref]),
                    2.0,
                    accepted,
                    score=p.score,
                )
            )
        for share in p.funding:
            if share["funder"] in funder_y:
                pic.edges.append(
                    Edge(
                        _curve(FUNDER_X, funder_y[share["funder"]], NEED_LEFT, ny),
                        round(1 + 5 * share["amount_fen"] / biggest, 1),
                        accepted,
                        amount_fen=share["amount_fen"],
                    )
                )
    pic.rows = [_need_row(snapshot, need, pairings.get(need.id)) for need in shown]
    return pic


def _place_parties(
    pic: Picture, snapshot: Snapshot, refs: list[str], wanted: dict[str, float], bottom: int
) -> tuple[dict[str, int], dict[str, int]]:
    """Organization and funder nodes for these references, each near the height it is wanted
    at; returns their heights by reference and sets the picture's height."""
    snapshot.load(refs)
    for item in refs:
        row = snapshot.row(item)
        if row is None:
            continue
        kind, _ = parse_ref(item)
        name = localized(row, "name")
        node = Node(item, kind, clip(name, 18 if kind == "org" else 14), name, 0, 0, row)
        node.x = ORG_X if kind == "org" else FUNDER_X
        (pic.organizations if kind == "org" else pic.funders).append(node)
    _spread(pic.organizations, wanted, TOP, bottom)
    _spread(pic.funders, wanted, TOP, bottom)
    pic.height = max(bottom, *(n.y + ROW for n in pic.organizations + pic.funders), TOP + ROW) + 20
    return {n.ref: n.y for n in pic.organizations}, {n.ref: n.y for n in pic.funders}


def _need_row(snapshot: Snapshot, need: matching.Need, pairing) -> Row:
    row = snapshot.row(need.id)
    kind, _ = parse_ref(need.id)
    item = Row(
        need.id,
        kind,
        _title(row),
        snapshot.instance.names.get("zh", {}).get(need.community, ""),
        need.budget_fen,
        row=row,
    )
    if pairing is not None:
        item.funded = 1
        item.funded_fen = sum(s["amount_fen"] for s in pairing.funding)
        named = snapshot.row(pairing.organization_ref)
        item.organizations = [localized(named, "name")] if named is not None else []
        item.funders = [
            (localized(snapshot.row(s["funder"]), "name"), s["amount_fen"])
            for s in pairing.funding
            if snapshot.row(s["funder"]) is not None
        ]
    return item


def _bundled(snapshot: Snapshot, shown: list, pairings: dict, streets: dict) -> Picture:
    """Needs as street and category bundles, with the latest run's pairings summed per bundle."""
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for need in shown:
        groups[need.street, need.category].append(need)
    order = sorted(groups, key=lambda k: (getattr(streets.get(k[0]), "position", 99), k))
    pic = Picture(bundled=True)
    y = TOP
    current = None
    money: dict[tuple[str, str], int] = defaultdict(int)  # (funder, bundle) -> fen
    served: dict[tuple[str, str], int] = defaultdict(int)  # (organization, bundle) -> needs
    for street_code, category_code in order:
        if street_code != current:
            if pic.streets:
                pic.streets[-1].height = y - pic.streets[-1].y
            current = street_code
            street_row = streets.get(street_code)
            pic.streets.append(
                Group(localized(street_row, "name") if street_row else current, y, 0)
            )
            y += HEADER
        members = groups[street_code, category_code]
        bundle = f"bundle-{street_code}-{category_code}"
        category_row = categories.get(category_code)
        name = localized(category_row, "name") if category_row else category_code
        paired = [pairings[n.id] for n in members if n.id in pairings]
        for p in paired:
            served[p.organization_ref, bundle] += 1
            for share in p.funding:
                money[share["funder"], bundle] += share["amount_fen"]
        item = Row(
            bundle,
            "bundle",
            name,
            pic.streets[-1].label,
            sum(n.budget_fen for n in members),
            needs=len(members),
            funded=len(paired),
            funded_fen=sum(s["amount_fen"] for p in paired for s in p.funding),
            street=street_code,
            category=category_code,
        )
        pic.rows.append(item)
        title = f"{name} · {item.needs} · {format_fen(item.demand_fen)}"
        node = Node(bundle, "bundle", clip(name, 14), title, NEED_LEFT, y, item)
        node.funded = item.funded > 0
        node.community = f"{item.funded}/{item.needs}"
        pic.needs.append(node)
        y += ROW
    if pic.streets:
        pic.streets[-1].height = y - pic.streets[-1].y
    bottom = max(y, TOP + ROW)
    bundle_y = {n.ref: n.y + ROW // 2 - 3 for n in pic.needs}
    wanted: dict[str, list[int]] = defaultdict(list)
    for (party, bundle), _ in list(money.items()) + list(served.items()):
        wanted[party].append(bundle_y[bundle])
    heights = {k: sum(v) / len(v) for k, v in wanted.items()}
    org_y, funder_y = _place_parties(pic, snapshot, list(wanted), heights, bottom)
    biggest = max(money.values(), default=1)
    most = max(served.values(), default=1)
    for (org, bundle), count in served.items():
        if org in org_y:
            path = _curve(NEED_RIGHT, bundle_y[bundle], ORG_X, org_y[org])
            pic.edges.append(Edge(path, round(1 + 4 * count / most, 1), False, count=count))
    for (funder, bundle), amount in money.items():
        if funder in funder_y:
            path = _curve(FUNDER_X, funder_y[funder], NEED_LEFT, bundle_y[bundle])
            width = round(1 + 5 * amount / biggest, 1)
            pic.edges.append(Edge(path, width, False, amount_fen=amount))
    return pic
