"""The audit log as people read it: actions, objects, fields and stored states by their
labels in the reader's language, money as money. The records themselves keep the codes."""

import json

from flask_babel import lazy_gettext as _l

from funding.directory.models import VerificationState
from funding.grants.models import GrantState, TrancheState
from funding.labels import label
from funding.matchmaking.models import BatchState, IntentState, PairingState
from funding.money import format_fen
from funding.pledges.models import PledgeState, PledgeTarget
from funding.proposals.models import ObjectionState, ProposalState
from funding.reviews.models import AssignmentState

#: The object an action is about, by the first part of its code.
OBJECTS = {
    "attachment": _l("Attachment"),
    "auth": _l("Sign-in"),
    "demo": _l("Demo data"),
    "directory": _l("Directory"),
    "export": _l("Export"),
    "fair": _l("Fair"),
    "grant": _l("Grant"),
    "match": _l("Matchmaking"),
    "need": _l("Need"),
    "objection": _l("Objection"),
    "party": _l("Party"),
    "pledge": _l("Pledge"),
    "program": _l("Program"),
    "project": _l("Project"),
    "proposal": _l("Proposal"),
    "rating": _l("Rating"),
    "relationship": _l("Relationship"),
    "review": _l("Review"),
    "tranche": _l("Tranche"),
    "user": _l("Account"),
}
#: What was done, by the second part of the action's code.
VERBS = {
    "accept": _l("accepted"),
    "activate": _l("switched on"),
    "add": _l("added"),
    "answer": _l("answered"),
    "assign": _l("assigned"),
    "batch_done": _l("run finished"),
    "batch_failed": _l("run failed"),
    "batch_queue": _l("run requested"),
    "batch_start": _l("run started"),
    "cancel": _l("cancelled"),
    "complete": _l("completed"),
    "confirm": _l("confirmed"),
    "conflict_found": _l("conflict of interest found"),
    "create": _l("created"),
    "deactivate": _l("switched off"),
    "declare": _l("declaration made"),
    "foundation": _l("foundation rated"),
    "fund": _l("money put in"),
    "instalment_received": _l("instalment received"),
    "intent": _l("paddle raised"),
    "invite": _l("invitations sent"),
    "load_reference": _l("reference data loaded"),
    "login": _l("signed in"),
    "login_failed": _l("sign-in failed"),
    "logout": _l("signed out"),
    "midterm": _l("mid-term review passed"),
    "money_returned": _l("money sent where its donors said"),
    "pay": _l("paid"),
    "project": _l("project rated"),
    "projects": _l("projects chosen"),
    "register": _l("registered"),
    "remove": _l("removed"),
    "request": _l("requested"),
    "reserve": _l("reserved"),
    "resubmit": _l("sent again for verification"),
    "return": _l("returned"),
    "seed": _l("loaded"),
    "sign": _l("signed"),
    "submit": _l("submitted"),
    "terminate": _l("terminated"),
    "unverify": _l("back to pending verification"),
    "update": _l("updated"),
    "verify": _l("verified"),
    "withdraw": _l("withdrawn"),
    "approve": _l("approved"),
    "pass_screening": _l("passed screening"),
    "reject": _l("rejected"),
    "save": _l("saved"),
    "sign_agreement": _l("agreement signed"),
    "withdraw_approval": _l("approval withdrawn"),
    "reopen": _l("sent back to review"),
    "more_info": _l("asked for more information"),
    "rejected": _l("registration rejected"),
    "verified": _l("verified"),
    "pending": _l("back to pending verification"),
}
#: The enumeration a stored "state" holds, by the audited object's type.
STATES = {
    "Proposal": ProposalState,
    "Grant": GrantState,
    "Tranche": TrancheState,
    "Pledge": PledgeState,
    "MatchBatch": BatchState,
    "MatchPairing": PairingState,
    "FairIntent": IntentState,
    "ReviewAssignment": AssignmentState,
    "Objection": ObjectionState,
    "Party": VerificationState,
    "Organization": VerificationState,
    "Enterprise": VerificationState,
}
FIELDS = {
    "state": _l("State"),
    "note": _l("Note"),
    "reason": _l("Reason"),
    "amount_fen": _l("Amount"),
    "matched_fen": _l("Matching gift"),
    "promised_match_fen": _l("Promised matching gift"),
    "funded_fen": _l("Funded"),
    "demand_fen": _l("Demand"),
    "ledger_transaction": _l("Ledger transaction"),
    "number": _l("Number"),
    "instalment": _l("Instalment"),
    "instalments": _l("Instalments"),
    "receipt_no": _l("Receipt number"),
    "target": _l("Pledged to"),
    "name": _l("Name"),
    "title": _l("Title"),
    "score": _l("Score"),
    "sources": _l("Sources"),
    "needs": _l("Needs"),
    "funded": _l("Funded needs"),
    "seconds": _l("Seconds"),
}


def action_label(action: str) -> str:
    """``proposal.pass_screening`` → "Proposal: passed screening", in the reader's language;
    an action this table does not know yet shows as its code."""
    subject, _, verb = action.partition(".")
    if subject not in OBJECTS or verb not in VERBS:
        return action
    return f"{OBJECTS[subject]}: {VERBS[verb]}"


def _value(key: str, value, object_type: str | None) -> str:
    if key.endswith("_fen") and isinstance(value, int):
        return format_fen(value)
    if key == "state" and isinstance(value, str) and object_type in STATES:
        return label(value, STATES[object_type])
    if key == "target" and isinstance(value, str):
        return label(value, PledgeTarget)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def details(values: dict | None, object_type: str | None) -> list[tuple[str, str]]:
    """A record's before or after as (field, value) pairs to show."""
    return [
        (str(FIELDS.get(key, key)), _value(key, value, object_type))
        for key, value in (values or {}).items()
    ]
