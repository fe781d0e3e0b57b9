"""Matchmaking runs off the request path: staff ask for a run, a job does it, and the run's
page shows its progress until the pairings are there."""

from funding.accounts.models import User
from funding.extensions import db
from funding.jobs.models import Job
from funding.jobs.queue import enqueue, handles
from funding.matchmaking.models import MatchBatch
from funding.matchmaking.services import execute_batch, queue_batch
from funding.transactions import transactional


@transactional
def request_batch(actor: User) -> MatchBatch:
    """A new run, waiting for the queue; it starts once this transaction commits."""
    batch = queue_batch(actor)
    enqueue("matchmaking", {"batch_id": batch.id}, actor)
    return batch


@handles("matchmaking")
def run_requested_batch(job: Job) -> dict:
    batch = execute_batch(db.session.get(MatchBatch, job.params["batch_id"]))
    return {"batch_id": batch.id, "state": batch.state.value}
