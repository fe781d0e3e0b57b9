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


def render_text(key: str, params: dict) -> str:
    text = TEXTS.get(key)
    if text is None:
        return key
    if "why" in params:
        params = {**params, "why": str(WHY.get(params["why"], params["why"]))}
    return str(text) % params
