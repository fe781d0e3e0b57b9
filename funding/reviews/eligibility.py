"""Who may still review a proposal. Conflicts of interest (a member of the applicant, a
registered or declared relationship, a conflict declared on the proposal) can leave fewer
eligible reviewers than the program needs; staff are warned before the review stalls.
Counted in SQL as a subquery correlated to the proposal, so any list costs one statement."""

from datetime import date

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.proposals.models import Program, Proposal, ProposalState
from funding.reviews.models import AssignmentState, Relationship, ReviewAssignment


def program_short_of_reviewers(today: date) -> sa.ColumnElement[bool]:
    """A program open for proposals that has fewer active reviewers than each one needs: no
    proposal of it can be fully reviewed, conflicts or not."""
    reviewers = (
        sa.select(sa.func.count(User.id))
        .where(User.role == Role.REVIEWER, User.active)
        .scalar_subquery()
    )
    return sa.and_(
        sa.or_(Program.open_until.is_(None), Program.open_until >= today),
        Program.reviewers_required > reviewers,
    )


def linked_to(party_id) -> sa.ColumnElement[bool]:
    """A user linked to the party, who may not review it: one of its members, or someone the
    relationship registry links to it (the one definition of a conflict with a party)."""
    return sa.or_(
        sa.and_(User.party_id.is_not(None), User.party_id == party_id),
        sa.exists().where(Relationship.user_id == User.id, Relationship.party_id == party_id),
    )


def eligible_reviewers() -> sa.ScalarSelect:
    """How many active reviewers have no conflict about the proposal."""
    return (
        sa.select(sa.func.count(User.id))
        .where(
            User.role == Role.REVIEWER,
            User.active,
            ~linked_to(Proposal.organization_id),
            ~sa.exists().where(
                ReviewAssignment.proposal_id == Proposal.id,
                ReviewAssignment.reviewer_id == User.id,
                ReviewAssignment.state == AssignmentState.CONFLICTED,
            ),
        )
        .correlate(Proposal)
        .scalar_subquery()
    )


def reviewers_required() -> sa.ScalarSelect:
    """How many reviews the proposal's program asks for."""
    return (
        sa.select(Program.reviewers_required)
        .where(Program.id == Proposal.program_id)
        .correlate(Proposal)
        .scalar_subquery()
    )


def short_of_reviewers() -> sa.ColumnElement[bool]:
    """A proposal in review whose eligible reviewers are fewer than its program needs."""
    return sa.and_(
        Proposal.state == ProposalState.IN_REVIEW, eligible_reviewers() < reviewers_required()
    )
