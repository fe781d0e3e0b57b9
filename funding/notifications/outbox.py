"""Emails wait for the commit: queued on the database session, sent after the transaction that
caused them commits, dropped if it rolls back (as Indico's ``send_email`` waits for the commit).

In-app notifications need no such care: they are rows written in the same transaction.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_mailman import EmailMessage
from sqlalchemy.orm import Session, SessionTransaction

from funding.extensions import db

KEY = "outbox"


@dataclass(frozen=True)
class PendingEmail:
    subject: str
    body: str
    to: tuple[str, ...]
    #: The savepoint it was queued in (None: the outer transaction), so that rolling back
    #: only the savepoint drops it too.
    savepoint: SessionTransaction | None


def queue_email(subject: str, body: str, to: list[str]) -> None:
    """Send this email once the current transaction commits."""
    session = db.session()
    pending = PendingEmail(subject, body, tuple(to), session.get_nested_transaction())
    session.info.setdefault(KEY, []).append(pending)


def _after_commit(session: Session) -> None:
    """Send what the committed transaction queued; the change stands even if mail fails."""
    for email in session.info.pop(KEY, []):
        try:
            EmailMessage(subject=email.subject, body=email.body, to=list(email.to)).send()
        except Exception:
            current_app.logger.exception("email %r not sent", email.subject)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(KEY, None)
        return
    kept = [e for e in session.info.get(KEY, []) if e.savepoint is not previous]
    session.info[KEY] = kept


def install() -> None:
    """Hook the outbox to every session of the app (once per process)."""
    session_class = db.session.session_factory.class_
    hooks = {"after_commit": _after_commit, "after_soft_rollback": _after_soft_rollback}
    for name, hook in hooks.items():
        if not sa.event.contains(session_class, name, hook):
            sa.event.listen(session_class, name, hook)
