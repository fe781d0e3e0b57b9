"""Public disclosure (公示): approved projects, a form to raise an objection, and the
foundation's answers; a decision changed by an upheld objection stays on show with its reason."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from funding.caching import cached_page
from funding.dates import today
from funding.extensions import db
from funding.messages import message
from funding.pagination import page_of
from funding.proposals import services
from funding.proposals.forms import ObjectionForm
from funding.proposals.models import Objection, ObjectionState, Proposal, ProposalState
from funding.proposals.views import bp
from funding.transactions import DomainError

PUBLIC_STATES = (ProposalState.APPROVED, ProposalState.AGREEMENT_SIGNED)
UPHELD = (ObjectionState.WITHDRAWN, ObjectionState.REOPENED)


#: How many decisions changed after an objection the disclosures page lists (the latest).
CHANGED_SHOWN = 20


@bp.route("/disclosures")
@cached_page
def disclosures():
    """Projects on public disclosure now, then those whose agreements are signed."""
    listed = sa.select(Proposal).options(
        selectinload(Proposal.organization), selectinload(Proposal.program)
    )
    current = db.session.scalars(  # a few days of approvals: the disclosure period is short
        listed.where(Proposal.state == ProposalState.APPROVED).order_by(
            Proposal.disclosure_until, Proposal.id
        )
    ).all()
    signed = page_of(
        listed.where(Proposal.state == ProposalState.AGREEMENT_SIGNED).order_by(
            Proposal.agreement_signed_at.desc(), Proposal.id.desc()
        )
    )
    changed = db.session.scalars(
        sa.select(Proposal)
        .where(
            Proposal.id.in_(sa.select(Objection.proposal_id).where(Objection.state.in_(UPHELD))),
            Proposal.state.not_in(PUBLIC_STATES),
        )
        .options(selectinload(Proposal.organization), selectinload(Proposal.program))
        .order_by(Proposal.id.desc())
        .limit(CHANGED_SHOWN)
    ).all()
    return render_template(
        "proposals/disclosures.html",
        current=current,
        signed=signed,
        changed=changed,
        today=today(),
    )


@bp.route("/disclosures/<int:proposal_id>", methods=["GET", "POST"])
def disclosure(proposal_id: int):
    """One disclosed project: organization, project, program, amount, purpose; objections and
    the foundation's answers (who objected stays private)."""
    proposal = db.get_or_404(Proposal, proposal_id)
    objections = db.session.scalars(
        sa.select(Objection).where(Objection.proposal_id == proposal.id).order_by(Objection.id)
    ).all()
    if proposal.state not in PUBLIC_STATES and not objections:
        abort(404)
    form = ObjectionForm()
    open_now = proposal.state == ProposalState.APPROVED and today() <= proposal.disclosure_until
    if open_now and form.validate_on_submit():
        try:
            services.raise_objection(
                proposal, form.name.data, form.contact.data, form.text.data, today()
            )
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(
                _("Thank you. Your objection was recorded and the foundation will look into it."),
                "success",
            )
            return redirect(url_for("proposals.disclosure", proposal_id=proposal.id))
    return render_template(
        "proposals/disclosure.html",
        proposal=proposal,
        form=form,
        open_now=open_now,
        objections=objections,
    )
