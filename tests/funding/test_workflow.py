"""The proposal state machine: every state × every action, enforced by the services."""

from datetime import date, timedelta

import pytest

from funding.accounts.models import Role
from funding.dates import add_working_days
from funding.extensions import db
from funding.proposals import objections, services
from funding.proposals.models import Objection
from funding.proposals.models import ProposalState as S
from funding.proposals.workflow import TRANSITIONS, Action, next_state
from funding.reviews.models import AssignmentState, Recommendation, Review, ReviewAssignment
from funding.transactions import DomainError

TODAY = date(2027, 3, 1)


def _ready(make, state: S):
    """A complete proposal in ``state`` whose other preconditions for every action hold."""
    member = make.user(Role.ORG_MEMBER)
    staff = make.user(Role.STAFF)
    p = make.proposal(
        member,
        state=state,
        approved_amount_fen=(3_000_000 if state in (S.APPROVED, S.AGREEMENT_SIGNED) else None),
    )
    p.program.reviewers_required = 1
    p.screening = [{"rule": "x", "passed": True, "detail": ""}]
    reviewer = make.user(Role.REVIEWER)
    a = ReviewAssignment(
        proposal=p,
        reviewer_id=reviewer.id,
        assigned_by_id=staff.id,
        state=AssignmentState.SUBMITTED,
    )
    a.review = Review(
        scores=[{"score": 8, "comment": ""}] * 5, comment="ok", recommendation=Recommendation.FUND
    )
    db.session.add(a)
    db.session.commit()
    return p, member, staff


def _uphold(outcome: Action):
    """Uphold a fresh objection to the proposal with ``outcome``."""

    def call(p, _member, staff):
        objection = Objection(proposal=p, name="居民", contact="13800001111", text="有异议")
        db.session.add(objection)
        db.session.commit()
        objections.uphold_objection(staff, objection, "异议成立", outcome)

    return call


CALLS = {
    Action.SAVE: lambda p, m, s: services.save_draft(m, p, services.ProposalData(title="x")),
    Action.SUBMIT: lambda p, m, s: services.submit(m, p, TODAY),
    Action.WITHDRAW: lambda p, m, s: services.withdraw(m, p),
    Action.PASS_SCREENING: lambda p, m, s: services.pass_screening(s, p),
    Action.RETURN: lambda p, m, s: services.return_for_revision(s, p, "请补充预算说明"),
    Action.REJECT: lambda p, m, s: services.reject(s, p, "不符合计划方向"),
    Action.APPROVE: lambda p, m, s: services.approve(s, p, 2_500_000, "", TODAY),
    Action.SIGN_AGREEMENT: lambda p, m, s: services.sign_agreement(s, p, TODAY),
    Action.WITHDRAW_APPROVAL: _uphold(Action.WITHDRAW_APPROVAL),
    Action.REOPEN: _uphold(Action.REOPEN),
}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_and_action(make, state, action):
    p, member, staff = _ready(make, state)
    expected = TRANSITIONS[action].get(state)
    if expected is None:
        with pytest.raises(DomainError) as info:
            CALLS[action](p, member, staff)
        assert info.value.code == "transition_not_allowed"
        db.session.refresh(p)
        assert p.state == state
    else:
        CALLS[action](p, member, staff)
        db.session.refresh(p)
        assert p.state == expected
        assert p.events[-1].to_state == expected.value or action == Action.SUBMIT


def test_table_refuses_with_names():
    with pytest.raises(DomainError) as info:
        next_state(S.REJECTED, Action.APPROVE)
    assert info.value.details == {"action": "approve", "state": "rejected"}


@pytest.mark.parametrize(
    "action", [a for a in Action if a not in (Action.SAVE, Action.SUBMIT, Action.WITHDRAW)]
)
def test_applicants_cannot_take_staff_actions(make, action):
    state = next(iter(TRANSITIONS[action]))
    p, member, _staff = _ready(make, state)
    with pytest.raises(DomainError) as info:
        CALLS[action](p, member, member)
    assert info.value.code == "forbidden"


def test_other_organizations_cannot_act(make):
    p, _member, staff = _ready(make, S.DRAFT)
    stranger = make.user(Role.ORG_MEMBER)
    for action in (Action.SAVE, Action.SUBMIT, Action.WITHDRAW):
        with pytest.raises(DomainError):
            CALLS[action](p, stranger, staff)
    assert p.state == S.DRAFT


def test_approval_opens_disclosure_for_working_days(make):
    p, _member, staff = _ready(make, S.IN_REVIEW)
    friday = date(2027, 3, 5)
    services.approve(staff, p, 2_500_000, "按计划执行", friday)
    assert p.disclosure_until == date(2027, 3, 12)  # five working days: Mon 8 – Fri 12
    assert add_working_days(friday, 1) == date(2027, 3, 8)
    with pytest.raises(DomainError) as info:
        services.sign_agreement(staff, p, date(2027, 3, 12))
    assert info.value.code == "disclosure_running"
    grant = services.sign_agreement(staff, p, date(2027, 3, 13))
    assert grant.amount_fen == 2_500_000 and p.state == S.AGREEMENT_SIGNED


@pytest.mark.parametrize(
    ("amount", "code"), [(3_000_001, "amount_above_request"), (999_999, "amount_outside_range")]
)
def test_approve_amount_rules(make, amount, code):
    p, _member, staff = _ready(make, S.IN_REVIEW)
    with pytest.raises(DomainError) as info:
        services.approve(staff, p, amount, "", TODAY)
    assert info.value.code == code and p.state == S.IN_REVIEW


def test_approve_needs_reviews_and_money(make):
    p, _member, staff = _ready(make, S.IN_REVIEW)
    p.program.reviewers_required = 3
    with pytest.raises(DomainError) as info:
        services.approve(staff, p, 2_000_000, "", TODAY)
    assert info.value.code == "reviews_missing"
    p.program.reviewers_required = 1
    poor = make.program(budget_fen=1_500_000, reviewers_required=1)
    p.program = poor
    db.session.commit()
    with pytest.raises(DomainError) as info:
        services.approve(staff, p, 2_000_000, "", TODAY)
    assert info.value.code == "program_money_short"


def test_return_and_reject_need_a_note(make):
    p, _member, staff = _ready(make, S.SCREENING)
    with pytest.raises(DomainError):
        services.return_for_revision(staff, p, "  ")
    with pytest.raises(DomainError):
        services.reject(staff, p, "")
    assert p.state == S.SCREENING


def test_closed_program_refuses_submission(make):
    p, member, _staff = _ready(make, S.DRAFT)
    p.program.open_until = TODAY - timedelta(days=1)
    with pytest.raises(DomainError) as info:
        services.submit(member, p, TODAY)
    assert info.value.code == "program_closed"
