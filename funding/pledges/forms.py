"""Pledge, confirmation, cancellation and program funding forms; money forms carry a key."""

from datetime import date
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from funding.forms import MoneyField
from funding.money import MoneyError, parse_yuan


class KeyedForm(FlaskForm):
    """A money-moving form: its key makes a double click or a retry move money once."""

    key = HiddenField(default=lambda: uuid4().hex, validators=[DataRequired()])


class PledgeForm(KeyedForm):
    target = SelectField(_l("Pledge to"), validators=[DataRequired()])
    program_id = SelectField(_l("Program"), coerce=int, validators=[Optional()])
    category_code = SelectField(_l("Service category"), validators=[Optional()])
    proposal_id = SelectField(_l("Project"), coerce=int, validators=[Optional()])
    amount = MoneyField(_l("Amount (yuan)"))
    payment_method = SelectField(_l("Payment method"), validators=[DataRequired()])
    due_date = DateField(_l("Due date"), validators=[DataRequired()])
    tranche_no = IntegerField(
        _l("Tie to a tranche (optional)"),
        validators=[Optional(), NumberRange(min=1, max=9)],
        description=_l("The money is released only when this tranche of the project is approved."),
    )
    instalments = TextAreaField(
        _l("Instalments (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("One per line: date and amount, e.g. 2027-03-31 20000."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])

    def validate_instalments(self, field) -> None:
        """Parse 'date amount' lines into [{"due", "amount_fen"}] on ``field.rows``."""
        rows = []
        for line in (field.data or "").splitlines():
            if not line.strip():
                continue
            try:
                due, amount = line.split()
                rows.append(
                    {"due": date.fromisoformat(due).isoformat(), "amount_fen": parse_yuan(amount)}
                )
            except (ValueError, MoneyError) as exc:
                raise ValidationError(
                    _l("Write each instalment as a date and an amount, e.g. 2027-03-31 20000.")
                ) from exc
        field.rows = tuple(rows)


class ConfirmPledgeForm(KeyedForm):
    receipt_no = StringField(_l("Receipt number"), validators=[DataRequired(), Length(max=64)])
    received_on = DateField(_l("Date received"), validators=[DataRequired()])


class CancelPledgeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class FundProgramForm(KeyedForm):
    amount = MoneyField(_l("Amount (yuan)"))
    memo = StringField(_l("Source of the money"), validators=[DataRequired(), Length(max=200)])
