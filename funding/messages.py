"""What users read when a rule refuses their action: one place per message key."""

from funding.i18n import lazy as _l

MESSAGES = {
    "forbidden": _l("You are not allowed to do that."),
    "forbidden_role": _l("You cannot create an account with that role."),
    "community_required": _l("A community worker needs a community, and only they do."),
    "email_taken": _l("An account with this email address already exists."),
    "credit_code_taken": _l("A party with this unified social credit code is already registered."),
    "already_verified": _l("This party is already verified."),
    "login_failed": _l("The email address or password is wrong."),
    "login_throttled": _l("Too many failed attempts. Please wait 15 minutes and try again."),
    "password_too_short": _l("The password must have at least 8 characters."),
    "password_too_long": _l("The password may have at most 128 characters."),
    "password_common": _l("This password is too common; choose one that is harder to guess."),
    "password_contains_email": _l("The password must not contain your email name."),
    "party_not_verified": _l("Your organization has not been verified by the foundation yet."),
    "need_not_editable": _l("This need can no longer be edited."),
    "unknown_reference": _l("One of the chosen places or categories does not exist."),
    "community_not_yours": _l("You can only post needs for your own community."),
}


def message(code: str) -> str:
    """The translated sentence for a domain error code."""
    return str(MESSAGES.get(code, MESSAGES["forbidden"]))
