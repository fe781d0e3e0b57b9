"""Password rules: length bounds, a blocklist of common choices (Chinese ones included), and
zxcvbn's estimate of how many guesses a password takes (it knows 30,000 common passwords,
names, words, keyboard patterns, dates, repeats and l33t spellings)."""

import secrets
from functools import cache
from importlib import resources

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 128
#: zxcvbn's score from 0 to 4; 3 means at least 10^8 guesses ("safely unguessable" online).
MIN_SCORE = 3
#: zxcvbn reads at most this many characters (the rest only makes a password stronger).
ESTIMATE_LENGTH = 72


@cache
def _blocklist() -> frozenset[str]:
    text = resources.files("funding").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problem(password: str, email: str = "", *names: str) -> str | None:
    """Return a message key if ``password`` is unacceptable, else None."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    lowered = password.lower()
    if lowered in _blocklist() or len(set(lowered)) < 3:
        return "password_common"
    local = email.split("@", 1)[0].lower()
    if local and len(local) >= 4 and local in lowered:
        return "password_contains_email"
    inputs = [email, local, *names, *(word for name in names for word in name.split())]
    if zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=inputs)["score"] < MIN_SCORE:
        return "password_weak"
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def check_password(pw_hash: str | None, password: str) -> bool:
    """Check ``password``; without a hash (no such account) check a dummy one, which takes
    the same time and fails, so that timing does not reveal which accounts exist."""
    if pw_hash is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(pw_hash, password)
