"""The sentences notifications say, keyed so that each reads in the reader's language."""

from flask_babel import lazy_gettext as _l

TEXTS = {
    "proposal_submitted": _l("Proposal “%(title)s” was submitted and screened automatically."),
    "proposal_passed_screening": _l("Proposal “%(title)s” passed screening and goes to review."),
    "proposal_returned": _l("Proposal “%(title)s” was returned for revision: %(note)s"),
    "proposal_rejected": _l("Proposal “%(title)s” was not funded: %(note)s"),
    "proposal_withdrawn": _l("Proposal “%(title)s” was withdrawn by the applicant."),
    "proposal_approved": _l(
        "Proposal “%(title)s” was approved for %(amount)s; public disclosure runs until %(until)s."
    ),
    "agreement_signed": _l("The agreement for “%(title)s” is signed; the grant is active."),
    "review_assigned": _l("You were asked to review “%(title)s”."),
    "review_conflict": _l(
        "%(reviewer)s declared a conflict of interest on “%(title)s” and was "
        "removed from its review."
    ),
    "review_submitted": _l("%(reviewer)s submitted a review of “%(title)s”."),
    "reviews_complete": _l("All reviews of “%(title)s” are in; it is ready for a decision."),
    "pledge_made": _l("%(enterprise)s made a pledge; confirm it when the money arrives."),
    "pledge_received": _l(
        "Your pledge of %(amount)s arrived; the program added %(match)s in matching."
    ),
    "grant_reserved": _l(
        "The money for “%(title)s” is reserved; you can request the first tranche."
    ),
    "tranche_requested": _l("“%(title)s” requests tranche %(number)s (%(amount)s)."),
    "tranche_signed": _l("Tranche %(number)s of “%(title)s” has one sign-off and needs a second."),
    "tranche_paid": _l("Tranche %(number)s of “%(title)s” was paid: %(amount)s."),
    "tranche_returned": _l(
        "Your request for tranche %(number)s of “%(title)s” was returned: %(note)s"
    ),
    "midterm_passed": _l("“%(title)s” passed its mid-term review."),
    "grant_terminated": _l(
        "The grant for “%(title)s” was terminated; unpaid money returned to its sources."
    ),
    "match_propose": _l(
        "The foundation invites you to propose a project for the need “%(title)s” in %(community)s."
    ),
    "match_back_project": _l(
        "The foundation suggests that you back the project “%(title)s” with %(amount)s."
    ),
    "match_back_need": _l(
        "The foundation suggests that you back the community need “%(title)s” with %(amount)s."
    ),
    "fair_invited": _l("You are invited to the matchmaking fair “%(fair)s” on %(date)s."),
    "fair_intent": _l(
        "A paddle raise of %(amount)s for “%(title)s” was recorded at “%(fair)s”; confirm it "
        "to make it a pledge."
    ),
    "objection_raised": _l("A member of the public objected to “%(title)s” during disclosure."),
    "objection_upheld_withdraw_approval": _l(
        "An objection to “%(title)s” was upheld and its approval withdrawn: %(note)s"
    ),
    "objection_upheld_reopen": _l(
        "An objection to “%(title)s” was upheld; the decision goes back to review: %(note)s"
    ),
    "review_conflict_found": _l(
        "A recorded link between %(reviewer)s and the applicant of “%(title)s” withdrew them "
        "from its review; assign another reviewer."
    ),
    "party_verified": _l("The foundation verified %(name)s; it can now submit and pledge."),
    "party_rejected": _l("The foundation rejected the registration of %(name)s: %(note)s"),
    "party_more_info": _l("The foundation needs more information about %(name)s: %(note)s"),
    "party_identity_changed": _l(
        "%(name)s changed its legal name, legal form or credit code; verify it again."
    ),
    "party_updated": _l("%(name)s updated its profile as asked; it waits for verification."),
    "pledge_money_to_program": _l(
        "%(amount)s of your gift to “%(title)s” could not be used by the project (%(why)s); as "
        "your agreement says, it went to the program %(program)s."
    ),
    "pledge_money_refunded": _l(
        "%(amount)s of your gift to “%(title)s” could not be used by the project (%(why)s); as "
        "your agreement says, it is returned to you."
    ),
}
#: Why a project could not use its money, as the donor is told.
WHY = {
    "terminated": _l("its grant was terminated"),
    "completed": _l("it was completed under budget"),
    "not_funded": _l("it was not funded"),
    "already_funded": _l("its grant was already funded when the money arrived"),
}
#: Email subjects: a short title per kind of news, never the text itself (which may carry a
#: whole multi-line comment); the project's title is added on one line.
SUBJECTS = {
    "proposal_submitted": _l("New proposal submitted"),
    "proposal_passed_screening": _l("Proposal passed screening"),
    "proposal_returned": _l("Proposal returned for revision"),
    "proposal_rejected": _l("Decision on a proposal"),
    "proposal_withdrawn": _l("Proposal withdrawn"),
    "proposal_approved": _l("Proposal approved"),
    "agreement_signed": _l("Agreement signed"),
    "review_assigned": _l("New review assignment"),
    "review_conflict": _l("Conflict of interest declared"),
    "review_submitted": _l("Review submitted"),
    "reviews_complete": _l("Reviews complete"),
    "pledge_made": _l("New pledge"),
    "pledge_received": _l("Pledge received"),
    "grant_reserved": _l("Grant money reserved"),
    "tranche_requested": _l("Tranche requested"),
    "tranche_signed": _l("Tranche needs a second sign-off"),
    "tranche_paid": _l("Tranche paid"),
    "tranche_returned": _l("Tranche request returned"),
    "midterm_passed": _l("Mid-term review passed"),
    "grant_terminated": _l("Grant terminated"),
    "match_propose": _l("Invitation to propose a project"),
    "match_back_project": _l("A project to back"),
    "match_back_need": _l("A community need to back"),
    "fair_invited": _l("Invitation to a matchmaking fair"),
    "fair_intent": _l("Paddle raise recorded"),
    "objection_raised": _l("Objection during public disclosure"),
    "objection_upheld_withdraw_approval": _l("Approval withdrawn after an objection"),
    "objection_upheld_reopen": _l("Decision reopened after an objection"),
    "review_conflict_found": _l("Reviewer withdrawn: conflict of interest"),
    "party_verified": _l("Registration verified"),
    "party_rejected": _l("Registration rejected"),
    "party_more_info": _l("More information needed for the registration"),
    "party_identity_changed": _l("A verified party changed its legal details"),
    "party_updated": _l("A party supplied more information"),
    "pledge_money_to_program": _l("Your gift went to the program"),
    "pledge_money_refunded": _l("Your gift is returned to you"),
}
SUBJECT_TITLE_CHARS = 40


def render_text(key: str, params: dict) -> str:
    text = TEXTS.get(key)
    if text is None:
        return key
    if "why" in params:
        params = {**params, "why": str(WHY.get(params["why"], params["why"]))}
    return str(text) % params


def one_line(text: str, limit: int) -> str:
    """``text`` with every run of whitespace (line breaks too) as one space, cut to ``limit``."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_subject(key: str, params: dict) -> str:
    """A short, single-line title for an email about ``key``."""
    subject = str(SUBJECTS.get(key, _l("News from the platform")))
    if params.get("title"):
        subject += " · " + one_line(params["title"], SUBJECT_TITLE_CHARS)
    return subject
