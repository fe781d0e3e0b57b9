"""Exports that may be large: made at once when small, else by a job whose page offers the
file when it is ready. Each export is named here with how to build and count it."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Response, abort, current_app, redirect, url_for
from flask_babel import force_locale, get_locale

from funding.audit.services import record
from funding.exports import Table, csv_lines, download, xlsx_bytes
from funding.jobs.models import Job
from funding.jobs.queue import enqueue, handles, report_progress
from funding.transactions import transactional

PROGRESS_EVERY = 500


@dataclass(frozen=True)
class Export:
    stem: Callable[[dict], str]
    build: Callable[[dict], Table]
    count: Callable[[dict], int]


def _registry() -> dict[str, Export]:
    """The exports (imported late: feature packages import this module's helpers)."""
    from funding.pledges.statement import statement, statement_size
    from funding.proposals.exports import (
        count_proposals,
        count_reviews,
        filtered_proposal_table,
        review_table,
    )

    return {
        "proposals": Export(lambda _p: "proposals", filtered_proposal_table, count_proposals),
        "reviews": Export(lambda _p: "reviews", review_table, count_reviews),
        "statement": Export(lambda p: f"statement-{p['enterprise_id']}", statement, statement_size),
    }


def deliver(actor, name: str, params: dict, fmt: str) -> Response:
    """The file itself when it is small; else a job making it, and its page."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    export = _registry()[name]
    if export.count(params) <= current_app.config["EXPORT_INLINE_ROWS"]:
        return download(export.build(params), export.stem(params), fmt)
    job = request_export(actor, name, params, fmt)
    return redirect(url_for("jobs.detail", job_id=job.id))


@transactional
def request_export(actor, name: str, params: dict, fmt: str) -> Job:
    """Queue a large export; the file appears on the job's page."""
    job = enqueue(
        "export",
        {"name": name, "params": params, "fmt": fmt, "locale": str(get_locale())},
        actor,
        total=_registry()[name].count(params),
    )
    record(actor, "export.request", job, after={"name": name, "params": params, "fmt": fmt})
    return job


def export_path(job: Job) -> Path:
    folder = Path(current_app.config["EXPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{job.id}.{job.params['fmt']}"


@handles("export")
def make_export(job: Job) -> dict:
    """Write the export to a file, reporting progress as rows go by."""
    name, params, fmt = job.params["name"], job.params["params"], job.params["fmt"]
    export = _registry()[name]
    with force_locale(job.params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        table = export.build(params)
        seen = 0

        def counted(rows):
            nonlocal seen
            for row in rows:
                seen += 1
                if seen % PROGRESS_EVERY == 0:
                    report_progress(job, seen)
                yield row

        table = Table(table.columns, counted(table.rows), table.totals)
        path = export_path(job)
        if fmt == "csv":
            with path.open("w", encoding="utf-8", newline="") as fh:
                fh.writelines(csv_lines(table))
        else:
            path.write_bytes(xlsx_bytes(table, export.stem(params)))
    return {"file": path.name, "rows": seen, "filename": f"{export.stem(params)}.{fmt}"}
