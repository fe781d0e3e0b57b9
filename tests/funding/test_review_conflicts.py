"""A conflict of interest is checked again when the reviewer declares and when the review is
submitted, not only at assignment."""

import sqlalchemy as sa

from funding.accounts.models import Role
from funding.extensions import db
from funding.notifications.models import Notification
from funding.proposals.models import ProposalState
from funding.reviews import services
from funding.reviews.models import AssignmentState, Recommendation, RelationKind, Review


def _assigned(make):
    p = make.proposal(state=ProposalState.IN_REVIEW)
    staff = make.user(Role.STAFF)
    reviewer = make.user(Role.REVIEWER)
    return p, staff, reviewer, services.assign_reviewer(staff, p, reviewer)


def _staff_heard(staff) -> bool:
    return (
        db.session.scalar(
            sa.select(Notification).filter_by(user_id=staff.id, key="review_conflict_found")
        )
        is not None
    )


def test_a_link_recorded_after_assignment_stops_the_submission(make):
    p, staff, reviewer, a = _assigned(make)
    services.declare(reviewer, a, conflicted=False)
    services.record_relationship(staff, reviewer, p.organization, RelationKind.BOARD_MEMBER)
    result = services.submit_review(
        reviewer, a, [services.Score(9)] * 5, "很好", Recommendation.FUND
    )
    assert result is None
    assert a.state == AssignmentState.CONFLICTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    assert _staff_heard(staff)
    assert p.events[-1].action == "reviewer_conflict"


def test_a_link_recorded_before_the_declaration_withdraws_the_reviewer(make):
    p, staff, reviewer, a = _assigned(make)
    services.record_relationship(staff, reviewer, p.organization, RelationKind.FAMILY)
    services.declare(reviewer, a, conflicted=False)
    assert a.state == AssignmentState.CONFLICTED and _staff_heard(staff)


def test_without_a_link_the_review_is_recorded(make):
    _p, _staff, reviewer, a = _assigned(make)
    services.declare(reviewer, a, conflicted=False)
    review = services.submit_review(
        reviewer, a, [services.Score(7)] * 5, "可以", Recommendation.FUND
    )
    assert review is not None and a.state == AssignmentState.SUBMITTED


def test_the_reviewer_is_told_on_the_page(make, login_as):
    p, staff, reviewer, a = _assigned(make)
    services.declare(reviewer, a, conflicted=False)
    services.record_relationship(staff, reviewer, p.organization, RelationKind.DONOR)
    response = login_as(reviewer).post(
        f"/reviews/{a.id}",
        data={
            **{f"review-scores-{i}-score": "8" for i in range(5)},
            "review-recommendation": "fund",
            "review-comment": "建议资助",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "您已退出本次评审" in page
    db.session.refresh(a)
    assert a.state == AssignmentState.CONFLICTED and a.review is None
