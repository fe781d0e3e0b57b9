"""Labels say what they mean: found by the enumeration and value, never by the value alone,
distinct in both languages, and never sharing a translation with unrelated text."""

from collections import defaultdict
from itertools import combinations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from funding.accounts.models import Role
from funding.extensions import db
from funding.grants.models import GrantState, TrancheState
from funding.labels import LABELS, label
from funding.ledger.models import AccountKind
from funding.proposals.models import BudgetCategory, ProposalState
from tests.funding.test_i18n import extracted_messages

LOCALES = ("en", "zh_Hans_CN")
MEMBERS = [member for kind in LABELS for member in kind]


def rendered(locale: str) -> dict:
    with force_locale(locale):
        return {member: label(member) for member in MEMBERS}


def test_every_member_of_every_labelled_enumeration_has_a_label():
    for kind, labels in LABELS.items():
        assert set(labels) == set(kind), kind.__name__


def test_every_enumeration_stored_in_a_column_has_labels():
    """A new state column without labels would show its raw values to people."""
    stored = {
        column.type.enum_class
        for table in db.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.Enum) and column.type.enum_class is not None
    }
    elsewhere = {AccountKind}  # named by ledger.labels.account_label with what it belongs to
    assert stored - elsewhere - set(LABELS) == set()


@pytest.mark.parametrize("locale", LOCALES)
def test_equal_values_in_different_enumerations_keep_their_own_labels(app, locale):
    by_value = defaultdict(list)
    for member in MEMBERS:
        by_value[member.value].append(member)
    shared = {value: members for value, members in by_value.items() if len(members) > 1}
    assert {"admin", "returned", "open", "withdrawn"} <= set(shared)
    with force_locale(locale):
        for members in shared.values():
            for member in members:
                assert label(member) == str(LABELS[type(member)][member]), member


def test_the_collisions_people_saw_are_gone(app):
    with force_locale("zh_Hans_CN"):
        assert label(Role.ADMIN) == "系统管理员"
        assert label(BudgetCategory.ADMIN) == "行政管理费用"
        assert label(ProposalState.RETURNED) == "退回修改"
        assert label(TrancheState.RETURNED) != label(ProposalState.RETURNED)
        assert label(TrancheState.REQUESTED) == "已申领，待签批"
        assert label(GrantState.ACTIVE) == "执行中"
    with force_locale("en"):
        assert label(Role.ADMIN) == "Administrator"
        assert label(TrancheState.RETURNED) == "Returned to the organization"


def test_a_raw_value_names_its_enumeration(app):
    with force_locale("en"):
        assert label("returned", ProposalState) == "Returned for revision"
        assert label("returned", TrancheState) == "Returned to the organization"
        assert label("no_such_value", ProposalState) == "no_such_value"
        assert label(None) == "—"
        assert label("returned") == "returned", "a raw value without its enumeration"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_two_members_of_one_enumeration_read_the_same(app, locale):
    texts = rendered(locale)
    for kind in LABELS:
        names = [texts[m] for m in kind]
        assert len(set(names)) == len(names), (kind.__name__, names)


def test_labels_agree_between_languages(app):
    """Two members that read the same in one language read the same in the other: otherwise
    one language merges what the other tells apart."""
    english, chinese = rendered("en"), rendered("zh_Hans_CN")
    for a, b in combinations(MEMBERS, 2):
        same_en, same_zh = english[a] == english[b], chinese[a] == chinese[b]
        assert same_en == same_zh, (a, b, english[a], english[b], chinese[a], chinese[b])


def test_labels_share_no_message_with_other_text(app):
    """Each enumeration's labels have their own message context, so the same English word
    elsewhere ("Active" for an account, "Requested" as an amount column) cannot lend them its
    translation."""
    places = defaultdict(set)
    for filename, _line, message, _comments, context in extracted_messages():
        places[(context, message)].add(filename.replace("\\", "/"))
    english = rendered("en")
    for member, text in english.items():
        entries = [key for key in places if key[1] == text and key[0] is not None]
        own = [key for key in entries if places[key] == {"funding/labels.py"}]
        assert own, (member, text, entries)
