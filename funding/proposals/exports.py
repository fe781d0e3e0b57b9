"""Proposals and reviews as tables; identity hidden where blind."""

from collections.abc import Iterable

from flask_babel import gettext as _

from funding.exports import Column, Kind, Table, total_label
from funding.i18n import localized
from funding.labels import label
from funding.proposals.models import Proposal
from funding.reviews.models import AssignmentState
from funding.reviews.services import weighted_total

HIDDEN = "—"


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


def review_table(proposals: Iterable[Proposal]) -> Table:
    """One row per submitted review (a staff export: it names organizations and reviewers)."""
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
