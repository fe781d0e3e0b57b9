"""Proposals and reviews as tables, written as CSV or Excel; identity hidden where blind."""

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook

from funding.money import fen_to_input
from funding.proposals.models import Proposal
from funding.reviews.models import AssignmentState
from funding.reviews.services import weighted_total

HIDDEN = "—"


def proposal_rows(proposals: Iterable[Proposal], blind: bool = False) -> list[list]:
    """One row per proposal; ``blind`` drops the organization's name and credit code."""
    header = [
        _("ID"),
        _("Program"),
        _("Organization"),
        _("Unified social credit code"),
        _("Title"),
        _("Service category"),
        _("State"),
        _("Submitted"),
        _("Total budget (yuan)"),
        _("Requested (yuan)"),
        _("Self-funded (yuan)"),
        _("Approved (yuan)"),
    ]
    rows = [header]
    for p in proposals:
        hide = blind and p.program.blind_review
        rows.append(
            [
                p.id,
                p.program.name,
                HIDDEN if hide else p.organization.name,
                HIDDEN if hide else p.organization.credit_code,
                p.title,
                p.category_code or "",
                p.state.value,
                p.submitted_at.date().isoformat() if p.submitted_at else "",
                fen_to_input(p.total_budget_fen),
                fen_to_input(p.amount_requested_fen),
                fen_to_input(p.self_funded_fen),
                fen_to_input(p.approved_amount_fen),
            ]
        )
    return rows


def review_rows(proposals: Iterable[Proposal]) -> list[list]:
    """One row per submitted review (a staff export: it names organizations and reviewers)."""
    rows = [
        [
            _("Proposal"),
            _("Title"),
            _("Organization"),
            _("Reviewer"),
            _("Criterion scores"),
            _("Weighted total"),
            _("Recommendation"),
            _("Comment"),
        ]
    ]
    for p in proposals:
        for a in p.assignments:
            if a.state != AssignmentState.SUBMITTED or a.review is None:
                continue
            r = a.review
            scores = "; ".join(
                f"{c['name']} {s['score']}" for c, s in zip(p.program.rubric, r.scores, strict=True)
            )
            rows.append(
                [
                    p.id,
                    p.title,
                    p.organization.name,
                    a.reviewer.name,
                    scores,
                    weighted_total(p, r),
                    r.recommendation.value,
                    r.comment,
                ]
            )
    return rows


def _inert(cell):
    """Keep spreadsheet programs from running text that looks like a formula."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def to_csv(rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark so that spreadsheet programs read the Chinese correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[_inert(c) for c in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([_inert(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
