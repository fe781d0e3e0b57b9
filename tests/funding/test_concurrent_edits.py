"""Concurrent edits of one proposal: the later save is refused with the new version shown
(409), whether it arrives after the other save or races it to the database; never a 500."""

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role
from funding.directory.models import Party
from funding.extensions import db
from funding.proposals.models import Proposal, ProposalState
from tests.factories import PASSWORD


def _client(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


@pytest.fixture
def two_editors(app, make):
    first = make.user(Role.ORG_MEMBER)
    second = make.user(Role.ORG_MEMBER, party=first.party)
    p = make.proposal(first, title="原来的标题")
    return p, _client(app, first), _client(app, second)


@contextmanager
def someone_saves_during_the_flush(model, row_id: int, **values):
    """Another request saves the row after this one read it and before it writes."""
    session_class = db.session.session_factory.class_

    def other_save(session, _context, _instances):
        session.connection().execute(
            sa.update(model)
            .where(model.id == row_id)
            .values(version_id=model.version_id + 1, **values)
        )

    sa.event.listen(session_class, "before_flush", other_save, once=True)
    try:
        yield
    finally:
        if sa.event.contains(session_class, "before_flush", other_save):
            sa.event.remove(session_class, "before_flush", other_save)


def test_a_save_over_a_newer_version_shows_that_version(two_editors):
    p, first, second = two_editors
    seen = _version(first.get(f"/proposals/{p.id}/edit").get_data(as_text=True))
    assert (
        second.post(
            f"/proposals/{p.id}/edit", data={"title": "同事先保存的标题", "version": seen}
        ).status_code
        == 302
    )
    response = first.post(
        f"/proposals/{p.id}/edit", data={"title": "我的标题", "version": seen, "save": "1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "其他人保存了这份申报书" in page
    assert 'value="同事先保存的标题"' in page and "我的标题" not in page
    assert int(_version(page)) > int(seen)
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).title == "同事先保存的标题"
    again = first.post(
        f"/proposals/{p.id}/edit", data={"title": "我的标题", "version": _version(page)}
    )
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).title == "我的标题"


def test_saves_in_a_row_from_one_form_keep_working(two_editors):
    p, first, _second = two_editors
    seen = _version(first.get(f"/proposals/{p.id}/edit").get_data(as_text=True))
    invalid = first.post(
        f"/proposals/{p.id}/edit", data={"title": "提交前", "version": seen, "submit": "1"}
    )
    assert invalid.status_code == 200
    newer = _version(invalid.get_data(as_text=True))
    assert int(newer) > int(seen)
    assert (
        first.post(f"/proposals/{p.id}/edit", data={"title": "再改", "version": newer}).status_code
        == 302
    )


def test_a_save_racing_another_to_the_database_is_a_409(two_editors):
    p, first, _second = two_editors
    seen = _version(first.get(f"/proposals/{p.id}/edit?lang=en").get_data(as_text=True))
    with someone_saves_during_the_flush(Proposal, p.id, title="同时保存的标题"):
        response = first.post(
            f"/proposals/{p.id}/edit", data={"title": "我的标题", "version": seen}
        )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this proposal while you were editing it" in page
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).title != "我的标题"


def test_any_other_concurrent_change_is_a_409_page_not_a_500(make, login_as):
    p = make.proposal(state=ProposalState.SCREENING)
    p.screening = [{"rule": "x", "passed": True, "detail": ""}]
    db.session.commit()
    client = login_as(make.user(Role.STAFF))
    detail = f"http://localhost/proposals/{p.id}"
    with someone_saves_during_the_flush(Proposal, p.id, title="同时修改"):
        response = client.post(f"/proposals/{p.id}/pass", headers={"Referer": detail})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "已被他人修改" in page and f'href="/proposals/{p.id}"' in page
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state == ProposalState.SCREENING


def test_verifying_a_party_while_it_renames_itself_is_a_409(make, login_as):
    """Staff may not verify a name they never saw: the party's version column catches it."""
    org = make.organization(verified=False)
    client = login_as(make.user(Role.STAFF))
    with someone_saves_during_the_flush(Party, org.id, name="刚刚改过的名称"):
        response = client.post(f"/staff/parties/{org.id}/verify")
    assert response.status_code == 409
    db.session.expire_all()
    assert not db.session.get(Party, org.id).is_verified
