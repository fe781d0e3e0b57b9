"""Error pages in both languages; no tracebacks leave the server outside development."""

from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from funding.api import API_PREFIX, problems
from funding.extensions import db
from funding.i18n import lazy as _l

TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Changed by someone else"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
EXPLANATIONS = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("Your account does not have access to this page."),
    404: _l("The page does not exist, or you do not have access to it."),
    405: _l("This address does not accept that kind of request."),
    409: _l(
        "Someone else changed this while you were working, so your change was not saved. "
        "Open the new version and try again."
    ),
    413: _l("The upload is larger than the 10 MB limit. Please choose a smaller file."),
    429: _l("Too many attempts. Please wait a while and try again."),
    500: _l("The error has been logged. Please try again later."),
}


def render_error(status: int, detail: str | None = None, back: str | None = None):
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES[status],
            explanation=detail or EXPLANATIONS[status],
            back=back,
        ),
        status,
    )


def _page_before() -> str | None:
    """The page the request came from, if it is on this site (to show its new version)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def _api() -> bool:
    """API requests get problem details (RFC 9457), never an HTML page."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if _api():
            return problems.from_http(e)
        if e.code in TITLES and e.code != 500:
            return render_error(e.code)
        return e

    @app.errorhandler(problems.ApiError)
    def api_error(e: problems.ApiError):
        return e.response()

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return render_error(
            400,
            str(
                _l(
                    "The form expired or was sent from elsewhere. "
                    "Please reload the page and try again."
                )
            ),
        )

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(_e):
        """A concurrent edit of the same row (``version_id_col``): never a 500."""
        db.session.rollback()
        if _api():
            return problems.problem(409, "conflict", str(EXPLANATIONS[409]))
        return render_error(409, back=_page_before())

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        if _api():
            return problems.problem(500, "server_error", str(EXPLANATIONS[500]))
        return render_error(500)
