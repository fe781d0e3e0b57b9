"""Staff import organizations, enterprises and needs from Excel or CSV: a template per kind,
an upload that shows every row and its errors, and a confirmation that writes them."""

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired, Regexp

from funding.exports import Column, Table, download
from funding.imports import services
from funding.imports.jobs import request_import, upload_path
from funding.imports.reading import read_table
from funding.imports.rows import FIELDS, Kind
from funding.messages import message
from funding.permissions import staff_required
from funding.transactions import DomainError

bp = Blueprint("imports", __name__)

KIND_LABELS = {
    Kind.ORGANIZATIONS: _l("Social organizations"),
    Kind.ENTERPRISES: _l("Enterprises"),
    Kind.NEEDS: _l("Community needs"),
}


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=[])
    file = FileField(
        _l("File"),
        validators=[FileRequired()],
        description=_l("Excel (.xlsx) or CSV (UTF-8 or GBK), with the template's header row."),
    )


class ConfirmForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}\.(csv|xlsx)$")])
    filename = HiddenField()


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.kind.choices = [(k.value, str(label)) for k, label in KIND_LABELS.items()]
    return form


@bp.route("/staff/imports", methods=["GET", "POST"])
@staff_required
def index():
    """Upload a file and see every row checked; nothing is written yet."""
    form = _upload_form()
    if not form.validate_on_submit():
        return render_template("imports/index.html", form=form, kinds=KIND_LABELS)
    kind = Kind(form.kind.data)
    name = form.file.data.filename or ""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    data = form.file.data.read()
    try:
        result = services.preview(kind, name, data)
    except DomainError as exc:
        flash(message(exc.code), "danger")
        return render_template("imports/index.html", form=form, kinds=KIND_LABELS)
    confirm = None
    if result.importable and result.changes:
        upload = f"{secrets.token_hex(16)}.{suffix}"
        upload_path(upload).write_bytes(data)
        confirm = ConfirmForm(kind=kind.value, upload=upload, filename=name[:200])
    return render_template(
        "imports/preview.html",
        result=result,
        kind_label=KIND_LABELS[kind],
        confirm=confirm,
        filename=name,
    )


@bp.route("/staff/imports/confirm", methods=["POST"])
@staff_required
def confirm():
    """Write the previewed file: every row, or none if any has become wrong meanwhile. A file
    of many rows is written by a job, whose page follows it."""
    form = ConfirmForm()
    if not form.validate_on_submit() or form.kind.data not in {k.value for k in Kind}:
        abort(400)
    path = upload_path(form.upload.data)
    if not path.is_file():
        flash(message("import_upload_gone"), "warning")
        return redirect(url_for("imports.index"))
    kind, filename, data = Kind(form.kind.data), form.filename.data or path.name, path.read_bytes()
    try:
        rows = len(read_table(filename, data)) - 1
        if rows > current_app.config["IMPORT_INLINE_ROWS"]:
            job = request_import(current_user, kind, filename, form.upload.data, rows)
            return redirect(url_for("jobs.detail", job_id=job.id))
        counts = services.commit_import(current_user, kind, filename, data)
    except DomainError as exc:
        flash(message(exc.code), "danger")
        return redirect(url_for("imports.index"))
    path.unlink(missing_ok=True)
    flash(
        _(
            "Imported: %(new)d new, %(updated)d updated, %(same)d unchanged.",
            new=counts["new"],
            updated=counts["update"],
            same=counts["unchanged"],
        ),
        "success",
    )
    return redirect(url_for("imports.index"))


@bp.route("/staff/imports/<kind>/template.<fmt>")
@staff_required
def template(kind: str, fmt: str):
    """An empty file with the header row (in the reader's language) and one example row."""
    if kind not in {k.value for k in Kind}:
        abort(404)
    fields = FIELDS[Kind(kind)]
    table = Table([Column(str(f.title)) for f in fields], [[f.example for f in fields]])
    return download(table, f"import-{kind}", fmt)
