"""Verification respects the rules: staff verify, reject or ask for more, and the party is told;
a verified party that changes who it is waits for verification again and is screened again."""

from datetime import date

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role
from funding.demo import demo_credit_code
from funding.directory.models import LegalForm, VerificationState
from funding.directory.services import PartyProfile, update_party_profile
from funding.directory.verification import reject_party, request_information, verify_party
from funding.extensions import db
from funding.notifications.models import Notification
from funding.pledges.models import PaymentMethod, PledgeTarget
from funding.pledges.services import PledgeData, create_pledge, single
from funding.proposals import services
from funding.proposals.models import ProposalState
from funding.transactions import DomainError

NEW_CODE = demo_credit_code("5", "2", 39_999_999)


def _keys(user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.key)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def _profile(party, **changes) -> PartyProfile:
    fields = {
        "name": party.name,
        "contact_name": party.contact_name,
        "contact_mobile": party.contact_mobile,
        "description": party.description,
        "category_codes": tuple(c.code for c in party.categories),
        "street_codes": tuple(s.code for s in party.streets),
        "legal_form": getattr(party, "legal_form", None),
        "capacity": getattr(party, "capacity", None),
        **changes,
    }
    return PartyProfile(**fields)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "新名称社会工作服务中心"},
        {"legal_form": LegalForm.SOCIAL_GROUP},
        {"credit_code": NEW_CODE},
    ],
)
def test_changing_who_it_is_sends_a_verified_organization_back(make, change):
    member = make.user(Role.ORG_MEMBER)
    staff = make.user(Role.STAFF)
    org = member.party
    p = make.proposal(member, state=ProposalState.IN_REVIEW)
    p.screening = [{"rule": "party_verified", "passed": True, "detail": ""}]
    db.session.commit()
    update_party_profile(member, org, _profile(org, **change))
    assert not org.is_verified and org.verification_state == VerificationState.PENDING
    assert "party_identity_changed" in _keys(staff)
    rules = {r["rule"]: r["passed"] for r in p.screening}
    assert rules["party_verified"] is False and len(rules) > 1
    with pytest.raises(DomainError) as info:
        services.approve(staff, p, 3_000_000, "", date(2027, 3, 1))
    assert info.value.code == "organization_not_verified"
    verify_party(staff, org)
    assert org.is_verified and "party_verified" in _keys(member)
    assert {r["rule"]: r["passed"] for r in p.screening}["party_verified"] is True


def test_other_profile_changes_keep_the_verification(make):
    member = make.user(Role.ORG_MEMBER)
    org = member.party
    update_party_profile(member, org, _profile(org, description="新增助残服务", capacity=4))
    assert org.is_verified


def test_a_credit_code_stays_unique(make):
    member = make.user(Role.ORG_MEMBER)
    other = make.enterprise()
    with pytest.raises(DomainError) as info:
        update_party_profile(
            member, member.party, _profile(member.party, credit_code=other.credit_code)
        )
    assert info.value.code == "credit_code_taken"
    assert member.party.is_verified


def test_an_enterprise_that_renames_itself_cannot_pledge_until_verified(make):
    member = make.user(Role.ENTERPRISE_MEMBER)
    ent = member.party
    update_party_profile(member, ent, _profile(ent, name="杭州新名称科技有限公司"))
    assert not ent.is_verified
    data = PledgeData(
        target=PledgeTarget.POOL,
        amount_fen=100_000,
        payment_method=PaymentMethod.BANK_TRANSFER,
        instalments=single(100_000, date(2999, 1, 1)),
    )
    with pytest.raises(DomainError) as info:
        create_pledge(member, ent, data, "renamed-pledge")
    assert info.value.code == "party_not_verified"


def test_staff_reject_or_ask_and_the_party_is_told(make):
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER, party=make.organization(verified=False))
    org = member.party
    with pytest.raises(DomainError) as info:
        reject_party(staff, org, " ")
    assert info.value.code == "note_required"
    with pytest.raises(DomainError) as info:
        request_information(member, org, "请上传登记证书")
    assert info.value.code == "forbidden"
    request_information(staff, org, "请上传登记证书扫描件")
    assert org.verification_state == VerificationState.MORE_INFO
    assert _keys(member) == ["party_more_info"]
    update_party_profile(member, org, _profile(org, description="已补充登记证书"))
    assert org.verification_state == VerificationState.PENDING
    assert "party_updated" in _keys(staff)
    reject_party(staff, org, "登记证书与名称不符")
    assert org.verification_state == VerificationState.REJECTED
    assert org.verification_note == "登记证书与名称不符"
    assert _keys(member)[-1] == "party_rejected"
    with pytest.raises(DomainError) as info:
        reject_party(staff, make.organization(), "已审核的不能再驳回")
    assert info.value.code == "already_verified"


def test_the_pages_tell_the_party_and_staff(make, login_as):
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER, party=make.organization(verified=False))
    org = member.party
    client = login_as(staff)
    empty = client.post(f"/staff/parties/{org.id}/ask", data={"note": ""}, follow_redirects=True)
    assert "请填写说明" in empty.get_data(as_text=True)
    client.post(f"/staff/parties/{org.id}/ask", data={"note": "请补充\n登记证书扫描件"})
    listing = client.get("/staff/parties").get_data(as_text=True)
    assert 'data-verification="more_info"' in listing and "待补充材料" in listing
    dashboard = login_as(member).get("/dashboard").get_data(as_text=True)
    assert 'data-verification="more_info"' in dashboard and "登记证书扫描件" in dashboard
    english = login_as(member).get("/dashboard?lang=en").get_data(as_text=True)
    assert "More information requested" in english
    login_as(staff).post(f"/staff/parties/{org.id}/reject", data={"note": "名称与证书不符"})
    page = login_as(member).get(f"/organizations/{org.id}/edit?lang=zh").get_data(as_text=True)
    assert "注册未通过" in page and "名称与证书不符" in page


def test_renaming_through_the_profile_page(make, login_as):
    member = make.user(Role.ORG_MEMBER)
    org = member.party
    client = login_as(member)
    form = client.get(f"/organizations/{org.id}/edit").get_data(as_text=True)
    assert 'id="identity-warning"' in form and org.credit_code in form
    response = client.post(
        f"/organizations/{org.id}/edit",
        data={
            "name": "更名后的社会工作服务中心",
            "credit_code": NEW_CODE.lower(),
            "legal_form": org.legal_form.value,
            "capacity": "2",
            "contact_name": "陈晓",
            "contact_mobile": "13912345678",
            "categories": ["H"],
            "streets": ["330102001"],
        },
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.credit_code == NEW_CODE and not org.is_verified
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'data-verification="pending"' in dashboard
    bad = client.post(
        f"/organizations/{org.id}/edit",
        data={
            "name": "x",
            "credit_code": "91330100MA2ABCDEFG",
            "legal_form": "social_group",
            "capacity": "2",
            "contact_name": "陈",
            "contact_mobile": "13912345678",
        },
    )
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)
