"""The database role production runs as: it does not own the tables, so it cannot TRUNCATE,
ALTER or DROP them or their triggers, and on the audit log it may only SELECT and INSERT.
Migrations run as the owner; the app connects as this role. Its grants survive migrations:
default privileges cover new tables, and every migration run grants again at its end
(``migrations/env.py``)."""

import re

import sqlalchemy as sa

from funding.extensions import db

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_runtime_role(role: str, password: str | None = None) -> None:
    """Create ``role`` if missing and grant its privileges on every table there is now and
    (by default privileges) on every table a later migration creates."""
    if not ROLE_NAME.fullmatch(role):
        raise ValueError("A role name is lower-case letters, digits and underscores.")
    engine = db.engine
    if engine.dialect.name != "postgresql":
        raise ValueError("Roles exist only on PostgreSQL.")
    quoted = engine.dialect.identifier_preparer.quote(role)
    with engine.begin() as conn:
        owner = conn.execute(sa.text("SELECT current_user")).scalar_one()
        if role == owner:
            raise ValueError("The runtime role must not be the role that owns the tables.")
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).scalar()
        if not exists:
            conn.execute(sa.text(f"CREATE ROLE {quoted} LOGIN"))
        if password is not None:
            literal = conn.execute(sa.text("SELECT quote_literal(:p)"), {"p": password}).scalar()
            conn.execute(sa.text(f"ALTER ROLE {quoted} PASSWORD {literal}"))
        _grant(conn, quoted)


def _grant(conn: sa.Connection, quoted: str) -> None:
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        # tables and sequences the owner creates later (migrations) come with the same rights
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
        f"REVOKE UPDATE, DELETE ON audit_records FROM {quoted}",
    ):
        conn.execute(sa.text(statement))


def regrant_runtime_roles(conn: sa.Connection) -> None:
    """After migrations: grant again to every runtime role the owner set up (those its default
    privileges name), so that a table a migration rebuilt (audit_records included) gets the
    same rights and restrictions, with no command to remember."""
    roles = conn.execute(
        sa.text(
            "SELECT DISTINCT grantee.rolname FROM pg_default_acl AS d "
            "CROSS JOIN LATERAL aclexplode(d.defaclacl) AS acl "
            "JOIN pg_roles AS grantee ON grantee.oid = acl.grantee "
            "WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) "
            "AND d.defaclnamespace = 'public'::regnamespace"
        )
    ).scalars()
    for role in roles:
        _grant(conn, conn.dialect.identifier_preparer.quote(role))
