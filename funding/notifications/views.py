"""The notification list and marking it read."""

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from funding.notifications.models import Notification
from funding.notifications.services import badge, mark_read
from funding.notifications.texts import render_text
from funding.pagination import page_of

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def unread():
    """The unread count beside the bell in the navigation bar."""
    return {"unread_notifications": badge(current_user) if current_user.is_authenticated else 0}


@bp.route("/notifications")
@login_required
def index():
    """The user's notifications, newest first, a page at a time."""
    page = page_of(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
    )
    html = render_template(
        "notifications/index.html",
        page=page,
        notifications=page.items,
        text=lambda n: render_text(n.key, n.params),
    )
    mark_read(current_user)  # the list was shown: the badge clears; this page still marks them new
    return html


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read():
    """Mark every notification as read."""
    mark_read(current_user)
    return redirect(url_for("notifications.index"))
