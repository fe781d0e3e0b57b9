"""The matchmaking blueprint; its commands are ``flask match ...``."""

from flask import Blueprint

bp = Blueprint("matchmaking", __name__, cli_group="match")
