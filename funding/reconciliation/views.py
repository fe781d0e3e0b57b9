"""Staff pages: upload a bank statement, see each line with the instalment it likely pays,
tick and confirm in bulk."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.orm import selectinload

from funding.messages import message
from funding.money import format_fen
from funding.pagination import page_of
from funding.permissions import staff_required
from funding.pledges.forms import KeyedForm
from funding.reconciliation import services
from funding.reconciliation.models import BankLine
from funding.reconciliation.pairing import propose
from funding.transactions import DomainError

bp = Blueprint("reconciliation", __name__)

MAX_STATEMENT_BYTES = 5 * 1024 * 1024


class StatementForm(FlaskForm):
    file = FileField(
        _l("Bank statement"),
        validators=[FileRequired()],
        description=_l(
            "The bank's export as Excel (.xlsx) or CSV (UTF-8 or GBK): date, amount (or credit "
            "and debit), payer name and reference (摘要 or 附言) columns."
        ),
    )


class ConfirmForm(KeyedForm):
    """The ticked lines and, for each, the instalment chosen (read from the request)."""


@bp.route("/staff/bank")
@staff_required
def index():
    """Statement lines, those still to reconcile first by default, with what each credit
    likely pays."""
    show_all = request.args.get("show") == "all"
    query = sa.select(BankLine).options(selectinload(BankLine.instalment))
    if not show_all:
        query = query.where(BankLine.instalment_id.is_(None))
    page = page_of(query.order_by(BankLine.booked_on.desc(), BankLine.id.desc()))
    lines = list(page.items)
    return render_template(
        "reconciliation/index.html",
        page=page,
        lines=lines,
        proposals=propose(lines),
        upload=StatementForm(),
        confirm=ConfirmForm(),
        show_all=show_all,
    )


@bp.route("/staff/bank/upload", methods=["POST"])
@staff_required
def upload():
    """Store the statement's new lines (lines already known are not stored again)."""
    form = StatementForm()
    if not form.validate_on_submit():
        flash(_("Choose the statement file to upload."), "danger")
        return redirect(url_for("reconciliation.index"))
    data = form.file.data.read(MAX_STATEMENT_BYTES + 1)
    if len(data) > MAX_STATEMENT_BYTES:
        flash(_("The statement is larger than 5 MB; export a shorter period."), "danger")
        return redirect(url_for("reconciliation.index"))
    try:
        statement = services.upload_statement(current_user, form.file.data.filename or "", data)
    except DomainError as exc:
        flash(message(exc.code, **exc.details), "danger")
    else:
        flash(
            _(
                "%(read)s lines read, %(new)s new (the others were already uploaded).",
                read=statement.lines_read,
                new=statement.lines_new,
            ),
            "success",
        )
    return redirect(url_for("reconciliation.index"))


def _pairs() -> list[services.Pair]:
    """The ticked lines with the instalment chosen for each (ignoring what is not a number)."""
    pairs = []
    for value in request.form.getlist("line"):
        chosen = request.form.get(f"instalment-{value}", "")
        if value.isdigit() and chosen.isdigit() and len(value) < 10 and len(chosen) < 10:
            pairs.append(services.Pair(int(value), int(chosen)))
    return pairs


@bp.route("/staff/bank/confirm", methods=["POST"])
@staff_required
def confirm():
    """Record the ticked lines as receipts, all or none."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(message("idempotency_key_missing"), "danger")
        return redirect(url_for("reconciliation.index"))
    pairs = _pairs()
    try:
        matched = services.confirm_matches(current_user, pairs, form.key.data)
    except DomainError as exc:
        flash(message(exc.code, **exc.details), "danger")
    else:
        flash(
            _(
                "%(count)s receipts recorded. Matching added: %(amount)s.",
                count=len(pairs),
                amount=format_fen(matched),
            ),
            "success",
        )
    return redirect(url_for("reconciliation.index"))
