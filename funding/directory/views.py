"""Public directory of organizations, enterprises and communities; needs for workers and staff."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from funding.accounts.models import Role
from funding.caching import cached_page
from funding.directory import services
from funding.directory.forms import EnterpriseProfileForm, NeedForm, OrganizationProfileForm
from funding.directory.models import (
    Community,
    Enterprise,
    LegalForm,
    Need,
    NeedSource,
    NeedStatus,
    Organization,
    Party,
    ServiceCategory,
    Street,
    party_categories,
    party_streets,
)
from funding.extensions import db
from funding.grants.records import track_records
from funding.i18n import localized
from funding.labels import LEGAL_FORM_LABELS, NEED_SOURCE_LABELS, NEED_STATUS_LABELS, choices
from funding.messages import message
from funding.pagination import page_of
from funding.permissions import roles_required
from funding.transactions import DomainError

bp = Blueprint("directory", __name__)


def _categories() -> list[ServiceCategory]:
    return list(db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.code)))


def _streets() -> list[Street]:
    return list(
        db.session.scalars(
            sa.select(Street).options(selectinload(Street.communities)).order_by(Street.position)
        )
    )


def _visible_party(model: type[Party], party_id: int) -> Party:
    """A verified party is public; an unverified one only to its members and staff (else 404)."""
    party = db.session.get(model, party_id)
    if party is None:
        abort(404)
    if not party.is_verified and not (
        current_user.is_authenticated and services.can_edit_party(current_user, party)
    ):
        abort(404)
    if (
        isinstance(party, Enterprise)
        and not party.public_listing
        and not (current_user.is_authenticated and services.can_edit_party(current_user, party))
    ):
        abort(404)
    return party


@bp.route("/organizations")
@cached_page
def organizations():
    """The public directory of verified organizations, with filters and search."""
    query = sa.select(Organization).where(Organization.verified_at.is_not(None))
    args = request.args
    if q := args.get("q", "").strip():
        like = f"%{q}%"
        query = query.where(
            sa.or_(Organization.name.ilike(like), Organization.description.ilike(like))
        )
    if category := args.get("category"):
        query = query.where(
            Organization.id.in_(
                sa.select(party_categories.c.party_id).where(
                    party_categories.c.category_code == category
                )
            )
        )
    if street := args.get("street"):
        query = query.where(
            Organization.id.in_(
                sa.select(party_streets.c.party_id).where(party_streets.c.street_code == street)
            )
        )
    if (form := args.get("legal_form")) in {f.value for f in LegalForm}:
        query = query.where(Organization.legal_form == LegalForm(form))
    query = query.options(
        selectinload(Organization.categories), selectinload(Organization.streets)
    ).order_by(Organization.name, Organization.id)
    page = page_of(query)
    return render_template(
        "directory/organizations.html",
        page=page,
        categories=_categories(),
        streets=_streets(),
        legal_forms=choices(LEGAL_FORM_LABELS),
    )


@bp.route("/organizations/<int:party_id>")
@cached_page
def organization(party_id: int):
    """An organization's public profile."""
    org = _visible_party(Organization, party_id)
    running, ratings, completed = track_records()
    return render_template(
        "directory/organization.html",
        org=org,
        running=running.get(org.id, 0),
        rating=ratings.get(org.id),
        completed=completed.get(org.id, 0),
        can_edit=current_user.is_authenticated and services.can_edit_party(current_user, org),
    )


def _fill_profile_choices(form) -> None:
    form.categories.choices = [(c.code, localized(c, "name")) for c in _categories()]
    streets = _streets()
    form.streets.choices = [(s.code, localized(s, "name")) for s in streets]
    if hasattr(form, "communities"):
        form.communities.choices = [
            (c.id, f"{localized(s, 'name')} · {c.name}") for s in streets for c in s.communities
        ]
        form.legal_form.choices = choices(LEGAL_FORM_LABELS)


def _edit_party(model: type[Party], form_cls, party_id: int, endpoint: str):
    party = db.session.get(model, party_id)
    if party is None or not services.can_edit_party(current_user, party):
        abort(404)
    form = form_cls(obj=party)
    _fill_profile_choices(form)
    if request.method == "GET":
        form.categories.data = [c.code for c in party.categories]
        form.streets.data = [s.code for s in party.streets]
        if isinstance(party, Organization):
            form.communities.data = [c.id for c in party.communities]
            form.legal_form.data = party.legal_form.value
    if form.validate_on_submit():
        is_org = isinstance(party, Organization)
        profile = services.PartyProfile(
            name=form.name.data,
            contact_name=form.contact_name.data,
            contact_mobile=form.contact_mobile.data,
            description=form.description.data or "",
            category_codes=tuple(form.categories.data or ()),
            street_codes=tuple(form.streets.data or ()),
            legal_form=LegalForm(form.legal_form.data) if is_org else None,
            capacity=form.capacity.data if is_org else None,
            community_ids=tuple(form.communities.data or ()) if is_org else (),
            public_listing=bool(form.public_listing.data) if not is_org else True,
            credit_code=form.credit_code.data or None,
        )
        try:
            services.update_party_profile(current_user, party, profile)
        except DomainError as exc:
            if exc.code == "credit_code_taken":
                form.credit_code.errors = [*form.credit_code.errors, message(exc.code)]
            flash(message(exc.code), "danger")
        else:
            flash(_("Profile saved."), "success")
            return redirect(url_for(endpoint, party_id=party.id))
    return render_template("directory/party_edit.html", form=form, party=party)


@bp.route("/organizations/<int:party_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORG_MEMBER, Role.STAFF)
def edit_organization(party_id: int):
    """Members keep their organization's profile up to date."""
    return _edit_party(Organization, OrganizationProfileForm, party_id, "directory.organization")


@bp.route("/enterprises")
@cached_page
def enterprises():
    """Verified enterprises that agreed to be listed."""
    page = page_of(
        sa.select(Enterprise)
        .where(Enterprise.verified_at.is_not(None), Enterprise.public_listing)
        .options(selectinload(Enterprise.categories))
        .order_by(Enterprise.name, Enterprise.id)
    )
    return render_template("directory/enterprises.html", page=page, enterprises=page.items)


@bp.route("/enterprises/<int:party_id>")
@cached_page
def enterprise(party_id: int):
    """An enterprise's public profile."""
    ent = _visible_party(Enterprise, party_id)
    return render_template(
        "directory/enterprise.html",
        ent=ent,
        can_edit=current_user.is_authenticated and services.can_edit_party(current_user, ent),
    )


@bp.route("/enterprises/<int:party_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE_MEMBER, Role.STAFF)
def edit_enterprise(party_id: int):
    """Members set the causes and streets their enterprise prefers."""
    return _edit_party(Enterprise, EnterpriseProfileForm, party_id, "directory.enterprise")


@bp.route("/communities")
@cached_page
def communities():
    """Streets and their communities, with the number of open needs in each."""
    open_counts = dict(
        db.session.execute(
            sa.select(Need.community_id, sa.func.count())
            .where(Need.status == NeedStatus.OPEN)
            .group_by(Need.community_id)
        ).all()
    )
    return render_template(
        "directory/communities.html", streets=_streets(), open_counts=open_counts
    )


@bp.route("/communities/<int:community_id>")
@cached_page
def community(community_id: int):
    """A community and the needs its residents raised."""
    comm = db.get_or_404(Community, community_id)
    needs = db.session.scalars(
        sa.select(Need)
        .where(Need.community_id == comm.id)
        .options(selectinload(Need.category))
        .order_by(Need.created_at.desc())
    ).all()
    return render_template("directory/community.html", community=comm, needs=needs)


@bp.route("/needs")
@cached_page
def needs():
    """All community needs, filterable by street, category and status."""
    query = sa.select(Need).join(Need.community)
    args = request.args
    if street := args.get("street"):
        query = query.where(Community.street_code == street)
    if category := args.get("category"):
        query = query.where(Need.category_code == category)
    status = args.get("status", NeedStatus.OPEN.value)
    if status in {s.value for s in NeedStatus}:
        query = query.where(Need.status == NeedStatus(status))
    query = query.options(
        selectinload(Need.community).selectinload(Community.street), selectinload(Need.category)
    ).order_by(Need.created_at.desc(), Need.id.desc())
    page = page_of(query)
    return render_template(
        "directory/needs.html",
        page=page,
        categories=_categories(),
        streets=_streets(),
        statuses=choices(NEED_STATUS_LABELS),
        status=status,
    )


@bp.route("/needs/<int:need_id>")
@cached_page
def need(need_id: int):
    """One need with its community and budget estimate."""
    item = db.get_or_404(Need, need_id)
    can_edit = current_user.is_authenticated and services.can_edit_need(current_user, item, None)
    return render_template("directory/need.html", need=item, can_edit=can_edit)


def _need_form(need: Need | None) -> NeedForm:
    form = NeedForm(obj=need)
    comms = [c for s in _streets() for c in s.communities]
    if current_user.role == Role.COMMUNITY_WORKER:
        comms = [c for c in comms if c.id == current_user.community_id]
    form.community_id.choices = [(c.id, f"{localized(c.street, 'name')} · {c.name}") for c in comms]
    form.category_code.choices = [(c.code, localized(c, "name")) for c in _categories()]
    form.source.choices = choices(NEED_SOURCE_LABELS)
    form.status.choices = choices(NEED_STATUS_LABELS)
    if need is not None and request.method == "GET":
        form.source.data = need.source.value
        form.status.data = need.status.value
    return form


def _need_data(form: NeedForm) -> services.NeedData:
    return services.NeedData(
        community_id=form.community_id.data,
        category_code=form.category_code.data,
        title=form.title.data,
        description=form.description.data,
        beneficiaries=form.beneficiaries.data,
        budget_estimate_fen=form.budget_estimate_fen.data,
        source=NeedSource(form.source.data),
        status=NeedStatus(form.status.data),
    )


@bp.route("/needs/new", methods=["GET", "POST"])
@roles_required(Role.COMMUNITY_WORKER, Role.STAFF)
def new_need():
    """Post a need residents raised."""
    form = _need_form(None)
    if form.validate_on_submit():
        try:
            item = services.create_need(current_user, _need_data(form))
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("Need posted."), "success")
            return redirect(url_for("directory.need", need_id=item.id))
    return render_template("directory/need_edit.html", form=form, need=None)


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COMMUNITY_WORKER, Role.STAFF)
def edit_need(need_id: int):
    """Edit a need of one's own community (staff: any)."""
    item = db.get_or_404(Need, need_id)
    if not services.can_edit_need(current_user, item, None):
        abort(404)
    form = _need_form(item)
    if form.validate_on_submit():
        try:
            services.update_need(current_user, item, _need_data(form))
        except DomainError as exc:
            flash(message(exc.code), "danger")
        else:
            flash(_("Need saved."), "success")
            return redirect(url_for("directory.need", need_id=item.id))
    return render_template("directory/need_edit.html", form=form, need=item)
