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
    "objection_raised": _l("A member of the public objected to “%(title)s” during disclosure."),
}


def render_text(key: str, params: dict) -> str:
    text = TEXTS.get(key)
    return str(text) % params if text is not None else key
