"""Route guards; services check again, and objects are loaded scoped to the user."""

import functools
from collections.abc import Callable

from flask import abort
from flask_login import current_user, login_required

from funding.accounts.models import Role


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
