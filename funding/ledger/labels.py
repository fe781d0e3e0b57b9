"""Readable names for ledger movements and accounts."""

import sqlalchemy as sa
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from funding.directory.models import Party, ServiceCategory
from funding.extensions import db
from funding.i18n import localized
from funding.ledger.models import Account, AccountKind
from funding.proposals.models import Program, Proposal

MOVEMENT_LABELS = {
    "pledge": _l("Pledge made"),
    "pledge_received": _l("Pledge received"),
    "pledge_cancelled": _l("Pledge cancelled"),
    "program_funded": _l("Program funded"),
    "grant_reserved": _l("Reserved for a grant"),
    "tranche_paid": _l("Tranche paid"),
    "grant_terminated": _l("Returned on termination"),
    "grant_closed": _l("Unspent money returned on completion"),
    "match_gift": _l("Matching gift added"),
    "project_money_released": _l("Project money moved to its program"),
    "pledge_refunded": _l("Refunded to the donor"),
}
ACCOUNT_LABELS = {
    AccountKind.OUTSIDE: _l("Outside the platform"),
    AccountKind.GENERAL_FUND: _l("General pool"),
    AccountKind.PROGRAM_FUND: _l("Program fund"),
    AccountKind.CATEGORY_FUND: _l("Category fund"),
    AccountKind.PLEDGES_RECEIVABLE: _l("Pledges receivable"),
    AccountKind.PROJECT_FUND: _l("Project fund"),
    AccountKind.GRANT_RESERVED: _l("Reserved for grant"),
    AccountKind.GRANT_HELD: _l("Held for a milestone"),
    AccountKind.PAYEE: _l("Paid to"),
}


#: What each kind of account belongs to: (model, key column, how to name one).
OWNERS = {
    AccountKind.PROGRAM_FUND: (Program, Program.id, lambda p: localized(p, "name")),
    AccountKind.CATEGORY_FUND: (
        ServiceCategory,
        ServiceCategory.code,
        lambda c: localized(c, "name"),
    ),
    AccountKind.PLEDGES_RECEIVABLE: (Party, Party.id, lambda p: p.name),
    AccountKind.PAYEE: (Party, Party.id, lambda p: p.name),
    AccountKind.PROJECT_FUND: (Proposal, Proposal.id, lambda p: p.title),
}


def movement_label(kind: str) -> str:
    return str(MOVEMENT_LABELS.get(kind, kind))


def _names(accounts) -> dict[tuple[AccountKind, str], str]:
    """What the accounts belong to, named, with one query per kind of owner."""
    wanted: dict[AccountKind, set[str]] = {}
    for acc in accounts:
        if acc.kind in OWNERS:
            wanted.setdefault(acc.kind, set()).add(acc.ref)
    names = {}
    for kind, refs in wanted.items():
        model, key, name = OWNERS[kind]
        keys = [int(r) for r in refs if r.isdigit()] if key.type.python_type is int else refs
        for row in db.session.scalars(sa.select(model).where(key.in_(keys))):
            names[(kind, str(getattr(row, key.key)))] = name(row)
    return names


def preload_account_labels(accounts) -> None:
    """Name every account a page will show at once (the page then asks ``account_label``)."""
    g.account_names = {**g.get("account_names", {}), **_names(accounts)}


def account_label(acc: Account) -> str:
    """The account's kind and what it belongs to, e.g. 'Program fund · 好邻居基金'."""
    names = g.get("account_names", {}) if has_request_context() else {}
    if acc.kind in OWNERS and (acc.kind, acc.ref) not in names:
        names = _names([acc])
    if acc.kind in (AccountKind.GRANT_RESERVED, AccountKind.GRANT_HELD):
        name = "#" + acc.ref
    else:
        name = names.get((acc.kind, acc.ref), acc.ref if acc.kind in OWNERS else "")
    label = str(ACCOUNT_LABELS[acc.kind])
    return f"{label} · {name}" if name else label
