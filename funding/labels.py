"""Human names for the enumerations, in the visitor's language."""

from flask_babel import lazy_gettext as _l

from funding.accounts.models import Role
from funding.directory.models import LegalForm, NeedSource, NeedStatus
from funding.grants.models import GrantState, TrancheState
from funding.matchmaking.models import BatchState, IntentState, PairingState
from funding.pledges.models import (
    InstalmentState,
    PaymentMethod,
    PledgeState,
    PledgeTarget,
    UnusedMoney,
)
from funding.proposals.models import BudgetCategory, ProposalState
from funding.reviews.models import AssignmentState, Recommendation, RelationKind

ROLE_LABELS = {
    Role.ORG_MEMBER: _l("Social organization member"),
    Role.ENTERPRISE_MEMBER: _l("Enterprise member"),
    Role.COMMUNITY_WORKER: _l("Community worker"),
    Role.REVIEWER: _l("Reviewer"),
    Role.STAFF: _l("Foundation staff"),
    Role.ADMIN: _l("Administrator"),
}
LEGAL_FORM_LABELS = {
    LegalForm.SOCIAL_GROUP: _l("Social group"),
    LegalForm.PRIVATE_NON_ENTERPRISE: _l("Private non-enterprise unit"),
    LegalForm.FOUNDATION: _l("Foundation"),
    LegalForm.COMMUNITY_FILED: _l("Community social organization (filed)"),
}
NEED_SOURCE_LABELS = {
    NeedSource.CONSULTATION: _l("Residents' consultation meeting"),
    NeedSource.HOTLINE: _l("Resident hotline"),
    NeedSource.SURVEY: _l("Survey"),
    NeedSource.VISIT: _l("Home visits"),
    NeedSource.OTHER: _l("Other"),
}
NEED_STATUS_LABELS = {
    NeedStatus.OPEN: _l("Open"),
    NeedStatus.MATCHED: _l("Matched"),
    NeedStatus.IN_SERVICE: _l("In service"),
    NeedStatus.MET: _l("Met"),
    NeedStatus.CLOSED: _l("Closed"),
}
PROPOSAL_STATE_LABELS = {
    ProposalState.DRAFT: _l("Draft"),
    ProposalState.SCREENING: _l("Screening"),
    ProposalState.IN_REVIEW: _l("In expert review"),
    ProposalState.RETURNED: _l("Returned for revision"),
    ProposalState.APPROVED: _l("Approved, on public disclosure"),
    ProposalState.REJECTED: _l("Not funded"),
    ProposalState.WITHDRAWN: _l("Withdrawn"),
    ProposalState.AGREEMENT_SIGNED: _l("Agreement signed"),
}
BUDGET_CATEGORY_LABELS = {
    BudgetCategory.PERSONNEL: _l("Personnel"),
    BudgetCategory.ACTIVITIES: _l("Activities"),
    BudgetCategory.MATERIALS: _l("Materials"),
    BudgetCategory.ADMIN: _l("Administration"),
}
RELATION_LABELS = {
    RelationKind.EMPLOYEE: _l("Employee"),
    RelationKind.BOARD_MEMBER: _l("Board member"),
    RelationKind.FOUNDER: _l("Founder"),
    RelationKind.FAMILY: _l("Family member"),
    RelationKind.DONOR: _l("Donor"),
    RelationKind.DECLARED: _l("Declared conflict"),
}
RECOMMENDATION_LABELS = {
    Recommendation.FUND: _l("Fund"),
    Recommendation.FUND_WITH_CHANGES: _l("Fund with changes"),
    Recommendation.DO_NOT_FUND: _l("Do not fund"),
}
ASSIGNMENT_LABELS = {
    AssignmentState.ASSIGNED: _l("Awaiting declaration"),
    AssignmentState.CLEARED: _l("Scoring"),
    AssignmentState.SUBMITTED: _l("Review submitted"),
    AssignmentState.CONFLICTED: _l("Withdrawn: conflict of interest"),
}
GRANT_LABELS = {
    GrantState.ACTIVE: _l("Active"),
    GrantState.MIDTERM_PASSED: _l("Mid-term review passed"),
    GrantState.COMPLETED: _l("Completed"),
    GrantState.TERMINATED: _l("Terminated"),
}
PLEDGE_STATE_LABELS = {
    PledgeState.PLEDGED: _l("Pledged"),
    PledgeState.PARTLY_RECEIVED: _l("Partly received"),
    PledgeState.RECEIVED: _l("Received"),
    PledgeState.ALLOCATED: _l("Allocated to a grant"),
    PledgeState.PAID_OUT: _l("Paid out"),
    PledgeState.REFUNDED: _l("Refunded to the donor"),
    PledgeState.CANCELLED: _l("Cancelled"),
}
INSTALMENT_LABELS = {
    InstalmentState.DUE: _l("Due"),
    InstalmentState.RECEIVED: _l("Received"),
    InstalmentState.CANCELLED: _l("Cancelled"),
}
UNUSED_MONEY_LABELS = {
    UnusedMoney.PROGRAM: _l("It goes to the project's program"),
    UnusedMoney.REFUND: _l("It is returned to the donor"),
}
PLEDGE_TARGET_LABELS = {
    PledgeTarget.POOL: _l("The general pool"),
    PledgeTarget.PROGRAM: _l("A program"),
    PledgeTarget.CATEGORY: _l("A service category"),
    PledgeTarget.PROJECT: _l("A specific project"),
}
PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.CHEQUE: _l("Cheque"),
    PaymentMethod.ONLINE: _l("Online payment"),
}
TRANCHE_LABELS = {
    TrancheState.PENDING: _l("Not requested yet"),
    TrancheState.REQUESTED: _l("Requested"),
    TrancheState.SIGNED: _l("Signed once, awaiting a second sign-off"),
    TrancheState.PAID: _l("Paid"),
    TrancheState.RETURNED: _l("Returned to the organization"),
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
}
WAITS_ON_LABELS = {
    "applicant": _l("Applicant"),
    "staff": _l("Foundation staff"),
    "reviewers": _l("Reviewers"),
}
#: Matchmaking runs, their pairings, and paddle raises at fairs.
MATCH_LABELS = {
    BatchState.QUEUED: _l("Queued"),
    BatchState.RUNNING: _l("Running"),
    BatchState.DONE: _l("Done"),
    BatchState.FAILED: _l("Failed"),
    PairingState.PROPOSED: _l("Proposed"),
    PairingState.ACCEPTED: _l("Accepted"),
    IntentState.INTENT: _l("Paddle raised"),
    IntentState.CONFIRMED: _l("Confirmed as a pledge"),
    IntentState.WITHDRAWN: _l("Withdrawn"),
}
ALL_LABELS = {
    **ROLE_LABELS,
    **LEGAL_FORM_LABELS,
    **NEED_SOURCE_LABELS,
    **NEED_STATUS_LABELS,
    **PROPOSAL_STATE_LABELS,
    **BUDGET_CATEGORY_LABELS,
    **RELATION_LABELS,
    **RECOMMENDATION_LABELS,
    **ASSIGNMENT_LABELS,
    **GRANT_LABELS,
    **PLEDGE_STATE_LABELS,
    **PLEDGE_TARGET_LABELS,
    **INSTALMENT_LABELS,
    **UNUSED_MONEY_LABELS,
    **PAYMENT_METHOD_LABELS,
    **TRANCHE_LABELS,
    **MATCH_LABELS,
}


def label(value) -> str:
    """The translated name of an enum member (the raw value if it has none)."""
    found = ALL_LABELS.get(value)
    return str(found) if found is not None else str(value)


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
