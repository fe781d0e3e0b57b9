"""Large imports off the request path: a confirmed file with many rows is written by a job,
and its page says what was imported (or why nothing was)."""

from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_locale

from funding.accounts.models import User
from funding.audit.services import record
from funding.extensions import db
from funding.imports.rows import Kind
from funding.imports.services import commit_import
from funding.jobs.models import Job
from funding.jobs.queue import enqueue, handles
from funding.transactions import DomainError, transactional


def upload_path(upload: str) -> Path:
    """Where a previewed file waits for its confirmation (named by a random token)."""
    folder = Path(current_app.config["IMPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder / upload


@transactional
def request_import(actor: User, kind: Kind, filename: str, upload: str, rows: int) -> Job:
    """Queue the writing of a previewed file; it starts once this transaction commits."""
    params = {
        "kind": kind.value,
        "upload": upload,
        "filename": filename,
        "locale": str(get_locale()),
    }
    job = enqueue("import", params, actor, total=rows)
    record(actor, "import.request", job, after={"kind": kind.value, "file": filename[:100]})
    return job


@handles("import")
def run_import(job: Job) -> dict:
    """Write the file, all rows or none; a file that became wrong since its preview is a
    refusal the job's page explains, not a failure to retry."""
    path = upload_path(job.params["upload"])
    if not path.is_file():
        return {"refused": "import_upload_gone"}
    actor = db.session.get(User, job.created_by_id)
    with force_locale(job.params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            counts = commit_import(
                actor, Kind(job.params["kind"]), job.params["filename"], path.read_bytes()
            )
        except DomainError as exc:
            return {"refused": exc.code}
    path.unlink(missing_ok=True)
    return {"new": counts["new"], "updated": counts["update"], "unchanged": counts["unchanged"]}
