"""The proposal state machine as data: (action, state) -> next state, and who acts."""

import enum

from funding.accounts.models import Role
from funding.proposals.models import ProposalState as S
from funding.transactions import DomainError


class Action(enum.StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    PASS_SCREENING = "pass_screening"  # noqa: S105 - not a password
    RETURN = "return"
    REJECT = "reject"
    APPROVE = "approve"
    SIGN_AGREEMENT = "sign_agreement"
    #: An objection during disclosure was upheld: the approval is withdrawn, or the decision
    #: goes back to review.
    WITHDRAW_APPROVAL = "withdraw_approval"
    REOPEN = "reopen"


TRANSITIONS: dict[Action, dict[S, S]] = {
    Action.SAVE: {S.DRAFT: S.DRAFT, S.RETURNED: S.RETURNED},
    Action.SUBMIT: {S.DRAFT: S.SCREENING, S.RETURNED: S.SCREENING},
    Action.WITHDRAW: {
        S.DRAFT: S.WITHDRAWN,
        S.SCREENING: S.WITHDRAWN,
        S.RETURNED: S.WITHDRAWN,
        S.IN_REVIEW: S.WITHDRAWN,
    },
    Action.PASS_SCREENING: {S.SCREENING: S.IN_REVIEW},
    Action.RETURN: {S.SCREENING: S.RETURNED, S.IN_REVIEW: S.RETURNED},
    Action.REJECT: {S.SCREENING: S.REJECTED, S.IN_REVIEW: S.REJECTED},
    Action.APPROVE: {S.IN_REVIEW: S.APPROVED},
    Action.SIGN_AGREEMENT: {S.APPROVED: S.AGREEMENT_SIGNED},
    Action.WITHDRAW_APPROVAL: {S.APPROVED: S.REJECTED},
    Action.REOPEN: {S.APPROVED: S.IN_REVIEW},
}
#: Actions the applying organization takes; the others are the foundation's.
APPLICANT_ACTIONS = frozenset({Action.SAVE, Action.SUBMIT, Action.WITHDRAW})
#: States in which a proposal still asks for money (for the double-funding rule).
OPEN_STATES = frozenset({S.SCREENING, S.IN_REVIEW, S.RETURNED, S.APPROVED, S.AGREEMENT_SIGNED})
#: States the applicant can still edit.
EDITABLE_STATES = frozenset({S.DRAFT, S.RETURNED})


def next_state(state: S, action: Action) -> S:
    """The state ``action`` leads to from ``state``, or a refusal naming both."""
    try:
        return TRANSITIONS[action][state]
    except KeyError:
        raise DomainError(
            "transition_not_allowed", action=action.value, state=state.value
        ) from None


def is_applicant(user, proposal) -> bool:
    """A member of the organization that applied: the only one who takes applicant actions."""
    return user.role == Role.ORG_MEMBER and user.party_id == proposal.organization_id
