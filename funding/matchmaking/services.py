"""Matchmaking operations: run the allocation as a stored batch, accept pairings, invite.

A run is three short transactions (queued, running, done or failed), so that a page opened
while it works shows where it is. Accepting a pairing records who accepted it and sends the
invitations: the organization to propose for the need, each enterprise to back it.
"""

import logging
from collections.abc import Iterable
from time import perf_counter

import sqlalchemy as sa
from flask import current_app, url_for
from werkzeug.routing import BuildError

import matching
from funding.accounts.models import User
from funding.audit.services import record
from funding.directory.models import Enterprise, Need, NeedStatus, Organization
from funding.extensions import db, utcnow
from funding.matchmaking.adapter import parse_ref, snapshot_data
from funding.matchmaking.models import BatchState, MatchBatch, MatchPairing, PairingState
from funding.money import format_fen
from funding.notifications.services import notify
from funding.proposals.models import Proposal
from funding.transactions import DomainError, transactional

log = logging.getLogger(__name__)


def pledge_url(proposal_id: int) -> str:
    """Where an enterprise pledges to a project (the pledge form, when it is installed)."""
    try:
        return url_for("pledges.new", proposal=proposal_id)
    except (BuildError, RuntimeError):
        return f"/pledges/new?proposal={proposal_id}"


def _require_staff(actor: User | None) -> None:
    """Staff act here; ``None`` is the command line (an operator on the server)."""
    if actor is not None and not actor.is_foundation:
        raise DomainError("forbidden")


@transactional
def queue_batch(actor: User | None) -> MatchBatch:
    """Store a new batch, waiting to run."""
    _require_staff(actor)
    batch = MatchBatch(created_by_id=getattr(actor, "id", None), state=BatchState.QUEUED)
    db.session.add(batch)
    db.session.flush()
    record(actor, "match.batch_queue", batch)
    return batch


@transactional
def _start(batch: MatchBatch) -> dict:
    """Take the instance from the rows now and mark the batch running."""
    if batch.state != BatchState.QUEUED:
        raise DomainError("batch_not_queued")
    data = snapshot_data()
    batch.state = BatchState.RUNNING
    batch.started_at = utcnow()
    batch.instance = data
    record(batch.created_by, "match.batch_start", batch, after={"needs": len(data["needs"])})
    return data


@transactional
def _finish(batch: MatchBatch, result: matching.Result, seconds: float) -> None:
    for position, pairing in enumerate(result.pairings):
        db.session.add(
            MatchPairing(
                batch=batch,
                position=position,
                need_ref=pairing.need,
                organization_ref=pairing.organization,
                funding=[{"funder": f.funder, "amount_fen": f.amount_fen} for f in pairing.funding],
                score=pairing.score,
                reasons=[r.to_dict() for r in pairing.reasons],
            )
        )
    data = result.to_dict()
    summary = data["summary"] | {"seconds": round(seconds, 3)}
    batch.result = data
    batch.summary = summary
    batch.state = BatchState.DONE
    batch.finished_at = utcnow()
    record(batch.created_by, "match.batch_done", batch, after=summary)


@transactional
def _fail(batch: MatchBatch, error: str) -> None:
    batch.state = BatchState.FAILED
    batch.error = error[:2000]
    batch.finished_at = utcnow()
    record(batch.created_by, "match.batch_failed", batch, after={"error": batch.error})


def execute_batch(batch: MatchBatch) -> MatchBatch:
    """Run a queued batch and store its result; reasons are codes, rendered when shown."""
    data = _start(batch)
    started = perf_counter()
    try:
        instance = matching.parse_instance(data)
        result = matching.allocate(instance, time_limit=current_app.config["MATCH_TIME_LIMIT"])
        problems = matching.verify(instance, result)
        if problems:
            raise RuntimeError("; ".join(problems[:5]))
    except Exception as exc:  # any failure is stored on the batch for staff to see
        log.exception("matchmaking batch %s failed", batch.id)
        _fail(batch, f"{type(exc).__name__}: {exc}")
        return batch
    _finish(batch, result, perf_counter() - started)
    return batch


def run_batch(actor: User | None) -> MatchBatch:
    """Queue and run a batch at once (the demo scale takes well under a second)."""
    return execute_batch(queue_batch(actor))


def latest_batch(state: BatchState | None = BatchState.DONE) -> MatchBatch | None:
    query = sa.select(MatchBatch).order_by(MatchBatch.id.desc()).limit(1)
    if state is not None:
        query = query.where(MatchBatch.state == state)
    return db.session.scalar(query)


def _title(item_ref: str) -> tuple[str, str, str]:
    """(title, community name, link) of a need or project reference."""
    kind, row_id = parse_ref(item_ref)
    if kind == "need":
        need = db.session.get(Need, row_id)
        return need.title, need.community.name, f"/needs/{need.id}"
    proposal = db.session.get(Proposal, row_id)
    place = proposal.communities[0].name if proposal.communities else ""
    return proposal.title, place, pledge_url(proposal.id)


def _invite(pairing: MatchPairing) -> int:
    """Send a pairing's invitations; returns how many parties were invited."""
    kind, _ = parse_ref(pairing.need_ref)
    title, community, link = _title(pairing.need_ref)
    invited = 0
    if kind == "need":
        _, org_id = parse_ref(pairing.organization_ref)
        org = db.session.get(Organization, org_id)
        notify(org.members, "match_propose", link, title=title, community=community)
        invited += 1
    for share in pairing.funding:
        funder_kind, funder_id = parse_ref(share["funder"])
        if funder_kind != "enterprise":
            continue  # a program is the foundation's own money: staff already know
        ent = db.session.get(Enterprise, funder_id)
        key = "match_back_need" if kind == "need" else "match_back_project"
        notify(ent.members, key, link, title=title, amount=format_fen(share["amount_fen"]))
        invited += 1
    return invited


@transactional
def accept_pairings(actor: User, batch: MatchBatch, pairing_ids: Iterable[int]) -> int:
    """Accept proposed pairings of a finished batch; each sends its invitations."""
    _require_staff(actor)
    if batch.state != BatchState.DONE:
        raise DomainError("batch_not_done")
    wanted = set(pairing_ids)
    chosen = [p for p in batch.pairings if p.id in wanted and p.state == PairingState.PROPOSED]
    if not chosen:
        raise DomainError("nothing_to_accept")
    invited = 0
    now = utcnow()
    for pairing in chosen:
        pairing.state = PairingState.ACCEPTED
        pairing.accepted_by_id = actor.id
        pairing.accepted_at = now
        invited += _invite(pairing)
    record(
        actor,
        "match.accept",
        batch,
        after={"pairings": [p.id for p in chosen], "invited": invited},
    )
    return len(chosen)


@transactional
def invite_to_propose(actor: User, need: Need, org: Organization) -> None:
    """Staff invite an organization to propose a project for an open need."""
    _require_staff(actor)
    if need.status != NeedStatus.OPEN:
        raise DomainError("need_not_open")
    if not org.is_verified:
        raise DomainError("party_not_verified")
    notify(
        org.members,
        "match_propose",
        f"/needs/{need.id}",
        title=need.title,
        community=need.community.name,
    )
    record(actor, "match.invite", need, after={"organization": org.id})
