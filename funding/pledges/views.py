"""Enterprise pledges: fill in, preview the matching gift, confirm what was shown, follow it;
staff record each instalment's receipt."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from funding import figures
from funding.accounts.models import Role
from funding.caching import cached_page
from funding.dates import today
from funding.directory.models import Enterprise, ServiceCategory
from funding.documents import pdf_response
from funding.extensions import db
from funding.grants.models import Grant, GrantSource
from funding.i18n import localized
from funding.inputs import bounded_int
from funding.jobs.exports import deliver
from funding.labels import PAYMENT_METHOD_LABELS, PLEDGE_TARGET_LABELS, choices
from funding.ledger.labels import preload_account_labels
from funding.ledger.models import Entry
from funding.messages import message
from funding.money import format_fen
from funding.pagination import page_of
from funding.paperwork import donation_agreement
from funding.permissions import roles_required, staff_required
from funding.pledges import services
from funding.pledges.forms import CancelPledgeForm, FundProgramForm, PledgeForm, ReceiptForm
from funding.pledges.models import (
    Instalment,
    InstalmentState,
    PaymentMethod,
    Pledge,
    PledgeState,
    PledgeTarget,
    UnusedMoney,
)
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
@cached_page
def index():
    """The enterprise's pledges, or (staff) every pledge; overdue instalments are flagged."""
    on = today()
    late = (
        sa.select(Instalment.id)
        .where(
            Instalment.pledge_id == Pledge.id,
            Instalment.state == InstalmentState.DUE,
            Instalment.due_date < on,
        )
        .exists()
    )
    query = sa.select(Pledge).options(
        selectinload(Pledge.enterprise),
        selectinload(Pledge.proposal),
        selectinload(Pledge.program),
        selectinload(Pledge.category),
        selectinload(Pledge.instalments),
    )
    if not current_user.is_foundation:
        query = query.where(Pledge.enterprise_id == current_user.party_id)
    if (state := request.args.get("state")) in set(PledgeState):
        query = query.where(Pledge.state == PledgeState(state))
    overdue_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.where(late).order_by(None).subquery())
    )
    page = page_of(query.order_by(late.desc(), Pledge.id.desc()))
    overdue = {p.id for p in page.items if p.is_overdue(on)}
    return render_template(
        "pledges/index.html",
        page=page,
        pledges=page.items,
        overdue=overdue,
        overdue_count=overdue_count,
        today=on,
    )


def _fill(form: PledgeForm) -> None:
    form.target.choices = choices(PLEDGE_TARGET_LABELS)
    form.program_id.choices = [(0, "—")] + [
        (p.id, localized(p, "name")) for p in db.session.scalars(sa.select(Program))
    ]
    form.category_code.choices = [("", "—")] + [
        (c.code, localized(c, "name"))
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
        payment_method=PaymentMethod(form.payment_method.data),
        instalments=form.instalments(),
        program_id=form.program_id.data or None if target == PledgeTarget.PROGRAM else None,
        category_code=form.category_code.data or None if target == PledgeTarget.CATEGORY else None,
        proposal_id=form.proposal_id.data or None if target == PledgeTarget.PROJECT else None,
        tranche_no=form.tranche_no.data if target == PledgeTarget.PROJECT else None,
        if_unused=UnusedMoney(form.if_unused.data or UnusedMoney.PROGRAM.value),
        note=form.note.data or "",
    )


def _split(data: services.PledgeData, gift: int) -> list[services.PledgeData]:
    """``gift`` to the project, the rest to its program."""
    proposal = db.session.get(Proposal, data.proposal_id)
    first, rest = services.split_schedule(data.instalments, gift)
    to_project = services.PledgeData(**{**data.__dict__, "amount_fen": gift, "instalments": first})
    to_program = services.PledgeData(
        **{
            **data.__dict__,
            "target": PledgeTarget.PROGRAM,
            "program_id": proposal.program_id,
            "proposal_id": None,
            "tranche_no": None,
            "amount_fen": data.amount_fen - gift,
            "instalments": rest,
        }
    )
    return [to_project, to_program]


#: How a project pledge above what the project still needs is fitted: all of it to a program
#: instead is a plain pledge; "split" gives the need to the project and the rest to its program;
#: "project" gives only the need.
FITS = ("split", "project")


def _preview(form: PledgeForm, enterprise: Enterprise, fit: str):
    """The pledges the form would make, each with its matching gift; or a refusal."""
    data = _data(form)
    parts = [data]
    if fit in FITS and data.target == PledgeTarget.PROJECT and data.proposal_id:
        proposal = db.session.get(Proposal, data.proposal_id)
        gift = services.fitting_gift(proposal)[0] if proposal else 0
        if 0 < gift < data.amount_fen:
            parts = _split(data, gift)[: 2 if fit == "split" else 1]
    previews = [services.preview_pledge(current_user, enterprise, d) for d in parts]
    return list(zip(parts, previews, strict=True))


def _targets(parts) -> list[str]:
    """A readable name of each part's target, for the preview."""
    names = []
    for data, _p in parts:
        if data.target == PledgeTarget.PROJECT:
            names.append(db.session.get(Proposal, data.proposal_id).title)
        elif data.target == PledgeTarget.PROGRAM:
            names.append(localized(db.session.get(Program, data.program_id), "name"))
        elif data.target == PledgeTarget.CATEGORY:
            names.append(localized(db.session.get(ServiceCategory, data.category_code), "name"))
        else:
            names.append(_("The general pool"))
    return names


def _show_preview(form, enterprise, parts, fit: str):
    return render_template(
        "pledges/preview.html",
        form=form,
        enterprise=enterprise,
        parts=parts,
        names=_targets(parts),
        fit=fit,
    )


@bp.route("/pledges/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE_MEMBER)
def new():
    """Fill in a pledge; "Preview" shows the matching gift, and nothing is pledged yet."""
    enterprise = db.session.get(Enterprise, current_user.party_id)
    form = PledgeForm()
    _fill(form)
    if request.method == "GET":
        if proposal_id := request.args.get("proposal", type=bounded_int):
            form.target.data, form.proposal_id.data = PledgeTarget.PROJECT.value, proposal_id
        elif program_id := request.args.get("program", type=bounded_int):
            form.target.data, form.program_id.data = PledgeTarget.PROGRAM.value, program_id
    over = None
    fit = request.form.get("fit", "")
    if request.form.get("action") != "edit" and form.validate_on_submit():
        try:
            parts = _preview(form, enterprise, fit)
        except DomainError as exc:
            if exc.code == "pledge_above_need":
                over = services.fitting_gift(db.session.get(Proposal, form.proposal_id.data))
            flash(message(exc.code, **exc.details), "danger")
        else:
            return _show_preview(form, enterprise, parts, fit)
    return _form_page(form, enterprise, over)


def _form_page(form: PledgeForm, enterprise: Enterprise, over=None):
    """The pledge form, saying how much a chosen project still needs."""
    proposal = (
        db.session.get(Proposal, form.proposal_id.data)
        if form.target.data == PledgeTarget.PROJECT.value and form.proposal_id.data
        else None
    )
    return render_template(
        "pledges/new.html",
        form=form,
        enterprise=enterprise,
        over=over,
        open_fen=services.project_open_fen(proposal) if proposal else None,
        program=proposal.program if proposal else None,
    )


def _shown(values: list[str]) -> list[tuple[int, int]]:
    """The (amount, matching gift) of each previewed pledge, as the preview page carried them."""
    shown = []
    for value in values[:2]:
        amount, _sep, match = value.partition(":")
        if not (amount.isdigit() and match.isdigit() and len(amount) < 16 and len(match) < 16):
            return []
        shown.append((int(amount), int(match)))
    return shown


@bp.route("/pledges/confirm", methods=["POST"])
@roles_required(Role.ENTERPRISE_MEMBER)
def confirm_new():
    """Make the pledge exactly as previewed; refused if its matching gift changed since."""
    enterprise = db.session.get(Enterprise, current_user.party_id)
    form = PledgeForm()
    _fill(form)
    fit = request.form.get("fit", "")
    shown = _shown(request.form.getlist("shown"))
    if not form.validate_on_submit():
        flash(_("The pledge could not be read; check the details and preview it again."), "danger")
        return _form_page(form, enterprise)
    try:
        parts = _preview(form, enterprise, fit)
        if [d.amount_fen for d, _p in parts] != [amount for amount, _m in shown]:
            raise DomainError("pledge_changed")
        pledges = services.create_pledges(
            current_user,
            enterprise,
            [(data, match) for (data, _p), (_a, match) in zip(parts, shown, strict=True)],
            form.key.data,
        )
    except DomainError as exc:
        flash(message(exc.code, **exc.details), "danger")
        if exc.code in ("match_changed", "pledge_changed"):
            try:
                return _show_preview(form, enterprise, _preview(form, enterprise, fit), fit)
            except DomainError as again:
                flash(message(again.code, **again.details), "danger")
        return _form_page(form, enterprise)
    flash(
        _(
            "Thank you. Your pledge is recorded; the foundation confirms each instalment when "
            "the money arrives."
        ),
        "success",
    )
    return redirect(url_for("pledges.detail", pledge_id=pledges[0].id))


@bp.route("/pledges/<int:pledge_id>")
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
@cached_page
def detail(pledge_id: int):
    """A pledge, its schedule, the ledger movements of its money, and the grants it funds."""
    pledge = _pledge_or_404(pledge_id)
    entries = db.session.scalars(
        sa.select(Entry)
        .where(Entry.pledge_id == pledge.id)
        .options(selectinload(Entry.transaction), selectinload(Entry.account))
        .order_by(Entry.id)
    ).all()
    preload_account_labels(e.account for e in entries)
    sources = db.session.scalars(
        sa.select(GrantSource)
        .where(GrantSource.pledge_id == pledge.id)
        .options(selectinload(GrantSource.grant).selectinload(Grant.proposal))
    ).all()
    return render_template(
        "pledges/detail.html",
        pledge=pledge,
        entries=entries,
        sources=sources,
        money=figures.giving(by_pledge=True, enterprise_ids=[pledge.enterprise_id]).get(
            pledge.id, figures.Giving(pledge.id)
        ),
        receipt_form=ReceiptForm(),
        cancel_form=CancelPledgeForm(),
        today=today(),
    )


@bp.route("/pledges/<int:pledge_id>/agreement")
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def agreement(pledge_id: int):
    """A printable donation agreement (捐赠协议) with the fields such agreements carry."""
    return render_template("pledges/agreement.html", pledge=_pledge_or_404(pledge_id))


@bp.route("/pledges/<int:pledge_id>/agreement.pdf")
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def agreement_pdf(pledge_id: int):
    """The donation agreement as PDF."""
    pledge = _pledge_or_404(pledge_id)
    return pdf_response(donation_agreement(pledge), f"donation-agreement-{pledge.id}.pdf")


@bp.route("/pledges/<int:pledge_id>/receipt", methods=["POST"])
@staff_required
def receipt(pledge_id: int):
    """Staff record that one instalment arrived, with the receipt number and date."""
    pledge = db.get_or_404(Pledge, pledge_id)
    form = ReceiptForm()
    instalment = next(
        (i for i in pledge.instalments if str(i.id) == (form.instalment.data or "")), None
    )
    if instalment is None or not form.validate_on_submit():
        flash(_("Enter the receipt number and the date the money arrived."), "danger")
    else:
        try:
            match = services.confirm_instalment(
                current_user, instalment, form.receipt_no.data, form.received_on.data, form.key.data
            )
        except DomainError as exc:
            flash(message(exc.code, **exc.details), "danger")
        else:
            flash(
                _("Receipt recorded. Matching added: %(amount)s.", amount=format_fen(match)),
                "success",
            )
    return redirect(url_for("pledges.detail", pledge_id=pledge.id))


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["POST"])
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def cancel(pledge_id: int):
    """Cancel what is still due of a pledge."""
    pledge = _pledge_or_404(pledge_id)
    form = CancelPledgeForm()
    if not form.validate_on_submit():
        flash(message("reason_required"), "danger")
    else:
        try:
            amount = services.cancel_pledge(current_user, pledge, form.reason.data)
        except DomainError as exc:
            flash(message(exc.code, **exc.details), "danger")
        else:
            flash(_("%(amount)s still due was cancelled.", amount=format_fen(amount)), "info")
    return redirect(url_for("pledges.detail", pledge_id=pledge.id))


@bp.route("/staff/instalments")
@staff_required
@cached_page
def instalments():
    """Instalments awaiting receipt, overdue first."""
    on = today()
    page = page_of(
        sa.select(Instalment)
        .where(Instalment.state == InstalmentState.DUE)
        .options(
            selectinload(Instalment.pledge).selectinload(Pledge.enterprise),
            selectinload(Instalment.pledge).selectinload(Pledge.proposal),
            selectinload(Instalment.pledge).selectinload(Pledge.program),
            selectinload(Instalment.pledge).selectinload(Pledge.category),
            selectinload(Instalment.pledge).selectinload(Pledge.instalments),
        )
        .order_by(Instalment.due_date, Instalment.id)
    )
    return render_template("pledges/instalments.html", page=page, instalments=page.items, today=on)


@bp.route("/staff/enterprises/<int:enterprise_id>/statement.<fmt>")
@staff_required
def statement(enterprise_id: int, fmt: str):
    """A funder's statement: its pledges, matching, the grants they went to, the payments."""
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    return deliver(current_user, "statement", {"enterprise_id": enterprise.id}, fmt)


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
            flash(message(exc.code, **exc.details), "danger")
        else:
            flash(
                _("%(amount)s added to the program fund.", amount=format_fen(form.amount.data)),
                "success",
            )
            return redirect(url_for("proposals.staff_programs"))
    return render_template(
        "pledges/fund_program.html",
        form=form,
        program=program,
        available=figures.available_fen(program),
    )
