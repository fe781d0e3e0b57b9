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
    "transition_not_allowed": _l("That step is not possible for a proposal in its current state."),
    "proposal_incomplete": _l("The proposal is not complete yet; see the marked fields."),
    "program_closed": _l("This program is not open for applications today."),
    "screening_failed": _l("The proposal failed an eligibility rule; return or reject it."),
    "comment_required": _l("Write a comment for the applicant."),
    "reason_required": _l("Give the reason; the applicant will see it."),
    "reviews_missing": _l("Not all required reviews are in yet."),
    "amount_above_request": _l("The approved amount cannot exceed the amount requested."),
    "amount_outside_range": _l("The approved amount is outside the program's grant range."),
    "program_money_short": _l("The program does not have that much money left."),
    "disclosure_running": _l("The public disclosure period has not ended yet."),
    "disclosure_closed": _l("This project is not on public disclosure any more."),
    "not_in_review": _l("The proposal is not in expert review."),
    "not_a_reviewer": _l("Only active reviewers can be assigned."),
    "reviewer_conflicted": _l(
        "This reviewer has a recorded link to the applying organization and cannot review it."
    ),
    "already_assigned": _l("This reviewer is already assigned to the proposal."),
    "already_declared": _l("You have already made your declaration."),
    "declare_first": _l("Declare that you have no conflict of interest before scoring."),
    "review_exists": _l("You have already submitted your review."),
    "scores_invalid": _l("Score every criterion from 0 to 10."),
    "attachment_bad_name": _l("The file name is not acceptable; rename the file and try again."),
    "attachment_type": _l("Only PDF, image (PNG, JPEG), Word and Excel files are accepted."),
    "attachment_content": _l("The file's content does not match its type; it was not stored."),
    "attachment_too_large": _l("The file is larger than 10 MB; it was not stored."),
    "attachment_empty": _l("The file is empty."),
    "range_inverted": _l("The largest grant cannot be below the smallest."),
    "rubric_weights": _l("The rubric weights must add up to 100."),
    "tranches_sum": _l("The tranches must be positive and add up to 100%."),
    "dates_inverted": _l("The program cannot close before it opens."),
}
#: Per-field messages for an incomplete submission.
FIELD_MESSAGES = {
    "required": _l("Required before submitting."),
    "end_before_start": _l("The end date must be after the start date."),
    "budget_mismatch": _l("Amount requested plus self-funded amount must equal the total budget."),
    "declaration_required": _l("Tick the truthfulness declaration to submit."),
}


def message(code: str) -> str:
    """The translated sentence for a domain error code."""
    return str(MESSAGES.get(code, MESSAGES["forbidden"]))
