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
    """People and parties are named by email and credit code: the district has thousands of
    them, too many for a list to choose from."""

    email = StringField(_l("The person's email"), validators=[DataRequired(), Length(max=254)])
    credit_code = StringField(
        _l("The organization's or enterprise's unified social credit code"),
        validators=[DataRequired(), Length(max=40)],
    )
    kind = SelectField(_l("Relationship"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
