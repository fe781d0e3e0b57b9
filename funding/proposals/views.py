"""Applicant pages: programs to apply to, the proposal form, detail, timeline, versions."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from funding import figures
from funding.accounts.models import Role
from funding.caching import cached_page
from funding.dates import today
from funding.directory.models import Need, NeedStatus, Organization, ServiceCategory, Street
from funding.documents import pdf_response
from funding.extensions import db
from funding.i18n import localized
from funding.inputs import bounded_int
from funding.labels import BUDGET_CATEGORY_LABELS, PROPOSAL_STATE_LABELS, choices
from funding.messages import FIELD_MESSAGES, message
from funding.pagination import page_of
from funding.paperwork import application_form
from funding.permissions import roles_required
from funding.proposals import attachments, services
from funding.proposals.access import can_see, proposal_or_404, reviewer_assignment
from funding.proposals.forms import EXTRA_ROWS, ProposalForm
from funding.proposals.models import Attachment, BudgetCategory, Program, Proposal, ProposalState
from funding.proposals.queue import expected_decision
from funding.proposals.screening import RULE_NAMES
from funding.proposals.workflow import is_applicant
from funding.reviews.eligibility import short_of_reviewers
from funding.transactions import DomainError

#: The staff list's archive: proposals whose cycle is over.
ARCHIVED = (ProposalState.AGREEMENT_SIGNED, ProposalState.REJECTED, ProposalState.WITHDRAWN)

bp = Blueprint("proposals", __name__)


@bp.route("/programs")
@cached_page
def programs():
    """The programs open for applications, their rules and the money left in each."""
    rows = db.session.scalars(sa.select(Program).order_by(Program.id)).all()
    return render_template(
        "proposals/programs.html",
        programs=rows,
        left=figures.available_by_program(),
        today=today(),
    )


@bp.route("/programs/<int:program_id>/apply", methods=["POST"])
@roles_required(Role.ORG_MEMBER)
def apply(program_id: int):
    """Start a draft proposal for this program."""
    program = db.get_or_404(Program, program_id)
    if not program.is_open(today()):
        flash(message("program_closed"), "warning")
        return redirect(url_for("proposals.programs"))
    proposal = services.create_draft(current_user, program)
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))


@bp.route("/proposals")
@roles_required(Role.ORG_MEMBER, Role.STAFF)
@cached_page
def mine():
    """The organization's proposals (staff: every proposal, filterable by state)."""
    query = sa.select(Proposal).options(
        selectinload(Proposal.program), selectinload(Proposal.organization)
    )
    if not current_user.is_foundation:
        query = query.where(Proposal.organization_id == current_user.party_id)
    if (state := request.args.get("state")) in set(ProposalState):
        query = query.where(Proposal.state == ProposalState(state))
    elif state == "archive":  # decided and closed: signed, rejected, withdrawn
        query = query.where(Proposal.state.in_(ARCHIVED))
    if current_user.is_foundation and request.args.get("short"):
        query = query.where(short_of_reviewers())
    if current_user.is_foundation and (text := request.args.get("q", "").strip()[:100]):
        like = f"%{text}%"
        query = query.join(Proposal.organization).where(
            sa.or_(
                Proposal.title.ilike(like),
                Organization.name.ilike(like),
                Organization.credit_code == text.upper(),
            )
        )
    page = page_of(query.order_by(Proposal.updated_at.desc(), Proposal.id.desc()))
    return render_template(
        "proposals/list.html",
        page=page,
        proposals=page.items,
        state_choices=choices(PROPOSAL_STATE_LABELS),
    )


def _fill_choices(form: ProposalForm, proposal: Proposal) -> None:
    categories = db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.code))
    form.category_code.choices = [("", "—")] + [(c.code, localized(c, "name")) for c in categories]
    streets = db.session.scalars(
        sa.select(Street).options(selectinload(Street.communities)).order_by(Street.position)
    ).all()
    form.community_ids.choices = [
        (c.id, f"{localized(s, 'name')} · {c.name}") for s in streets for c in s.communities
    ]
    chosen = {n.id for n in proposal.needs}
    needs = db.session.scalars(
        sa.select(Need)
        .where(sa.or_(Need.status == NeedStatus.OPEN, Need.id.in_(chosen)))
        .options(selectinload(Need.community))
        .order_by(Need.community_id, Need.id)
    ).all()
    form.need_ids.choices = [(n.id, f"{n.community.name} · {n.title}") for n in needs]
    kinds = [("", "—"), *choices(BUDGET_CATEGORY_LABELS)]
    for row in form.lines:
        row.form.category.choices = kinds


def _load_form(form: ProposalForm, p: Proposal) -> None:
    """Fill the form from the saved proposal, with a few empty rows to add more."""
    form.title.data, form.summary.data = p.title, p.summary
    form.category_code.data = p.category_code or ""
    form.need_ids.data = [n.id for n in p.needs]
    form.community_ids.data = [c.id for c in p.communities]
    form.direct_beneficiaries.data = p.direct_beneficiaries
    form.indirect_beneficiaries.data = p.indirect_beneficiaries
    form.start_date.data, form.end_date.data = p.start_date, p.end_date
    form.amount_requested.data, form.self_funded.data = p.amount_requested_fen, p.self_funded_fen
    form.declaration.data = p.declaration
    _set_version(form, p)
    for field, rows in (
        (
            form.lines,
            [
                {
                    "item": b.item,
                    "category": b.category.value,
                    "quantity": b.quantity,
                    "unit_price": b.unit_price_fen,
                }
                for b in p.budget_lines
            ],
        ),
        (form.outcomes, p.outcomes),
        (form.team, p.team),
    ):
        while len(field.entries):
            field.pop_entry()
        for row in rows:
            field.append_entry(row)
        for _i in range(EXTRA_ROWS if rows else field.min_entries):
            field.append_entry()


def _set_version(form: ProposalForm, p: Proposal) -> None:
    """The form now stands for the saved version ``p`` (the hidden field is sent back)."""
    form.version.data = p.version_id
    form.version.raw_data = [str(p.version_id)]


def _new_version(proposal: Proposal):
    """Someone else saved the proposal meanwhile: show their version, with a 409."""
    db.session.rollback()
    flash(message("proposal_changed"), "warning")
    if not services.is_editable(proposal):
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    form = ProposalForm(formdata=None)
    _fill_choices(form, proposal)
    _load_form(form, proposal)
    _fill_choices(form, proposal)
    return render_template("proposals/edit.html", form=form, proposal=proposal), 409


def _data(form: ProposalForm) -> services.ProposalData:
    lines = tuple(
        services.Line(
            item=r.item.data,
            category=BudgetCategory(r.category.data or "activities"),
            quantity=r.quantity.data,
            unit_price_fen=r.unit_price.data,
        )
        for r in (entry.form for entry in form.lines)
        if not r.is_blank()
    )
    return services.ProposalData(
        title=form.title.data or "",
        summary=form.summary.data or "",
        category_code=form.category_code.data or None,
        need_ids=tuple(form.need_ids.data or ()),
        community_ids=tuple(form.community_ids.data or ()),
        direct_beneficiaries=form.direct_beneficiaries.data,
        indirect_beneficiaries=form.indirect_beneficiaries.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        amount_requested_fen=form.amount_requested.data,
        self_funded_fen=form.self_funded.data,
        lines=lines,
        outcomes=tuple(
            {"indicator": o.indicator.data.strip(), "target": o.target.data.strip()}
            for o in (e.form for e in form.outcomes)
            if o.indicator.data
        ),
        team=tuple(
            {"name": t.name.data.strip(), "role": (t.role.data or "").strip()}
            for t in (e.form for e in form.team)
            if t.name.data
        ),
        declaration=bool(form.declaration.data),
    )


FORM_FIELD_FOR = {
    "lines": "lines",
    "outcomes": "outcomes",
    "team": "team",
    "amount_requested_fen": "amount_requested",
    "self_funded_fen": "self_funded",
}


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORG_MEMBER)
def edit(proposal_id: int):
    """Write or revise a proposal: save a draft at any time, submit when complete."""
    proposal = proposal_or_404(proposal_id)
    if not services.is_editable(proposal):
        flash(message("transition_not_allowed"), "warning")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    form = ProposalForm()
    _fill_choices(form, proposal)
    if request.method == "GET":
        _load_form(form, proposal)
        _fill_choices(form, proposal)
    elif form.validate_on_submit():
        try:
            services.save_draft(current_user, proposal, _data(form), form.version.data)
            _set_version(form, proposal)
            upload = form.attachment.data
            if upload and upload.filename:
                attachments.add_attachment(current_user, proposal, upload.filename, upload.stream)
            if form.submit.data:
                services.submit(current_user, proposal, today())
                flash(
                    _("Proposal submitted. The eligibility screening result is below."), "success"
                )
                return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        except services.ProposalInvalid as exc:
            for name, keys in exc.errors.items():
                field = form[FORM_FIELD_FOR.get(name, name)]
                field.errors = [*field.errors, *[str(FIELD_MESSAGES[k]) for k in keys]]
            flash(message(exc.code), "danger")
        except StaleDataError:
            return _new_version(proposal)
        except DomainError as exc:
            if exc.code == "proposal_changed":
                return _new_version(proposal)
            flash(message(exc.code), "danger")
        else:
            flash(_("Draft saved."), "success")
            return redirect(url_for("proposals.edit", proposal_id=proposal.id))
    else:
        flash(_("Some fields need attention; nothing was saved yet."), "danger")
    return render_template("proposals/edit.html", form=form, proposal=proposal)


@bp.route("/proposals/<int:proposal_id>/form.pdf")
@roles_required(Role.ORG_MEMBER, Role.STAFF)
def application_pdf(proposal_id: int):
    """The proposal as a printable application form (申报书)."""
    proposal = proposal_or_404(proposal_id)
    return pdf_response(application_form(proposal), f"application-{proposal.id}.pdf")


@bp.route("/proposals/<int:proposal_id>")
@roles_required(Role.ORG_MEMBER, Role.STAFF)
@cached_page
def detail(proposal_id: int):
    """The proposal with its screening, timeline, versions and (for staff) the review summary."""
    proposal = proposal_or_404(proposal_id)
    ctx = {}
    if current_user.is_foundation:
        from funding.proposals.staff_views import staff_context

        ctx = staff_context(proposal)
    return render_template(
        "proposals/detail.html",
        proposal=proposal,
        rule_names=RULE_NAMES,
        expected=expected_decision(proposal),
        money_left=figures.available_fen(proposal.program),
        **ctx,
    )


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@roles_required(Role.ORG_MEMBER)
def withdraw(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    try:
        services.withdraw(current_user, proposal)
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("Proposal withdrawn."), "info")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


def _attachment_or_404(proposal_id: int, attachment_id: int) -> Attachment:
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.proposal_id != proposal_id or not can_see(current_user, item.proposal):
        abort(404)
    return item


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>")
def download(proposal_id: int, attachment_id: int):
    """Only those who may see the proposal download its files, always as a download.

    A blind reviewer gets a neutral file name: the original one often names the applicant.
    """
    item = _attachment_or_404(proposal_id, attachment_id)
    name = item.original_name
    if item.proposal.program.blind_review and not (
        current_user.is_foundation or is_applicant(current_user, item.proposal)
    ):
        name = f"attachment-{item.id}.{name.rsplit('.', 1)[-1]}"
    return send_file(
        attachments.attachment_path(item),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=name,
    )


@bp.route("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@roles_required(Role.ORG_MEMBER)
def delete_attachment(proposal_id: int, attachment_id: int):
    item = _attachment_or_404(proposal_id, attachment_id)
    try:
        attachments.remove_attachment(current_user, item)
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("Attachment removed."), "info")
    return redirect(url_for("proposals.edit", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/compare")
def compare(proposal_id: int):
    """Two submitted versions side by side, field by field."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can_see(current_user, proposal):
        abort(404)
    versions = {v.number: v for v in proposal.versions}
    if len(versions) < 2:
        flash(_("There is only one submitted version so far."), "info")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    a = request.args.get("a", type=bounded_int) or max(versions) - 1
    b = request.args.get("b", type=bounded_int) or max(versions)
    if a not in versions or b not in versions:
        abort(404)
    blind = (
        reviewer_assignment(current_user, proposal) is not None
        and proposal.program.blind_review
        and not current_user.is_foundation
    )
    hidden = {"team", "attachments"} if blind else set()
    fields = [f for f in services.VERSION_FIELDS if f not in hidden]
    rows = [(f, versions[a].snapshot.get(f), versions[b].snapshot.get(f)) for f in fields]
    return render_template(
        "proposals/compare.html", proposal=proposal, rows=rows, a=a, b=b, numbers=sorted(versions)
    )
