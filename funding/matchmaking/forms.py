"""Matchmaking and fair forms; choices are filled by the views."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from funding.forms import CheckboxListField, MoneyField
from funding.inputs import visible_text


class ActionForm(FlaskForm):
    """A button that changes something: the CSRF token alone."""


class AcceptForm(FlaskForm):
    pairings = CheckboxListField(_l("Pairings"), coerce=int)


class InviteForm(FlaskForm):
    organization_id = IntegerField(validators=[InputRequired()])


class FairForm(FlaskForm):
    name = StringField(_l("Name"), validators=[visible_text, DataRequired(), Length(max=100)])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[visible_text, DataRequired(), Length(max=200)])


class FairProjectsForm(FlaskForm):
    projects = CheckboxListField(_l("Projects short of money"), coerce=int)


class FairInviteForm(FlaskForm):
    enterprises = CheckboxListField(_l("Enterprises to invite"), coerce=int)


class PaddleForm(FlaskForm):
    proposal_id = SelectField(_l("Project"), coerce=int, validators=[InputRequired()])
    enterprise_id = SelectField(_l("Enterprise"), coerce=int, validators=[InputRequired()])
    amount_fen = MoneyField(_l("Amount (yuan)"))


class ConfirmForm(FlaskForm):
    due_date = DateField(
        _l("Payment due by"),
        validators=[DataRequired()],
        description=_l("The pledge records when the money should arrive."),
    )
    key = HiddenField(validators=[Length(max=64)])
    #: The matching gift shown next to the raise; the pledge is refused if it changed.
    shown_match = IntegerField(widget=HiddenInput(), validators=[Optional()])
