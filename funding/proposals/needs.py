"""A need's status follows the projects that answer it.

A project answers the needs it names once it is approved: the need is then matched
(答复), in service once the project's grant is reserved (funded), and met when the grant is
completed. A terminated grant, a rejected or withdrawn proposal answers nothing: a need that
only such projects named, and that was matched or in service because of them, is open again.
Services that move a proposal or its grant call ``follow_projects`` in their transaction.
"""

from collections.abc import Iterable

import sqlalchemy as sa

from funding.directory.models import Need, NeedStatus
from funding.extensions import db
from funding.grants.models import Grant, GrantState
from funding.proposals.models import Proposal, ProposalState, proposal_needs

#: Proposal states in which a project answers its needs.
ANSWERING = (ProposalState.APPROVED, ProposalState.AGREEMENT_SIGNED)
#: From least to most advanced; a need takes the most advanced of its projects.
PROGRESS = (NeedStatus.MATCHED, NeedStatus.IN_SERVICE, NeedStatus.MET)


def project_status(proposal: Proposal, grant: Grant | None) -> NeedStatus | None:
    """The status a project gives the needs it answers, or None if it answers none."""
    if proposal.state not in ANSWERING:
        return None
    if grant is None:
        return NeedStatus.MATCHED
    if grant.state == GrantState.TERMINATED:
        return None
    if grant.state == GrantState.COMPLETED:
        return NeedStatus.MET
    return NeedStatus.IN_SERVICE if grant.reserved_at is not None else NeedStatus.MATCHED


def follow_projects(needs: Iterable[Need]) -> None:
    """Set each need's status from the projects that name it (in the caller's transaction)."""
    needs = list(needs)
    if not needs:
        return
    rows = db.session.execute(
        sa.select(proposal_needs.c.need_id, Proposal, Grant)
        .join(Proposal, Proposal.id == proposal_needs.c.proposal_id)
        .outerjoin(Grant, Grant.proposal_id == Proposal.id)
        .where(proposal_needs.c.need_id.in_([n.id for n in needs]))
    ).all()
    best: dict[int, int] = {}
    for need_id, proposal, grant in rows:
        status = project_status(proposal, grant)
        if status is not None:
            best[need_id] = max(best.get(need_id, 0), PROGRESS.index(status))
    for need in needs:
        if need.id in best:
            need.status = PROGRESS[best[need.id]]
        elif need.status in PROGRESS[:2]:
            need.status = NeedStatus.OPEN
