"""Writing audit records; the request's address arrives through a context variable."""

from contextvars import ContextVar
from typing import Any

from funding.audit.models import AuditRecord
from funding.extensions import db

#: The client address of the current request, set by the app for each request ("cli" outside).
current_address: ContextVar[str | None] = ContextVar("current_address", default=None)


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str | None = None,
    object_id: Any = None,
) -> AuditRecord:
    """Add one audit record to the current transaction (flushed, not committed)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditRecord(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=object_type or "-",
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        address=current_address.get(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def snapshot(obj: Any, *fields: str) -> dict:
    """A JSON-safe summary of ``fields`` of ``obj`` for the before/after columns."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, list):
            value = [getattr(v, "code", None) or getattr(v, "id", v) for v in value]
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    return out
