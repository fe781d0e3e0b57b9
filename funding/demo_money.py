"""Demo money: program funds, pledges in every state, a reserved grant with a paid tranche."""

from datetime import timedelta
from uuid import uuid4

import sqlalchemy as sa

from funding.accounts.models import User
from funding.dates import today
from funding.directory.models import Enterprise
from funding.extensions import db
from funding.grants import reservation, tranches
from funding.grants.models import Grant
from funding.ledger.models import LedgerTransaction
from funding.pledges import services as pledges
from funding.pledges.models import PaymentMethod, Pledge, PledgeTarget
from funding.proposals.models import Program, Proposal, ProposalState


def _key() -> str:
    return uuid4().hex


def fund_programs(staff: User) -> None:
    """Put each program's budget into its fund, once (before any proposal is approved)."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)):
        return
    for program in db.session.scalars(sa.select(Program).order_by(Program.id)):
        pledges.fund_program(staff, program, program.budget_fen, "区级财政公益创投资金", _key())


def seed_money(staff: User) -> int:
    """Pledges, a reserved grant and a paid tranche, once; returns how many pledges it made."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)):
        return 0
    programs = {p.name: p for p in db.session.scalars(sa.select(Program))}
    partners = programs["社区伙伴计划"]
    partners.match_ratio_pct = 100
    partners.match_cap_project_fen, partners.match_cap_program_fen = 2_000_000, 20_000_000
    enterprises = list(
        db.session.scalars(
            sa.select(Enterprise).where(Enterprise.verified_at.is_not(None)).order_by(Enterprise.id)
        )
    )
    signed = db.session.scalar(
        sa.select(Proposal).where(Proposal.state == ProposalState.AGREEMENT_SIGNED)
    )
    approved = db.session.scalar(
        sa.select(Proposal).where(Proposal.state == ProposalState.APPROVED)
    )
    soon = today() + timedelta(days=30)

    def pledge(ent, target, amount_yuan, due, schedule=None, **ref):
        data = pledges.PledgeData(
            target=target,
            amount_fen=amount_yuan * 100,
            payment_method=PaymentMethod.BANK_TRANSFER,
            instalments=schedule or pledges.single(amount_yuan * 100, due),
            **ref,
        )
        preview = pledges.preview_pledge(staff, ent, data)
        return pledges.create_pledge(staff, ent, data, _key(), preview.match_fen)

    def confirm(p, receipt, number=1):
        instalment = p.instalments[number - 1]
        pledges.confirm_instalment(staff, instalment, receipt, today(), _key())

    confirm(
        pledge(enterprises[0], PledgeTarget.PROJECT, 20_000, soon, proposal_id=signed.id),
        "HZ2026-0101",
    )
    confirm(
        pledge(enterprises[1], PledgeTarget.PROGRAM, 50_000, soon, program_id=partners.id),
        "HZ2026-0102",
    )
    in_two = pledges.InstalmentData
    confirm(
        pledge(
            enterprises[2],
            PledgeTarget.POOL,
            100_000,
            soon,
            schedule=(in_two(today(), 6_000_000), in_two(soon, 4_000_000)),
        ),
        "HZ2026-0103",
    )
    pledge(
        enterprises[3],
        PledgeTarget.CATEGORY,
        30_000,
        today() + timedelta(days=5),
        category_code="H",
    )
    pledge(
        enterprises[0], PledgeTarget.PROJECT, 10_000, soon, proposal_id=approved.id, tranche_no=2
    )
    cancelled = pledge(enterprises[4], PledgeTarget.POOL, 5_000, soon)
    pledges.cancel_pledge(staff, cancelled, "企业预算调整")

    grant = signed_grant(signed)
    options = reservation.source_options(grant)
    reservation.reserve_grant(staff, grant, {o.key: o.proposed_fen for o in options}, _key())
    member = signed.organization.members[0]
    first = grant.tranches[0]
    total = signed.total_budget_fen
    tranches.request_tranche(
        member,
        first,
        tranches.Report(
            activities="已开展助餐服务 60 次、入户探访 120 户次。",
            beneficiaries_served=86,
            spent={
                line.position: line.total_fen * grant.amount_fen // total // 2
                for line in signed.budget_lines
            },
        ),
    )
    tranches.sign_tranche(staff, first, _key())
    tranches.pass_midterm(staff, grant)
    return db.session.scalar(sa.select(sa.func.count()).select_from(Pledge))


def signed_grant(proposal: Proposal) -> Grant:
    return db.session.scalar(sa.select(Grant).where(Grant.proposal_id == proposal.id))
