"""A matchmaking run is a job: the request that asks for it answers at once, and the run's
page follows it from waiting to its pairings."""

import sqlalchemy as sa

from funding.accounts.models import Role
from funding.extensions import db
from funding.jobs.models import Job, JobState
from funding.jobs.queue import execute
from funding.matchmaking.models import BatchState, MatchBatch
from tests import factories


def test_a_run_is_a_job_recorded_with_its_outcome(client, login_as):
    factories.need(title="独居老人助餐")
    staff = factories.user(Role.STAFF)
    db.session.commit()
    response = login_as(staff).post("/matchmaking/run")
    batch = db.session.scalar(sa.select(MatchBatch))
    assert response.headers["Location"].endswith(f"/matchmaking/batches/{batch.id}")
    job = db.session.scalar(sa.select(Job).where(Job.kind == "matchmaking"))
    assert job.state == JobState.DONE and job.created_by_id == staff.id
    assert job.result == {"batch_id": batch.id, "state": "done"}
    assert batch.state == BatchState.DONE


def test_the_page_waits_for_the_worker_then_shows_the_run(app, client, login_as, monkeypatch):
    factories.need(title="独居老人助餐")
    staff = factories.user(Role.STAFF)
    db.session.commit()
    queue = app.extensions["jobs"]
    monkeypatch.setattr(queue, "run", lambda _job_id: None)  # no worker picks it up yet
    browser = login_as(staff)
    location = browser.post("/matchmaking/run").headers["Location"]
    waiting = browser.get(location + "?lang=en")
    assert waiting.headers["Refresh"] and "Waiting to start" in waiting.get_data(as_text=True)

    job = db.session.scalar(sa.select(Job).where(Job.kind == "matchmaking"))
    assert job.state == JobState.QUEUED
    execute(job.id)  # the worker's turn
    db.session.expire_all()
    done = browser.get(location + "?lang=en")
    assert "Refresh" not in done.headers
    assert "独居老人助餐" in done.get_data(as_text=True)
