"""Declaration, scoring, assignment and relationship forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class DeclarationForm(FlaskForm):
    conflicted = RadioField(
        _l("Conflict of interest"),
        choices=[
            SelectChoice("no", _l("I have no link to the applying organization or its people.")),
            SelectChoice(
                "yes", _l("I have a conflict of interest and cannot review this proposal.")
            ),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("What is the link? (if any)"), validators=[Optional(), Length(max=1000)]
    )


class ScoreForm(Form):
    score = IntegerField(
        _l("Score (0–10)"), validators=[InputRequired(), NumberRange(min=0, max=10)]
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class ReviewForm(FlaskForm):
    scores = FieldList(FormField(ScoreForm))
    recommendation = SelectField(_l("Recommendation"), validators=[DataRequired()])
    comment = TextAreaField(_l("Overall comment"), validators=[DataRequired(), Length(max=4000)])


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validators=[DataRequired()])


class RelationshipForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])
    party_id = SelectField(
        _l("Organization or enterprise"), coerce=int, validators=[DataRequired()]
    )
    kind = SelectField(_l("Relationship"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
