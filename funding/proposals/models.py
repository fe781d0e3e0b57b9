"""Programs: the funding windows organizations apply to."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from funding.extensions import UTCDateTime, db, utcnow


class Program(db.Model):
    """A funding program of the foundation; with no close date it stays open (rolling)."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(150))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    purpose_en: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
