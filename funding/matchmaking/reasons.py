"""The engine's reasons as sentences in the reader's language, named from the directory.

The engine returns `Reason(code, params)` (params hold category and street codes, community and
party references, amounts in fen); a stored run keeps them as data, so one run serves both
languages and every page names things as the directory names them when the page is shown.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _

import matching
from funding.directory.models import Community, ServiceCategory, Street
from funding.extensions import db
from funding.i18n import current_code, localized
from funding.money import format_fen

#: One sentence per reason code; values are already names and formatted money.
SENTENCES = {
    "category": lambda v: _("Same service area: %(category)s", **v),
    "community": lambda v: _("Works in the same community: %(community)s", **v),
    "street": lambda v: _("Works in the same street: %(street)s", **v),
    "anywhere": lambda v: _("Works in any area"),
    "named": lambda v: _("Named in the proposal as the implementer"),
    "track": lambda v: _("Rated %(rating)s, %(completed)s projects done", **v),
    "completed": lambda v: _("%(completed)s projects done", **v),
    "capacity": lambda v: _("Can take %(capacity)s more projects", **v),
    "text": lambda v: _("Similar work: %(words)s", **v),
    "funder_category": lambda v: _("Funder supports %(category)s", **v),
    "funder_street": lambda v: _("Funder supports %(street)s", **v),
    "funder_open": lambda v: _("Funder is open to any area and place"),
    "grant_covers": lambda v: _("Can cover the whole budget of %(budget)s", **v),
    "grant_part": lambda v: _("Can give up to %(amount)s; co-funding needed", **v),
    "funded_by": lambda v: _("Funded by %(funders)s", **v),
    "cofunded": lambda v: _("Co-funded by %(count)s funders", **v),
    "no_org": lambda v: _(
        "No organization provides %(category)s in %(community)s or %(street)s", **v
    ),
    "named_ineligible": lambda v: _(
        "The named organization %(organization)s cannot provide %(category)s here", **v
    ),
    "no_funder": lambda v: _("No funder supports %(category)s in %(street)s", **v),
    "funders_short": lambda v: _(
        "Eligible funders can give at most %(amount)s, less than the budget of %(budget)s", **v
    ),
    "capacity_used": lambda v: _("Eligible organizations have no capacity left"),
    "budgets_spent": lambda v: _("Eligible funders' budgets are spent"),
}
#: Runs stored before reasons were codes keep their sentences, in both languages, under this.
SAID = "said"
#: Codes about how much a funder can give: said of a funder with nothing pledged, they mislead.
GRANT_SIZE = frozenset({"grant_covers", "grant_part"})


def _directory() -> dict[str, dict[str, Any]]:
    """Categories, streets and communities of the directory, read once per request."""
    cached = g.get("match_directory")
    if cached is None:
        cached = g.match_directory = {
            "category": {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))},
            "street": {s.code: s for s in db.session.scalars(sa.select(Street))},
            "community": {f"community-{c.id}": c for c in db.session.scalars(sa.select(Community))},
        }
    return cached


def _name(row: object | None, fallback: str) -> str:
    if row is None:
        return fallback
    return getattr(row, "title", None) or localized(row, "name")


def say(reason: matching.Reason | Mapping[str, Any], rows: Mapping[str, object]) -> str:
    """One reason as a sentence in the reader's language. `rows` holds the parties a reason may
    name (by reference); categories, streets and communities come from the directory."""
    if not isinstance(reason, matching.Reason):
        if reason.get("code") == SAID:
            return reason["params"].get(current_code()) or reason["params"].get("zh", "")
        reason = matching.Reason.of(reason)
    directory = _directory()
    values = dict(reason.params)
    for kind in ("category", "street", "community"):
        if kind in values:
            values[kind] = _name(directory[kind].get(values[kind]), values[kind])
    if "organization" in values:
        values["organization"] = _name(rows.get(values["organization"]), values["organization"])
    for money in ("amount", "budget"):
        if money in values:
            values[money] = format_fen(values[money])
    separator = ", " if current_code() == "en" else "、"
    if "funders" in values:
        values["funders"] = separator.join(_name(rows.get(f), f) for f in values["funders"])
    if "words" in values:
        values["words"] = separator.join(values["words"])
    if "rating" in values:
        values["rating"] = f"{values['rating']:g}"
    return SENTENCES[reason.code](values)


def say_all(reasons: Iterable, rows: Mapping[str, object]) -> list[str]:
    return [say(r, rows) for r in reasons]


def refs_named(reasons: Iterable[matching.Reason | Mapping[str, Any]]) -> set[str]:
    """The party references reasons name, stored or fresh (to load their rows in one go)."""
    found: set[str] = set()
    for reason in reasons:
        if isinstance(reason, matching.Reason):
            params = reason.params
        else:
            params = reason.get("params") or {}
        found.update(params.get("funders") or ())
        if params.get("organization"):
            found.add(params["organization"])
    return found
