"""Conflict-free reviewer assignment, declarations, scoring and the staff summary."""

from dataclasses import dataclass
from statistics import mean, pstdev

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.audit.services import record
from funding.directory.models import Party
from funding.extensions import db, utcnow
from funding.notifications.services import notify, staff_users
from funding.proposals.models import Proposal, ProposalState
from funding.proposals.services import record_event
from funding.reviews.eligibility import linked_to
from funding.reviews.models import (
    AssignmentState,
    Recommendation,
    RelationKind,
    Relationship,
    Review,
    ReviewAssignment,
)
from funding.transactions import DomainError, transactional

#: Criteria whose scores differ by this much or more are flagged for a look.
SPREAD_FLAG = 4


def conflicted_ids(party: Party) -> set[int]:
    """Everyone linked to ``party``: its members and the registry's relationships."""
    return set(db.session.scalars(sa.select(User.id).where(linked_to(party.id))))


def is_conflicted(user: User, party: Party) -> bool:
    return user.id in conflicted_ids(party)


@transactional
def record_relationship(
    actor: User, user: User, party: Party, kind: RelationKind, note: str = ""
) -> Relationship:
    """Staff (or the person themself) record a link that disqualifies them from a review."""
    if not (actor.is_foundation or actor.id == user.id):
        raise DomainError("forbidden")
    existing = db.session.scalar(
        sa.select(Relationship).filter_by(user_id=user.id, party_id=party.id, kind=kind)
    )
    if existing is not None:
        return existing
    link = Relationship(
        user_id=user.id, party_id=party.id, kind=kind, note=note.strip(), recorded_by_id=actor.id
    )
    db.session.add(link)
    db.session.flush()
    record(
        actor,
        "relationship.create",
        link,
        after={"user": user.id, "party": party.id, "kind": kind.value},
    )
    return link


@transactional
def remove_relationship(actor: User, link: Relationship) -> None:
    if not actor.is_foundation:
        raise DomainError("forbidden")
    record(
        actor,
        "relationship.remove",
        link,
        before={"user": link.user_id, "party": link.party_id, "kind": link.kind.value},
    )
    db.session.delete(link)


def _timeline(proposal: Proposal, actor: User | None, action: str, note: str = "") -> None:
    """A timeline step that leaves the state as it is."""
    record_event(proposal, actor, action, proposal.state, note)


@transactional
def assign_reviewer(actor: User, proposal: Proposal, reviewer: User) -> ReviewAssignment:
    """Staff assign a reviewer with no recorded link to the applying organization."""
    if not actor.is_foundation:
        raise DomainError("forbidden")
    if proposal.state != ProposalState.IN_REVIEW:
        raise DomainError("not_in_review")
    if reviewer.role != Role.REVIEWER or not reviewer.active:
        raise DomainError("not_a_reviewer")
    if is_conflicted(reviewer, proposal.organization):
        raise DomainError("reviewer_conflicted")
    if (
        db.session.scalar(
            sa.select(ReviewAssignment.id).filter_by(
                proposal_id=proposal.id, reviewer_id=reviewer.id
            )
        )
        is not None
    ):
        raise DomainError("already_assigned")
    assignment = ReviewAssignment(
        proposal=proposal, reviewer_id=reviewer.id, assigned_by_id=actor.id
    )
    db.session.add(assignment)
    db.session.flush()
    _timeline(proposal, actor, "reviewer_assigned")
    record(
        actor, "review.assign", assignment, after={"proposal": proposal.id, "reviewer": reviewer.id}
    )
    notify([reviewer], "review_assigned", f"/reviews/{assignment.id}", title=proposal.title)
    return assignment


def _withdraw_if_conflicted(assignment: ReviewAssignment) -> bool:
    """Check the registry again: a link recorded since the assignment (or the reviewer joining
    the applicant) withdraws the reviewer, and staff are told. True if it did."""
    proposal = assignment.proposal
    reviewer = assignment.reviewer
    if not is_conflicted(reviewer, proposal.organization):
        return False
    assignment.state = AssignmentState.CONFLICTED
    _timeline(proposal, None, "reviewer_conflict")
    record(reviewer, "review.conflict_found", assignment, after={"proposal": proposal.id})
    notify(
        staff_users(),
        "review_conflict_found",
        f"/proposals/{proposal.id}",
        title=proposal.title,
        reviewer=reviewer.name,
    )
    return True


@transactional
def declare(actor: User, assignment: ReviewAssignment, conflicted: bool, note: str = "") -> None:
    """The reviewer declares before scoring; a declared conflict, or one the registry now
    records, removes them and tells staff (the assignment's state says which happened)."""
    if actor.id != assignment.reviewer_id:
        raise DomainError("forbidden")
    if assignment.state != AssignmentState.ASSIGNED:
        raise DomainError("already_declared")
    assignment.declared_at = utcnow()
    proposal = assignment.proposal
    if not conflicted and _withdraw_if_conflicted(assignment):
        record(actor, "review.declare", assignment, after={"conflicted": False})
        return
    if conflicted:
        assignment.state = AssignmentState.CONFLICTED
        record_relationship(actor, actor, proposal.organization, RelationKind.DECLARED, note)
        _timeline(proposal, None, "reviewer_conflict")
        notify(
            staff_users(),
            "review_conflict",
            f"/proposals/{proposal.id}",
            title=proposal.title,
            reviewer=actor.name,
        )
    else:
        assignment.state = AssignmentState.CLEARED
    record(actor, "review.declare", assignment, after={"conflicted": conflicted})


@dataclass(frozen=True)
class Score:
    score: int
    comment: str = ""


@transactional
def submit_review(
    actor: User,
    assignment: ReviewAssignment,
    scores: list[Score],
    comment: str,
    recommendation: Recommendation,
) -> Review | None:
    """One review per reviewer: a 0–10 score per rubric criterion and a recommendation.

    The conflict of interest is checked again here, not only at assignment: a reviewer linked
    to the applicant since then is withdrawn instead (None: no review was recorded)."""
    if actor.id != assignment.reviewer_id:
        raise DomainError("forbidden")
    if assignment.state == AssignmentState.SUBMITTED:
        raise DomainError("review_exists")
    if assignment.state != AssignmentState.CLEARED:
        raise DomainError("declare_first")
    proposal = assignment.proposal
    if proposal.state != ProposalState.IN_REVIEW:
        raise DomainError("not_in_review")
    if _withdraw_if_conflicted(assignment):
        return None
    if len(scores) != len(proposal.program.rubric) or any(not 0 <= s.score <= 10 for s in scores):
        raise DomainError("scores_invalid")
    review = Review(
        assignment=assignment,
        comment=comment.strip(),
        recommendation=recommendation,
        scores=[{"score": s.score, "comment": s.comment.strip()} for s in scores],
    )
    db.session.add(review)
    assignment.state = AssignmentState.SUBMITTED
    db.session.flush()
    _timeline(proposal, None, "review_submitted")
    record(
        actor,
        "review.submit",
        review,
        after={
            "proposal": proposal.id,
            "total": weighted_total(proposal, review),
            "recommendation": recommendation.value,
        },
    )
    done = sum(1 for a in proposal.assignments if a.state == AssignmentState.SUBMITTED)
    key = "reviews_complete" if done >= proposal.program.reviewers_required else "review_submitted"
    notify(
        staff_users(), key, f"/proposals/{proposal.id}", title=proposal.title, reviewer=actor.name
    )
    return review


def weighted_total(proposal: Proposal, review: Review) -> int:
    """Score out of 100: each 0–10 score times its weight, over 10 (integer, rounded half up)."""
    points = sum(
        s["score"] * c["weight"]
        for s, c in zip(review.scores, proposal.program.rubric, strict=True)
    )
    return (points + 5) // 10


@dataclass(frozen=True)
class CriterionSummary:
    name: str
    name_en: str
    weight: int
    scores: list[int]
    mean: float
    spread: int
    flagged: bool


@dataclass(frozen=True)
class ReviewSummary:
    reviews: list[Review]
    totals: list[tuple[Review, int]]
    criteria: list[CriterionSummary]
    mean_total: float | None
    split_recommendations: bool


def summarize(proposal: Proposal) -> ReviewSummary:
    """Totals per reviewer, mean and spread per criterion, and the disagreements to look at."""
    reviews = [
        a.review
        for a in proposal.assignments
        if a.state == AssignmentState.SUBMITTED and a.review is not None
    ]
    criteria = []
    for i, c in enumerate(proposal.program.rubric):
        scores = [r.scores[i]["score"] for r in reviews]
        spread = max(scores) - min(scores) if scores else 0
        criteria.append(
            CriterionSummary(
                c["name"],
                c.get("name_en", c["name"]),
                c["weight"],
                scores,
                round(mean(scores), 1) if scores else 0.0,
                spread,
                spread >= SPREAD_FLAG,
            )
        )
    totals = [(r, weighted_total(proposal, r)) for r in reviews]
    recs = {r.recommendation for r in reviews}
    return ReviewSummary(
        reviews=reviews,
        totals=totals,
        criteria=criteria,
        mean_total=round(mean(t for _, t in totals), 1) if totals else None,
        split_recommendations=Recommendation.FUND in recs and Recommendation.DO_NOT_FUND in recs,
    )


def total_spread(summary: ReviewSummary) -> float:
    return round(pstdev([t for _, t in summary.totals]), 1) if len(summary.totals) > 1 else 0.0
