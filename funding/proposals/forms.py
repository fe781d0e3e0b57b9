"""The proposal form (rows for budget lines, outcomes and team), decisions and programs."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from funding.forms import CheckboxListField, MoneyField
from funding.inputs import visible_text

EXTRA_ROWS = 2


class LineForm(Form):
    item = StringField(_l("Item"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Kind"), validators=[Optional()])
    quantity = IntegerField(
        _l("Quantity"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    unit_price = MoneyField(_l("Unit price (yuan)"), required=False)

    def is_blank(self) -> bool:
        return not (self.item.data or self.quantity.data or self.unit_price.data)

    def validate_item(self, field) -> None:
        if not self.is_blank() and not (field.data and self.quantity.data and self.unit_price.data):
            raise ValidationError(
                _l("Fill in the item, quantity and unit price, or leave the whole line empty.")
            )


class OutcomeForm(Form):
    indicator = StringField(_l("Indicator"), validators=[Optional(), Length(max=200)])
    target = StringField(_l("Target"), validators=[Optional(), Length(max=100)])


class TeamForm(Form):
    name = StringField(_l("Name"), validators=[visible_text, Optional(), Length(max=50)])
    role = StringField(_l("Role in the project"), validators=[Optional(), Length(max=100)])


class ProposalForm(FlaskForm):
    title = StringField(_l("Project title"), validators=[visible_text, Optional(), Length(max=120)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=5000)])
    category_code = SelectField(_l("Service category"), validators=[Optional()])
    need_ids = CheckboxListField(_l("Community needs it answers"), coerce=int)
    community_ids = CheckboxListField(_l("Target communities"), coerce=int)
    direct_beneficiaries = IntegerField(
        _l("Direct beneficiaries"), validators=[Optional(), NumberRange(min=1, max=10**7)]
    )
    indirect_beneficiaries = IntegerField(
        _l("Indirect beneficiaries"), validators=[Optional(), NumberRange(min=0, max=10**8)]
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    lines = FieldList(FormField(LineForm), label=_l("Budget lines"), min_entries=3)
    amount_requested = MoneyField(_l("Amount requested (yuan)"), required=False)
    self_funded = MoneyField(_l("Self-funded amount (yuan)"), required=False, allow_zero=True)
    outcomes = FieldList(FormField(OutcomeForm), label=_l("Outcome indicators"), min_entries=2)
    team = FieldList(FormField(TeamForm), label=_l("Team members"), min_entries=2)
    attachment = FileField(
        _l("Add an attachment"), description=_l("PDF, image, Word or Excel; at most 10 MB.")
    )
    declaration = BooleanField(
        _l("We declare that everything in this proposal is true and complete (真实性承诺).")
    )
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit proposal"))
    #: The version the applicant started from: a save over someone else's newer save is refused.
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class NoteForm(FlaskForm):
    """A comment or reason for returning or rejecting a proposal."""

    note = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])


class ApproveForm(FlaskForm):
    amount = MoneyField(_l("Approved amount (yuan)"))
    note = TextAreaField(_l("Conditions or comments"), validators=[Optional(), Length(max=4000)])


class ObjectionForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[visible_text, DataRequired(), Length(max=50)])
    contact = StringField(_l("Phone or email"), validators=[DataRequired(), Length(max=100)])
    text = TextAreaField(_l("Your objection"), validators=[DataRequired(), Length(max=4000)])


class ObjectionAnswerForm(FlaskForm):
    """The foundation's public answer to one objection."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("dismiss", _l("Dismiss: the decision stands")),
            SelectChoice("withdraw_approval", _l("Uphold: withdraw the approval")),
            SelectChoice("reopen", _l("Uphold: send the decision back to review")),
        ],
        validators=[InputRequired()],
    )
    reply = TextAreaField(
        _l("Public reply"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("Published on the disclosure page; leave out personal details."),
    )


class CriterionForm(Form):
    name = StringField(_l("Criterion"), validators=[visible_text, Optional(), Length(max=50)])
    name_en = StringField(
        _l("Criterion (English)"), validators=[visible_text, Optional(), Length(max=80)]
    )
    weight = IntegerField(_l("Weight"), validators=[Optional(), NumberRange(min=1, max=100)])


class ProgramForm(FlaskForm):
    name = StringField(_l("Name"), validators=[visible_text, DataRequired(), Length(max=100)])
    name_en = StringField(
        _l("Name (English)"), validators=[visible_text, DataRequired(), Length(max=150)]
    )
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(), Length(max=2000)])
    purpose_en = TextAreaField(_l("Purpose (English)"), validators=[Optional(), Length(max=2000)])
    categories = CheckboxListField(_l("Service categories (none = any)"))
    legal_forms = CheckboxListField(_l("Eligible legal forms (none = any)"))
    streets = CheckboxListField(_l("Eligible streets (none = the whole district)"))
    min_grant = MoneyField(_l("Smallest grant (yuan)"))
    max_grant = MoneyField(_l("Largest grant (yuan)"))
    budget = MoneyField(_l("Program budget (yuan)"), allow_zero=True)
    min_self_share_pct = IntegerField(
        _l("Minimum self-funded share of the budget (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    rubric = FieldList(FormField(CriterionForm), label=_l("Review rubric"), min_entries=6)
    reviewers_required = IntegerField(
        _l("Reviewers per proposal"), validators=[InputRequired(), NumberRange(min=1, max=9)]
    )
    disclosure_days = IntegerField(
        _l("Public disclosure (working days)"),
        validators=[InputRequired(), NumberRange(min=1, max=60)],
    )
    tranches = StringField(
        _l("Tranche schedule (%)"),
        validators=[DataRequired()],
        description=_l("Percentages separated by slashes, e.g. 50/30/20."),
    )
    blind_review = BooleanField(_l("Blind review: reviewers do not see who applied"))
    match_ratio_pct = IntegerField(
        _l("Matching gift (配捐) per 100 yuan an enterprise gives to a project"),
        validators=[Optional(), NumberRange(min=0, max=500)],
        default=0,
        description=_l("100 matches one to one; 0 or empty means no matching."),
    )
    match_cap_project = MoneyField(
        _l("Matching cap per project (yuan)"), required=False, allow_zero=True
    )
    match_cap_program = MoneyField(
        _l("Matching cap for the whole program (yuan)"), required=False, allow_zero=True
    )
    open_from = DateField(_l("Open from"), validators=[DataRequired()])
    open_until = DateField(_l("Open until (empty = rolling, always open)"), validators=[Optional()])

    def validate_match_cap_project(self, field) -> None:
        if self.match_ratio_pct.data and not field.data:
            raise ValidationError(_l("With matching, give a cap per project."))

    def validate_match_cap_program(self, field) -> None:
        if self.match_ratio_pct.data and not field.data:
            raise ValidationError(_l("With matching, give a cap for the program."))
        if field.data and self.match_cap_project.data and field.data < self.match_cap_project.data:
            raise ValidationError(_l("The program's cap cannot be below the cap per project."))

    def validate_tranches(self, field) -> None:
        try:
            parts = [int(p) for p in (field.data or "").replace("／", "/").split("/")]
        except ValueError as exc:
            raise ValidationError(_l("Write whole percentages such as 50/30/20.")) from exc
        if sum(parts) != 100 or any(p <= 0 for p in parts):
            raise ValidationError(_l("The tranches must be positive and add up to 100%."))
        field.parsed = tuple(parts)

    def validate_rubric(self, field) -> None:
        rows = [r for r in field.data if r["name"]]
        if not rows or any(not r["weight"] for r in rows):
            raise ValidationError(_l("Give every criterion a name and a weight."))
        if sum(r["weight"] for r in rows) != 100:
            raise ValidationError(_l("The weights must add up to 100."))

    def validate_max_grant(self, field) -> None:
        if self.min_grant.data and field.data and field.data < self.min_grant.data:
            raise ValidationError(_l("The largest grant cannot be below the smallest."))

    def validate_open_until(self, field) -> None:
        if field.data and self.open_from.data and field.data < self.open_from.data:
            raise ValidationError(_l("The program cannot close before it opens."))
