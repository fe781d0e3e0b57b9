"""Readable names for ledger movements and accounts."""

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


def movement_label(kind: str) -> str:
    return str(MOVEMENT_LABELS.get(kind, kind))


def account_label(acc: Account) -> str:
    """The account's kind and what it belongs to, e.g. 'Program fund · 好邻居基金'."""
    name = ""
    ref = acc.ref
    if acc.kind == AccountKind.PROGRAM_FUND:
        program = db.session.get(Program, int(ref))
        name = localized(program, "name") if program else ref
    elif acc.kind == AccountKind.CATEGORY_FUND:
        category = db.session.get(ServiceCategory, ref)
        name = localized(category, "name") if category else ref
    elif acc.kind in (AccountKind.PLEDGES_RECEIVABLE, AccountKind.PAYEE):
        party = db.session.get(Party, int(ref))
        name = party.name if party else ref
    elif acc.kind in (AccountKind.PROJECT_FUND,):
        proposal = db.session.get(Proposal, int(ref))
        name = proposal.title if proposal else ref
    elif acc.kind in (AccountKind.GRANT_RESERVED, AccountKind.GRANT_HELD):
        name = "#" + ref
    label = str(ACCOUNT_LABELS[acc.kind])
    return f"{label} · {name}" if name else label
