"""Profile and need forms; choices are filled from the directory by the views."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from funding.forms import CheckboxListField, MoneyField, credit_code_check, mobile_check
from funding.inputs import visible_text


class PartyProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[visible_text, DataRequired(), Length(max=100)])
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[Optional(), credit_code_check],
        description=_l("18 characters, as on the registration certificate."),
    )
    contact_name = StringField(
        _l("Contact person"), validators=[visible_text, DataRequired(), Length(max=50)]
    )
    contact_mobile = StringField(_l("Mobile number"), validators=[DataRequired(), mobile_check])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    categories = CheckboxListField(_l("Service categories"))
    streets = CheckboxListField(_l("Streets"))


class OrganizationProfileForm(PartyProfileForm):
    legal_form = SelectField(_l("Legal form"), validators=[DataRequired()])
    capacity = IntegerField(
        _l("Capacity"),
        validators=[InputRequired(), NumberRange(min=1, max=50)],
        description=_l("How many projects the organization can run at the same time."),
    )
    communities = CheckboxListField(_l("Communities served"), coerce=int)


class EnterpriseProfileForm(PartyProfileForm):
    public_listing = BooleanField(_l("List our giving on the public transparency pages"))


class NeedForm(FlaskForm):
    community_id = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])
    category_code = SelectField(_l("Service category"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[visible_text, DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=4000)])
    beneficiaries = IntegerField(
        _l("Direct beneficiaries"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    budget_estimate_fen = MoneyField(_l("Budget estimate (yuan)"))
    source = SelectField(_l("Where the need was raised"), validators=[DataRequired()])
    status = SelectField(_l("Status"), validators=[DataRequired()])


class PartyNoteForm(FlaskForm):
    """Staff's note when they ask a party for more information or reject its registration."""

    note = TextAreaField(_l("Note to the party"), validators=[DataRequired(), Length(max=2000)])
