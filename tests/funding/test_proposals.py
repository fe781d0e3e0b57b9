"""Proposals through the web: drafting, validation, screening, attachments, versions."""

import gc
import io
import os
import warnings
import zipfile

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role
from funding.directory.models import LegalForm
from funding.extensions import db, utcnow
from funding.grants.models import Grant, GrantState
from funding.proposals.models import Attachment, Proposal, ProposalState
from funding.proposals.screening import run_screening
from funding.reviews.models import RelationKind


def _form(**overrides):
    """A complete proposal form: budget ¥50,000 = ¥30,000 requested + ¥20,000 self-funded."""
    data = {
        "title": "长者助餐服务",
        "summary": "为独居老人提供午餐与探访。",
        "category_code": "H",
        "community_ids": ["1"],
        "direct_beneficiaries": "80",
        "indirect_beneficiaries": "200",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "lines-0-item": "餐费补贴",
        "lines-0-category": "activities",
        "lines-0-quantity": "1000",
        "lines-0-unit_price": "30",
        "lines-1-item": "社工",
        "lines-1-category": "personnel",
        "lines-1-quantity": "2",
        "lines-1-unit_price": "10,000",
        "amount_requested": "30000",
        "self_funded": "20000",
        "outcomes-0-indicator": "服务老人",
        "outcomes-0-target": "80人",
        "team-0-name": "陈晓",
        "team-0-role": "项目负责人",
        "declaration": "y",
    }
    data.update(overrides)
    return data


@pytest.fixture
def applicant(make, login_as):
    member = make.user(Role.ORG_MEMBER)
    program = make.program()
    client = login_as(member)
    response = client.post(f"/programs/{program.id}/apply")
    proposal = db.session.scalar(sa.select(Proposal))
    assert response.headers["Location"] == f"/proposals/{proposal.id}/edit"
    return client, proposal, member


def test_draft_saves_partial_data(applicant):
    client, proposal, _member = applicant
    response = client.post(f"/proposals/{proposal.id}/edit", data={"title": "半成品", "save": "1"})
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.title == "半成品" and proposal.state == ProposalState.DRAFT
    assert "半成品" in client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)


def test_submit_incomplete_shows_field_messages(applicant):
    client, proposal, _member = applicant
    page = client.post(
        f"/proposals/{proposal.id}/edit", data={"title": "只有标题", "submit": "1"}
    ).get_data(as_text=True)
    assert "申报尚未填写完整" in page
    assert page.count("提交前必须填写") >= 5
    assert "请勾选真实性承诺后再提交" in page
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.DRAFT and proposal.title == "只有标题"


def test_submit_complete_runs_screening_and_computes_totals(applicant):
    client, proposal, _member = applicant
    response = client.post(
        f"/proposals/{proposal.id}/edit", data={**_form(), "submit": "1", "total": "1"}
    )
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.SCREENING
    assert proposal.total_budget_fen == 5_000_000  # 1000 × ¥30 + 2 × ¥10,000
    assert [line.total_fen for line in proposal.budget_lines] == [3_000_000, 2_000_000]
    assert all(r["passed"] for r in proposal.screening)
    assert proposal.versions[0].snapshot["total_budget_fen"] == 5_000_000
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "¥50,000.00" in page and 'data-passed="no"' not in page
    assert "资格审查" in page and "预计" in page


def test_budget_mismatch_refused(applicant):
    client, proposal, _member = applicant
    page = client.post(
        f"/proposals/{proposal.id}/edit", data={**_form(self_funded="19999.99"), "submit": "1"}
    ).get_data(as_text=True)
    assert "申请金额与自筹金额之和必须等于总预算" in page
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.DRAFT


@pytest.mark.parametrize(
    ("price", "words"),
    [
        ("1.005", "最多保留两位小数"),
        ("-3", "不能为负数"),
        ("0", "必须大于零"),
        ("1000000000", "金额过大"),
        ("1e12", "请以元为单位输入金额"),
        ("12,0,0", "请以元为单位输入金额"),
    ],
)
def test_bad_money_in_budget_lines(applicant, price, words):
    client, proposal, _member = applicant
    page = client.post(
        f"/proposals/{proposal.id}/edit",
        data={**_form(**{"lines-0-unit_price": price}), "save": "1"},
    )
    assert words in page.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.budget_lines == []


def test_half_filled_line_is_flagged(applicant):
    client, proposal, _member = applicant
    page = client.post(
        f"/proposals/{proposal.id}/edit", data={"lines-0-item": "场地", "save": "1"}
    ).get_data(as_text=True)
    assert "请填写支出项、数量和单价" in page


def test_another_organizations_draft_is_404(applicant, make, login_as):
    _client, proposal, _member = applicant
    other = login_as(make.user(Role.ORG_MEMBER))
    for url in (f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/edit"):
        assert other.get(url).status_code == 404
    assert other.post(f"/proposals/{proposal.id}/edit", data={"title": "x"}).status_code == 404
    assert other.post(f"/proposals/{proposal.id}/withdraw").status_code == 404


# --- attachments -------------------------------------------------------------------------


def _upload(client, proposal, name, content, content_type="application/pdf"):
    return client.post(
        f"/proposals/{proposal.id}/edit",
        data={"title": "t", "save": "1", "attachment": (io.BytesIO(content), name, content_type)},
        content_type="multipart/form-data",
    )


def _stored(app):
    return sorted(os.listdir(app.config["UPLOAD_FOLDER"]))


def test_pdf_attachment_stored_outside_static_and_served_as_download(applicant, app):
    client, proposal, _member = applicant
    before = _stored(app)
    assert _upload(client, proposal, "计划书.pdf", b"%PDF-1.7\n%test").status_code == 302
    item = db.session.scalar(sa.select(Attachment))
    assert item.original_name == "计划书.pdf" and item.content_type == "application/pdf"
    assert item.stored_name != item.original_name and len(_stored(app)) == len(before) + 1
    assert "static" not in app.config["UPLOAD_FOLDER"]
    response = client.get(f"/proposals/{proposal.id}/attachments/{item.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_word_and_image_accepted(applicant):
    client, proposal, _member = applicant
    _upload(client, proposal, "预算.docx", _docx())
    _upload(client, proposal, "photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png")
    assert sorted(a.original_name for a in db.session.scalars(sa.select(Attachment))) == [
        "photo.png",
        "预算.docx",
    ]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 64, "文件内容与文件类型不符"),
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "文件内容与文件类型不符"),
        ("../../etc/passwd.pdf", b"%PDF-1.4", "文件名不符合要求"),
        ("run.exe", b"MZ\x90\x00", "仅接受"),
    ],
)
def test_bad_attachments_refused_and_nothing_stored(applicant, app, name, content, words):
    client, proposal, _member = applicant
    before = _stored(app)
    page = _upload(client, proposal, name, content).get_data(as_text=True)
    assert words in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert _stored(app) == before


def test_oversized_upload_gets_413(applicant, app):
    client, proposal, _member = applicant
    before = _stored(app)
    with warnings.catch_warnings():
        # Werkzeug leaves the spooled upload of a refused request to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        response = _upload(client, proposal, "big.pdf", b"%PDF" + b"0" * (11 * 1024 * 1024))
        status, page = response.status_code, response.get_data(as_text=True)
        del response
        gc.collect()
    assert status == 413
    assert "10 MB" in page and "文件过大" in page
    assert _stored(app) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_attachment_download_only_for_those_who_may_see(applicant, make, login_as, client):
    owner_client, proposal, _member = applicant
    _upload(owner_client, proposal, "a.pdf", b"%PDF-1.4")
    item = db.session.scalar(sa.select(Attachment))
    url = f"/proposals/{proposal.id}/attachments/{item.id}"
    stranger = make.user(Role.REVIEWER)
    assert login_as(stranger).get(url).status_code == 404


# --- screening ---------------------------------------------------------------------------


def _rules(p):
    return {r["rule"]: r["passed"] for r in run_screening(p)}


def test_screening_rules_fail_when_they_should(make):
    member = make.user(
        Role.ORG_MEMBER, party=make.organization(legal_form=LegalForm.COMMUNITY_FILED)
    )
    program = make.program(
        legal_forms=["private_non_enterprise"], min_self_share_pct=50, max_grant_fen=2_000_000
    )
    program.categories = [make.category("I")]
    program.streets = [make.street("330102003")]
    p = make.proposal(member, program=program)
    rules = _rules(p)
    assert rules == {
        "party_verified": True,
        "legal_form": False,
        "category": False,
        "streets": False,
        "amount_range": False,
        "self_share": False,
        "no_breach": True,
        "no_double_funding": True,
    }


def test_double_funding_and_breach_rules(make):
    need = make.need()
    member = make.user(Role.ORG_MEMBER)
    first = make.proposal(member, state=ProposalState.IN_REVIEW)
    first.needs = [need]
    second = make.proposal(member)
    second.needs = [need]
    db.session.commit()
    assert _rules(second)["no_double_funding"] is False
    old = make.proposal(member, state=ProposalState.AGREEMENT_SIGNED, approved_amount_fen=1_000_000)
    db.session.add(
        Grant(
            proposal=old,
            amount_fen=1_000_000,
            state=GrantState.TERMINATED,
            breach=True,
            terminated_at=utcnow(),
        )
    )
    db.session.commit()
    assert _rules(second)["no_breach"] is False


def test_failed_screening_cannot_pass_to_review(make, login_as):
    staff = make.user(Role.STAFF)
    p = make.proposal(state=ProposalState.SCREENING)
    p.screening = [{"rule": "legal_form", "passed": False, "detail": ""}]
    db.session.commit()
    page = login_as(staff).post(f"/proposals/{p.id}/pass", follow_redirects=True)
    assert "未通过资格审查" in page.get_data(as_text=True) or "不符合" in page.get_data(
        as_text=True
    )
    db.session.refresh(p)
    assert p.state == ProposalState.SCREENING


def test_unverified_party_cannot_submit(make, login_as):
    member = make.user(Role.ORG_MEMBER, party=make.organization(verified=False))
    p = make.proposal(member)
    page = login_as(member).post(
        f"/proposals/{p.id}/edit", data={**_form(), "submit": "1"}, follow_redirects=True
    )
    assert "尚未通过基金会审核" in page.get_data(as_text=True)
    db.session.refresh(p)
    assert p.state == ProposalState.DRAFT


# --- revision and versions ---------------------------------------------------------------


def test_return_revise_resubmit_and_compare(applicant, make, login_as):
    client, proposal, member = applicant
    client.post(f"/proposals/{proposal.id}/edit", data={**_form(), "submit": "1"})
    staff = make.user(Role.STAFF)
    login_as(staff).post(f"/proposals/{proposal.id}/return", data={"note-note": "请细化预算"})
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.RETURNED
    client = login_as(member)
    assert "请细化预算" in client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    client.post(
        f"/proposals/{proposal.id}/edit",
        data={**_form(title="长者助餐服务（修订）"), "submit": "1"},
    )
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.SCREENING and len(proposal.versions) == 2
    page = client.get(f"/proposals/{proposal.id}/compare?a=1&b=2").get_data(as_text=True)
    assert 'data-field="title" data-changed="yes"' in page
    assert 'data-field="summary" data-changed="no"' in page
    assert "长者助餐服务（修订）" in page
    timeline = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert timeline.count('data-event="submit"') == 2 and 'data-event="return"' in timeline


def test_relationship_kinds_are_labelled():
    from funding.labels import label

    assert label(RelationKind.BOARD_MEMBER) != "board_member"
