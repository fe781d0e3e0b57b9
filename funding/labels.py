"""Human names for the enumerations, in the visitor's language."""

from flask_babel import lazy_gettext as _l

from funding.accounts.models import Role
from funding.directory.models import LegalForm, NeedSource, NeedStatus

ROLE_LABELS = {
    Role.ORG_MEMBER: _l("Social organization member"),
    Role.ENTERPRISE_MEMBER: _l("Enterprise member"),
    Role.COMMUNITY_WORKER: _l("Community worker"),
    Role.REVIEWER: _l("Reviewer"),
    Role.STAFF: _l("Foundation staff"),
    Role.ADMIN: _l("Administrator"),
}
LEGAL_FORM_LABELS = {
    LegalForm.SOCIAL_GROUP: _l("Social group"),
    LegalForm.PRIVATE_NON_ENTERPRISE: _l("Private non-enterprise unit"),
    LegalForm.FOUNDATION: _l("Foundation"),
    LegalForm.COMMUNITY_FILED: _l("Community social organization (filed)"),
}
NEED_SOURCE_LABELS = {
    NeedSource.CONSULTATION: _l("Residents' consultation meeting"),
    NeedSource.HOTLINE: _l("Resident hotline"),
    NeedSource.SURVEY: _l("Survey"),
    NeedSource.VISIT: _l("Home visits"),
    NeedSource.OTHER: _l("Other"),
}
NEED_STATUS_LABELS = {
    NeedStatus.OPEN: _l("Open"),
    NeedStatus.MATCHED: _l("Matched"),
    NeedStatus.IN_SERVICE: _l("In service"),
    NeedStatus.MET: _l("Met"),
    NeedStatus.CLOSED: _l("Closed"),
}
ALL_LABELS = {**ROLE_LABELS, **LEGAL_FORM_LABELS, **NEED_SOURCE_LABELS, **NEED_STATUS_LABELS}


def label(value) -> str:
    """The translated name of an enum member (the raw value if it has none)."""
    found = ALL_LABELS.get(value)
    return str(found) if found is not None else str(value)


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(member.value, str(text)) for member, text in labels.items()]
