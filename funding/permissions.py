"""Route guards; services check again, and objects are loaded scoped to the user."""

import functools
from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from funding.accounts.models import Role
from funding.accounts.sessions import recently_confirmed
from funding.messages import message


def roles_required(*roles: Role) -> Callable:
    """Log-in required, then one of ``roles`` (admins pass wherever staff do), else 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.STAFF)


def confirm_first(back: str):
    """Before a sensitive action: a redirect to give the password (or second factor) again if
    it was not given in this session in the last 10 minutes, else None."""
    if recently_confirmed(current_user):
        return None
    flash(message("confirm_first"), "info")
    return redirect(url_for("accounts.confirm", next=back))
