"""Public pages, no login: programs' money, grants, totals, enterprise giving; exports."""

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from funding.i18n import localized
from funding.labels import label
from funding.money import fen_to_input
from funding.proposals.staff_views import download
from funding.transparency import figures

bp = Blueprint("transparency", __name__)


@bp.route("/transparency")
def index():
    """Every figure here is summed from the ledger."""
    return render_template(
        "transparency/index.html",
        programs=figures.program_figures(),
        streets=figures.totals_by("street"),
        categories=figures.totals_by("category"),
        years=figures.totals_by("year"),
        giving=figures.enterprise_giving(),
        grants=figures.public_grants(),
    )


def _table(name: str) -> list[list]:
    if name == "programs":
        return [[_("Program"), _("Raised"), _("Reserved"), _("Paid"), _("Available")]] + [
            [
                localized(r.program, "name"),
                *(
                    fen_to_input(v)
                    for v in (r.raised_fen, r.reserved_fen, r.paid_fen, r.available_fen)
                ),
            ]
            for r in figures.program_figures()
        ]
    if name in ("street", "category", "year"):
        return [[_("Group"), _("Grants"), _("Granted"), _("Paid")]] + [
            [t.key, t.grants, fen_to_input(t.amount_fen), fen_to_input(t.paid_fen)]
            for t in figures.totals_by(name)
        ]
    if name == "enterprises":
        return [[_("Enterprise"), _("Pledged"), _("Received"), _("Paid to projects")]] + [
            [
                g.enterprise.name,
                fen_to_input(g.pledged_fen),
                fen_to_input(g.received_fen),
                fen_to_input(g.paid_out_fen),
            ]
            for g in figures.enterprise_giving()
        ]
    if name == "grants":
        return [
            [
                _("Project"),
                _("Organization"),
                _("Program"),
                _("Amount"),
                _("Reserved"),
                _("Paid"),
                _("State"),
            ]
        ] + [
            [
                g.proposal.title,
                g.proposal.organization.name,
                localized(g.proposal.program, "name"),
                fen_to_input(g.amount_fen),
                fen_to_input(reserved),
                fen_to_input(paid),
                label(g.state),
            ]
            for g, reserved, paid in figures.public_grants()
        ]
    abort(404)


@bp.route("/transparency/<name>.<fmt>")
def export(name: str, fmt: str):
    """The same tables as CSV or Excel."""
    return download(_table(name), f"transparency-{name}", fmt)
