"""Side effects after the commit: emails and notifications only for changes that stand; short
single-line subjects; links to the public site."""

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role
from funding.extensions import db
from funding.jobs.models import Job
from funding.ledger.services import money_transaction
from funding.notifications.models import Notification
from funding.notifications.services import notify
from funding.notifications.texts import SUBJECTS, TEXTS
from funding.proposals import services
from funding.proposals.models import ProposalState
from funding.transactions import DomainError, transactional


@pytest.fixture
def outbox(app):
    box = app.extensions["mailman"]
    box.outbox = []
    return box.outbox


def _notifications() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification))


@pytest.mark.parametrize("wrapper", [transactional, money_transaction])
def test_a_change_that_rolls_back_sends_nothing(make, outbox, wrapper):
    member = make.user(Role.ORG_MEMBER)

    @wrapper
    def change_then_fail():
        notify([member], "proposal_withdrawn", "/proposals/1", title="助餐")
        raise DomainError("forbidden")

    with pytest.raises(DomainError):
        change_then_fail()
    assert outbox == []
    assert _notifications() == 0


def test_a_committed_change_sends_once_after_the_commit(make, outbox):
    member = make.user(Role.ORG_MEMBER)
    seen_at_send = []

    @transactional
    def change():
        notify([member], "proposal_withdrawn", "/proposals/1", title="助餐")
        seen_at_send.append(len(outbox))

    change()
    assert seen_at_send == [0], "the email left before the transaction committed"
    assert len(outbox) == 1 and outbox[0].to == [member.email]
    assert _notifications() == 1
    db.session.commit()
    assert len(outbox) == 1


def test_a_rolled_back_savepoint_drops_only_its_own_email(make, outbox):
    first, second = make.user(Role.ORG_MEMBER), make.user(Role.ORG_MEMBER)

    @transactional
    def change():
        notify([first], "proposal_withdrawn", "/proposals/1", title="留下")
        savepoint = db.session.begin_nested()
        notify([second], "proposal_withdrawn", "/proposals/2", title="撤销")
        savepoint.rollback()

    change()
    assert [m.to for m in outbox] == [[first.email]]


def test_notify_outside_a_committed_change_sends_nothing(make, outbox):
    member = make.user(Role.ORG_MEMBER)
    notify([member], "proposal_withdrawn", "", title="助餐")
    db.session.rollback()
    db.session.commit()
    assert outbox == []


def test_a_failing_mail_server_does_not_undo_the_change(make, outbox, monkeypatch):
    member = make.user(Role.ORG_MEMBER)
    p = make.proposal(member, state=ProposalState.SCREENING)
    staff = make.user(Role.STAFF)

    def refuse(_message, *args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("flask_mailman.EmailMessage.send", refuse)
    services.return_for_revision(staff, p, "请补充")
    db.session.expire_all()
    assert p.state == ProposalState.RETURNED
    assert _notifications() == 1  # only the email waits for the mail server


def test_many_recipients_are_one_job_after_the_commit(make, outbox):
    staff = [make.user(Role.STAFF) for _ in range(30)]
    jobs_before = db.session.scalar(sa.select(sa.func.count()).select_from(Job))

    @transactional
    def change():
        notify(staff, "proposal_withdrawn", "/proposals/1", title="助餐")
        assert _notifications() == 0  # nothing is written while the change is open

    change()
    assert _notifications() == 30
    assert [sorted(m.to) for m in outbox] == [sorted(u.email for u in staff)]
    kinds = db.session.scalars(sa.select(Job.kind).order_by(Job.created_at)).all()[jobs_before:]
    assert kinds == ["notify", "email"]


def test_subject_is_a_short_title_never_the_comment(make, outbox, login_as):
    member = make.user(Role.ORG_MEMBER)
    p = make.proposal(member, state=ProposalState.SCREENING)
    comment = "预算说明不完整。\r\nSubject: injected\n请补充第二、三项的测算依据。"
    login_as(make.user(Role.STAFF)).post(f"/proposals/{p.id}/return", data={"note-note": comment})
    assert len(outbox) == 1
    subject = outbox[0].subject
    assert "\n" not in subject and "\r" not in subject
    assert "injected" not in subject and "预算" not in subject
    assert subject == f"[三社联动] 申报书被退回修改 · {p.title}"
    message = outbox[0].message()
    assert message["Subject"] is not None
    assert "Subject: injected" in outbox[0].body


def test_long_titles_are_shortened_on_one_line(make, outbox):
    member = make.user(Role.ORG_MEMBER)
    title = "社区居家养老\n服务" + "很长的项目名称" * 10

    @transactional
    def change():
        notify([member], "proposal_withdrawn", "", title=title)

    change()
    subject = outbox[0].subject
    assert "\n" not in subject and subject.endswith("…")
    assert len(subject) < 70


@pytest.mark.parametrize(
    ("site_url", "base", "link_base"),
    [
        ("https://linkage.example.org/", "http://localhost", "https://linkage.example.org"),
        ("", "https://shangcheng.example.cn", "https://shangcheng.example.cn"),
    ],
)
def test_links_use_the_site_url_else_the_request_host(
    make, outbox, app, monkeypatch, client, site_url, base, link_base
):
    monkeypatch.setitem(app.config, "SITE_URL", site_url)
    p = make.proposal(state=ProposalState.SCREENING)
    p.screening = [{"rule": "x", "passed": True, "detail": ""}]
    db.session.commit()
    staff = make.user(Role.STAFF)
    client.post("/login", data={"email": staff.email, "password": make.PASSWORD}, base_url=base)
    make.give_second_factor(client, staff.email, base_url=base)
    client.post(f"/proposals/{p.id}/pass", base_url=base)
    assert outbox[-1].body.endswith(f"\n\n{link_base}/proposals/{p.id}")


def test_every_kind_of_news_has_a_short_subject():
    assert set(SUBJECTS) == set(TEXTS)
    assert all(len(str(s)) <= 60 and "%(" not in str(s) for s in SUBJECTS.values())


def test_the_badge_stops_counting_at_99(make, login_as):
    member = make.user(Role.ORG_MEMBER)
    db.session.add_all(
        Notification(user_id=member.id, key="proposal_withdrawn", params={"title": "助餐"})
        for _ in range(120)
    )
    db.session.commit()
    page = login_as(member).get("/dashboard").get_data(as_text=True)
    assert 'id="unread-count">99+<' in page


def test_the_notifications_page_shows_a_page_at_a_time(make, login_as, app):
    member = make.user(Role.ORG_MEMBER)
    size = app.config["PAGE_SIZE"]
    db.session.add_all(
        Notification(user_id=member.id, key="proposal_withdrawn", params={"title": f"项目{i}"})
        for i in range(size + 3)
    )
    db.session.commit()
    web = login_as(member)
    first = web.get("/notifications?lang=en").get_data(as_text=True)
    assert f"项目{size + 2}" in first and "项目2<" not in first  # newest first
    assert first.count('<li class="list-group-item') == size and "?lang=en&amp;page=2" in first
    second = web.get("/notifications?lang=en&page=2").get_data(as_text=True)
    assert second.count('<li class="list-group-item') == 3 and "项目0" in second
