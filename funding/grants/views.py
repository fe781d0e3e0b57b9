"""Grant pages: sources and shares, tranches and sign-offs, termination, two-way ratings."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from funding import figures
from funding.accounts.models import Role
from funding.caching import cached_page
from funding.directory.models import Community, Enterprise
from funding.documents import pdf_response
from funding.extensions import db
from funding.grants import closing, ratings, records, reservation, tranches
from funding.grants.forms import (
    NoteForm,
    RatingForm,
    SignForm,
    TerminateForm,
    TrancheRequestForm,
    spending_rows,
)
from funding.grants.models import (
    CommunityRating,
    FoundationRating,
    Grant,
    GrantSource,
    Tranche,
)
from funding.ledger.labels import preload_account_labels
from funding.ledger.models import Entry, LedgerTransaction
from funding.messages import message
from funding.money import MoneyError, parse_yuan
from funding.pagination import page_of
from funding.paperwork import grant_agreement
from funding.permissions import confirm_first, staff_required
from funding.pledges.forms import KeyedForm
from funding.pledges.models import Pledge
from funding.proposals.models import Proposal
from funding.proposals.workflow import is_applicant
from funding.transactions import DomainError

bp = Blueprint("grants", __name__)


def can_see_grant(user, grant: Grant) -> bool:
    """Staff; the organization; an enterprise whose money is in it; a served community."""
    if user.is_foundation:
        return True
    if user.role == Role.ORG_MEMBER:
        return is_applicant(user, grant.proposal)
    if user.role == Role.ENTERPRISE_MEMBER:
        return db.session.scalar(
            sa.select(
                sa.select(GrantSource.id)
                .join(GrantSource.pledge)
                .where(GrantSource.grant_id == grant.id, Pledge.enterprise_id == user.party_id)
                .exists()
            )
        )
    if user.role == Role.COMMUNITY_WORKER:
        return user.community_id in {c.id for c in grant.proposal.communities}
    return False


def _grant_or_404(grant_id: int) -> Grant:
    """The grant, with what its pages read of it loaded at once, if the user may see it."""
    grant = db.session.get(
        Grant,
        grant_id,
        options=[
            selectinload(Grant.sources).selectinload(GrantSource.pledge),
            selectinload(Grant.tranches),
            joinedload(Grant.proposal),
        ],
    )
    if grant is None or not can_see_grant(current_user, grant):
        abort(404)
    return grant


@bp.route("/grants")
@login_required
@cached_page
def index():
    """The grants the user may follow (the same rule as ``can_see_grant``, as one query)."""
    query = (
        sa.select(Grant)
        .join(Grant.proposal)
        .options(selectinload(Grant.proposal).selectinload(Proposal.organization))
        .order_by(Grant.id.desc())
    )
    user = current_user
    if user.role == Role.ORG_MEMBER:
        query = query.where(Proposal.organization_id == user.party_id)
    elif user.role == Role.ENTERPRISE_MEMBER:
        query = query.where(
            Grant.sources.any(GrantSource.pledge.has(Pledge.enterprise_id == user.party_id))
        )
    elif user.role == Role.COMMUNITY_WORKER:
        query = query.where(Proposal.communities.any(Community.id == user.community_id))
    elif not user.is_foundation:
        query = query.where(sa.false())
    page = page_of(query)
    return render_template("grants/index.html", page=page, grants=page.items)


@bp.route("/grants/<int:grant_id>/agreement.pdf")
@login_required
def agreement_pdf(grant_id: int):
    """The grant agreement (资助协议) to print, sign and stamp."""
    grant = _grant_or_404(grant_id)
    return pdf_response(grant_agreement(grant), f"grant-agreement-{grant.id}.pdf")


@bp.route("/grants/<int:grant_id>")
@login_required
@cached_page
def detail(grant_id: int):
    """A grant: where its money came from, each funder's share, tranches, movements."""
    grant = _grant_or_404(grant_id)
    causes = [f"grant:{grant.id}"] + [f"tranche:{t.id}" for t in grant.tranches]
    movements = db.session.scalars(
        sa.select(LedgerTransaction)
        .where(LedgerTransaction.cause.in_(causes))
        .options(selectinload(LedgerTransaction.entries).selectinload(Entry.account))
        .order_by(LedgerTransaction.id)
    ).all()
    preload_account_labels(e.account for txn in movements for e in txn.entries)
    shares = records.funder_shares(grant)
    funders = {
        e.id: e.name
        for e in db.session.scalars(
            sa.select(Enterprise).where(Enterprise.id.in_([s.enterprise_id for s in shares]))
        )
    }
    mine = None
    if current_user.role == Role.ENTERPRISE_MEMBER:
        mine = next((s for s in shares if s.enterprise_id == current_user.party_id), None)
    ratings = db.session.scalars(
        sa.select(CommunityRating).where(CommunityRating.grant_id == grant.id)
    ).all()
    return render_template(
        "grants/detail.html",
        grant=grant,
        shares=shares,
        funders=funders,
        movements=movements,
        money=figures.grant_money([grant])[0],
        payable={t.id: tranches.payable_fen(t) for t in grant.tranches},
        mine=mine,
        ratings=ratings,
        foundation_rating=db.session.scalar(
            sa.select(FoundationRating).filter_by(grant_id=grant.id)
        ),
        sign_form=SignForm(),
        note_form=NoteForm(),
        terminate_form=TerminateForm(),
        rating_form=RatingForm(),
        threshold=current_app.config["TWO_PERSON_THRESHOLD_FEN"],
    )


@bp.route("/grants/<int:grant_id>/reserve", methods=["GET", "POST"])
@staff_required
def reserve(grant_id: int):
    """Reserve the grant from its sources: proposed in order, adjustable by staff."""
    grant = db.get_or_404(Grant, grant_id)
    options = reservation.source_options(grant)
    preload_account_labels(o.account for o in options)
    form = KeyedForm()
    if form.validate_on_submit():
        try:
            amounts = {
                o.key: parse_yuan(request.form.get(f"src-{o.key}") or "0", allow_zero=True)
                for o in options
            }
        except MoneyError:
            flash(message("sources_sum"), "danger")
        else:
            try:
                reservation.reserve_grant(current_user, grant, amounts, form.key.data)
            except DomainError as exc:
                flash(message(exc.code), "danger")
            else:
                flash(_("The grant's money is reserved."), "success")
                return redirect(url_for("grants.detail", grant_id=grant.id))
    return render_template(
        "grants/reserve.html",
        grant=grant,
        options=options,
        form=form,
        still_due=reservation.pledges_still_due(grant),
    )


def _tranche_or_404(grant: Grant, number: int) -> Tranche:
    tranche = next((t for t in grant.tranches if t.number == number), None)
    if tranche is None:
        abort(404)
    return tranche


@bp.route("/grants/<int:grant_id>/tranches/<int:number>/request", methods=["GET", "POST"])
@login_required
def request_tranche(grant_id: int, number: int):
    """The organization requests a tranche with its progress report (资金申领)."""
    grant = _grant_or_404(grant_id)
    if current_user.role != Role.ORG_MEMBER:
        abort(403)
    tranche = _tranche_or_404(grant, number)
    lines = grant.proposal.budget_lines
    form = TrancheRequestForm()
    spending_rows(form, lines)
    if form.validate_on_submit():
        report = tranches.Report(
            activities=form.activities.data,
            beneficiaries_served=form.beneficiaries_served.data,
            spent={
                line.position: entry.form.amount.data or 0
                for line, entry in zip(lines, form.spending, strict=True)
            },
            final=bool(form.final.data),
        )
        try:
            tranches.request_tranche(current_user, tranche, report)
        except DomainError as exc:
            flash(message(exc.code, **exc.details), "danger")
        else:
            flash(_("Payment request sent with your progress report."), "success")
            return redirect(url_for("grants.detail", grant_id=grant.id))
    return render_template(
        "grants/request.html",
        grant=grant,
        tranche=tranche,
        form=form,
        lines=lines,
        final=tranches.is_final(tranche),
    )


@bp.route("/grants/<int:grant_id>/tranches/<int:number>/sign", methods=["POST"])
@staff_required
def sign(grant_id: int, number: int):
    """Sign a payment; the last required sign-off pays it."""
    grant = db.get_or_404(Grant, grant_id)
    tranche = _tranche_or_404(grant, number)
    if again := confirm_first(url_for("grants.detail", grant_id=grant.id)):
        return again
    form = SignForm()
    if form.validate_on_submit():
        try:
            paid = tranches.sign_tranche(current_user, tranche, form.key.data)
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(
                _("Paid.") if paid else _("Signed. A second staff member must sign too."), "success"
            )
    return redirect(url_for("grants.detail", grant_id=grant.id))


@bp.route("/grants/<int:grant_id>/tranches/<int:number>/return", methods=["POST"])
@staff_required
def return_request(grant_id: int, number: int):
    grant = db.get_or_404(Grant, grant_id)
    form = NoteForm()
    try:
        tranches.return_tranche(current_user, _tranche_or_404(grant, number), form.note.data or "")
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("The request was returned to the organization."), "info")
    return redirect(url_for("grants.detail", grant_id=grant.id))


@bp.route("/grants/<int:grant_id>/midterm", methods=["POST"])
@staff_required
def midterm(grant_id: int):
    """Record that the mid-term review passed."""
    try:
        tranches.pass_midterm(current_user, db.get_or_404(Grant, grant_id))
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("Mid-term review recorded."), "success")
    return redirect(url_for("grants.detail", grant_id=grant_id))


@bp.route("/grants/<int:grant_id>/terminate", methods=["POST"])
@staff_required
def terminate(grant_id: int):
    """End the grant; unpaid money returns to its sources."""
    grant = db.get_or_404(Grant, grant_id)
    form = TerminateForm()
    if not form.validate_on_submit():
        flash(message("reason_required"), "danger")
    else:
        try:
            closing.terminate_grant(
                current_user, grant, bool(form.breach.data), form.note.data, form.key.data
            )
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("The grant was terminated and its unpaid money returned."), "info")
    return redirect(url_for("grants.detail", grant_id=grant.id))


def _rate(grant_id: int, service) -> object:
    grant = _grant_or_404(grant_id)
    form = RatingForm()
    if form.validate_on_submit():
        try:
            service(current_user, grant, form.score.data, form.comment.data or "")
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("Thank you for your rating."), "success")
    return redirect(url_for("grants.detail", grant_id=grant.id))


@bp.route("/grants/<int:grant_id>/rate", methods=["POST"])
@login_required
def rate(grant_id: int):
    """A served community rates the project (双向评价)."""
    return _rate(grant_id, ratings.rate_project)


@bp.route("/grants/<int:grant_id>/rate-foundation", methods=["POST"])
@login_required
def rate_foundation(grant_id: int):
    """The organization rates the foundation's process."""
    return _rate(grant_id, ratings.rate_foundation)
