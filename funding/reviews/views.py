"""Reviewer pages (assignments, declaration, scoring) and the staff relationship registry."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from funding.accounts.models import Role, User
from funding.directory.models import Party
from funding.exports import download
from funding.extensions import db
from funding.labels import RECOMMENDATION_LABELS, RELATION_LABELS, choices
from funding.messages import message
from funding.pagination import page_of
from funding.permissions import roles_required, staff_required
from funding.proposals import exports
from funding.proposals.models import Proposal
from funding.reviews import services
from funding.reviews.forms import AssignForm, DeclarationForm, RelationshipForm, ReviewForm
from funding.reviews.models import (
    AssignmentState,
    Recommendation,
    RelationKind,
    Relationship,
    ReviewAssignment,
)
from funding.transactions import DomainError

bp = Blueprint("reviews", __name__)


def _my_assignment(assignment_id: int) -> ReviewAssignment:
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is None or assignment.reviewer_id != current_user.id:
        abort(404)
    return assignment


@bp.route("/reviews")
@roles_required(Role.REVIEWER)
def assignments():
    """The proposals assigned to this reviewer, and nothing else."""
    page = page_of(
        sa.select(ReviewAssignment)
        .where(ReviewAssignment.reviewer_id == current_user.id)
        .options(
            selectinload(ReviewAssignment.proposal).selectinload(Proposal.program),
            selectinload(ReviewAssignment.proposal).selectinload(Proposal.organization),
        )
        .order_by(ReviewAssignment.assigned_at.desc(), ReviewAssignment.id.desc())
    )
    return render_template("reviews/assignments.html", page=page, assignments=page.items)


@bp.route("/reviews/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def review(assignment_id: int):
    """Declare, then score; others' reviews appear only once this reviewer has submitted.

    A reviewer who declared a conflict is out of the review and may not open the proposal.
    """
    assignment = _my_assignment(assignment_id)
    if assignment.state == AssignmentState.CONFLICTED:
        abort(403)
    proposal = assignment.proposal
    form = ReviewForm(prefix="review")
    form.recommendation.choices = choices(RECOMMENDATION_LABELS)
    while len(form.scores.entries) < len(proposal.program.rubric):
        form.scores.append_entry()
    if assignment.state == AssignmentState.CLEARED and form.validate_on_submit():
        scores = [services.Score(e.form.score.data, e.form.comment.data or "") for e in form.scores]
        try:
            submitted = services.submit_review(
                current_user,
                assignment,
                scores,
                form.comment.data,
                Recommendation(form.recommendation.data),
            )
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            if submitted is None:
                flash(message("reviewer_conflicted_since"), "warning")
                return redirect(url_for("reviews.assignments"))
            flash(_("Review submitted. You can now see the other reviews."), "success")
            return redirect(url_for("reviews.review", assignment_id=assignment.id))
    others = []
    if assignment.state == AssignmentState.SUBMITTED:
        others = db.session.scalars(
            sa.select(ReviewAssignment)
            .where(
                ReviewAssignment.proposal_id == proposal.id,
                ReviewAssignment.state == AssignmentState.SUBMITTED,
                ReviewAssignment.id != assignment.id,
            )
            .options(selectinload(ReviewAssignment.reviewer), selectinload(ReviewAssignment.review))
            .order_by(ReviewAssignment.id)
        ).all()
    return render_template(
        "reviews/review.html",
        assignment=assignment,
        proposal=proposal,
        form=form,
        declaration=DeclarationForm(prefix="declare"),
        others=others,
        blind=proposal.program.blind_review,
        weighted=lambda r: services.weighted_total(proposal, r),
    )


@bp.route("/reviews/<int:assignment_id>/declare", methods=["POST"])
@roles_required(Role.REVIEWER)
def declare(assignment_id: int):
    """Declare no conflict (then score), or a conflict (then step down)."""
    assignment = _my_assignment(assignment_id)
    form = DeclarationForm(prefix="declare")
    if not form.validate_on_submit():
        flash(message("declare_first"), "danger")
        return redirect(url_for("reviews.review", assignment_id=assignment.id))
    conflicted = form.conflicted.data == "yes"
    try:
        services.declare(current_user, assignment, conflicted, form.note.data or "")
    except DomainError as exc:
        flash(message(exc.code), "danger")
        return redirect(url_for("reviews.review", assignment_id=assignment.id))
    if conflicted:
        flash(_("Thank you. You have been removed from this review and staff were told."), "info")
        return redirect(url_for("reviews.assignments"))
    if assignment.state == AssignmentState.CONFLICTED:
        flash(message("reviewer_conflicted_since"), "warning")
        return redirect(url_for("reviews.assignments"))
    return redirect(url_for("reviews.review", assignment_id=assignment.id))


@bp.route("/reviews/export.<fmt>")
@roles_required(Role.REVIEWER)
def export(fmt: str):
    """The reviewer's assigned proposals as a table; blind programs hide who applied."""
    proposals = db.session.scalars(
        sa.select(Proposal)
        .join(ReviewAssignment)
        .where(
            ReviewAssignment.reviewer_id == current_user.id,
            ReviewAssignment.state != AssignmentState.CONFLICTED,
        )
        .order_by(Proposal.id)
    ).all()
    return download(exports.proposal_table(proposals, blind=True), "my-reviews", fmt)


@bp.route("/proposals/<int:proposal_id>/reviewers", methods=["POST"])
@staff_required
def assign(proposal_id: int):
    """Staff assign a reviewer; the registry keeps conflicted people out."""
    proposal = db.get_or_404(Proposal, proposal_id)
    form = AssignForm(prefix="assign")
    form.reviewer_id.choices = [
        (u.id, u.name)
        for u in db.session.scalars(sa.select(User).where(User.role == Role.REVIEWER))
    ]
    if form.validate_on_submit():
        reviewer = db.session.get(User, form.reviewer_id.data)
        try:
            services.assign_reviewer(current_user, proposal, reviewer)
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("%(name)s was asked to review.", name=reviewer.name), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.route("/staff/relationships", methods=["GET", "POST"])
@staff_required
def relationships():
    """The registry of links between people and parties that rule out a review."""
    form = RelationshipForm()
    form.kind.choices = choices(RELATION_LABELS)
    if form.validate_on_submit():
        user = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == form.email.data.strip().lower())
        )
        party = db.session.scalar(
            sa.select(Party).where(Party.credit_code == form.credit_code.data.strip().upper())
        )
        if user is None:
            form.email.errors.append(_("No account has this email address."))
        if party is None:
            form.credit_code.errors.append(_("No registered party has this credit code."))
        if user is not None and party is not None:
            services.record_relationship(
                current_user, user, party, RelationKind(form.kind.data), form.note.data or ""
            )
            flash(_("Relationship recorded."), "success")
            return redirect(url_for("reviews.relationships"))
    page = page_of(
        sa.select(Relationship)
        .options(selectinload(Relationship.user), selectinload(Relationship.party))
        .order_by(Relationship.id.desc())
    )
    return render_template(
        "reviews/relationships.html", form=form, page=page, relationships=page.items
    )


@bp.route("/staff/relationships/<int:link_id>/delete", methods=["POST"])
@staff_required
def delete_relationship(link_id: int):
    link = db.get_or_404(Relationship, link_id)
    services.remove_relationship(current_user, link)
    flash(_("Relationship removed."), "info")
    return redirect(url_for("reviews.relationships"))
