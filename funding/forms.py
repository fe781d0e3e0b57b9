"""Shared form pieces: checkbox lists, credit code, mobile and money fields."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, ValidationError, widgets

from funding.money import MoneyError, fen_to_input, parse_yuan
from funding.validators import CodeError, normalise_credit_code, normalise_mobile

CODE_MESSAGES = {
    "length": _l("A unified social credit code has exactly 18 characters."),
    "division": _l("Characters 3 to 8 of the code are the region code and must be digits."),
    "check": _l("The last character (check character) does not match; please check the code."),
}
MONEY_MESSAGES = {
    "empty": _l("Enter an amount."),
    "not_a_number": _l("Enter an amount in yuan, such as 12000 or 12,000.50."),
    "too_many_decimals": _l("Amounts have at most two decimal places (fen)."),
    "negative": _l("The amount cannot be negative."),
    "zero": _l("The amount must be greater than zero."),
    "too_large": _l("The amount is far too large; amounts up to ¥100,000,000 are accepted."),
}


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as checkboxes (usable on a phone, unlike a multi-select)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def credit_code_check(_form, field) -> None:
    """Validate and normalise a unified social credit code (GB 32100-2015)."""
    try:
        field.data = normalise_credit_code(field.data)
    except CodeError as exc:
        key = str(exc)
        if key.startswith("characters:"):
            raise ValidationError(
                _l(
                    "The code contains characters that are never used: %(chars)s "
                    "(I, O, Z, S and V do not occur in credit codes).",
                    chars=key.split(":")[1],
                )
            ) from exc
        raise ValidationError(CODE_MESSAGES[key]) from exc


def mobile_check(_form, field) -> None:
    try:
        field.data = normalise_mobile(field.data)
    except CodeError as exc:
        raise ValidationError(_l("Enter an 11-digit mobile number, such as 13800001234.")) from exc


class MoneyField(StringField):
    """An amount typed in yuan; ``data`` is integer fen (None when empty and optional)."""

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        required: bool = True,
        allow_zero: bool = False,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.allow_zero = allow_zero

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return fen_to_input(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist) -> None:
        self.data = None
        text = valuelist[0].strip() if valuelist else ""
        if not text and not self.required:
            return
        try:
            self.data = parse_yuan(text, allow_zero=self.allow_zero)
        except MoneyError as exc:
            raise ValueError(str(MONEY_MESSAGES[str(exc)])) from exc
