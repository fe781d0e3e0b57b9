"""Public pages, no login: programs' money, grants, breakdowns, enterprise giving; exports."""

from flask import Blueprint, abort, render_template

from funding import figures
from funding.caching import public_page
from funding.exports import download
from funding.proposals.funnel import STAGES, funnel
from funding.transparency import charts, tables

bp = Blueprint("transparency", __name__)
#: The page lists the newest grants and the largest givers; the downloads hold every one.
GRANTS_SHOWN = 50


@bp.route("/transparency")
@public_page
def index():
    """Every figure here is summed from the ledger, and every table shows how it adds up."""
    money = figures.grant_money()
    grants = tables.grants(money).materialized()
    shown = grants.table.rows
    grants.table.rows = shown[:GRANTS_SHOWN]  # newest first; the totals stay those of all
    giving = tables.enterprises().materialized()
    listed = giving.table.rows
    # The largest givers; the totals row and the downloads count every listed enterprise.
    giving.table.rows = sorted(listed, key=lambda row: -row[1])[:GRANTS_SHOWN]
    stages = funnel()
    program_money = figures.program_money()
    named = {d: tables.breakdown_rows(d, money) for d in ("street", "category", "year")}
    return render_template(
        "transparency/index.html",
        programs=tables.programs(program_money).materialized(),
        program_chart=charts.programs(program_money),
        shared=figures.shared_funds(),
        grants=grants,
        grants_count=len(shown),
        breakdowns=[
            (
                name,
                tables.breakdown(name, money, rows).materialized(),
                charts.breakdown(rows),
            )
            for name, rows in named.items()
        ],
        giving=giving,
        giving_count=len(listed),
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
