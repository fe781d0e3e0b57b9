"""Login, self-registration and staff-made accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from funding.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from funding.forms import credit_code_check, mobile_check
from funding.inputs import visible_text


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class PasswordMixin:
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("At least 8 characters; avoid common passwords."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class RegistrationForm(PasswordMixin, FlaskForm):
    """The person and the party profile, registered together."""

    party_name = StringField(
        _l("Name of the organization"), validators=[visible_text, DataRequired(), Length(max=100)]
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), credit_code_check],
        description=_l("18 characters, as on the registration certificate."),
    )
    person_name = StringField(
        _l("Your name"), validators=[visible_text, DataRequired(), Length(max=50)]
    )
    contact_mobile = StringField(_l("Mobile number"), validators=[DataRequired(), mobile_check])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    description = TextAreaField(_l("What you do"), validators=[Optional(), Length(max=2000)])


class OrganizationRegistrationForm(RegistrationForm):
    legal_form = SelectField(_l("Legal form"), validators=[DataRequired()])


class StaffUserForm(PasswordMixin, FlaskForm):
    name = StringField(_l("Name"), validators=[visible_text, DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    community_id = SelectField(
        _l("Community (community workers only)"), coerce=int, validators=[Optional()]
    )


class ChangePasswordForm(PasswordMixin, FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(PasswordMixin, FlaskForm):
    """A new password, through a reset link."""


class ConfirmForm(FlaskForm):
    """The password again (or, with a second factor, a code), before a sensitive change."""

    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=MAX_LENGTH)])
    code = StringField(
        _l("Code from your authenticator app"), validators=[Optional(), Length(max=20)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasskeyLoginForm(FlaskForm):
    """The browser's answer (JSON), filled in by static/js/passkeys.js."""

    credential = HiddenField(validators=[DataRequired(), Length(max=16384)])


class PasskeyForm(PasskeyLoginForm):
    name = StringField(
        _l("Name of the passkey"),
        validators=[visible_text, DataRequired(), Length(max=100)],
        description=_l("To tell your passkeys apart, such as “office laptop” or “phone”."),
        render_kw={"required": True, "maxlength": 100},
    )


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("New email address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
