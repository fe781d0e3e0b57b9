"""Proposals and reviews as tables; identity hidden where blind."""

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from funding.exports import Column, Kind, Table, total_label
from funding.extensions import db
from funding.i18n import localized
from funding.labels import label
from funding.proposals.models import Proposal
from funding.reviews.models import AssignmentState, ReviewAssignment
from funding.reviews.services import weighted_total

HIDDEN = "—"


def proposals_query(params: dict, reviews: bool = False) -> sa.Select:
    """Proposals filtered by program and state, loading what the export reads at once."""
    query = sa.select(Proposal).options(
        selectinload(Proposal.program),
        selectinload(Proposal.organization),
        selectinload(Proposal.category),
        selectinload(Proposal.budget_lines),
    )
    if reviews:
        query = query.options(
            selectinload(Proposal.assignments).selectinload(ReviewAssignment.review),
            selectinload(Proposal.assignments).selectinload(ReviewAssignment.reviewer),
        )
    if params.get("program"):
        query = query.where(Proposal.program_id == params["program"])
    if params.get("state"):
        query = query.where(Proposal.state == params["state"])
    return query.order_by(Proposal.id)


def _streamed(query: sa.Select):
    """Rows in batches, so that a large export holds a batch in memory, not the table.

    The server-side cursor is closed however the download ends (a client that goes away
    mid-download closes the stream).
    """
    result = db.session.scalars(query.execution_options(yield_per=500))
    try:
        yield from result
    finally:
        result.close()


def count_proposals(params: dict) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(proposals_query(params).order_by(None).subquery())
    )


def submitted_reviews(params: dict) -> sa.Select:
    """The submitted review assignments of the filtered proposals."""
    proposals = proposals_query(params).order_by(None).with_only_columns(Proposal.id)
    return sa.select(ReviewAssignment).where(
        ReviewAssignment.proposal_id.in_(proposals),
        ReviewAssignment.state == AssignmentState.SUBMITTED,
    )


def count_reviews(params: dict) -> int:
    return db.session.scalar(
        submitted_reviews(params).with_only_columns(sa.func.count(ReviewAssignment.id))
    )


def filtered_proposal_table(params: dict) -> Table:
    """The proposals the filters choose, for staff."""
    return proposal_table(_streamed(proposals_query(params)))


def proposal_table(proposals: Iterable[Proposal], blind: bool = False) -> Table:
    """One row per proposal; ``blind`` drops the organization's name and credit code."""
    columns = [
        Column(_("ID"), Kind.INT),
        Column(_("Program")),
        Column(_("Organization")),
        Column(_("Unified social credit code")),
        Column(_("Title")),
        Column(_("Service category")),
        Column(_("State")),
        Column(_("Submitted"), Kind.DATETIME),
        Column(_("Total budget (yuan)"), Kind.YUAN, total=True),
        Column(_("Requested (yuan)"), Kind.YUAN, total=True),
        Column(_("Self-funded (yuan)"), Kind.YUAN, total=True),
        Column(_("Approved (yuan)"), Kind.YUAN, total=True),
    ]

    def rows():
        for p in proposals:
            hide = blind and p.program.blind_review
            yield [
                p.id,
                localized(p.program, "name"),
                HIDDEN if hide else p.organization.name,
                HIDDEN if hide else p.organization.credit_code,
                p.title,
                localized(p.category, "name") if p.category else "",
                label(p.state),
                p.submitted_at,
                p.total_budget_fen,
                p.amount_requested_fen,
                p.self_funded_fen,
                p.approved_amount_fen,
            ]

    return Table(columns, rows(), totals=total_label())


def review_table(params: dict) -> Table:
    """One row per submitted review of the filtered proposals (a staff export: it names
    organizations and reviewers)."""
    proposals = _streamed(proposals_query(params, reviews=True))
    columns = [
        Column(_("Proposal"), Kind.INT),
        Column(_("Title")),
        Column(_("Organization")),
        Column(_("Reviewer")),
        Column(_("Criterion scores")),
        Column(_("Weighted total"), Kind.INT),
        Column(_("Recommendation")),
        Column(_("Comment")),
    ]

    def rows():
        for p in proposals:
            for a in p.assignments:
                if a.state != AssignmentState.SUBMITTED or a.review is None:
                    continue
                r = a.review
                scores = "; ".join(
                    f"{localized(c, 'name')} {s['score']}"
                    for c, s in zip(p.program.rubric, r.scores, strict=True)
                )
                yield [
                    p.id,
                    p.title,
                    p.organization.name,
                    a.reviewer.name,
                    scores,
                    weighted_total(p, r),
                    label(r.recommendation),
                    r.comment,
                ]

    return Table(columns, rows())
