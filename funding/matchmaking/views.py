"""Matchmaking pages."""

from flask import Blueprint

bp = Blueprint("matchmaking", __name__)
