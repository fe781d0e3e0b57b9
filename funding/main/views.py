"""Home page and dashboards."""

from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from funding import figures
from funding.accounts.models import Role
from funding.caching import cached_page
from funding.dates import today
from funding.directory.models import (
    Community,
    Need,
    NeedStatus,
    Organization,
    Party,
    VerificationState,
)
from funding.extensions import db, sum_fen
from funding.main import workbench
from funding.pledges.impact import impact
from funding.pledges.statement import target_label
from funding.proposals.funnel import STAGES, STRETCHES, funnel
from funding.proposals.models import Program, Proposal
from funding.proposals.queue import queue_query, queue_rows
from funding.reviews.models import AssignmentState, ReviewAssignment
from funding.transparency import charts

bp = Blueprint("main", __name__)
#: How many items each list on a dashboard shows; each links to its whole list.
SHOWN = 10


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for it on every site; the brand mark, cached for a week."""
    icon = Path(current_app.static_folder, "favicon.ico").read_bytes()
    return Response(
        icon, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "max-age=604800"}
    )


@bp.route("/")
@cached_page
def index():
    """The public home page: what the platform does, the programs, the latest needs."""
    stats = {
        "organizations": _count(
            sa.select(Organization.id).where(Organization.verified_at.is_not(None))
        ),
        "communities": _count(sa.select(Community.id)),
        "open_needs": _count(sa.select(Need.id).where(Need.status == NeedStatus.OPEN)),
        "demand_fen": db.session.scalar(
            sa.select(sum_fen(Need.budget_estimate_fen)).where(Need.status == NeedStatus.OPEN)
        ),
    }
    programs = db.session.scalars(sa.select(Program).order_by(Program.id)).all()
    latest = db.session.scalars(
        sa.select(Need)
        .where(Need.status == NeedStatus.OPEN)
        .options(
            selectinload(Need.community).selectinload(Community.street), selectinload(Need.category)
        )
        .order_by(Need.created_at.desc(), Need.id.desc())
        .limit(6)
    ).all()
    return render_template("main/index.html", stats=stats, programs=programs, latest=latest)


@bp.route("/dashboard")
@login_required
@cached_page
def dashboard():
    """Each role's starting page: what waits for this user."""
    ctx: dict = {}
    if current_user.has_role(Role.STAFF):
        ctx["pending_parties"] = db.session.scalars(
            sa.select(Party)
            .where(Party.verified_at.is_(None), Party.verification == VerificationState.PENDING)
            .order_by(Party.created_at, Party.id)
            .limit(SHOWN)
        ).all()
        ctx["open_needs"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(Need).where(Need.status == NeedStatus.OPEN)
        )
        ctx["waiting"] = workbench.staff_waiting(today())
        ctx["program_money"] = figures.program_money()
        ctx["program_chart"] = charts.programs(ctx["program_money"])
        ctx["funnel"] = funnel()
        ctx["funnel_chart"] = charts.funnel(ctx["funnel"])
        ctx["stages"], ctx["stretches"] = STAGES, STRETCHES
    if current_user.role == Role.ORG_MEMBER:
        ctx["tranches_due"] = workbench.tranches_to_request(current_user.party_id)
        ctx["next_step"] = workbench.NEXT_STEP
        ctx["proposals"] = db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.organization_id == current_user.party_id)
            .options(selectinload(Proposal.program))
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
            .limit(SHOWN)
        ).all()
    if current_user.role == Role.ENTERPRISE_MEMBER:
        ctx["impact"] = impact(current_user.party_id, SHOWN)
        ctx["target_label"] = target_label
    if current_user.role == Role.REVIEWER:
        ctx["assignments"] = db.session.scalars(
            sa.select(ReviewAssignment)
            .where(
                ReviewAssignment.reviewer_id == current_user.id,
                ReviewAssignment.state.in_([AssignmentState.ASSIGNED, AssignmentState.CLEARED]),
            )
            .options(selectinload(ReviewAssignment.proposal))
            .order_by(ReviewAssignment.assigned_at, ReviewAssignment.id)
            .limit(SHOWN)
        ).all()
    if current_user.has_role(Role.STAFF):
        ctx["queue"] = queue_rows(db.session.scalars(queue_query().limit(SHOWN)))
    if current_user.role == Role.COMMUNITY_WORKER:
        ctx["to_rate"] = workbench.grants_to_rate(current_user)
        ctx["needs"] = db.session.scalars(
            sa.select(Need)
            .where(Need.community_id == current_user.community_id)
            .order_by(Need.created_at.desc(), Need.id.desc())
            .limit(SHOWN)
        ).all()
    return render_template("main/dashboard.html", **ctx)
