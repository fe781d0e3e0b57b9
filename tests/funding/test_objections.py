"""公示 objections: staff answer each in public; upholding one withdraws the approval or
reopens the decision; the agreement waits until every objection is answered."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from funding import figures
from funding.accounts.models import Role
from funding.extensions import db, utcnow
from funding.ledger.check import violations
from funding.ledger.models import AccountKind
from funding.ledger.services import account, balance
from funding.notifications.models import Notification
from funding.pledges.models import Pledge, PledgeState, PledgeTarget, UnusedMoney
from funding.proposals import services
from funding.proposals.models import Objection, ObjectionState, ProposalState
from funding.proposals.objections import dismiss_objection, uphold_objection
from funding.proposals.workflow import Action
from funding.reviews.models import AssignmentState, Recommendation, Review, ReviewAssignment
from funding.transactions import DomainError
from tests.funding.money_helpers import pledge_data, pledge_money_in, promise, receive

TODAY = date(2027, 3, 1)


@pytest.fixture
def disclosed(make):
    """An approval on disclosure until ten days from now, with one objection from the public."""
    member = make.user(Role.ORG_MEMBER)
    p = make.proposal(
        member,
        state=ProposalState.APPROVED,
        approved_amount_fen=2_000_000,
        disclosure_until=(utcnow() + timedelta(days=10)).date(),
        decided_at=utcnow(),
    )
    objection = _object(p, "该机构去年的项目没有完成")
    return p, objection, member, make.user(Role.STAFF)


def _object(p, text: str) -> Objection:
    objection = Objection(proposal=p, name="张先生", contact="13800001111", text=text)
    db.session.add(objection)
    db.session.commit()
    return objection


def test_the_agreement_waits_for_every_answer(disclosed):
    p, objection, _member, staff = disclosed
    after = p.disclosure_until + timedelta(days=1)
    with pytest.raises(DomainError) as info:
        services.sign_agreement(staff, p, after)
    assert info.value.code == "objection_open"
    dismiss_objection(staff, objection, "经核实，该项目已按期结项。")
    assert objection.state == ObjectionState.DISMISSED and objection.answered_by_id == staff.id
    assert services.sign_agreement(staff, p, after).amount_fen == 2_000_000


def test_dismissing_keeps_the_decision_and_records_the_answer(disclosed):
    p, objection, _member, staff = disclosed
    dismiss_objection(staff, objection, "经核实，该项目已按期结项。")
    assert p.state == ProposalState.APPROVED and p.approved_amount_fen == 2_000_000
    assert p.events[-1].action == "objection_dismissed"
    with pytest.raises(DomainError) as info:
        dismiss_objection(staff, objection, "再答一次")
    assert info.value.code == "objection_answered"


def test_answers_need_staff_and_a_reply(disclosed):
    p, objection, member, staff = disclosed
    with pytest.raises(DomainError) as info:
        dismiss_objection(member, objection, "不成立")
    assert info.value.code == "forbidden"
    with pytest.raises(DomainError) as info:
        uphold_objection(staff, objection, "  ", Action.WITHDRAW_APPROVAL)
    assert info.value.code == "reply_required"
    with pytest.raises(DomainError):
        uphold_objection(staff, objection, "成立", Action.SIGN_AGREEMENT)
    db.session.refresh(objection)
    assert objection.state == ObjectionState.OPEN and p.state == ProposalState.APPROVED


def test_upholding_withdraws_the_approval_and_answers_the_others(disclosed):
    p, objection, member, staff = disclosed
    other = _object(p, "预算偏高")
    left_before = figures.available_fen(p.program)
    uphold_objection(staff, objection, "经核实，该机构存在未结项目。", Action.WITHDRAW_APPROVAL)
    assert p.state == ProposalState.REJECTED
    assert p.decision_note == "经核实，该机构存在未结项目。"
    assert {objection.state, other.state} == {ObjectionState.WITHDRAWN}
    assert other.reply == objection.reply
    assert figures.available_fen(p.program) == left_before + 2_000_000
    told = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == member.id)
    ).all()
    assert [n.key for n in told] == ["objection_upheld_withdraw_approval"]


def test_upholding_can_reopen_the_decision_for_review(disclosed, make):
    p, objection, _member, staff = disclosed
    uphold_objection(staff, objection, "请专家重新评审预算。", Action.REOPEN)
    assert p.state == ProposalState.IN_REVIEW
    assert p.approved_amount_fen is None and p.disclosure_until is None
    assert p.events[-1].action == "reopen" and p.events[-1].note == "请专家重新评审预算。"
    reviewer = make.user(Role.REVIEWER)
    review = Review(scores=[], comment="可以资助", recommendation=Recommendation.FUND)
    db.session.add(
        ReviewAssignment(
            proposal=p,
            reviewer_id=reviewer.id,
            assigned_by_id=staff.id,
            state=AssignmentState.SUBMITTED,
            review=review,
        )
    )
    p.program.reviewers_required = 1
    services.approve(staff, p, 1_800_000, "调整预算后立项", TODAY)
    assert p.state == ProposalState.APPROVED and p.disclosure_until > TODAY


def test_staff_answer_through_the_pages_and_the_public_sees_it(disclosed, login_as, client):
    p, objection, _member, staff = disclosed
    page = login_as(staff).get("/staff/objections").get_data(as_text=True)
    assert "该机构去年的项目没有完成" in page and f'id="reply-{objection.id}"' in page
    empty = client.post(f"/staff/objections/{objection.id}/answer", data={})
    assert empty.status_code == 302
    assert objection.state == ObjectionState.OPEN
    client.post(
        f"/staff/objections/{objection.id}/answer",
        data={"answer-decision": "dismiss", "answer-reply": "经核实，该项目已按期结项。"},
    )
    db.session.refresh(objection)
    assert objection.state == ObjectionState.DISMISSED
    client.post("/logout")
    public = client.get(f"/disclosures/{p.id}").get_data(as_text=True)
    assert "异议不成立，已公开答复" in public and "经核实，该项目已按期结项。" in public
    assert "张先生" not in public and "13800001111" not in public
    english = client.get(f"/disclosures/{p.id}?lang=en").get_data(as_text=True)
    assert "Dismissed with a reply" in english


def test_a_withdrawn_approval_stays_on_public_record(disclosed, login_as, client):
    p, objection, _member, staff = disclosed
    login_as(staff).post(
        f"/staff/objections/{objection.id}/answer",
        data={"answer-decision": "withdraw_approval", "answer-reply": "存在未结项目，撤销立项。"},
    )
    assert p.state == ProposalState.REJECTED
    client.post("/logout")
    page = client.get(f"/disclosures/{p.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="disclosure-outcome"' in text and "撤销立项" in text
    assert "Raise an objection" not in client.get(f"/disclosures/{p.id}?lang=en").get_data(
        as_text=True
    )
    listing = client.get("/disclosures?lang=zh").get_data(as_text=True)
    assert 'id="changed-decisions"' in listing and p.title in listing


def test_signing_through_the_page_names_the_open_objection(make, login_as):
    p = make.proposal(
        state=ProposalState.APPROVED,
        approved_amount_fen=2_000_000,
        disclosure_until=date(2020, 1, 1),
        decided_at=utcnow(),
    )
    _object(p, "有异议")
    client = login_as(make.user(Role.STAFF))
    page = client.post(f"/proposals/{p.id}/sign", follow_redirects=True).get_data(as_text=True)
    assert "仍有未答复的异议" in page
    assert p.state == ProposalState.APPROVED


def test_upholding_sends_gifts_made_during_disclosure_where_their_donors_said(disclosed, make):
    """Enterprises may back a project while it is on disclosure; if the approval is withdrawn
    their money goes to the program or back to them, and they are told."""
    p, objection, _member, staff = disclosed
    ent = make.user(Role.ENTERPRISE_MEMBER)
    kept = promise(ent, pledge_data(PledgeTarget.PROJECT, 300_000, proposal_id=p.id))
    back = promise(
        ent,
        pledge_data(PledgeTarget.PROJECT, 200_000, proposal_id=p.id, if_unused=UnusedMoney.REFUND),
    )
    receive(staff, kept)
    receive(staff, back)
    uphold_objection(staff, objection, "经核实，该机构存在未结项目。", Action.WITHDRAW_APPROVAL)
    assert balance(AccountKind.PROJECT_FUND, p.id) == 0
    fund = account(AccountKind.PROGRAM_FUND, p.program_id)
    assert pledge_money_in(fund, kept.id) == 300_000
    assert db.session.get(Pledge, back.id).state == PledgeState.REFUNDED
    told = db.session.scalars(sa.select(Notification.key).where(Notification.user_id == ent.id))
    assert {"pledge_money_to_program", "pledge_money_refunded"} <= set(told)
    assert violations() == []
