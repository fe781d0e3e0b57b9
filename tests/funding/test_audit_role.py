"""The audit log cannot be rewritten by the role the app runs as (PostgreSQL), draft saves
record what changed, and marking notifications read is recorded."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from funding.accounts.models import Role
from funding.audit.models import AuditRecord
from funding.extensions import db
from funding.notifications.models import Notification
from tests.funding.test_proposals import _form, applicant  # noqa: F401 - fixture

REFUSED = [
    "UPDATE audit_records SET action = 'rewritten'",
    "DELETE FROM audit_records",
    "TRUNCATE audit_records",
    "ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only",
    "DROP TRIGGER audit_records_append_only ON audit_records",
    "DROP TABLE audit_records",
]


@pytest.mark.postgres
def test_the_runtime_role_may_only_read_and_add_to_the_audit_log(app, runner, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles need PostgreSQL: set TESTING_DATABASE_URL")
    user = make.user(Role.ORG_MEMBER)
    database = db.session.scalar(sa.text("SELECT current_database()"))
    role = f"linkage_rt_{database}"[:63].lower()
    result = runner.invoke(args=["grant-runtime-role", role])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(db.engine.url.set(username=role, password=None))
    try:
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_records (at, actor_label, action, object_type) "
                        "VALUES (now(), 'runtime', 'test.insert', '-')"
                    )
                )
                conn.execute(
                    sa.text("UPDATE users SET name = 'renamed' WHERE id = :id"), {"id": user.id}
                )
                assert conn.execute(sa.text("SELECT count(*) FROM audit_records")).scalar() >= 1
            for statement in REFUSED:
                with conn.begin(), pytest.raises(sa.exc.DBAPIError) as refused:
                    conn.execute(sa.text(statement))
                assert "permission denied" in str(refused.value) or "must be owner" in str(
                    refused.value
                ), statement
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditRecord).filter_by(action="test.insert")
            )
            == 1
        )
    finally:
        engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))


def test_a_draft_save_records_what_changed(applicant):  # noqa: F811 - the fixture
    client, proposal, _member = applicant
    client.post(f"/proposals/{proposal.id}/edit", data={**_form(title="第一稿"), "save": "1"})
    client.post(f"/proposals/{proposal.id}/edit", data={**_form(title="第二稿"), "save": "1"})
    last = db.session.scalar(
        sa.select(AuditRecord).filter_by(action="proposal.save").order_by(AuditRecord.id.desc())
    )
    assert last.before["fields"] == {"title": "第一稿"}
    assert last.after["fields"] == {"title": "第二稿"}


def test_marking_notifications_read_is_recorded(make, login_as):
    user = make.user(Role.ORG_MEMBER)
    note = Notification(user_id=user.id, key="party_verified", params={}, link="/")
    db.session.add(note)
    db.session.commit()
    login_as(user).post("/notifications/read")
    entry = db.session.scalar(sa.select(AuditRecord).filter_by(action="notifications.read"))
    assert entry.actor_id == user.id and entry.after == {"notifications": [note.id]}


@pytest.mark.postgres
def test_the_runtime_roles_grants_survive_migrations(app, runner, make):
    """Granted once: a table a later migration creates is usable, audit_records stays
    SELECT and INSERT only, even if something gave more in between."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles need PostgreSQL: set TESTING_DATABASE_URL")
    user_id = make.user(Role.STAFF).id
    database = db.session.scalar(sa.text("SELECT current_database()"))
    role = f"linkage_rm_{database}"[:63].lower()
    assert runner.invoke(args=["grant-runtime-role", role]).exit_code == 0
    db.session.remove()
    try:
        with db.engine.begin() as conn:  # as a careless migration might
            conn.execute(sa.text(f'GRANT UPDATE, DELETE ON audit_records TO "{role}"'))
        downgrade(revision="0010_accounts")  # the passkey tables go ...
        upgrade()  # ... and are made again, after the grant
        engine = sa.create_engine(db.engine.url.set(username=role, password=None))
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(
                    sa.text(
                        "INSERT INTO passkey_challenges (user_id, purpose, challenge, expires_at) "
                        "VALUES (:user, 'login', '\\x00', now())"
                    ),
                    {"user": user_id},
                )
                assert conn.execute(sa.text("SELECT count(*) FROM passkey_challenges")).scalar()
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_records (at, actor_label, action, object_type) "
                        "VALUES (now(), 'runtime', 'test.after_migration', '-')"
                    )
                )
            for statement in REFUSED[:2]:
                with conn.begin(), pytest.raises(sa.exc.DBAPIError) as refused:
                    conn.execute(sa.text(statement))
                assert "permission denied" in str(refused.value), statement
        engine.dispose()
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM passkey_challenges"))
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
