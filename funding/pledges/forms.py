"""Pledge (with its payment schedule), instalment receipt, cancellation and program funding
forms; money forms carry a key."""

from uuid import uuid4

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from funding.forms import MoneyField
from funding.money import format_fen
from funding.pledges.models import UnusedMoney
from funding.pledges.services import MAX_INSTALMENTS, InstalmentData, single

SCHEDULE_ROWS = 4


class KeyedForm(FlaskForm):
    """A money-moving form: its key makes a double click or a retry move money once."""

    key = HiddenField(default=lambda: uuid4().hex, validators=[DataRequired(), Length(max=64)])


class InstalmentForm(Form):
    due_date = DateField(_l("Due date"), validators=[Optional()])
    amount = MoneyField(_l("Amount (yuan)"), required=False)


class PledgeForm(KeyedForm):
    target = SelectField(_l("Pledge to"), validators=[DataRequired()])
    program_id = SelectField(_l("Program"), coerce=int, validators=[Optional()])
    category_code = SelectField(_l("Service category"), validators=[Optional()])
    proposal_id = SelectField(_l("Project"), coerce=int, validators=[Optional()])
    amount = MoneyField(_l("Amount (yuan)"))
    payment_method = SelectField(_l("Payment method"), validators=[DataRequired()])
    due_date = DateField(
        _l("Due date"),
        validators=[Optional()],
        description=_l("For a single payment. To pay in instalments, fill in the schedule."),
    )
    schedule = FieldList(
        FormField(InstalmentForm),
        label=_l("Payment schedule (optional)"),
        min_entries=SCHEDULE_ROWS,
        max_entries=MAX_INSTALMENTS,
    )
    tranche_no = IntegerField(
        _l("Tie to a tranche (optional)"),
        validators=[Optional(), NumberRange(min=1, max=9)],
        description=_l("The money is released only when this tranche of the project is approved."),
    )
    if_unused = RadioField(
        _l("If the project cannot use the money"),
        choices=[
            SelectChoice(UnusedMoney.PROGRAM.value, _l("Give it to the project's program")),
            SelectChoice(UnusedMoney.REFUND.value, _l("Return it to us")),
        ],
        default=UnusedMoney.PROGRAM.value,
        description=_l(
            "For a project: what happens to money it cannot use (the grant ends under budget, "
            "is terminated, or is never signed)."
        ),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])

    def instalments(self) -> tuple[InstalmentData, ...]:
        """The schedule as typed, or one payment of the amount on the due date."""
        rows = [
            InstalmentData(e.form.due_date.data, e.form.amount.data)
            for e in self.schedule
            if e.form.due_date.data or e.form.amount.data
        ]
        return tuple(rows) if rows else single(self.amount.data, self.due_date.data)

    def validate_schedule(self, field) -> None:
        rows = [e.form for e in field if e.form.due_date.data or e.form.amount.data]
        if not rows:
            return
        if any(not r.due_date.data or not r.amount.data for r in rows):
            raise ValidationError(_l("Give each instalment a due date and an amount."))
        total = sum(r.amount.data for r in rows)
        if self.amount.data is not None and total != self.amount.data:
            raise ValidationError(
                _l(
                    "The instalments add up to %(total)s, not the %(amount)s pledged.",
                    total=format_fen(total),
                    amount=format_fen(self.amount.data),
                )
            )

    def validate_due_date(self, field) -> None:
        if field.data is None and not any(
            e.form.due_date.data or e.form.amount.data for e in self.schedule
        ):
            raise ValidationError(_l("Give the due date, or a payment schedule."))


class ReceiptForm(KeyedForm):
    """Staff record that one instalment arrived."""

    instalment = HiddenField(validators=[DataRequired(), Length(max=12)])
    receipt_no = StringField(_l("Receipt number"), validators=[DataRequired(), Length(max=64)])
    received_on = DateField(_l("Date received"), validators=[DataRequired()])


class CancelPledgeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class FundProgramForm(KeyedForm):
    amount = MoneyField(_l("Amount (yuan)"))
    memo = StringField(_l("Source of the money"), validators=[DataRequired(), Length(max=200)])
