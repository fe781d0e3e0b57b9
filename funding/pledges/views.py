"""Enterprise pledges: make one (with the matching estimate), follow it; staff confirm."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from funding.accounts.models import Role
from funding.dates import today
from funding.directory.models import Enterprise, ServiceCategory
from funding.extensions import db
from funding.grants.models import GrantSource
from funding.i18n import localized
from funding.labels import PAYMENT_METHOD_LABELS, PLEDGE_TARGET_LABELS, choices
from funding.ledger.models import Entry
from funding.messages import message
from funding.permissions import roles_required, staff_required
from funding.pledges import services
from funding.pledges.forms import CancelPledgeForm, ConfirmPledgeForm, FundProgramForm, PledgeForm
from funding.pledges.models import PaymentMethod, Pledge, PledgeTarget
from funding.proposals.models import Program, Proposal
from funding.transactions import DomainError

bp = Blueprint("pledges", __name__)


def _pledge_or_404(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not services.can_pledge(current_user, pledge.enterprise):
        abort(404)
    return pledge


@bp.route("/pledges")
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def index():
    """The enterprise's pledges, or (staff) every pledge, overdue ones first."""
    query = sa.select(Pledge).options(
        selectinload(Pledge.enterprise),
        selectinload(Pledge.proposal),
        selectinload(Pledge.program),
        selectinload(Pledge.category),
    )
    if not current_user.is_foundation:
        query = query.where(Pledge.enterprise_id == current_user.party_id)
    if state := request.args.get("state"):
        query = query.where(Pledge.state == state)
    rows = db.session.scalars(query.order_by(Pledge.due_date)).all()
    overdue = {p.id for p in rows if p.is_overdue(today())}
    rows = sorted(rows, key=lambda p: (p.id not in overdue, p.due_date))
    return render_template("pledges/index.html", pledges=rows, overdue=overdue, today=today())


def _fill(form: PledgeForm) -> None:
    form.target.choices = choices(PLEDGE_TARGET_LABELS)
    form.program_id.choices = [(0, "—")] + [
        (p.id, localized(p, "name")) for p in db.session.scalars(sa.select(Program))
    ]
    form.category_code.choices = [("", "—")] + [
        (c.code, f"{c.code} {localized(c, 'name')}")
        for c in db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.code))
    ]
    projects = db.session.scalars(services.pledgeable_projects().order_by(Proposal.id))
    form.proposal_id.choices = [(0, "—")] + [(p.id, p.title) for p in projects]
    form.payment_method.choices = choices(PAYMENT_METHOD_LABELS)


def _data(form: PledgeForm) -> services.PledgeData:
    target = PledgeTarget(form.target.data)
    return services.PledgeData(
        target=target,
        amount_fen=form.amount.data,
        due_date=form.due_date.data,
        payment_method=PaymentMethod(form.payment_method.data),
        program_id=form.program_id.data or None if target == PledgeTarget.PROGRAM else None,
        category_code=form.category_code.data or None if target == PledgeTarget.CATEGORY else None,
        proposal_id=form.proposal_id.data or None if target == PledgeTarget.PROJECT else None,
        tranche_no=form.tranche_no.data,
        instalments=getattr(form.instalments, "rows", ()),
        note=form.note.data or "",
    )


@bp.route("/pledges/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE_MEMBER)
def new():
    """Pledge; for a project, see first what the program's matching adds to the gift."""
    enterprise = db.session.get(Enterprise, current_user.party_id)
    form = PledgeForm()
    _fill(form)
    if request.method == "GET":
        if proposal_id := request.args.get("proposal", type=int):
            form.target.data, form.proposal_id.data = PledgeTarget.PROJECT.value, proposal_id
        elif program_id := request.args.get("program", type=int):
            form.target.data, form.program_id.data = PledgeTarget.PROGRAM.value, program_id
    estimate = None
    if form.validate_on_submit():
        data = _data(form)
        proposal = db.session.get(Proposal, data.proposal_id) if data.proposal_id else None
        if request.form.get("confirm") != "1":
            estimate = services.match_for(proposal, data.amount_fen) if proposal else 0
        else:
            try:
                pledge = services.create_pledge(current_user, enterprise, data, form.key.data)
            except DomainError as exc:
                flash(message(exc.code), "danger")
            else:
                flash(
                    _(
                        "Thank you. Your pledge is recorded; the foundation confirms it when the "
                        "money arrives."
                    ),
                    "success",
                )
                return redirect(url_for("pledges.detail", pledge_id=pledge.id))
    return render_template("pledges/new.html", form=form, estimate=estimate, enterprise=enterprise)


@bp.route("/pledges/<int:pledge_id>")
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def detail(pledge_id: int):
    """A pledge, the ledger movements of its money, and the grants it helps fund."""
    pledge = _pledge_or_404(pledge_id)
    entries = db.session.scalars(
        sa.select(Entry).where(Entry.pledge_id == pledge.id).order_by(Entry.id)
    ).all()
    sources = db.session.scalars(
        sa.select(GrantSource).where(GrantSource.pledge_id == pledge.id)
    ).all()
    return render_template(
        "pledges/detail.html",
        pledge=pledge,
        entries=entries,
        sources=sources,
        confirm_form=ConfirmPledgeForm(),
        cancel_form=CancelPledgeForm(),
        today=today(),
    )


@bp.route("/pledges/<int:pledge_id>/agreement")
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def agreement(pledge_id: int):
    """A printable donation agreement (捐赠协议) with the fields such agreements carry."""
    return render_template("pledges/agreement.html", pledge=_pledge_or_404(pledge_id))


@bp.route("/pledges/<int:pledge_id>/confirm", methods=["POST"])
@staff_required
def confirm(pledge_id: int):
    """Staff record that the money arrived, with the receipt number and date."""
    pledge = db.get_or_404(Pledge, pledge_id)
    form = ConfirmPledgeForm()
    if not form.validate_on_submit():
        flash(_("Enter the receipt number and the date the money arrived."), "danger")
    else:
        try:
            match = services.confirm_pledge(
                current_user, pledge, form.receipt_no.data, form.received_on.data, form.key.data
            )
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(
                _(
                    "Receipt confirmed. Matching added: %(amount)s.",
                    amount=services.format_fen(match),
                ),
                "success",
            )
    return redirect(url_for("pledges.detail", pledge_id=pledge.id))


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["POST"])
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def cancel(pledge_id: int):
    pledge = _pledge_or_404(pledge_id)
    form = CancelPledgeForm()
    if not form.validate_on_submit():
        flash(message("reason_required"), "danger")
    else:
        try:
            services.cancel_pledge(current_user, pledge, form.reason.data)
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("The pledge was cancelled."), "info")
    return redirect(url_for("pledges.detail", pledge_id=pledge.id))


@bp.route("/staff/programs/<int:program_id>/fund", methods=["GET", "POST"])
@staff_required
def fund_program(program_id: int):
    """Put the foundation's money into a program's fund."""
    program = db.get_or_404(Program, program_id)
    form = FundProgramForm()
    if form.validate_on_submit():
        try:
            services.fund_program(
                current_user, program, form.amount.data, form.memo.data, form.key.data
            )
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(
                _(
                    "%(amount)s added to the program fund.",
                    amount=services.format_fen(form.amount.data),
                ),
                "success",
            )
            return redirect(url_for("proposals.staff_programs"))
    return render_template(
        "pledges/fund_program.html",
        form=form,
        program=program,
        held=services.program_money(program),
    )
