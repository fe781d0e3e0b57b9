"""The audit log: written by services, readable and filterable by staff, append-only."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from funding.accounts.models import Role
from funding.audit.models import AuditRecord
from funding.extensions import db


def test_state_changes_are_audited_with_actor_and_address(make, login_as):
    staff = make.user(Role.STAFF)
    org = make.organization(verified=False)
    login_as(staff).post(
        f"/staff/parties/{org.id}/verify", environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    entry = db.session.scalar(sa.select(AuditRecord).filter_by(action="party.verify"))
    assert (entry.actor_id, entry.actor_label) == (staff.id, staff.email)
    assert (entry.object_type, entry.object_id) == ("Organization", str(org.id))
    assert entry.before == {"verified": False} and entry.after == {"verified": True}
    assert entry.address == "192.0.2.7" and entry.at.tzinfo is not None


def test_failed_login_is_audited(client, make):
    user = make.user(Role.STAFF)
    client.post("/login", data={"email": user.email, "password": "nope nope"})
    assert (
        db.session.scalar(sa.select(AuditRecord.object_id).filter_by(action="auth.login_failed"))
        == user.email
    )


def test_staff_filter_the_log(make, login_as):
    staff = make.user(Role.STAFF)
    client = login_as(staff)
    org = make.organization(verified=False)
    client.post(f"/staff/parties/{org.id}/verify")
    page = client.get("/staff/audit?action=party.").get_data(as_text=True)
    assert "party.verify" in page and "auth.login" not in page
    assert "party.verify" not in client.get("/staff/audit?actor=nobody").get_data(as_text=True)
    assert "party.verify" in client.get(
        f"/staff/audit?object_type=Organization&object_id={org.id}"
    ).get_data(as_text=True)
    assert "party.verify" not in client.get("/staff/audit?until=2000-01-01").get_data(as_text=True)


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_audit_records():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (set TESTING_DATABASE_URL)")
    for statement in ("UPDATE audit_records SET action = 'x'", "DELETE FROM audit_records"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord)) >= 1


def test_the_log_reads_in_labels_not_codes(make, login_as):
    staff = make.user(Role.STAFF)
    client = login_as(staff)
    org = make.organization(verified=False)
    db.session.add(
        AuditRecord(
            actor_id=staff.id,
            actor_label=staff.email,
            action="proposal.pass_screening",
            object_type="Proposal",
            object_id="7",
            before={"state": "screening"},
            after={"state": "in_review", "amount_fen": 1_234_56, "note": "按申报方案执行"},
        )
    )
    db.session.commit()
    client.post(f"/staff/parties/{org.id}/verify")
    english = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert "Proposal: passed screening" in english and "Party: verified" in english
    assert "In expert review" in english and "¥1,234.56" in english
    assert ">in_review<" not in english and "pass_screening<" not in english
    chinese = client.get("/staff/audit?lang=zh").get_data(as_text=True)
    assert "按申报方案执行" in chinese, "Chinese is shown as itself, not as \\u escapes"
