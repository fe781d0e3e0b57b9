"""The database role production runs as: it does not own the tables, so it cannot TRUNCATE,
ALTER or DROP them or their triggers, and on the audit log it may only SELECT and INSERT.
Migrations run as the owner; the app connects as this role."""

import re

import sqlalchemy as sa

from funding.extensions import db

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_runtime_role(role: str, password: str | None = None) -> None:
    """Create ``role`` if missing and (re)grant its privileges on every table there is now."""
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
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
            f"REVOKE UPDATE, DELETE ON audit_records FROM {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        ):
            conn.execute(sa.text(statement))
