"""The audit record: who did what to which object, when, from where, before and after."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from funding.extensions import UTCDateTime, db, utcnow


class AuditRecord(db.Model):
    """Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_records"
    __table_args__ = (sa.Index("ix_audit_records_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: No foreign key: the log must outlive anything it mentions.
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    address: Mapped[str | None] = mapped_column(sa.String(64))
