"""Two-way evaluation (双向评价): served communities rate projects, organizations rate the
foundation's process."""

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.audit.services import record
from funding.extensions import db
from funding.grants.models import CommunityRating, FoundationRating, Grant, GrantState
from funding.grants.reservation import LIVE_STATES
from funding.proposals.workflow import is_applicant
from funding.transactions import DomainError, transactional


@transactional
def rate_project(actor: User, grant: Grant, score: int, comment: str) -> CommunityRating:
    """A worker of a served community rates the project it received (双向评价)."""
    served = {c.id for c in grant.proposal.communities}
    if actor.role != Role.COMMUNITY_WORKER or actor.community_id not in served:
        raise DomainError("rating_not_allowed")
    if grant.state not in (*LIVE_STATES, GrantState.COMPLETED) or not 1 <= score <= 5:
        raise DomainError("rating_not_allowed")
    if (
        db.session.scalar(
            sa.select(CommunityRating.id).filter_by(
                grant_id=grant.id, community_id=actor.community_id
            )
        )
        is not None
    ):
        raise DomainError("already_rated")
    rating = CommunityRating(
        grant_id=grant.id,
        community_id=actor.community_id,
        user_id=actor.id,
        score=score,
        comment=comment.strip(),
    )
    db.session.add(rating)
    db.session.flush()
    record(actor, "rating.project", rating, after={"grant": grant.id, "score": score})
    return rating


@transactional
def rate_foundation(actor: User, grant: Grant, score: int, comment: str) -> FoundationRating:
    """The organization rates the foundation's process once its grant has ended."""
    if not is_applicant(actor, grant.proposal) or grant.state not in (
        GrantState.COMPLETED,
        GrantState.TERMINATED,
    ):
        raise DomainError("rating_not_allowed")
    if not 1 <= score <= 5:
        raise DomainError("rating_not_allowed")
    if db.session.scalar(sa.select(FoundationRating.id).filter_by(grant_id=grant.id)):
        raise DomainError("already_rated")
    rating = FoundationRating(
        grant_id=grant.id, user_id=actor.id, score=score, comment=comment.strip()
    )
    db.session.add(rating)
    db.session.flush()
    record(actor, "rating.foundation", rating, after={"grant": grant.id, "score": score})
    return rating
