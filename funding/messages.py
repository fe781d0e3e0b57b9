"""What users read when a rule refuses their action: one place per message key."""

from funding.i18n import lazy as _l

MESSAGES = {
    "forbidden": _l("You are not allowed to do that."),
    "forbidden_role": _l("You cannot create an account with that role."),
    "community_required": _l("A community worker needs a community, and only they do."),
    "email_taken": _l("An account with this email address already exists."),
    "email_same": _l("This is the address your account has now."),
    "email_link_invalid": _l(
        "This link is not valid any more: it was used, the address changed since, or more than "
        "an hour has passed. Ask for a new one."
    ),
    "credit_code_taken": _l("A party with this unified social credit code is already registered."),
    "already_verified": _l("This party is already verified."),
    "login_failed": _l("The email address or password is wrong."),
    "login_throttled": _l("Too many failed attempts. Please wait 15 minutes and try again."),
    "login_slowed": _l(
        "This account has had many failed logins, so it accepts one attempt every few "
        "seconds. Please wait a moment and try again."
    ),
    "password_too_short": _l("The password must have at least 8 characters."),
    "password_too_long": _l("The password may have at most 128 characters."),
    "password_common": _l("This password is too common; choose one that is harder to guess."),
    "password_contains_email": _l("The password must not contain your email name."),
    "password_weak": _l(
        "This password is too easy to guess. Use a longer one, such as three or four unrelated "
        "words."
    ),
    "password_wrong": _l("The password is wrong."),
    "code_wrong": _l(
        "The code is wrong. Enter the 6 digits your app shows now, or a recovery code."
    ),
    "code_used": _l("This code was used already. Wait for the next one (every 30 seconds)."),
    "passkey_failed": _l(
        "The passkey was not accepted. Try again, or use a code from your authenticator app."
    ),
    "passkey_known": _l("This passkey is already added to an account."),
    "passkey_limit": _l("An account can have at most 10 passkeys; remove one first."),
    "second_factor_required": _l(
        "Staff and administrator accounts must keep a second factor; you can replace it."
    ),
    "second_factor_needed": _l(
        "Staff and administrator accounts need a second factor. Set up an authenticator app now."
    ),
    "confirm_first": _l(
        "Please confirm it is you: this needs your password (or a code) from the last 10 minutes."
    ),
    "reset_throttled": _l("Too many requests from this address. Please try again in an hour."),
    "reset_link_invalid": _l(
        "This link is not valid any more: it was used, or more than an hour has passed. "
        "Ask for a new one."
    ),
    "party_not_verified": _l("Your organization has not been verified by the foundation yet."),
    "need_not_editable": _l("This need can no longer be edited."),
    "unknown_reference": _l("One of the chosen places or categories does not exist."),
    "community_not_yours": _l("You can only post needs for your own community."),
    "transition_not_allowed": _l("That step is not possible for a proposal in its current state."),
    "proposal_incomplete": _l("The proposal is not complete yet; see the marked fields."),
    "program_closed": _l("This program is not open for applications today."),
    "district_not_empty": _l(
        "The district data set is built into an empty database; this one already holds "
        "organizations or proposals."
    ),
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
    "token_name_required": _l("Give the token a name of at most 80 characters."),
    "token_lifetime": _l("Choose one of the offered lifetimes for the token."),
    "import_file_type": _l("Upload an Excel (.xlsx) or CSV file."),
    "import_encoding": _l("The CSV file is neither UTF-8 nor GBK; save it again as UTF-8."),
    "import_unreadable": _l("The Excel file cannot be read; save it again as .xlsx."),
    "import_empty": _l("The file is empty."),
    "import_too_many_rows": _l("The file has more than 20,000 rows; split it."),
    "import_has_errors": _l(
        "Some rows are no longer valid (the directory changed since the preview); nothing was "
        "imported. Upload the file again."
    ),
    "import_upload_gone": _l("That upload is no longer here; upload the file again."),
    "statement_columns": _l(
        "No header row with a date and an amount (or credit) column was found in the first "
        "20 rows of the statement."
    ),
    "statement_amount": _l("Row %(row)s of the statement has an amount that cannot be read."),
    "statement_empty": _l("The statement has no credits or debits."),
    "bank_nothing_chosen": _l("Tick at least one line to confirm, each once."),
    "bank_line_unknown": _l("A chosen line or instalment no longer exists; reload the page."),
    "bank_amount_differs": _l("A line's amount is not the amount of the instalment chosen for it."),
    "bank_line_used": _l(
        "A chosen line was already recorded as a receipt; nothing was recorded. Reload the page."
    ),
}
MESSAGES.update(
    {
        "insufficient_funds": _l("There is not enough money in the source for that amount."),
        "idempotency_key_missing": _l(
            "The form is missing its key; reload the page and try again."
        ),
        "pledge_target_invalid": _l(
            "Choose where the pledge goes: the pool, a program, a category "
            "or a project that is approved or on public disclosure."
        ),
        "pledge_not_pending": _l(
            "Only a pledge that has not arrived yet can be confirmed or cancelled."
        ),
        "instalments_sum": _l("The instalments must add up to the pledged amount."),
        "milestone_invalid": _l("A milestone tie needs a project and a tranche of its schedule."),
        "grant_already_reserved": _l("This grant's money is already reserved."),
        "sources_sum": _l("The sources must add up to exactly the grant's amount."),
        "source_unknown": _l("One of the sources is not available for this grant."),
        "tranche_order": _l("Tranches are paid in order; the previous one is not paid yet."),
        "midterm_required": _l("The mid-term review must pass before the second tranche."),
        "final_report_required": _l(
            "The last tranche needs the final report and a rating from a served community."
        ),
        "tranche_not_requestable": _l("This tranche cannot be requested now."),
        "grant_not_reserved": _l("The grant's money has not been reserved yet."),
        "self_approval": _l("You cannot approve a request you created."),
        "rubric_in_use": _l("Reviews were already scored on this rubric; it can no longer change."),
        "second_signer_needed": _l("A second, different staff member must sign this payment."),
        "tranche_not_signable": _l("This payment request is not waiting for a sign-off."),
        "grant_not_active": _l("This grant is not active."),
        "rating_not_allowed": _l("You cannot rate this project."),
        "already_rated": _l("This has already been rated."),
        "midterm_not_ready": _l("The mid-term review comes after the first tranche is paid."),
    }
)

MESSAGES.update(
    {
        "batch_not_queued": _l("This matchmaking run has already started."),
        "batch_not_done": _l("Pairings can be accepted only from a finished run."),
        "nothing_to_accept": _l("None of the chosen pairings is still waiting to be accepted."),
        "need_not_open": _l("This need is no longer open."),
        "fair_project_invalid": _l(
            "Only approved projects still short of money can be on a fair's shortlist."
        ),
        "fair_not_invited": _l("This enterprise is not invited to the fair."),
        "amount_not_positive": _l("The amount must be greater than zero."),
        "intent_not_open": _l("This paddle raise has already been confirmed or withdrawn."),
    }
)

MESSAGES.update(
    {
        "pledge_above_need": _l(
            "This project still needs only %(open)s (its approved amount less what is already "
            "pledged or reserved for it)."
        ),
        "match_changed": _l(
            "The matching gift changed from %(shown)s to %(now)s since you saw it (other gifts "
            "used the program's matching money). Check the new figures and confirm again."
        ),
        "instalments_invalid": _l("A pledge is paid in 1 to 12 instalments."),
        "instalment_dates": _l("Instalments are due today or later, each after the one before."),
        "receipt_required": _l("Enter the receipt number (at most 64 characters)."),
        "receipt_date": _l(
            "The date received cannot be in the future or before the pledge was made."
        ),
        "memo_required": _l("Say where the money comes from."),
        "project_money_first": _l(
            "Money given to this project (and its matching) is always used first, in full."
        ),
        "report_incomplete": _l(
            "Describe the activities and give the number of people served (0 to 10,000,000)."
        ),
        "spending_line_unknown": _l("Spending can only be reported on the project's budget lines."),
        "spending_above_line": _l(
            "The spending reported on “%(line)s” is more than its budget of %(budget)s."
        ),
        "spending_above_grant": _l("The spending reported is more than the grant of %(grant)s."),
        "match_ratio": _l("The matching ratio is between 0 and 500 yuan per 100 yuan given."),
        "match_caps": _l(
            "With matching, give a cap per project and a cap for the program, the program's "
            "cap at least the project's."
        ),
        "pledge_changed": _l(
            "What this pledge would do changed since you saw it (another gift used what the "
            "project still needed). Check the new figures and confirm again."
        ),
        "final_spending_required": _l(
            "The final report states the grant money spent on each budget line."
        ),
        "objection_open": _l(
            "An objection to this approval is still open; answer it before signing the agreement."
        ),
        "objection_answered": _l("This objection has already been answered."),
        "reply_required": _l("Write the reply; it is published on the disclosure page."),
        "note_required": _l("Write a note; the party's members will read it."),
        "proposal_changed": _l(
            "Someone else saved this proposal while you were editing it, so your changes were "
            "not saved. Here is the new version; make your changes again."
        ),
        "reviewer_conflicted_since": _l(
            "A link between you and the applying organization was recorded since you were "
            "assigned, so you are withdrawn from this review; your scores were not saved. "
            "Staff were told."
        ),
        "organization_not_verified": _l(
            "The organization is waiting for verification (new, or its legal details changed); "
            "verify it first."
        ),
    }
)

#: Per-field messages for an incomplete submission.
FIELD_MESSAGES = {
    "required": _l("Required before submitting."),
    "end_before_start": _l("The end date must be after the start date."),
    "budget_mismatch": _l("Amount requested plus self-funded amount must equal the total budget."),
    "declaration_required": _l("Tick the truthfulness declaration to submit."),
}


def message(code: str, **details) -> str:
    """The translated sentence for a domain error code, filled in with the refusal's details
    (``DomainError.details``) where the sentence names them."""
    text = str(MESSAGES.get(code, MESSAGES["forbidden"]))
    try:
        return text % details if "%(" in text else text
    except (KeyError, TypeError, ValueError):
        return text
