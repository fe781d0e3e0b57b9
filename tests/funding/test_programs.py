"""Staff keep program rules; the public sees them with the money left."""

import sqlalchemy as sa

from funding.accounts.models import Role
from funding.extensions import db
from funding.proposals.models import Program, ProposalState

RUBRIC = {
    f"rubric-{i}-{k}": v
    for i, (n, w) in enumerate(
        [("需求分析", 20), ("项目设计", 30), ("团队能力", 20), ("预算合理性", 15), ("可持续性", 15)]
    )
    for k, v in (("name", n), ("name_en", n), ("weight", str(w)))
}


def _program_form(**overrides):
    data = {
        "name": "邻里互助计划",
        "name_en": "Neighbours",
        "purpose": "互助",
        "categories": ["A", "H"],
        "legal_forms": ["social_group"],
        "streets": ["330102001"],
        "min_grant": "10000",
        "max_grant": "50000",
        "budget": "500000",
        "min_self_share_pct": "40",
        "reviewers_required": "3",
        "disclosure_days": "5",
        "tranches": "50/30/20",
        "open_from": "2026-01-01",
        **RUBRIC,
    }
    data.update(overrides)
    return data


def test_staff_create_program_with_rules(make, login_as):
    client = login_as(make.user(Role.STAFF))
    assert client.post("/staff/programs/new", data=_program_form()).status_code == 302
    program = db.session.scalar(sa.select(Program).filter_by(name="邻里互助计划"))
    assert (program.min_grant_fen, program.max_grant_fen, program.budget_fen) == (
        1_000_000,
        5_000_000,
        50_000_000,
    )
    assert program.tranches == [50, 30, 20] and program.open_until is None
    assert [c["weight"] for c in program.rubric] == [20, 30, 20, 15, 15]
    assert program.legal_forms == ["social_group"]
    assert [c.code for c in program.categories] == ["A", "H"]


def test_program_rules_validated(make, login_as):
    client = login_as(make.user(Role.STAFF))
    cases = [
        ({"rubric-0-weight": "25"}, "权重之和必须为 100"),
        ({"tranches": "50/30"}, "100%"),
        ({"max_grant": "5000"}, "最高资助额不能低于最低资助额"),
        ({"open_until": "2025-01-01"}, "不能早于"),
    ]
    for overrides, words in cases:
        page = client.post("/staff/programs/new", data=_program_form(**overrides))
        assert words in page.get_data(as_text=True), overrides
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == 0


def test_public_programs_show_money_left(make, client):
    program = make.program(budget_fen=10_000_000)
    make.proposal(program=program, state=ProposalState.APPROVED, approved_amount_fen=2_500_000)
    page = client.get("/programs").get_data(as_text=True)
    assert f'data-money-left="{program.id}">¥75,000.00' in page
    assert "滚动" in page or "无截止" in page
