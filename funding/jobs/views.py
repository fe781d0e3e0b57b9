"""A job's page: its progress while it runs, its file when it is done."""

from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user, login_required

from funding.extensions import db
from funding.jobs.exports import export_path
from funding.jobs.models import Job, JobState
from funding.messages import message

bp = Blueprint("jobs", __name__)


def _own_job_or_404(job_id: str) -> Job:
    job = db.session.get(Job, job_id[:32])
    if job is None or job.created_by_id != current_user.id:
        abort(404)
    return job


@bp.route("/jobs/<job_id>")
@login_required
def detail(job_id: str):
    """The job's state and progress (the page refreshes itself until it ends)."""
    job = _own_job_or_404(job_id)
    running = job.state in (JobState.QUEUED, JobState.RUNNING)
    refused = job.result.get("refused") if job.state == JobState.DONE else None
    response = render_template(
        "jobs/detail.html", job=job, running=running, refusal=refused and message(refused)
    )
    return response, 200, ({"Refresh": "2"} if running else {})


@bp.route("/jobs/<job_id>/download")
@login_required
def download(job_id: str):
    """The file a finished export made."""
    job = _own_job_or_404(job_id)
    if job.state != JobState.DONE or job.kind != "export":
        abort(404)
    path = export_path(job)
    if not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.result["filename"])
