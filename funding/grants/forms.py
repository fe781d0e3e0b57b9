"""Tranche requests with progress reports, sign-offs, termination, ratings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from funding.forms import MoneyField
from funding.pledges.forms import KeyedForm


class SpendingForm(Form):
    amount = MoneyField(_l("Spent (yuan)"), required=False, allow_zero=True)


class TrancheRequestForm(FlaskForm):
    activities = TextAreaField(_l("Activities done"), validators=[DataRequired(), Length(max=5000)])
    beneficiaries_served = IntegerField(
        _l("Beneficiaries served so far"),
        validators=[InputRequired(), NumberRange(min=0, max=10_000_000)],
    )
    spending = FieldList(
        FormField(SpendingForm),
        label=_l("Grant money spent so far, per budget line"),
        max_entries=200,
    )
    final = BooleanField(_l("This is the final report (结项报告)"))


def spending_rows(form: TrancheRequestForm, lines: list) -> None:
    """One spending row per budget line of the project, in order."""
    while len(form.spending.entries) < len(lines):
        form.spending.append_entry()
    while len(form.spending.entries) > len(lines):
        form.spending.pop_entry()


class SignForm(KeyedForm):
    """One sign-off on a payment."""


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=2000)])


class TerminateForm(KeyedForm):
    breach = BooleanField(_l("Terminated for breach of the agreement"))
    note = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class RatingForm(FlaskForm):
    score = SelectField(
        _l("Rating"),
        coerce=int,
        choices=[SelectChoice(str(n), "★" * n) for n in range(5, 0, -1)],
        validators=[DataRequired()],
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
