"""Work off the request path, on Huey: an in-process queue by default (``make run`` and the
tests need no server), Redis in production (``QUEUE_URL=redis://...`` and a worker process,
``huey_consumer funding.jobs.worker.huey``).

Jobs are queued after the transaction that asked for them commits, and dropped if it rolls
back. Each job has a row in ``jobs`` recording its state, progress and result; a job that
already finished is not run again (retries and repeated deliveries are harmless), and a
failing job is retried before it is marked failed.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey
from sqlalchemy.orm import Session, SessionTransaction

from funding.extensions import db, utcnow
from funding.jobs.models import Job, JobState

#: Job kinds and the functions that do them: ``fn(job) -> result dict``.
HANDLERS: dict[str, Callable[[Job], dict]] = {}
RETRIES = 3
RETRY_DELAY_SECONDS = 10
KEY = "jobs_after_commit"
READY = "jobs_committed"


def handles(kind: str):
    """Register the function that does jobs of ``kind``."""

    def register(fn: Callable[[Job], dict]) -> Callable[[Job], dict]:
        HANDLERS[kind] = fn
        return fn

    return register


def make_huey(url: str) -> Huey:
    """The queue named by ``QUEUE_URL``: ``redis://host:port/db``, or ``immediate://`` (jobs
    run in the same process as soon as they are queued)."""
    if url.startswith(("redis://", "rediss://")):
        return RedisHuey("linkage", url=url)
    if url in ("", "immediate://"):
        return MemoryHuey("linkage", immediate=True)
    raise ValueError(f"QUEUE_URL must be redis://... or immediate://, not {url!r}")


@dataclass
class JobQueue:
    huey: Huey
    run: Callable[[str], None]  # the Huey task: run(job_id)


def make_queue(app: Flask) -> JobQueue:
    """The queue ``QUEUE_URL`` names, with the task that runs a job in ``app``."""
    huey = make_huey(app.config["QUEUE_URL"])
    # In-process jobs retry at once: a delayed retry would wait for a worker that is not there.
    delay = 0 if huey.immediate else RETRY_DELAY_SECONDS

    @huey.task(retries=RETRIES, retry_delay=delay, name="run_job")
    def run(job_id: str) -> None:
        with app.app_context():
            execute(job_id)

    return JobQueue(huey, run)


def init_app(app: Flask) -> None:
    app.extensions["jobs"] = make_queue(app)
    app.after_request(_dispatch_after_request)
    for name, hook in {
        "after_commit": _after_commit,
        "after_soft_rollback": _after_soft_rollback,
    }.items():
        session_class = db.session.session_factory.class_
        if not sa.event.contains(session_class, name, hook):
            sa.event.listen(session_class, name, hook)


def enqueue(kind: str, params: dict, actor=None, total: int = 0) -> Job:
    """Record a job in the current transaction; it is queued once that transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind {kind!r}")
    job = Job(
        id=uuid.uuid4().hex,
        kind=kind,
        params=params,
        total=total,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(job)
    session = db.session()
    session.info.setdefault(KEY, []).append((job.id, session.get_nested_transaction()))
    return job


def _after_commit(session: Session) -> None:
    """The committed transaction's jobs are ready; they are handed to the queue once the
    commit has finished (``dispatch``), never from inside it."""
    ready = [job_id for job_id, _savepoint in session.info.pop(KEY, [])]
    session.info.setdefault(READY, []).extend(ready)


def dispatch() -> None:
    """Hand the jobs of committed transactions to the queue (in-process: run them now). The
    service decorators call this after their commit, and every request before it answers."""
    session = db.session()
    ready = session.info.pop(READY, [])
    queue = current_app.extensions["jobs"]
    for job_id in ready:
        queue.run(job_id)


def _dispatch_after_request(response):
    dispatch()
    return response


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(KEY, None)
        return
    session.info[KEY] = [(j, s) for j, s in session.info.get(KEY, []) if s is not previous]


def execute(job_id: str) -> None:
    """Do one job in its own transactions: claim it, run its handler, record the outcome.

    A job that is done (or being done) is left alone, so a repeated delivery does nothing; an
    error is recorded and raised again for the queue to retry, and the last attempt marks the
    job failed."""
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.state.in_([JobState.QUEUED, JobState.FAILED]))
        .values(state=JobState.RUNNING, started_at=utcnow(), attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return
    job = db.session.get(Job, job_id)
    try:
        result = HANDLERS[job.kind](job)
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.state = JobState.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        job.finished_at = utcnow()
        db.session.commit()
        current_app.logger.exception(
            "job %s (%s) failed, attempt %s", job_id, job.kind, job.attempts
        )
        if job.attempts <= RETRIES:
            raise
        return
    job.state = JobState.DONE
    job.result = result or {}
    job.progress = job.total
    job.finished_at = utcnow()
    db.session.commit()
    dispatch()  # the jobs this one queued


def report_progress(job: Job, done: int, total: int | None = None) -> None:
    """Record how far a long job got (its page shows it); commits at once."""
    if total is not None:
        job.total = total
    job.progress = min(done, job.total)
    db.session.commit()


def queue_reachable(app: Flask) -> bool:
    """Whether the queue's store answers (for ``/healthz``)."""
    try:
        app.extensions["jobs"].huey.pending_count()
    except Exception:
        return False
    return True
