"""Foundation pages: the rolling queue, screening and decisions, programs, exports."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from funding import figures
from funding.accounts.models import Role, User
from funding.caching import cached_page
from funding.dates import today
from funding.directory.models import LegalForm, ServiceCategory, Street
from funding.extensions import db
from funding.i18n import localized
from funding.inputs import bounded_int
from funding.jobs.exports import deliver
from funding.labels import LEGAL_FORM_LABELS, choices
from funding.messages import message
from funding.pagination import page_of
from funding.permissions import staff_required
from funding.proposals import objections as answers
from funding.proposals import programs, services
from funding.proposals.forms import ApproveForm, NoteForm, ObjectionAnswerForm, ProgramForm
from funding.proposals.models import (
    DEFAULT_RUBRIC,
    DEFAULT_TRANCHES,
    Objection,
    ObjectionState,
    Program,
    Proposal,
)
from funding.proposals.queue import TARGET_DAYS, expected_decisions, queue_query, queue_rows
from funding.proposals.views import bp
from funding.proposals.workflow import Action
from funding.reviews.eligibility import eligible_reviewers, reviewers_required
from funding.reviews.forms import AssignForm
from funding.reviews.models import ReviewAssignment
from funding.reviews.services import conflicted_ids, summarize, total_spread
from funding.transactions import DomainError


def staff_context(proposal: Proposal) -> dict:
    """Forms and the review summary shown to staff on a proposal's page."""
    assignments = db.session.scalars(  # kept here, so the page's reads find them loaded
        sa.select(ReviewAssignment)
        .where(ReviewAssignment.proposal_id == proposal.id)
        .options(selectinload(ReviewAssignment.reviewer), selectinload(ReviewAssignment.review))
    ).all()
    reviewers = db.session.scalars(
        sa.select(User).where(User.role == Role.REVIEWER, User.active).order_by(User.name)
    ).all()
    conflicted = conflicted_ids(proposal.organization)
    assigned = {a.reviewer_id for a in proposal.assignments}
    assign = AssignForm(prefix="assign")
    assign.reviewer_id.choices = [
        (
            r.id,
            r.name + (" · " + _("conflict of interest") if r.id in conflicted else ""),
        )
        for r in reviewers
        if r.id not in assigned
    ]
    approve = ApproveForm(prefix="approve")
    if approve.amount.data is None:
        approve.amount.data = proposal.amount_requested_fen
    summary = summarize(proposal)
    objections = db.session.scalars(
        sa.select(Objection).where(Objection.proposal_id == proposal.id).order_by(Objection.id)
    ).all()
    eligible, required = db.session.execute(
        sa.select(eligible_reviewers(), reviewers_required()).where(Proposal.id == proposal.id)
    ).one()
    return {
        "eligible_reviewers": eligible,
        "reviewers_required": required,
        "assign_form": assign,
        "approve_form": approve,
        "note_form": NoteForm(prefix="note"),
        "summary": summary,
        "total_spread": total_spread(summary),
        "objections": objections,
        "assignments": assignments,
    }


@bp.route("/staff/queue")
@staff_required
@cached_page
def staff_queue():
    """One queue across programs: age in state, who it waits on, what is past its target."""
    program_id = request.args.get("program", type=bounded_int)
    page = page_of(queue_query(program_id=program_id, overdue=bool(request.args.get("overdue"))))
    programs_ = db.session.scalars(sa.select(Program).order_by(Program.id)).all()
    return render_template(
        "proposals/queue.html",
        page=page,
        rows=queue_rows(page.items),
        programs=programs_,
        targets=TARGET_DAYS,
        money_left=figures.available_by_program(),
        expected=expected_decisions(page.items),
    )


def _act(proposal_id: int, action, *args):
    proposal = db.get_or_404(Proposal, proposal_id)
    try:
        action(current_user, proposal, *args)
    except DomainError as exc:
        flash(message(exc.code), "danger")
        return False
    return True


@bp.route("/proposals/<int:proposal_id>/pass", methods=["POST"])
@staff_required
def pass_screening(proposal_id: int):
    """Send a screened proposal to expert review."""
    if _act(proposal_id, services.pass_screening):
        flash(_("Sent to expert review. Assign the reviewers now."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


def _with_note(proposal_id: int, action, done: str):
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        flash(message("comment_required"), "danger")
    elif _act(proposal_id, action, form.note.data):
        flash(done, "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/return", methods=["POST"])
@staff_required
def return_for_revision(proposal_id: int):
    """Return the proposal to the applicant with comments."""
    return _with_note(proposal_id, services.return_for_revision, _("Returned for revision."))


@bp.route("/proposals/<int:proposal_id>/reject", methods=["POST"])
@staff_required
def reject(proposal_id: int):
    """Decline the proposal with a reason the applicant sees."""
    return _with_note(proposal_id, services.reject, _("The proposal was declined."))


@bp.route("/proposals/<int:proposal_id>/approve", methods=["POST"])
@staff_required
def approve(proposal_id: int):
    """Approve an amount; the public disclosure opens."""
    form = ApproveForm(prefix="approve")
    if not form.validate_on_submit():
        for error in form.amount.errors:
            flash(error, "danger")
    elif _act(proposal_id, services.approve, form.amount.data, form.note.data or "", today()):
        flash(_("Approved. The project is now on public disclosure."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/sign", methods=["POST"])
@staff_required
def sign(proposal_id: int):
    """Record the signed agreement after disclosure; the grant is created."""
    if _act(proposal_id, services.sign_agreement, today()):
        flash(_("Agreement recorded; the grant is active."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


@bp.route("/staff/objections")
@staff_required
@cached_page
def objections():
    """Objections the public raised during disclosure: open ones first, each with its answer."""
    rows = db.session.scalars(
        sa.select(Objection)
        .options(selectinload(Objection.proposal))
        .order_by(Objection.state != ObjectionState.OPEN, Objection.id.desc())
    ).all()
    return render_template(
        "proposals/objections.html", objections=rows, form=ObjectionAnswerForm(prefix="answer")
    )


@bp.route("/staff/objections/<int:objection_id>/answer", methods=["POST"])
@staff_required
def answer_objection(objection_id: int):
    """Dismiss an objection with a public reply, or uphold it and change the decision."""
    objection = db.get_or_404(Objection, objection_id)
    form = ObjectionAnswerForm(prefix="answer")
    if not form.validate_on_submit():
        flash(message("reply_required"), "danger")
        return redirect(url_for("proposals.objections", _anchor=f"objection-{objection.id}"))
    try:
        if form.decision.data == "dismiss":
            answers.dismiss_objection(current_user, objection, form.reply.data)
        else:
            answers.uphold_objection(
                current_user, objection, form.reply.data, Action(form.decision.data)
            )
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("The answer is published on the disclosure page."), "success")
    return redirect(url_for("proposals.objections", _anchor=f"objection-{objection.id}"))


def _export_filters() -> dict:
    """The program and state filters of the staff exports."""
    return {
        "program": request.args.get("program", type=bounded_int),
        "state": request.args.get("state") or None,
    }


@bp.route("/staff/exports/proposals.<fmt>")
@staff_required
def export_proposals(fmt: str):
    """Proposals, filtered by program and state, as CSV or Excel."""
    return deliver(current_user, "proposals", _export_filters(), fmt)


@bp.route("/staff/exports/reviews.<fmt>")
@staff_required
def export_reviews(fmt: str):
    """Submitted reviews of the filtered proposals, as CSV or Excel."""
    return deliver(current_user, "reviews", _export_filters(), fmt)


@bp.route("/staff/programs")
@staff_required
@cached_page
def staff_programs():
    rows = db.session.scalars(sa.select(Program).order_by(Program.id)).all()
    return render_template(
        "proposals/staff_programs.html",
        programs=rows,
        left=figures.available_by_program(),
    )


def _program_form(program: Program | None) -> ProgramForm:
    form = ProgramForm(obj=program)
    form.categories.choices = [
        (c.code, localized(c, "name"))
        for c in db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.code))
    ]
    form.streets.choices = [
        (s.code, localized(s, "name"))
        for s in db.session.scalars(sa.select(Street).order_by(Street.position))
    ]
    form.legal_forms.choices = choices(LEGAL_FORM_LABELS)
    if request.method == "GET":
        form.categories.data = [c.code for c in program.categories] if program else []
        form.streets.data = [s.code for s in program.streets] if program else []
        form.legal_forms.data = list(program.legal_forms) if program else []
        form.min_grant.data = program.min_grant_fen if program else None
        form.max_grant.data = program.max_grant_fen if program else None
        form.budget.data = program.budget_fen if program else None
        form.match_ratio_pct.data = program.match_ratio_pct if program else 0
        form.match_cap_project.data = program.match_cap_project_fen if program else 0
        form.match_cap_program.data = program.match_cap_program_fen if program else 0
        tranches = program.tranches if program else DEFAULT_TRANCHES
        form.tranches.data = "/".join(str(t) for t in tranches)
        rubric = program.rubric if program else DEFAULT_RUBRIC
        while form.rubric.entries:
            form.rubric.pop_entry()
        for row in rubric:
            form.rubric.append_entry(row)
        while len(form.rubric.entries) < 6:
            form.rubric.append_entry()
        if program is None:
            form.min_self_share_pct.data, form.reviewers_required.data = 40, 3
            form.disclosure_days.data, form.open_from.data = 5, today()
    return form


def _program_data(form: ProgramForm) -> programs.ProgramData:
    return programs.ProgramData(
        name=form.name.data.strip(),
        name_en=form.name_en.data.strip(),
        purpose=form.purpose.data.strip(),
        purpose_en=(form.purpose_en.data or "").strip(),
        category_codes=tuple(form.categories.data or ()),
        legal_forms=tuple(LegalForm(v) for v in form.legal_forms.data or ()),
        street_codes=tuple(form.streets.data or ()),
        min_grant_fen=form.min_grant.data,
        max_grant_fen=form.max_grant.data,
        min_self_share_pct=form.min_self_share_pct.data,
        rubric=tuple(
            {"name": r["name"], "name_en": r["name_en"] or r["name"], "weight": r["weight"]}
            for r in form.rubric.data
            if r["name"]
        ),
        reviewers_required=form.reviewers_required.data,
        disclosure_days=form.disclosure_days.data,
        tranches=form.tranches.parsed,
        blind_review=bool(form.blind_review.data),
        budget_fen=form.budget.data,
        match_ratio_pct=form.match_ratio_pct.data or 0,
        match_cap_project_fen=form.match_cap_project.data or 0,
        match_cap_program_fen=form.match_cap_program.data or 0,
        open_from=form.open_from.data,
        open_until=form.open_until.data,
    )


def _save_program(program: Program | None):
    form = _program_form(program)
    if form.validate_on_submit():
        try:
            saved = programs.save_program(current_user, program, _program_data(form))
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("Program saved."), "success")
            return redirect(url_for("proposals.edit_program", program_id=saved.id))
    return render_template("proposals/program_form.html", form=form, program=program)


@bp.route("/staff/programs/new", methods=["GET", "POST"])
@staff_required
def new_program():
    """Create a program and its rules."""
    return _save_program(None)


@bp.route("/staff/programs/<int:program_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_program(program_id: int):
    """Edit a program's rules (they apply to submissions from now on)."""
    return _save_program(db.get_or_404(Program, program_id))
