"""Who may see a proposal: its organization's members, staff, and its assigned reviewers."""

from flask import abort
from flask_login import current_user

from funding.extensions import db
from funding.proposals.models import Proposal
from funding.proposals.workflow import is_applicant
from funding.reviews.models import AssignmentState


def reviewer_assignment(user, proposal: Proposal):
    """The user's live assignment on the proposal (a declared conflict ends it)."""
    for a in proposal.assignments:
        if a.reviewer_id == user.id and a.state != AssignmentState.CONFLICTED:
            return a
    return None


def can_see(user, proposal: Proposal) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_foundation
        or is_applicant(user, proposal)
        or reviewer_assignment(user, proposal) is not None
    )


def proposal_or_404(proposal_id: int, *, applicant_or_staff: bool = True) -> Proposal:
    """Load a proposal the current user may open; anything else is 404 (not 403)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    allowed = (
        current_user.is_foundation or is_applicant(current_user, proposal)
        if applicant_or_staff
        else can_see(current_user, proposal)
    )
    if not allowed:
        abort(404)
    return proposal
