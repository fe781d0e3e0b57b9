"""transparency pages."""

from flask import Blueprint

bp = Blueprint("transparency", __name__)
