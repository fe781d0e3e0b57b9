"""Matchmaking pages: the staff allocation, the network picture, fairs; panels and commands."""

from funding.matchmaking import batch_views, cli, fair_views, panels  # noqa: F401 - routes on bp
from funding.matchmaking.blueprint import bp

__all__ = ["bp"]
