"""Conflict-free review, blind review, summaries, disclosure, queue, notifications, exports."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from funding.accounts.models import Role
from funding.extensions import db, utcnow
from funding.notifications.models import Notification
from funding.proposals.models import Objection, ProposalState
from funding.proposals.queue import DEFAULT_DECISION_DAYS, expected_decision, queue
from funding.reviews import services
from funding.reviews.models import AssignmentState, Recommendation, RelationKind, Relationship
from funding.transactions import DomainError


@pytest.fixture
def in_review(make):
    member = make.user(Role.ORG_MEMBER)
    p = make.proposal(member, state=ProposalState.IN_REVIEW)
    return p, make.user(Role.STAFF)


def _score(reviewer, assignment, values, rec=Recommendation.FUND):
    services.declare(reviewer, assignment, conflicted=False)
    return services.submit_review(
        reviewer, assignment, [services.Score(v) for v in values], "意见", rec
    )


def test_conflicted_reviewer_cannot_be_assigned(in_review, make, login_as):
    p, staff = in_review
    founder = make.user(Role.REVIEWER)
    services.record_relationship(staff, founder, p.organization, RelationKind.FOUNDER)
    with pytest.raises(DomainError) as info:
        services.assign_reviewer(staff, p, founder)
    assert info.value.code == "reviewer_conflicted"
    page = login_as(staff).post(
        f"/proposals/{p.id}/reviewers",
        data={"assign-reviewer_id": founder.id},
        follow_redirects=True,
    )
    assert "不能评审" in page.get_data(as_text=True) or "关联" in page.get_data(as_text=True)
    assert p.assignments == []


def test_declared_conflict_removes_reviewer_and_tells_staff(in_review, make, login_as):
    p, staff = in_review
    reviewer = make.user(Role.REVIEWER)
    a = services.assign_reviewer(staff, p, reviewer)
    client = login_as(reviewer)
    client.post(
        f"/reviews/{a.id}/declare",
        data={"declare-conflicted": "yes", "declare-note": "曾任该机构理事"},
    )
    db.session.refresh(a)
    assert a.state == AssignmentState.CONFLICTED
    link = db.session.scalar(sa.select(Relationship).filter_by(user_id=reviewer.id))
    assert link.kind == RelationKind.DECLARED and link.party_id == p.organization_id
    note = db.session.scalar(
        sa.select(Notification).filter_by(user_id=staff.id, key="review_conflict")
    )
    assert note is not None
    assert client.get(f"/reviews/{a.id}").status_code == 403  # out of the review
    with pytest.raises(DomainError):
        services.submit_review(reviewer, a, [services.Score(5)] * 5, "x", Recommendation.FUND)
    with pytest.raises(DomainError):
        services.assign_reviewer(staff, p, reviewer)


def test_must_declare_before_scoring_and_only_once(in_review, make):
    p, staff = in_review
    reviewer = make.user(Role.REVIEWER)
    a = services.assign_reviewer(staff, p, reviewer)
    with pytest.raises(DomainError) as info:
        services.submit_review(reviewer, a, [services.Score(5)] * 5, "x", Recommendation.FUND)
    assert info.value.code == "declare_first"
    _score(reviewer, a, [5] * 5)
    with pytest.raises(DomainError) as info:
        services.submit_review(reviewer, a, [services.Score(5)] * 5, "x", Recommendation.FUND)
    assert info.value.code == "review_exists"


@pytest.mark.parametrize("values", [[11, 5, 5, 5, 5], [-1, 5, 5, 5, 5], [5, 5, 5, 5]])
def test_scores_must_be_0_to_10_for_every_criterion(in_review, make, values):
    p, staff = in_review
    reviewer = make.user(Role.REVIEWER)
    a = services.assign_reviewer(staff, p, reviewer)
    services.declare(reviewer, a, conflicted=False)
    with pytest.raises(DomainError):
        services.submit_review(
            reviewer, a, [services.Score(v) for v in values], "x", Recommendation.FUND
        )


def test_others_reviews_visible_only_after_submitting(in_review, make, login_as):
    p, staff = in_review
    first, second = make.user(Role.REVIEWER), make.user(Role.REVIEWER)
    a1 = services.assign_reviewer(staff, p, first)
    a2 = services.assign_reviewer(staff, p, second)
    _score(first, a1, [9, 9, 9, 9, 9])
    services.declare(second, a2, conflicted=False)
    client = login_as(second)
    page = client.get(f"/reviews/{a2.id}").get_data(as_text=True)
    assert 'id="other-reviews"' not in page and "90 / 100" not in page
    client.post(
        f"/reviews/{a2.id}",
        data={
            **{f"review-scores-{i}-score": "6" for i in range(5)},
            "review-recommendation": "fund_with_changes",
            "review-comment": "需调整预算",
        },
    )
    page = client.get(f"/reviews/{a2.id}").get_data(as_text=True)
    assert 'id="other-reviews"' in page and "90 / 100" in page and "60 / 100" in page


def test_reviewer_sees_only_assigned(in_review, make, login_as):
    p, staff = in_review
    reviewer, other = make.user(Role.REVIEWER), make.user(Role.REVIEWER)
    a = services.assign_reviewer(staff, p, other)
    client = login_as(reviewer)
    assert client.get(f"/reviews/{a.id}").status_code == 404
    assert client.get(f"/proposals/{p.id}").status_code == 403
    assert p.title not in client.get("/reviews").get_data(as_text=True)


def test_summary_totals_means_and_disagreements(in_review, make):
    p, staff = in_review
    reviewers = [make.user(Role.REVIEWER) for _ in range(3)]
    scores = [[10, 10, 10, 10, 10], [8, 6, 7, 5, 9], [2, 6, 7, 5, 3]]
    recs = [Recommendation.FUND, Recommendation.FUND_WITH_CHANGES, Recommendation.DO_NOT_FUND]
    for reviewer, values, rec in zip(reviewers, scores, recs, strict=True):
        _score(reviewer, services.assign_reviewer(staff, p, reviewer), values, rec)
    summary = services.summarize(p)
    # 8*20 + 6*30 + 7*20 + 5*15 + 9*15 = 690 -> 69; 2*20+6*30+7*20+5*15+3*15 = 480 -> 48
    assert [t for _, t in summary.totals] == [100, 69, 48]
    assert summary.mean_total == 72.3
    first = summary.criteria[0]
    assert (first.scores, first.mean, first.spread, first.flagged) == ([10, 8, 2], 6.7, 8, True)
    assert summary.criteria[2].spread == 3 and summary.criteria[2].flagged is False
    assert summary.split_recommendations is True
    note = db.session.scalar(sa.select(Notification).filter_by(key="reviews_complete"))
    assert note is not None and note.user_id == staff.id


def test_blind_review_hides_identity_in_pages_and_exports(in_review, make, login_as, client):
    p, staff = in_review
    p.program.blind_review = True
    p.versions = []
    db.session.commit()
    reviewer = make.user(Role.REVIEWER)
    a = services.assign_reviewer(staff, p, reviewer)
    client = login_as(reviewer)
    secrets_ = [p.organization.name, p.organization.credit_code, "陈晓"]
    services.declare(reviewer, a, conflicted=False)
    pages = [
        client.get(f"/reviews/{a.id}").get_data(as_text=True),
        client.get("/reviews").get_data(as_text=True),
        client.get("/reviews/export.csv").data.decode("utf-8-sig"),
    ]
    book = load_workbook(io.BytesIO(client.get("/reviews/export.xlsx").data))
    pages.append(" ".join(str(c.value) for row in book.active.iter_rows() for c in row))
    for page in pages:
        assert p.title in page
        for secret in secrets_:
            assert secret not in page
    staff_page = login_as(staff).get(f"/proposals/{p.id}").get_data(as_text=True)
    assert p.organization.name in staff_page


def test_staff_exports_csv_and_excel(in_review, make, login_as):
    p, staff = in_review
    reviewer = make.user(Role.REVIEWER)
    _score(reviewer, services.assign_reviewer(staff, p, reviewer), [7] * 5)
    client = login_as(staff)
    csv_text = client.get("/staff/exports/proposals.csv?state=in_review").data.decode("utf-8-sig")
    assert p.title in csv_text and p.organization.credit_code in csv_text and "30000.00" in csv_text
    assert p.title not in client.get("/staff/exports/proposals.csv?state=draft").data.decode(
        "utf-8-sig"
    )
    book = load_workbook(io.BytesIO(client.get("/staff/exports/reviews.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][3] == reviewer.name and rows[1][5] == 70


def test_export_neutralises_formulas(make, login_as):
    p = make.proposal(title='=HYPERLINK("x")')
    csv_text = (
        login_as(make.user(Role.STAFF)).get("/staff/exports/proposals.csv").data.decode("utf-8-sig")
    )
    assert "'=HYPERLINK" in csv_text and p.id


def test_objection_during_disclosure(make, client, login_as):
    p = make.proposal(
        state=ProposalState.APPROVED,
        approved_amount_fen=2_000_000,
        disclosure_until=(utcnow() + timedelta(days=10)).date(),
        decided_at=utcnow(),
    )
    staff = make.user(Role.STAFF)
    page = client.get(f"/disclosures/{p.id}").get_data(as_text=True)
    assert p.organization.name in page and "¥20,000.00" in page and p.summary in page
    assert p.title in client.get("/disclosures").get_data(as_text=True)
    client.post(
        f"/disclosures/{p.id}",
        data={"name": "张先生", "contact": "13800001111", "text": "该机构去年项目未完成"},
    )
    objection = db.session.scalar(sa.select(Objection))
    assert objection.text == "该机构去年项目未完成" and objection.proposal_id == p.id
    assert "该机构去年项目未完成" in login_as(staff).get(f"/proposals/{p.id}").get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(Notification).filter_by(key="objection_raised"))


def test_draft_is_not_disclosed(make, client):
    p = make.proposal()
    assert client.get(f"/disclosures/{p.id}").status_code == 404


def test_queue_ages_and_overdue(make, login_as):
    old = make.proposal(state=ProposalState.SCREENING, title="老申报")
    old.state_since = utcnow() - timedelta(days=9)
    make.proposal(state=ProposalState.SCREENING, title="新申报")
    db.session.commit()
    rows = {r.proposal.title: r for r in queue()}
    assert rows["老申报"].overdue and rows["老申报"].age_days == 9
    assert not rows["新申报"].overdue and rows["新申报"].waits_on == "staff"
    page = login_as(make.user(Role.STAFF)).get("/staff/queue?overdue=1").get_data(as_text=True)
    assert "老申报" in page and "新申报" not in page


def test_expected_decision_from_recent_pace(make):
    member = make.user(Role.ORG_MEMBER)
    program = make.program()
    now = utcnow()
    for days in (10, 20, 30):
        make.proposal(
            member,
            program=program,
            state=ProposalState.REJECTED,
            submitted_at=now - timedelta(days=100),
            decided_at=now - timedelta(days=100 - days),
        )
    waiting = make.proposal(
        member, program=program, state=ProposalState.SCREENING, submitted_at=now
    )
    assert expected_decision(waiting) == (now + timedelta(days=20)).date()
    fresh = make.proposal(state=ProposalState.SCREENING, submitted_at=now)
    assert expected_decision(fresh) == (now + timedelta(days=DEFAULT_DECISION_DAYS)).date()


def test_notifications_unread_count_and_email(make, login_as, app):
    member = make.user(Role.ORG_MEMBER)
    staff = make.user(Role.STAFF)
    p = make.proposal(member, state=ProposalState.SCREENING)
    p.screening = [{"rule": "x", "passed": True, "detail": ""}]
    db.session.commit()
    box = app.extensions["mailman"]
    box.outbox = []
    login_as(staff).post(f"/proposals/{p.id}/pass")
    assert any(member.email in m.to and p.title in m.subject for m in box.outbox)
    client = login_as(member)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="unread-count">1<' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert "通过资格审查" in listing
    client.post("/notifications/read")
    assert 'id="unread-count"' not in client.get("/dashboard").get_data(as_text=True)


def test_second_declared_conflict_with_the_same_organization(in_review, make):
    p, staff = in_review
    other = make.proposal(
        make.user(Role.ORG_MEMBER, party=p.organization), state=ProposalState.IN_REVIEW
    )
    reviewer = make.user(Role.REVIEWER)
    for proposal in (p, other):
        a = services.assign_reviewer(staff, proposal, reviewer) if proposal is p else None
        if a is None:  # the first declaration recorded the link: no second assignment
            with pytest.raises(DomainError) as info:
                services.assign_reviewer(staff, proposal, reviewer)
            assert info.value.code == "reviewer_conflicted"
        else:
            services.declare(reviewer, a, conflicted=True, note="理事")
    links = db.session.scalars(sa.select(Relationship).filter_by(user_id=reviewer.id)).all()
    assert [link.kind for link in links] == [RelationKind.DECLARED]
    services.record_relationship(reviewer, reviewer, p.organization, RelationKind.DECLARED)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Relationship)) == 1


def test_rubric_is_frozen_once_reviews_are_scored(in_review, make, login_as):
    p, staff = in_review
    reviewer = make.user(Role.REVIEWER)
    _score(reviewer, services.assign_reviewer(staff, p, reviewer), [7] * 5)
    from funding.proposals.programs import ProgramData, save_program

    program = p.program
    data = ProgramData(
        name=program.name,
        name_en=program.name_en,
        purpose="x",
        purpose_en="x",
        category_codes=(),
        legal_forms=(),
        street_codes=(),
        min_grant_fen=program.min_grant_fen,
        max_grant_fen=program.max_grant_fen,
        min_self_share_pct=40,
        rubric=({"name": "总体", "name_en": "Overall", "weight": 100},),
        reviewers_required=3,
        disclosure_days=5,
        tranches=(50, 50),
        blind_review=False,
        budget_fen=0,
        open_from=program.open_from,
        open_until=None,
    )
    with pytest.raises(DomainError) as info:
        save_program(staff, program, data)
    assert info.value.code == "rubric_in_use"
    assert len(services.summarize(p).criteria) == 5
    save_program(staff, program, ProgramData(**{**data.__dict__, "rubric": tuple(program.rubric)}))
    assert program.tranches == [50, 50]


def test_blind_compare_hides_team_and_attachment_names(in_review, make, login_as):
    p, staff = in_review
    p.program.blind_review = True
    from funding.proposals.models import ProposalVersion

    shot = {"title": p.title, "team": ["陈晓 (负责人)"], "attachments": ["清波助老中心章程.pdf"]}
    p.versions = [ProposalVersion(number=n, snapshot=shot) for n in (1, 2)]
    db.session.commit()
    reviewer = make.user(Role.REVIEWER)
    services.assign_reviewer(staff, p, reviewer)
    page = login_as(reviewer).get(f"/proposals/{p.id}/compare").get_data(as_text=True)
    assert p.title in page and "陈晓" not in page and "章程" not in page
    staff_page = login_as(staff).get(f"/proposals/{p.id}/compare").get_data(as_text=True)
    assert "章程" in staff_page
