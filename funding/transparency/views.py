"""Public pages, no login: programs' money, grants, breakdowns, enterprise giving; exports."""

from flask import Blueprint, abort, render_template

from funding import figures
from funding.caching import cached_page
from funding.documents import pdf_response
from funding.exports import download
from funding.paperwork import annual_document
from funding.proposals.funnel import STAGES, STRETCHES, funnel
from funding.transparency import annual, charts, tables

bp = Blueprint("transparency", __name__)
bp.add_app_template_filter(tables.cells, "cells")
#: The page lists the newest grants and the largest givers; the downloads hold every one.
GRANTS_SHOWN = 50


@bp.route("/transparency")
@cached_page
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
        stretches=STRETCHES,
        report_years=annual.years(money),
    )


@bp.route("/reports/<int:year>")
@cached_page
def annual_report(year: int):
    """A year's report: totals, where the money went, who gave, what finished projects did."""
    report = annual.annual(year) if annual.FIRST_YEAR <= year <= annual.LAST_YEAR else None
    if report is None or not report.totals.grants:
        abort(404)
    return render_template(
        "transparency/annual.html",
        report=report,
        charts={d: charts.breakdown(rows) for d, rows in report.breakdowns.items()},
    )


@bp.route("/reports/<int:year>.pdf")
def annual_report_pdf(year: int):
    """The same report as a PDF to print and file."""
    report = annual.annual(year) if annual.FIRST_YEAR <= year <= annual.LAST_YEAR else None
    if report is None or not report.totals.grants:
        abort(404)
    return pdf_response(annual_document(report), f"annual-report-{year}.pdf")


@bp.route("/transparency/<name>.<fmt>")
@cached_page
def export(name: str, fmt: str):
    """The same tables as CSV or Excel, with their totals rows."""
    if name not in tables.TABLES:
        abort(404)
    return download(tables.TABLES[name]().table, f"transparency-{name}", fmt)
