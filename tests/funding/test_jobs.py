"""Work off the request path: jobs queued after the commit, retried, recorded; large exports
made by a job and offered for download; a real worker against Redis."""

import csv
import io
import os
import subprocess
import sys
import time

import pytest
import redis
import sqlalchemy as sa
from flask_mailman import EmailMessage

from funding.accounts.models import Role
from funding.extensions import db
from funding.jobs import queue
from funding.jobs.models import Job, JobState
from funding.notifications.outbox import queue_email
from funding.proposals.models import ProposalState
from funding.transactions import transactional
from tests import factories as make
from tests.conftest import build_app

REDIS_URL = os.environ.get("TESTING_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_a_large_export_is_made_by_a_job_and_offered_for_download(app, make, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_INLINE_ROWS", 2)
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    for n in range(3):
        make.proposal(member, state=ProposalState.IN_REVIEW, title=f"项目{n}")
    client = login_as(staff)
    small = client.get("/staff/exports/proposals.csv?state=draft")
    assert small.status_code == 200 and small.data  # nothing matches: made at once
    response = client.get("/staff/exports/proposals.csv?lang=en")
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    job = db.session.get(Job, job_id)
    assert job.state == JobState.DONE and job.total == 3 and job.progress == 3
    page = client.get(f"/jobs/{job_id}?lang=en").get_data(as_text=True)
    assert 'data-job-state="done"' in page and "Download proposals.csv" in page
    with client.get(f"/jobs/{job_id}/download") as download:
        rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [r[4] for r in rows[1:4]] == ["项目0", "项目1", "项目2"]
    assert rows[0][6] == "State" and rows[1][6] == "In expert review"  # labels, in English
    assert rows[-1][0] == "Total"
    other = login_as(make.user(Role.STAFF))
    assert other.get(f"/jobs/{job_id}").status_code == 404
    assert other.get(f"/jobs/{job_id}/download").status_code == 404


@pytest.fixture
def outbox(app):
    """The emails the test mail backend took (it keeps them in a list)."""
    box = app.extensions["mailman"]
    box.outbox = []
    return box.outbox


def test_a_job_waits_for_the_commit_and_is_dropped_on_rollback(outbox):

    @transactional
    def change(fail: bool):
        queue_email("主题", "正文", ["a@example.org"])
        assert outbox == []  # not before the commit
        if fail:
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        change(True)
    assert outbox == [] and db.session.scalar(sa.select(sa.func.count(Job.id))) == 0
    change(False)
    assert len(outbox) == 1
    job = db.session.scalar(sa.select(Job))
    assert job.kind == "email" and job.state == JobState.DONE and job.attempts == 1


def test_a_failing_job_is_retried_then_recorded(monkeypatch):
    calls = []

    def down(self):
        calls.append(1)
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", down)

    @transactional
    def change():
        queue_email("主题", "正文", ["a@example.org"])

    change()  # the change itself stands
    job = db.session.scalar(sa.select(Job))
    assert len(calls) == queue.RETRIES + 1
    assert job.state == JobState.FAILED and job.attempts == queue.RETRIES + 1
    assert "mail server down" in job.error


def test_a_finished_job_is_not_done_again(outbox):

    @transactional
    def change():
        queue_email("主题", "正文", ["a@example.org"])

    change()
    job_id = db.session.scalar(sa.select(Job.id))
    queue.execute(job_id)  # delivered twice
    assert len(outbox) == 1


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield REDIS_URL
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_a_real_worker_runs_jobs_from_redis(app, redis_url, tmp_path_factory, monkeypatch):
    """The web app queues on Redis; a separate worker process (Huey's consumer, as production
    runs it) takes the job from there and records it done in the database."""
    database = os.environ.get("TESTING_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('worker') / 'worker.sqlite'}"
    )
    env = {
        **os.environ,
        "LINKAGE_CONFIG": "config.TestingConfig",
        "TESTING_DATABASE_URL": database,
        "QUEUE_URL": redis_url,
    }
    other = None
    if database.startswith("sqlite"):  # a file both processes can open, migrated first
        other = build_app(tmp_path_factory, database)
        app = next(other)
    monkeypatch.setitem(app.config, "QUEUE_URL", redis_url)
    previous = app.extensions["jobs"]
    # The queue on Redis, swapped in (an app that served requests takes no new hooks).
    app.extensions["jobs"] = queue.make_queue(app)
    worker = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "funding.jobs.worker.huey", "-w", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with app.app_context():
            make.user(Role.STAFF)  # the queue needs nothing else; a row to prove the database

            @transactional
            def change():
                queue_email("主题", "由后台发送", ["a@example.org"])

            change()
            job_id = db.session.scalar(sa.select(Job.id).where(Job.kind == "email"))
            deadline = time.monotonic() + 120  # the worker starts a whole app first
            state = None
            while time.monotonic() < deadline and state != JobState.DONE:
                time.sleep(0.2)
                db.session.rollback()  # a fresh snapshot: see what the worker committed
                state = db.session.get(Job, job_id).state
            job = db.session.get(Job, job_id)
            assert state == JobState.DONE
            assert job.result == {"sent_to": 1} and job.attempts == 1
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        app.extensions["jobs"] = previous
        if other is not None:
            other.close()
