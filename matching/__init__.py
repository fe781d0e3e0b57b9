"""Matching for Linkage: needs, organizations and funders, without Flask or a database.

Takes plain data (the instance JSON of the contract, or the frozen dataclasses of
`matching.types`) and returns plain data: ranked suggestions with reasons for one item, and the
global allocation that funds the most demand, then the best fit.
"""

from .allocation import allocate
from .explain import Reason, render, render_all
from .graph import build_graph, neighbours
from .index import CandidateIndex, index_for
from .suggest import (
    suggest_for_funder,
    suggest_for_need,
    suggest_for_organization,
    suggest_funders_for_need,
)
from .types import (
    Funder,
    Funding,
    Instance,
    InvalidInstance,
    Need,
    Organization,
    Pairing,
    Result,
    Suggestion,
    Unfunded,
    parse_instance,
    parse_result,
)
from .verify import verify

__all__ = [
    "CandidateIndex",
    "Funder",
    "Funding",
    "Instance",
    "InvalidInstance",
    "Need",
    "Organization",
    "Pairing",
    "Reason",
    "Result",
    "Suggestion",
    "Unfunded",
    "allocate",
    "build_graph",
    "index_for",
    "neighbours",
    "parse_instance",
    "parse_result",
    "render",
    "render_all",
    "suggest_for_funder",
    "suggest_for_need",
    "suggest_for_organization",
    "suggest_funders_for_need",
    "verify",
]
