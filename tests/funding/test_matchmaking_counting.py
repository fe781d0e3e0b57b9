"""The matching instance counts every need and every yuan once, as the ledger and the
directory say: needs a project answers are not offered, earmarked money counts only for its
target, and an enterprise offers only its pool money."""

import matching
from funding import figures
from funding.accounts.models import Role
from funding.directory.models import NeedStatus
from funding.extensions import db
from funding.ledger.models import AccountKind
from funding.ledger.services import balance
from funding.matchmaking.adapter import snapshot_data
from funding.pledges.models import PledgeTarget
from funding.proposals import services as proposals
from tests.funding.money_helpers import (
    TODAY,
    approved_proposal,
    matching_program,
    pledge_data,
    promise,
    receive,
)

M = 100  # fen per yuan, for readable amounts


def test_the_instance_counts_each_need_and_each_yuan_once(make):
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    ent = make.user(Role.ENTERPRISE_MEMBER)
    program = matching_program(
        own_fen=200_000 * M, ratio_pct=50, cap_project_fen=50_000 * M, cap_program_fen=50_000 * M
    )
    answered = make.need(title="已有项目的需求", budget_estimate_fen=192_000 * M)
    stale = make.need(title="状态未更新的需求", budget_estimate_fen=40_000 * M)
    open_need = make.need(title="尚无项目的需求", budget_estimate_fen=20_000 * M)
    make.need(title="已满足的需求", budget_estimate_fen=10_000 * M, status=NeedStatus.MET)

    signed = approved_proposal(member, program, 50_000 * M, needs=[answered])
    proposals.sign_agreement(staff, signed, TODAY)
    assert answered.status == NeedStatus.MATCHED, "the need follows its project"
    other = approved_proposal(member, program, 30_000 * M, needs=[stale])
    assert stale.status == NeedStatus.OPEN  # approved without the service: status not moved

    gift = promise(ent, pledge_data(PledgeTarget.PROJECT, 20_000 * M, proposal_id=signed.id))
    assert gift.promised_match_fen == 10_000 * M
    receive(staff, promise(ent, pledge_data(PledgeTarget.POOL, 80_000 * M)))
    promise(ent, pledge_data(PledgeTarget.POOL, 10_000 * M))
    receive(
        staff, promise(ent, pledge_data(PledgeTarget.PROGRAM, 30_000 * M, program_id=program.id))
    )
    promise(ent, pledge_data(PledgeTarget.PROGRAM, 10_000 * M, program_id=program.id))
    receive(staff, promise(ent, pledge_data(PledgeTarget.CATEGORY, 40_000 * M, category_code="H")))
    db.session.commit()

    data = snapshot_data()
    instance = matching.parse_instance(data)
    needs = {n.id: n.budget_fen for n in instance.needs}
    funders = {f.id: f.budget_fen for f in instance.funders}

    # Demand: the open need, and what each project still lacks after what is given to it.
    assert needs == {
        f"need-{open_need.id}": 20_000 * M,
        f"project-{signed.id}": (50_000 - 20_000 - 10_000) * M,  # gift due, its match promised
        f"project-{other.id}": 30_000 * M,
    }
    # Money: the program's free money and its pledges not yet paid, the category fund, and
    # the enterprise's pool pledges (arrived and waiting, or due) -- nothing else.
    program_free = 200_000 + 30_000 - 50_000 - 30_000 - 10_000  # own + received - owed - match
    assert funders == {
        f"program-{program.id}": (program_free + 10_000) * M,
        "category-H": 40_000 * M,
        f"enterprise-{ent.party_id}": (80_000 + 10_000) * M,
    }
    # The same totals, as the ledger states them.
    assert figures.available_fen(program) == program_free * M
    assert balance(AccountKind.CATEGORY_FUND, "H") == 40_000 * M
    flows = figures.giving(enterprise_ids=[ent.party_id])[ent.party_id]
    assert flows.due_fen + flows.waiting_fen == 190_000 * M  # nothing reserved for a grant yet
    earmarked = (20_000 + 30_000 + 10_000 + 40_000) * M  # to the project, program and category
    assert funders[f"enterprise-{ent.party_id}"] == flows.due_fen + flows.waiting_fen - earmarked
    assert sum(needs.values()) == 70_000 * M and sum(funders.values()) == 280_000 * M
