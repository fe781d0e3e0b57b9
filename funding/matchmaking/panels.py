"""Template globals for the suggestion panels that other features' pages include.

A panel must never break the page it sits on: if the rows cannot make a valid instance, the
panel is left out and the error logged.
"""

import functools
import logging

import matching
from funding.matchmaking import suggestions
from funding.matchmaking.blueprint import bp
from funding.matchmaking.services import pledge_url

log = logging.getLogger(__name__)


def _quiet(empty):
    def decorator(fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except matching.InvalidInstance:
                log.exception("matchmaking panel %s left out", fn.__name__)
                return empty()

        return wrapped

    return decorator


@bp.app_template_global("match_orgs_for_need")
@_quiet(list)
def orgs_for_need(need):
    return suggestions.organizations_for_need(need)


@bp.app_template_global("match_funders_for_need")
@_quiet(list)
def funders_for_need(need, public=True):
    return suggestions.funders_for_need(need, public=public)


@bp.app_template_global("match_funders_for_project")
@_quiet(list)
def funders_for_project(proposal, public=False):
    return suggestions.funders_for_project(proposal, public=public)


@bp.app_template_global("match_fits_for_enterprise")
@_quiet(lambda: {"projects": [], "needs": []})
def fits_for_enterprise(enterprise):
    return suggestions.fits_for_enterprise(enterprise)


bp.add_app_template_global(pledge_url, "match_pledge_url")
