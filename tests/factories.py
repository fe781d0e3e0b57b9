"""Factory helpers that build valid objects with the fewest arguments."""

import itertools

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.accounts.passwords import hash_password
from funding.demo import demo_credit_code
from funding.directory.models import (
    Community,
    Enterprise,
    LegalForm,
    Need,
    NeedSource,
    Organization,
    ServiceCategory,
    Street,
)
from funding.extensions import db, utcnow

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


def community(name: str = "清波门社区") -> Community:
    return db.session.scalar(sa.select(Community).filter_by(name=name))


def street(code: str = "330102001") -> Street:
    return db.session.get(Street, code)


def category(code: str = "H") -> ServiceCategory:
    return db.session.get(ServiceCategory, code)


def organization(verified: bool = True, **fields) -> Organization:
    n = next(_serial)
    org = Organization(
        name=fields.pop("name", f"测试社会工作服务中心{n}"),
        credit_code=fields.pop("credit_code", demo_credit_code("5", "2", 30_000_000 + n)),
        legal_form=fields.pop("legal_form", LegalForm.PRIVATE_NON_ENTERPRISE),
        capacity=fields.pop("capacity", 2),
        contact_name="陈老师",
        contact_mobile="13800001234",
        description=fields.pop("description", "为老服务"),
        categories=fields.pop("categories", [category("H")]),
        streets=fields.pop("streets", [street()]),
        verified_at=utcnow() if verified else None,
        **fields,
    )
    db.session.add(org)
    db.session.commit()
    return org


def enterprise(verified: bool = True, **fields) -> Enterprise:
    n = next(_serial)
    ent = Enterprise(
        name=fields.pop("name", f"杭州测试科技有限公司{n}"),
        credit_code=fields.pop("credit_code", demo_credit_code("9", "1", 40_000_000 + n)),
        contact_name="吴经理",
        contact_mobile="13900001234",
        description="",
        verified_at=utcnow() if verified else None,
        **fields,
    )
    db.session.add(ent)
    db.session.commit()
    return ent


def user(role: Role = Role.STAFF, **fields) -> User:
    n = next(_serial)
    links = {}
    if role in (Role.ORG_MEMBER, Role.ENTERPRISE_MEMBER) and "party" not in fields:
        links["party"] = organization() if role == Role.ORG_MEMBER else enterprise()
    if role == Role.COMMUNITY_WORKER and "community" not in fields:
        links["community"] = community()
    u = User(
        email=fields.pop("email", f"user{n}@example.org"),
        name=fields.pop("name", f"用户{n}"),
        role=role,
        password_hash=hash_password(fields.pop("password", PASSWORD)),
        **links,
        **fields,
    )
    db.session.add(u)
    db.session.commit()
    return u


def need(**fields) -> Need:
    item = Need(
        community=fields.pop("community", None) or community(),
        category=fields.pop("category", None) or category("H"),
        title=fields.pop("title", "独居老人助餐"),
        description="午餐不便，需要助餐。",
        beneficiaries=fields.pop("beneficiaries", 50),
        budget_estimate_fen=fields.pop("budget_estimate_fen", 3_000_000),
        source=fields.pop("source", NeedSource.CONSULTATION),
        **fields,
    )
    db.session.add(item)
    db.session.commit()
    return item
