"""Open data, no login: every signed grant in the 360Giving Data Standard."""

from flask import Blueprint, Response

from funding.caching import cached_page
from funding.exports import download
from funding.extensions import utcnow
from funding.opendata import giving360

bp = Blueprint("opendata", __name__)


@bp.route("/open-data/360giving.json")
@cached_page
def giving_json():
    """The 360Giving data package (valid against the standard's package and grant schemas)."""
    return Response(giving360.dumps(giving360.package(utcnow())), mimetype="application/json")


@bp.route("/open-data/360giving.<fmt>")
def giving_table(fmt: str):
    """The same grants flattened to one row each under the standard's column titles."""
    return download(giving360.flat_table(), "360giving", fmt)
