"""Factory helpers that build valid objects with the fewest arguments."""

import itertools
from datetime import date

import pyotp
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
from funding.directory.services import NeedData, create_need
from funding.extensions import db, utcnow
from funding.ledger.models import AccountKind
from funding.ledger.services import Leg, account, post
from funding.proposals.models import BudgetCategory, BudgetLine, Program, Proposal, ProposalState

PASSWORD = "correct horse battery"
#: Staff and admins come with a second factor: this TOTP secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
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


def fresh_code(email: str, secret: str = TOTP_SECRET) -> str:
    """The code a staff member's app shows now. A code is accepted once, and tests log the
    same person in within 30 seconds: the last accepted one is forgotten first."""
    db.session.commit()  # and start afresh: SQLite cannot write from an older snapshot
    db.session.execute(sa.update(User).filter_by(email=email).values(totp_last_step=None))
    db.session.commit()
    return pyotp.TOTP(secret).now()


def give_second_factor(client, email: str, secret: str = TOTP_SECRET, **request):
    """Complete a login with the second factor."""
    return client.post("/login/second-factor", data={"code": fresh_code(email, secret)}, **request)


def user(role: Role = Role.STAFF, **fields) -> User:
    n = next(_serial)
    links = {}
    if role in (Role.ORG_MEMBER, Role.ENTERPRISE_MEMBER) and "party" not in fields:
        links["party"] = organization() if role == Role.ORG_MEMBER else enterprise()
    if role == Role.COMMUNITY_WORKER and "community" not in fields:
        links["community"] = community()
    if role in (Role.STAFF, Role.ADMIN):
        fields.setdefault("totp_secret", TOTP_SECRET)
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


def posted_need(worker: User, community_id: int, title: str) -> Need:
    """A need posted through the service, as a community worker posts one (audited, so the
    data's version moves on)."""
    return create_need(
        worker,
        NeedData(
            community_id=community_id,
            category_code="H",
            title=title,
            description="居民在议事会上提出的需求。",
            beneficiaries=40,
            budget_estimate_fen=1_500_000,
            source=NeedSource.CONSULTATION,
        ),
    )


def program(**fields) -> Program:
    prog = Program(
        name=fields.pop("name", f"测试计划{next(_serial)}"),
        name_en="Test programme",
        purpose="测试",
        min_grant_fen=fields.pop("min_grant_fen", 1_000_000),
        max_grant_fen=fields.pop("max_grant_fen", 10_000_000),
        budget_fen=fields.pop("budget_fen", 100_000_000),
        open_from=fields.pop("open_from", date(2020, 1, 1)),
        **fields,
    )
    db.session.add(prog)
    db.session.flush()
    fund(prog, prog.budget_fen)
    return prog


def fund(prog: Program, amount_fen: int) -> None:
    """Put money into a program's fund through the ledger."""
    if amount_fen:
        post(
            "program_funded",
            f"program:{prog.id}",
            [
                Leg(account(AccountKind.OUTSIDE), -amount_fen),
                Leg(account(AccountKind.PROGRAM_FUND, prog.id), amount_fen),
            ],
        )
    db.session.commit()


def proposal(member: User | None = None, state=None, **fields) -> Proposal:
    """A complete proposal (budget ¥50,000: ¥30,000 requested, ¥20,000 self-funded)."""

    member = member or user(Role.ORG_MEMBER)
    prop = Proposal(
        program=fields.pop("program", None) or program(),
        organization_id=member.party_id,
        created_by_id=member.id,
        title=fields.pop("title", "长者助餐服务"),
        summary="为独居老人提供午餐与探访。",
        category_code=fields.pop("category_code", "H"),
        communities=fields.pop("communities", [community()]),
        direct_beneficiaries=80,
        indirect_beneficiaries=200,
        start_date=date(2027, 1, 1),
        end_date=date(2027, 12, 31),
        amount_requested_fen=fields.pop("amount_requested_fen", 3_000_000),
        self_funded_fen=fields.pop("self_funded_fen", 2_000_000),
        budget_lines=fields.pop(
            "budget_lines",
            [
                BudgetLine(
                    item="餐费补贴",
                    category=BudgetCategory.ACTIVITIES,
                    quantity=1000,
                    unit_price_fen=5_000,
                )
            ],
        ),
        outcomes=[{"indicator": "服务老人", "target": "80人"}],
        team=[{"name": "陈晓", "role": "项目负责人"}],
        declaration=True,
        state=state or ProposalState.DRAFT,
        **fields,
    )
    db.session.add(prop)
    db.session.commit()
    return prop
