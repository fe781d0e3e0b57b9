"""The network picture as positioned shapes, drawn as SVG by the template (no script).

Three columns: funders | needs, grouped under their street with the community on each card |
organizations. Funders and organizations are ordered by the mean height of the needs they are
linked to, which keeps the edges of the latest batch's pairings short and mostly uncrossed.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

import matching
from funding.directory.models import Street
from funding.extensions import db
from funding.i18n import localized
from funding.matchmaking.adapter import Snapshot, parse_ref
from funding.matchmaking.models import MatchBatch, PairingState

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


@dataclass
class Group:
    label: str
    y: int
    height: int


@dataclass
class Picture:
    height: int = 200
    needs: list[Node] = field(default_factory=list)
    organizations: list[Node] = field(default_factory=list)
    funders: list[Node] = field(default_factory=list)
    streets: list[Group] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

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

    for item in list(linked) + [k for k in paired if k not in linked]:
        row = snapshot.row(item)
        if row is None:
            continue
        kind, _ = parse_ref(item)
        name = localized(row, "name")
        node = Node(item, kind, clip(name, 18 if kind == "org" else 14), name, 0, 0, row)
        if kind == "org":
            node.x = ORG_X
            pic.organizations.append(node)
        else:
            node.x = FUNDER_X
            pic.funders.append(node)
    _spread(pic.organizations, wanted, TOP, bottom)
    _spread(pic.funders, wanted, TOP, bottom)
    pic.height = max(bottom, *(n.y + ROW for n in pic.organizations + pic.funders), TOP + ROW) + 20

    org_y = {n.ref: n.y for n in pic.organizations}
    funder_y = {n.ref: n.y for n in pic.funders}
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
    return pic
