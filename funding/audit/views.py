"""The staff page to read and filter the audit log."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import get_timezone

from funding.audit.display import action_label, details
from funding.audit.models import AuditRecord
from funding.extensions import db
from funding.pagination import page_of
from funding.permissions import staff_required

bp = Blueprint("audit", __name__)


@bp.app_context_processor
def audit_helpers() -> dict:
    return {"audit_action": action_label, "audit_details": details}


def _day_start(text: str | None) -> datetime | None:
    """The start of a local day given as YYYY-MM-DD, in UTC; None if absent or malformed."""
    try:
        day = datetime.strptime(text or "", "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=get_timezone())


@bp.route("/staff/audit")
@staff_required
def log():
    """Filter the log by action, actor, object and day."""
    args = request.args
    query = sa.select(AuditRecord)
    if action := args.get("action", "").strip():
        query = query.where(AuditRecord.action.startswith(action))
    if actor := args.get("actor", "").strip():
        query = query.where(AuditRecord.actor_label.ilike(f"%{actor}%"))
    if object_type := args.get("object_type", "").strip():
        query = query.where(AuditRecord.object_type == object_type)
    if object_id := args.get("object_id", "").strip():
        query = query.where(AuditRecord.object_id == object_id)
    if since := _day_start(args.get("since")):
        query = query.where(AuditRecord.at >= since)
    if until := _day_start(args.get("until")):
        query = query.where(AuditRecord.at < until + timedelta(days=1))
    page = page_of(query.order_by(AuditRecord.id.desc()), per_page=50)
    object_types = db.session.scalars(
        sa.select(AuditRecord.object_type).distinct().order_by(AuditRecord.object_type)
    ).all()
    return render_template("audit/log.html", page=page, object_types=object_types)
