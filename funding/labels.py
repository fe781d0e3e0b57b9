"""Human names for the enumerations, in the visitor's language.

Each enumeration's labels carry a message context (``_p("grant state", "Active")``), so that
a label never shares its translation with the same English word used elsewhere ("Active" as
an account switch, "Requested" as an amount column).
"""

import enum
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p

from funding.accounts.models import Role
from funding.api.models import TokenScope
from funding.directory.models import (
    LegalForm,
    NeedSource,
    NeedStatus,
    PartyKind,
    VerificationState,
)
from funding.grants.models import GrantState, TrancheState
from funding.jobs.models import JobState
from funding.matchmaking.models import BatchState, IntentState, PairingState
from funding.pledges.models import (
    InstalmentState,
    PaymentMethod,
    PledgeState,
    PledgeTarget,
    UnusedMoney,
)
from funding.proposals.models import BudgetCategory, ObjectionState, ProposalState
from funding.reconciliation.pairing import Reason, Verdict
from funding.reviews.models import AssignmentState, Recommendation, RelationKind

ROLE_LABELS = {
    Role.ORG_MEMBER: _p("role", "Social organization member"),
    Role.ENTERPRISE_MEMBER: _p("role", "Enterprise member"),
    Role.COMMUNITY_WORKER: _p("role", "Community worker"),
    Role.REVIEWER: _p("role", "Reviewer"),
    Role.STAFF: _p("role", "Foundation staff"),
    Role.ADMIN: _p("role", "Administrator"),
}
TOKEN_SCOPE_LABELS = {
    TokenScope.READ: _p("token scope", "Read only"),
    TokenScope.READ_WRITE: _p("token scope", "Read and write"),
}
LEGAL_FORM_LABELS = {
    LegalForm.SOCIAL_GROUP: _p("legal form", "Social group"),
    LegalForm.PRIVATE_NON_ENTERPRISE: _p("legal form", "Private non-enterprise unit"),
    LegalForm.FOUNDATION: _p("legal form", "Foundation"),
    LegalForm.COMMUNITY_FILED: _p("legal form", "Community social organization (filed)"),
}
NEED_SOURCE_LABELS = {
    NeedSource.CONSULTATION: _p("need source", "Residents' consultation meeting"),
    NeedSource.HOTLINE: _p("need source", "Resident hotline"),
    NeedSource.SURVEY: _p("need source", "Survey"),
    NeedSource.VISIT: _p("need source", "Home visits"),
    NeedSource.OTHER: _p("need source", "Other"),
}
NEED_STATUS_LABELS = {
    NeedStatus.OPEN: _p("need status", "Open"),
    NeedStatus.MATCHED: _p("need status", "Matched"),
    NeedStatus.IN_SERVICE: _p("need status", "In service"),
    NeedStatus.MET: _p("need status", "Met"),
    NeedStatus.CLOSED: _p("need status", "Closed"),
}
PROPOSAL_STATE_LABELS = {
    ProposalState.DRAFT: _p("proposal state", "Draft"),
    ProposalState.SCREENING: _p("proposal state", "Screening"),
    ProposalState.IN_REVIEW: _p("proposal state", "In expert review"),
    ProposalState.RETURNED: _p("proposal state", "Returned for revision"),
    ProposalState.APPROVED: _p("proposal state", "Approved, on public disclosure"),
    ProposalState.REJECTED: _p("proposal state", "Not funded"),
    ProposalState.WITHDRAWN: _p("proposal state", "Withdrawn"),
    ProposalState.AGREEMENT_SIGNED: _p("proposal state", "Agreement signed"),
}
BUDGET_CATEGORY_LABELS = {
    BudgetCategory.PERSONNEL: _p("budget category", "Personnel"),
    BudgetCategory.ACTIVITIES: _p("budget category", "Activities"),
    BudgetCategory.MATERIALS: _p("budget category", "Materials"),
    BudgetCategory.ADMIN: _p("budget category", "Administration"),
}
RELATION_LABELS = {
    RelationKind.EMPLOYEE: _p("relationship", "Employee"),
    RelationKind.BOARD_MEMBER: _p("relationship", "Board member"),
    RelationKind.FOUNDER: _p("relationship", "Founder"),
    RelationKind.FAMILY: _p("relationship", "Family member"),
    RelationKind.DONOR: _p("relationship", "Donor"),
    RelationKind.DECLARED: _p("relationship", "Declared conflict"),
}
RECOMMENDATION_LABELS = {
    Recommendation.FUND: _p("recommendation", "Fund"),
    Recommendation.FUND_WITH_CHANGES: _p("recommendation", "Fund with changes"),
    Recommendation.DO_NOT_FUND: _p("recommendation", "Do not fund"),
}
ASSIGNMENT_LABELS = {
    AssignmentState.ASSIGNED: _p("review assignment", "Awaiting declaration"),
    AssignmentState.CLEARED: _p("review assignment", "Scoring"),
    AssignmentState.SUBMITTED: _p("review assignment", "Review submitted"),
    AssignmentState.CONFLICTED: _p("review assignment", "Withdrawn: conflict of interest"),
}
GRANT_LABELS = {
    GrantState.ACTIVE: _p("grant state", "Active"),
    GrantState.MIDTERM_PASSED: _p("grant state", "Mid-term review passed"),
    GrantState.COMPLETED: _p("grant state", "Completed"),
    GrantState.TERMINATED: _p("grant state", "Terminated"),
}
PLEDGE_STATE_LABELS = {
    PledgeState.PLEDGED: _p("pledge state", "Pledged"),
    PledgeState.PARTLY_RECEIVED: _p("pledge state", "Partly received"),
    PledgeState.RECEIVED: _p("pledge state", "Received"),
    PledgeState.ALLOCATED: _p("pledge state", "Allocated to a grant"),
    PledgeState.PAID_OUT: _p("pledge state", "Paid out"),
    PledgeState.REFUNDED: _p("pledge state", "Refunded to the donor"),
    PledgeState.CANCELLED: _p("pledge state", "Cancelled"),
}
INSTALMENT_LABELS = {
    InstalmentState.DUE: _p("instalment", "Due"),
    InstalmentState.RECEIVED: _p("instalment", "Received"),
    InstalmentState.CANCELLED: _p("instalment", "Cancelled"),
}
UNUSED_MONEY_LABELS = {
    UnusedMoney.PROGRAM: _p("unused money", "It goes to the project's program"),
    UnusedMoney.REFUND: _p("unused money", "It is returned to the donor"),
}
PLEDGE_TARGET_LABELS = {
    PledgeTarget.POOL: _p("pledge target", "The general pool"),
    PledgeTarget.PROGRAM: _p("pledge target", "A program"),
    PledgeTarget.CATEGORY: _p("pledge target", "A service category"),
    PledgeTarget.PROJECT: _p("pledge target", "A specific project"),
}
PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: _p("payment method", "Bank transfer"),
    PaymentMethod.CHEQUE: _p("payment method", "Cheque"),
    PaymentMethod.ONLINE: _p("payment method", "Online payment"),
}
TRANCHE_LABELS = {
    TrancheState.PENDING: _p("tranche state", "Not requested yet"),
    TrancheState.REQUESTED: _p("tranche state", "Requested"),
    TrancheState.SIGNED: _p("tranche state", "Signed once, awaiting a second sign-off"),
    TrancheState.PAID: _p("tranche state", "Paid"),
    TrancheState.RETURNED: _p("tranche state", "Returned to the organization"),
}
#: Timeline steps (proposal events) and who a proposal waits on.
EVENT_LABELS = {
    "create": _l("Draft started"),
    "save": _l("Draft saved"),
    "submit": _l("Submitted"),
    "auto_screening": _l("Automatic eligibility screening"),
    "pass_screening": _l("Passed screening; sent to expert review"),
    "return": _l("Returned for revision"),
    "reject": _l("Not funded"),
    "withdraw": _l("Withdrawn"),
    "approve": _l("Approved; public disclosure opened"),
    "sign_agreement": _l("Agreement signed; grant created"),
    "reviewer_assigned": _l("Reviewer assigned"),
    "reviewer_conflict": _l("A reviewer declared a conflict and stepped down"),
    "review_submitted": _l("A review was submitted"),
    "objection_dismissed": _l("An objection was answered and dismissed"),
    "withdraw_approval": _l("An objection was upheld; the approval was withdrawn"),
    "reopen": _l("An objection was upheld; the decision went back to review"),
}
WAITS_ON_LABELS = {
    "applicant": _l("Applicant"),
    "staff": _l("Foundation staff"),
    "reviewers": _l("Reviewers"),
}
BATCH_LABELS = {
    BatchState.QUEUED: _p("matchmaking run", "Queued"),
    BatchState.RUNNING: _p("matchmaking run", "Running"),
    BatchState.DONE: _p("matchmaking run", "Done"),
    BatchState.FAILED: _p("matchmaking run", "Failed"),
}
PAIRING_LABELS = {
    PairingState.PROPOSED: _p("pairing", "Proposed"),
    PairingState.ACCEPTED: _p("pairing", "Accepted"),
}
INTENT_LABELS = {
    IntentState.INTENT: _p("paddle raise", "Paddle raised"),
    IntentState.CONFIRMED: _p("paddle raise", "Confirmed as a pledge"),
    IntentState.WITHDRAWN: _p("paddle raise", "Withdrawn"),
}
PARTY_KIND_LABELS = {
    PartyKind.ORGANIZATION: _p("party kind", "Organization"),
    PartyKind.ENTERPRISE: _p("party kind", "Enterprise"),
}
VERIFICATION_LABELS = {
    VerificationState.PENDING: _p("verification", "Waiting for verification"),
    VerificationState.MORE_INFO: _p("verification", "More information requested"),
    VerificationState.REJECTED: _p("verification", "Registration rejected"),
    VerificationState.VERIFIED: _p("verification", "Verified"),
}
OBJECTION_LABELS = {
    ObjectionState.OPEN: _p("objection", "Awaiting the foundation's answer"),
    ObjectionState.DISMISSED: _p("objection", "Dismissed with a reply"),
    ObjectionState.WITHDRAWN: _p("objection", "Upheld: the approval was withdrawn"),
    ObjectionState.REOPENED: _p("objection", "Upheld: the decision was reopened"),
}
JOB_LABELS = {
    JobState.QUEUED: _p("job", "Waiting to start"),
    JobState.RUNNING: _p("job", "In progress"),
    JobState.DONE: _p("job", "Ready"),
    JobState.FAILED: _p("job", "Failed"),
}
BANK_REASON_LABELS = {
    Reason.AMOUNT: _p("bank match reason", "Exactly the instalment's amount"),
    Reason.PAYER: _p("bank match reason", "Payer is the enterprise"),
    Reason.REFERENCE: _p("bank match reason", "Reference names the pledge"),
}
BANK_VERDICT_LABELS = {
    Verdict.SURE: _p("bank match", "One candidate"),
    Verdict.AMBIGUOUS: _p("bank match", "Several candidates: choose"),
    Verdict.NONE: _p("bank match", "No instalment due for this amount"),
}
#: Every enumeration's labels, keyed by the enumeration: values repeat across enumerations
#: ("admin" is a role and a budget category, "returned" a proposal and a tranche state), so a
#: label is found by the member's type and value, never by the value alone.
LABELS: dict[type[enum.Enum], dict] = {
    Role: ROLE_LABELS,
    PartyKind: PARTY_KIND_LABELS,
    VerificationState: VERIFICATION_LABELS,
    LegalForm: LEGAL_FORM_LABELS,
    NeedSource: NEED_SOURCE_LABELS,
    NeedStatus: NEED_STATUS_LABELS,
    ProposalState: PROPOSAL_STATE_LABELS,
    ObjectionState: OBJECTION_LABELS,
    BudgetCategory: BUDGET_CATEGORY_LABELS,
    RelationKind: RELATION_LABELS,
    Recommendation: RECOMMENDATION_LABELS,
    AssignmentState: ASSIGNMENT_LABELS,
    GrantState: GRANT_LABELS,
    TrancheState: TRANCHE_LABELS,
    PledgeState: PLEDGE_STATE_LABELS,
    InstalmentState: INSTALMENT_LABELS,
    UnusedMoney: UNUSED_MONEY_LABELS,
    PledgeTarget: PLEDGE_TARGET_LABELS,
    PaymentMethod: PAYMENT_METHOD_LABELS,
    BatchState: BATCH_LABELS,
    PairingState: PAIRING_LABELS,
    IntentState: INTENT_LABELS,
    JobState: JOB_LABELS,
    TokenScope: TOKEN_SCOPE_LABELS,
    Reason: BANK_REASON_LABELS,
    Verdict: BANK_VERDICT_LABELS,
}
#: The labelled enumerations by class name, for templates that hold a raw value:
#: ``label(rule.detail, enums.LegalForm)``.
enums = SimpleNamespace(**{kind.__name__: kind for kind in LABELS})


def label(value: enum.Enum | str | None, kind: type[enum.Enum] | None = None) -> str:
    """The translated name of an enum member, found by its type; a raw stored value needs
    its enumeration named (``label("returned", ProposalState)``). What has no label shows as
    its value (``test_labels`` makes sure every stored enumeration has labels)."""
    if value is None:
        return "—"
    labels = LABELS.get(kind or type(value))
    if labels is None:
        return str(getattr(value, "value", value))
    try:
        found = labels.get((kind or type(value))(value))
    except ValueError:
        found = None
    return str(found) if found is not None else str(getattr(value, "value", value))


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(member.value, str(text)) for member, text in labels.items()]


#: Names of the fields compared between proposal versions.
FIELD_LABELS = {
    "title": _l("Project title"),
    "summary": _l("Summary"),
    "category_code": _l("Service category"),
    "direct_beneficiaries": _l("Direct beneficiaries"),
    "indirect_beneficiaries": _l("Indirect beneficiaries"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "amount_requested_fen": _l("Amount requested"),
    "self_funded_fen": _l("Self-funded"),
    "total_budget_fen": _l("Total budget"),
    "needs": _l("Community needs it answers"),
    "communities": _l("Target communities"),
    "budget_lines": _l("Budget lines"),
    "outcomes": _l("Outcome indicators"),
    "team": _l("Team members"),
    "attachments": _l("Attachments"),
}


def keyed(labels: dict):
    """A template helper: the translated label for a key, or the key itself."""
    return lambda key: str(labels.get(key, key))
