"""Fair pages: set-up for staff, each enterprise's shortlist, paddle raises, board, report."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from funding.accounts.models import Role
from funding.dates import today
from funding.directory.models import Enterprise
from funding.extensions import db
from funding.matchmaking import fairs
from funding.matchmaking.adapter import current_snapshot, ref, short_projects
from funding.matchmaking.blueprint import bp
from funding.matchmaking.fair_figures import (
    REPORT_LOAD,
    answered_chart,
    board,
    raised_chart,
    report,
)
from funding.matchmaking.forms import (
    ActionForm,
    ConfirmForm,
    FairForm,
    FairInviteForm,
    FairProjectsForm,
    PaddleForm,
)
from funding.matchmaking.models import (
    Fair,
    FairIntent,
    IntentState,
    fair_enterprises,
)
from funding.matchmaking.models import fair_projects as fair_project_links
from funding.matchmaking.suggestions import for_funder
from funding.messages import message
from funding.pagination import page_of
from funding.permissions import roles_required, staff_required
from funding.pledges.services import match_gift_for
from funding.transactions import DomainError

fair_people = roles_required(Role.STAFF, Role.ENTERPRISE_MEMBER)
#: The projector's board reloads itself this often (a Refresh header: CSP forbids scripts).
BOARD_REFRESH_SECONDS = 10


def _fair_or_404(fair_id: int, *load) -> Fair:
    fair = db.session.get(Fair, fair_id, options=load)
    if fair is None or not fairs.can_see_fair(current_user, fair):
        abort(404)
    return fair


def _intent_or_404(fair: Fair, intent_id: int) -> FairIntent:
    intent = db.session.get(FairIntent, intent_id)
    if intent is None or intent.fair_id != fair.id:
        abort(404)
    if not (current_user.is_foundation or fairs.is_member(current_user, intent.enterprise)):
        abort(404)
    return intent


def _back(fair: Fair):
    return redirect(url_for("matchmaking.fair", fair_id=fair.id))


def shortlist(fair: Fair, enterprise: Enterprise) -> list:
    """The fair's projects that fit this enterprise, best first, with the engine's reasons."""
    snapshot = current_snapshot()
    item = ref("enterprise", enterprise.id)
    if item not in snapshot.instance.funder_pos:
        return []
    return for_funder(item, restrict={ref("project", p.id) for p in fair.projects})


@bp.route("/fairs")
@fair_people
def fairs_list():
    """Fairs: all of them for staff, the ones an enterprise is invited to for its members."""
    query = sa.select(Fair).order_by(Fair.held_on.desc(), Fair.id.desc())
    if not current_user.is_foundation:
        query = query.join(fair_enterprises).where(
            fair_enterprises.c.enterprise_id == current_user.party_id
        )
    page = page_of(query)
    counts = _fair_counts([f.id for f in page.items])
    return render_template("matchmaking/fairs.html", page=page, fairs=page.items, counts=counts)


def _fair_counts(fair_ids: list[int]) -> dict[int, tuple[int, int]]:
    """How many projects and enterprises each fair has, in two grouped queries."""
    projects = dict(
        db.session.execute(
            sa.select(fair_project_links.c.fair_id, sa.func.count())
            .where(fair_project_links.c.fair_id.in_(fair_ids))
            .group_by(fair_project_links.c.fair_id)
        ).all()
    )
    enterprises = dict(
        db.session.execute(
            sa.select(fair_enterprises.c.fair_id, sa.func.count())
            .where(fair_enterprises.c.fair_id.in_(fair_ids))
            .group_by(fair_enterprises.c.fair_id)
        ).all()
    )
    return {f: (projects.get(f, 0), enterprises.get(f, 0)) for f in fair_ids}


@bp.route("/fairs/new", methods=["GET", "POST"])
@staff_required
def new_fair():
    """Announce a fair: name, date and place."""
    form = FairForm()
    if form.validate_on_submit():
        data = fairs.FairData(form.name.data, form.held_on.data, form.place.data)
        try:
            fair = fairs.create_fair(current_user, data)
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("Fair created. Now shortlist projects and invite enterprises."), "success")
            return _back(fair)
    return render_template("matchmaking/fair_form.html", form=form)


def _paddle_form(fair: Fair, ranked: list | None = None) -> PaddleForm:
    form = PaddleForm()
    projects = [s.row for s in ranked or []]
    projects += [p for p in fair.projects if p not in projects]
    form.proposal_id.choices = [(p.id, p.title) for p in projects]
    if current_user.is_foundation:
        form.enterprise_id.choices = [(e.id, e.name) for e in fair.enterprises]
    else:
        form.enterprise_id.choices = [(current_user.party_id, current_user.party.name)]
        form.enterprise_id.data = current_user.party_id
    return form


@bp.route("/fairs/<int:fair_id>")
@fair_people
def fair(fair_id: int):
    """Staff: set-up, every enterprise's shortlist and the raises. Enterprise: its own."""
    item = _fair_or_404(fair_id)
    ctx: dict = {"fair": item, "action": ActionForm()}
    if current_user.is_foundation:
        projects_form = FairProjectsForm()
        projects_form.projects.choices = [(p.id, p.title) for p in short_projects()]
        projects_form.projects.data = [p.id for p in item.projects]
        invite_form = FairInviteForm()
        verified = db.session.scalars(
            sa.select(Enterprise)
            .where(Enterprise.verified_at.is_not(None))
            .order_by(Enterprise.name)
        ).all()
        invite_form.enterprises.choices = [
            (e.id, e.name) for e in verified if e not in item.enterprises
        ]
        ctx |= {
            "projects_form": projects_form,
            "invite_form": invite_form,
            "shortlists": {e.id: shortlist(item, e)[:3] for e in item.enterprises},
            "paddle_form": _paddle_form(item),
            "intents": item.intents,
        }
    else:
        ranked = shortlist(item, current_user.party)
        confirm_forms = {}
        for intent in item.intents:
            if intent.enterprise_id == current_user.party_id and intent.state == IntentState.INTENT:
                form = ConfirmForm(prefix=f"i{intent.id}")
                form.due_date.data = today() + timedelta(days=30)
                form.key.data = uuid.uuid4().hex
                form.shown_match.data = match_gift_for(intent.proposal, intent.amount_fen)
                confirm_forms[intent.id] = form
        ctx |= {
            "ranked": ranked,
            "paddle_form": _paddle_form(item, ranked),
            "intents": [i for i in item.intents if i.enterprise_id == current_user.party_id],
            "confirm_forms": confirm_forms,
        }
    return render_template("matchmaking/fair.html", **ctx)


@bp.route("/fairs/<int:fair_id>/projects", methods=["POST"])
@staff_required
def fair_projects(fair_id: int):
    """Shortlist the fair's projects."""
    item = _fair_or_404(fair_id)
    form = FairProjectsForm()
    form.projects.choices = [(p.id, p.title) for p in short_projects()]
    if form.validate_on_submit():
        try:
            fairs.set_projects(current_user, item, form.projects.data or [])
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("Shortlist saved."), "success")
    else:
        flash(_("Some of the chosen projects cannot be shortlisted."), "danger")
    return _back(item)


@bp.route("/fairs/<int:fair_id>/invitations", methods=["POST"])
@staff_required
def fair_invite(fair_id: int):
    """Invite enterprises to the fair."""
    item = _fair_or_404(fair_id)
    form = FairInviteForm()
    form.enterprises.choices = [
        (e.id, e.name)
        for e in db.session.scalars(
            sa.select(Enterprise).where(Enterprise.verified_at.is_not(None))
        )
    ]
    if form.validate_on_submit() and form.enterprises.data:
        try:
            count = fairs.invite_enterprises(current_user, item, form.enterprises.data)
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(
                ngettext("%(num)d enterprise invited.", "%(num)d enterprises invited.", count),
                "success",
            )
    else:
        flash(_("Choose at least one enterprise to invite."), "warning")
    return _back(item)


@bp.route("/fairs/<int:fair_id>/intents", methods=["POST"])
@fair_people
def raise_paddle(fair_id: int):
    """Record a paddle raise (举牌): staff for an invited enterprise, or the enterprise itself."""
    item = _fair_or_404(fair_id)
    form = _paddle_form(item)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return _back(item)
    proposal = next(p for p in item.projects if p.id == form.proposal_id.data)
    enterprise = next(e for e in item.enterprises if e.id == form.enterprise_id.data)
    try:
        fairs.raise_paddle(current_user, item, proposal, enterprise, form.amount_fen.data)
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("Paddle raise recorded."), "success")
    return _back(item)


@bp.route("/fairs/<int:fair_id>/intents/<int:intent_id>/confirm", methods=["POST"])
@roles_required(Role.ENTERPRISE_MEMBER)
def confirm_intent(fair_id: int, intent_id: int):
    """The enterprise confirms its raise, which makes the pledge."""
    item = _fair_or_404(fair_id)
    intent = _intent_or_404(item, intent_id)
    form = ConfirmForm(prefix=f"i{intent.id}")
    if not form.validate_on_submit():
        flash(_("Give the date by which the money will be paid."), "danger")
        return _back(item)
    try:
        fairs.confirm_intent(
            current_user, intent, form.due_date.data, form.key.data, form.shown_match.data or 0
        )
    except DomainError as exc:
        flash(message(exc.code, **exc.details), "danger")
    else:
        flash(_("Confirmed: your pledge is recorded."), "success")
    return _back(item)


@bp.route("/fairs/<int:fair_id>/intents/<int:intent_id>/withdraw", methods=["POST"])
@fair_people
def withdraw_intent(fair_id: int, intent_id: int):
    """Take back a raise that was not confirmed."""
    item = _fair_or_404(fair_id)
    intent = _intent_or_404(item, intent_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        fairs.withdraw_intent(current_user, intent)
    except DomainError as exc:
        flash(message(exc.code), "danger")
    else:
        flash(_("Paddle raise withdrawn."), "info")
    return _back(item)


@bp.route("/fairs/<int:fair_id>/board")
@fair_people
def fair_board(fair_id: int):
    """The live board for the projector: one bar per project; it refreshes itself."""
    item = _fair_or_404(fair_id)
    response = make_response(
        render_template("matchmaking/fair_board.html", fair=item, bars=board(item))
    )
    response.headers["Refresh"] = str(BOARD_REFRESH_SECONDS)
    return response


@bp.route("/fairs/<int:fair_id>/report")
@staff_required
def fair_report(fair_id: int):
    """After the fair: raises -> pledges -> money arrived -> grants, per project and enterprise."""
    item = _fair_or_404(fair_id, *REPORT_LOAD)
    figures = report(item)
    return render_template(
        "matchmaking/fair_report.html",
        fair=item,
        report=figures,
        charts={
            name: raised_chart(figures[name]) for name in ("projects", "programs", "enterprises")
        }
        | {"answered": answered_chart(figures["answered"])},
    )
