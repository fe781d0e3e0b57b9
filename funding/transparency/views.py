"""Public pages, no login: programs' money, grants, breakdowns, enterprise giving; exports."""

from flask import Blueprint, abort, render_template

from funding import figures
from funding.caching import public_page
from funding.exports import download
from funding.proposals.funnel import STAGES, funnel
from funding.transparency import charts, tables

bp = Blueprint("transparency", __name__)
#: The page lists the newest grants; the downloads hold every one.
GRANTS_SHOWN = 50


@bp.route("/transparency")
@public_page
def index():
    """Every figure here is summed from the ledger, and every table shows how it adds up."""
    money = figures.grant_money()
    grants = tables.grants(money).materialized()
    shown = grants.table.rows
    grants.table.rows = shown[:GRANTS_SHOWN]  # newest first; the totals stay those of all
    stages = funnel()
    return render_template(
        "transparency/index.html",
        programs=tables.programs().materialized(),
        program_chart=charts.programs(figures.program_money()),
        shared=figures.shared_funds(),
        grants=grants,
        grants_count=len(shown),
        breakdowns=[
            (
                name,
                tables.breakdown(name, money).materialized(),
                charts.breakdown(tables.breakdown_rows(name, money)),
            )
            for name in ("street", "category", "year")
        ],
        giving=tables.enterprises().materialized(),
        funnel=stages,
        funnel_chart=charts.funnel(stages),
        stages=STAGES,
    )


@bp.route("/transparency/<name>.<fmt>")
def export(name: str, fmt: str):
    """The same tables as CSV or Excel, with their totals rows."""
    if name not in tables.TABLES:
        abort(404)
    return download(tables.TABLES[name]().table, f"transparency-{name}", fmt)
