"""Staff matchmaking: run the allocation, read and accept its pairings, the network picture."""

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from funding.directory.models import Need, Organization, ServiceCategory, Street
from funding.extensions import db
from funding.matchmaking import services
from funding.matchmaking.adapter import current_snapshot, resolve
from funding.matchmaking.blueprint import bp
from funding.matchmaking.forms import AcceptForm, ActionForm, InviteForm
from funding.matchmaking.models import BatchState, MatchBatch, PairingState
from funding.matchmaking.network import picture
from funding.matchmaking.reasons import refs_named, say_all
from funding.matchmaking.runs import request_batch
from funding.messages import message
from funding.pagination import page_of
from funding.permissions import staff_required
from funding.transactions import DomainError

#: A page opened while a run works reloads itself this often (a Refresh header, no script).
PROGRESS_REFRESH_SECONDS = 2


def _overview() -> dict:
    """What the next run would read: counts and money, from the request's snapshot."""
    instance = current_snapshot().instance
    return {
        "needs": len(instance.needs),
        "projects": sum(1 for n in instance.needs if n.organization),
        "organizations": len(instance.organizations),
        "funders": len(instance.funders),
        "demand_fen": sum(n.budget_fen for n in instance.needs),
        "money_fen": sum(f.budget_fen for f in instance.funders),
    }


@bp.route("/matchmaking")
@staff_required
def index():
    """The runs so far, newest first a page at a time, and a button to start one."""
    page = page_of(
        sa.select(MatchBatch)
        .options(selectinload(MatchBatch.created_by))
        .order_by(MatchBatch.id.desc())
    )
    return render_template(
        "matchmaking/index.html",
        page=page,
        batches=page.items,
        overview=_overview(),
        form=ActionForm(),
    )


@bp.route("/matchmaking/run", methods=["POST"])
@staff_required
def run():
    """Ask for a run; a job does it and the run's page follows its progress."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        batch = request_batch(current_user)
    except DomainError as exc:
        flash(message(exc.code), "danger")
        return redirect(url_for("matchmaking.index"))
    return redirect(url_for("matchmaking.batch", batch_id=batch.id))


@bp.route("/matchmaking/batches/<int:batch_id>")
@staff_required
def batch(batch_id: int):
    """A batch: its progress while it runs, then the pairings, the unfunded needs and totals."""
    item = db.get_or_404(MatchBatch, batch_id)
    if item.state != BatchState.DONE:
        response = make_response(render_template("matchmaking/progress.html", batch=item))
        if item.state != BatchState.FAILED:
            response.headers["Refresh"] = str(PROGRESS_REFRESH_SECONDS)
        return response
    result = item.result
    refs = {p.need_ref for p in item.pairings} | {p.organization_ref for p in item.pairings}
    refs |= {s["funder"] for p in item.pairings for s in p.funding}
    refs |= {u["need"] for u in result["unfunded"]}
    refs |= refs_named(r for u in result["unfunded"] for r in u["reasons"])
    refs |= {n["organization"] for n in item.instance["needs"] if n.get("organization")}
    summary = item.summary
    share = (
        round(100 * summary["funded_fen"] / summary["demand_fen"]) if summary["demand_fen"] else 0
    )
    rows = resolve(refs)
    return render_template(
        "matchmaking/batch.html",
        batch=item,
        rows=rows,
        named=lambda reasons: say_all(reasons, rows),
        needs={n["id"]: n for n in item.instance["needs"]},
        unfunded=result["unfunded"],
        summary=summary,
        share=share,
        form=AcceptForm(),
        proposed=[p for p in item.pairings if p.state == PairingState.PROPOSED],
    )


@bp.route("/matchmaking/batches/<int:batch_id>/accept", methods=["POST"])
@staff_required
def accept(batch_id: int):
    """Accept the chosen pairings (one, or all that were ticked) and send the invitations."""
    item = db.get_or_404(MatchBatch, batch_id)
    form = AcceptForm()
    form.pairings.choices = [(p.id, str(p.id)) for p in item.pairings]
    if not form.validate_on_submit():
        flash(_("Choose at least one pairing to accept."), "warning")
        return redirect(url_for("matchmaking.batch", batch_id=item.id))
    try:
        count = services.accept_pairings(current_user, item, form.pairings.data or [])
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(
            ngettext(
                "%(num)d pairing accepted; the invitations were sent.",
                "%(num)d pairings accepted; the invitations were sent.",
                count,
            ),
            "success",
        )
    return redirect(url_for("matchmaking.batch", batch_id=item.id))


@bp.route("/matchmaking/needs/<int:need_id>/invite", methods=["POST"])
@staff_required
def invite(need_id: int):
    """Invite one organization to propose a project for this need."""
    need = db.get_or_404(Need, need_id)
    form = InviteForm()
    org = db.session.get(Organization, form.organization_id.data or 0)
    if not form.validate_on_submit() or org is None:
        flash(_("Choose an organization to invite."), "warning")
        return redirect(url_for("directory.need", need_id=need.id))
    try:
        services.invite_to_propose(current_user, need, org)
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("%(org)s was invited to propose a project.", org=org.name), "success")
    return redirect(url_for("directory.need", need_id=need.id))


@bp.route("/matchmaking/network")
@staff_required
def network():
    """Streets, communities, needs, organizations and funders, with the latest pairings."""
    street = request.args.get("street") or None
    category = request.args.get("category") or None
    streets = db.session.scalars(sa.select(Street).order_by(Street.position)).all()
    categories = db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.code)).all()
    if street not in {None, *(s.code for s in streets)}:
        street = None
    if category not in {None, *(c.code for c in categories)}:
        category = None
    latest = services.latest_batch()
    return render_template(
        "matchmaking/network.html",
        pic=picture(current_snapshot(), latest, street, category),
        batch=latest,
        streets=streets,
        categories=categories,
        street=street,
        category=category,
    )
