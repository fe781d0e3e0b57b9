"""Checks for Chinese identifiers: the unified social credit code and mobile numbers."""

import re

#: GB 32100-2015 alphabet: digits and capitals without I, O, Z, S, V.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class CodeError(ValueError):
    """Why a code is not valid; ``str(error)`` is a message key for the form."""


def credit_check_char(first17: str) -> str:
    """The 18th character of a credit code from its first 17 (GB 32100-2015, clause 5)."""
    pairs = zip(first17, CREDIT_WEIGHTS, strict=True)
    total = sum(CREDIT_ALPHABET.index(ch) * weight for ch, weight in pairs)
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str | None) -> str:
    """Return the upper-cased code if it is a valid unified social credit code, else raise."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise CodeError("length")
    bad = sorted({ch for ch in code if ch not in CREDIT_ALPHABET})
    if bad:
        raise CodeError("characters:" + "".join(bad))
    if not code[2:8].isdigit():
        raise CodeError("division")
    if credit_check_char(code[:17]) != code[17]:
        raise CodeError("check")
    return code


def normalise_mobile(raw: str | None) -> str:
    """Return an 11-digit mainland mobile number (spaces, dashes and +86 removed), else raise."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not MOBILE_RE.match(digits):
        raise CodeError("mobile")
    return digits
