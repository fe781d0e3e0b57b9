"""The money rules, one example each: sign-offs, matching gifts (ratio, caps, free money only,
promised at the pledge and added per instalment), milestones, reservations that use a
project's own money first, termination and completion returning every unpaid fen, and the
checks `flask ledger check` makes."""

import pytest
import sqlalchemy as sa

from funding import figures
from funding.accounts.models import Role
from funding.dates import today
from funding.extensions import db
from funding.grants import closing, reservation, tranches
from funding.grants.models import Grant, GrantState, Tranche, TrancheState
from funding.ledger.check import violations
from funding.ledger.models import AccountKind, LedgerTransaction
from funding.ledger.services import Leg, account, balance, post
from funding.notifications.models import Notification
from funding.pledges import services as pledges
from funding.pledges.models import InstalmentState, Pledge, PledgeState, PledgeTarget, UnusedMoney
from funding.proposals import services as proposals
from funding.proposals.models import ProposalState
from funding.reviews.models import AssignmentState, ReviewAssignment
from funding.transactions import DomainError
from tests.funding.money_helpers import (
    approved_proposal,
    books,
    budget_for,
    independent_problems,
    key,
    ledger_count,
    matching_program,
    pledge_data,
    pledge_money_in,
    promise,
    receive,
    request_next,
    reserve_proposed,
    signed_grant,
)


@pytest.fixture
def people(make):
    """Two staff, an organization member, a community worker it serves, an enterprise member."""
    return {
        "a": make.user(Role.STAFF),
        "b": make.user(Role.STAFF),
        "member": make.user(Role.ORG_MEMBER),
        "worker": make.user(Role.COMMUNITY_WORKER),
        "ent": make.user(Role.ENTERPRISE_MEMBER),
    }


def give(people, target, amount, confirm=True, **fields) -> Pledge:
    """The enterprise pledges as previewed (and, by default, staff record every instalment)."""
    pledge = promise(people["ent"], pledge_data(target, amount, **fields))
    if confirm:
        receive(people["a"], pledge)
    return db.session.get(Pledge, pledge.id)


def requested(people, amount_fen, tranches_=(100,), own_fen=None):
    """A reserved grant (from the program's own money) whose first tranche is requested."""
    program = matching_program(
        own_fen=amount_fen if own_fen is None else own_fen, ratio_pct=0, tranches=list(tranches_)
    )
    grant = signed_grant(people["a"], people["member"], program, amount_fen)
    reserve_proposed(people["a"], grant)
    return grant, request_next(people["member"], people["a"], people["worker"], grant)


def payee_of(grant) -> int:
    return balance(AccountKind.PAYEE, grant.proposal.organization_id)


# --- sign-offs -------------------------------------------------------------------------------


def test_two_person_rule_above_the_threshold(app, people):
    threshold = app.config["TWO_PERSON_THRESHOLD_FEN"]
    grant, tranche = requested(people, threshold + 1)
    a, b = people["a"], people["b"]
    before = books()
    assert tranches.sign_tranche(a, tranche, key()) is False
    assert tranche.state == TrancheState.SIGNED and tranche.first_signer_id == a.id
    assert books() == before and payee_of(grant) == 0  # one signature moves no money
    with pytest.raises(DomainError) as refused:
        tranches.sign_tranche(a, tranche, key())
    assert refused.value.code == "second_signer_needed"
    assert db.session.get(Tranche, tranche.id).state == TrancheState.SIGNED
    assert tranches.sign_tranche(b, tranche, key()) is True
    tranche = db.session.get(Tranche, tranche.id)
    assert tranche.state == TrancheState.PAID
    assert (tranche.first_signer_id, tranche.second_signer_id) == (a.id, b.id)
    assert payee_of(grant) == threshold + 1
    assert ledger_count("tranche_paid", f"tranche:{tranche.id}") == 1
    assert db.session.get(Grant, grant.id).state == GrantState.COMPLETED
    assert violations() == []


def test_one_signature_pays_at_or_below_the_threshold(app, people):
    threshold = app.config["TWO_PERSON_THRESHOLD_FEN"]
    grant, tranche = requested(people, threshold)
    assert tranches.sign_tranche(people["a"], tranche, key()) is True
    tranche = db.session.get(Tranche, tranche.id)
    assert tranche.state == TrancheState.PAID and tranche.second_signer_id is None
    assert payee_of(grant) == threshold
    assert violations() == []


def test_no_self_approval(people):
    grant, tranche = requested(people, 1_000_000)
    a = people["a"]
    tranche.requested_by_id = a.id
    db.session.commit()
    before = books()
    with pytest.raises(DomainError) as refused:
        tranches.sign_tranche(a, tranche, key())
    assert refused.value.code == "self_approval"
    assert books() == before
    assert db.session.get(Tranche, tranche.id).state == TrancheState.REQUESTED
    assert tranches.sign_tranche(people["b"], tranche, key()) is True
    assert payee_of(grant) == 1_000_000


def test_idempotent_pledge_receipt_and_payment(people):
    ent = people["ent"]
    data = pledge_data(PledgeTarget.POOL, 70_000)
    same = key()
    first = pledges.create_pledge(ent, ent.party, data, same)
    again = pledges.create_pledge(ent, ent.party, data, same)
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1
    assert ledger_count("pledge", f"pledge:{first.id}") == 1
    assert balance(AccountKind.PLEDGES_RECEIVABLE, ent.party_id) == 70_000
    receipt_key = key()
    [instalment] = first.instalments
    for _ in range(2):
        assert pledges.confirm_instalment(people["a"], instalment, "R-9", today(), receipt_key) == 0
    assert ledger_count("pledge_received") == 1
    assert balance(AccountKind.GENERAL_FUND) == 70_000
    grant, tranche = requested(people, 1_000_000)
    sign_key = key()
    assert tranches.sign_tranche(people["a"], tranche, sign_key) is True
    assert tranches.sign_tranche(people["a"], tranche, sign_key) is True
    assert ledger_count("tranche_paid") == 1
    assert payee_of(grant) == 1_000_000
    assert violations() == []


# --- matching gifts ---------------------------------------------------------------------------


def _projects(people, n, own_extra=0, amount=2_000_000, **program_fields):
    """A matching program that approved ``n`` projects of ``amount`` and holds ``own_extra``
    free money on top of what it owes them."""
    program = matching_program(own_fen=n * amount + own_extra, **program_fields)
    return program, [approved_proposal(people["member"], program, amount) for _ in range(n)]


def _match(people, proposal, amount):
    """The preview, then the promise and the receipt: the match posted is the one shown."""
    shown = pledges.preview_pledge(
        people["ent"],
        people["ent"].party,
        pledge_data(PledgeTarget.PROJECT, amount, proposal_id=proposal.id),
    ).match_fen
    fund = account(AccountKind.PROGRAM_FUND, proposal.program_id)
    project = account(AccountKind.PROJECT_FUND, proposal.id)
    fund_before, project_before = fund.balance_fen, project.balance_fen
    pledge = give(people, PledgeTarget.PROJECT, amount, proposal_id=proposal.id)
    assert pledge.promised_match_fen == pledge.matched_fen == shown
    db.session.refresh(fund)
    db.session.refresh(project)
    assert fund.balance_fen == fund_before - shown
    assert project.balance_fen == project_before + amount + shown
    return shown


def test_matching_is_capped_per_project(people):
    _, (p1, p2) = _projects(
        people, 2, own_extra=5_000_000, cap_project_fen=300_000, cap_program_fen=10_000_000
    )
    assert _match(people, p1, 200_000) == 200_000
    assert _match(people, p1, 200_000) == 100_000
    assert _match(people, p1, 200_000) == 0
    assert _match(people, p2, 500_000) == 300_000
    assert violations() == []


def test_matching_is_capped_per_program(people):
    _, (p1, p2) = _projects(
        people, 2, own_extra=5_000_000, cap_project_fen=5_000_000, cap_program_fen=400_000
    )
    assert _match(people, p1, 300_000) == 300_000
    assert _match(people, p2, 300_000) == 100_000
    assert _match(people, p2, 300_000) == 0
    assert violations() == []


def test_matching_follows_the_ratio(people):
    _, (p1,) = _projects(
        people,
        1,
        own_extra=5_000_000,
        ratio_pct=50,
        cap_project_fen=5_000_000,
        cap_program_fen=5_000_000,
    )
    assert _match(people, p1, 300_001) == 150_000


def test_matching_takes_only_free_money(people):
    """Money the program owes its approved projects is not free: with ¥2,500 to spare the
    match stops at ¥2,500, however high the caps, and the other project's money is intact."""
    program, (p1, p2) = _projects(
        people, 2, own_extra=250_000, cap_project_fen=5_000_000, cap_program_fen=5_000_000
    )
    assert figures.available_fen(program) == 250_000
    assert _match(people, p1, 400_000) == 250_000
    assert figures.project_need_fen(p2) == 2_000_000
    row = next(r for r in figures.program_money() if r.program.id == program.id)
    assert row.fund_fen >= row.committed_fen
    # the gift and its matching now cover ¥6,500 of what the program owed p1: free again
    assert figures.available_fen(program) == 650_000
    assert violations() == []


def test_an_enterprise_gift_to_the_program_is_not_matching_money(people):
    """A program whose money came only from an enterprise's gift has free money, but none of
    the foundation's own to match with; and a match never spends a donor's program gift."""
    program = matching_program(own_fen=0, cap_project_fen=5_000_000, cap_program_fen=5_000_000)
    gift = give(people, PledgeTarget.PROGRAM, 3_000_000, program_id=program.id)
    p1 = approved_proposal(people["member"], program, 2_000_000)
    assert figures.available_fen(program) == 1_000_000
    assert _match(people, p1, 400_000) == 0
    funded = matching_program(
        own_fen=2_000_000, cap_project_fen=5_000_000, cap_program_fen=5_000_000
    )
    other = give(people, PledgeTarget.PROGRAM, 1_000_000, program_id=funded.id)
    p2 = approved_proposal(people["member"], funded, 2_000_000)
    assert _match(people, p2, 400_000) == 400_000
    fund = account(AccountKind.PROGRAM_FUND, funded.id)
    assert pledge_money_in(fund, other.id) == 1_000_000
    assert pledge_money_in(fund, None) == 1_600_000
    assert pledge_money_in(account(AccountKind.PROGRAM_FUND, program.id), gift.id) == 3_000_000
    assert violations() == []


def test_matching_is_promised_with_the_pledge_and_added_per_instalment(people):
    program, (p1, p2) = _projects(
        people, 2, own_extra=300_000, cap_project_fen=5_000_000, cap_program_fen=5_000_000
    )
    pledge = promise(
        people["ent"], pledge_data(PledgeTarget.PROJECT, 300_000, proposal_id=p1.id, instalments=3)
    )
    assert pledge.promised_match_fen == 300_000
    # the promise holds the money: a second gift elsewhere finds none free for matching
    assert pledges.match_gift_for(p2, 100_000) == 0
    assert figures.available_fen(program) == 0
    first, second, third = pledge.instalments
    assert pledges.confirm_instalment(people["a"], second, "R-2", today(), key()) == 100_000
    assert pledges.confirm_instalment(people["a"], first, "R-1", today(), key()) == 100_000
    assert pledges.confirm_instalment(people["a"], third, "R-3", today(), key()) == 100_000
    pledge = db.session.get(Pledge, pledge.id)
    assert pledge.matched_fen == 300_000 and pledge.state == PledgeState.RECEIVED
    assert violations() == []


def test_a_confirmation_with_another_match_than_the_one_now_offered_is_refused(people):
    _, (p1,) = _projects(
        people, 1, own_extra=1_000_000, cap_project_fen=5_000_000, cap_program_fen=5_000_000
    )
    data = pledge_data(PledgeTarget.PROJECT, 200_000, proposal_id=p1.id)
    ent = people["ent"]
    shown = pledges.preview_pledge(ent, ent.party, data).match_fen
    assert shown == 200_000
    give(people, PledgeTarget.PROJECT, 900_000, proposal_id=p1.id)  # takes the rest of the room
    before = books()
    with pytest.raises(DomainError) as refused:
        pledges.create_pledge(ent, ent.party, data, key(), shown)
    assert refused.value.code == "match_changed"
    assert refused.value.details == {"shown": "¥2,000.00", "now": "¥0.00"}
    assert books() == before


# --- what a project may still receive ---------------------------------------------------------


def test_a_project_pledge_cannot_exceed_what_the_project_still_needs(people):
    _, (p1,) = _projects(
        people, 1, own_extra=1_000_000, cap_project_fen=200_000, cap_program_fen=5_000_000
    )
    give(people, PledgeTarget.PROJECT, 500_000, proposal_id=p1.id)  # + 200,000 matching
    assert pledges.project_open_fen(p1) == 2_000_000 - 700_000
    with pytest.raises(DomainError) as refused:
        promise(people["ent"], pledge_data(PledgeTarget.PROJECT, 1_300_001, proposal_id=p1.id))
    assert refused.value.code == "pledge_above_need"
    assert refused.value.details["open_fen"] == 1_300_000
    last = give(people, PledgeTarget.PROJECT, 1_300_000, proposal_id=p1.id)
    assert last.promised_match_fen == 0  # no room left for matching either
    assert pledges.project_open_fen(p1) == 0
    assert balance(AccountKind.PROJECT_FUND, p1.id) == p1.approved_amount_fen


def test_a_cancelled_instalment_reopens_room_and_lapses_its_matching(people):
    _, (p1,) = _projects(
        people, 1, own_extra=1_000_000, cap_project_fen=5_000_000, cap_program_fen=5_000_000
    )
    pledge = promise(
        people["ent"], pledge_data(PledgeTarget.PROJECT, 400_000, proposal_id=p1.id, instalments=2)
    )
    assert pledge.promised_match_fen == 400_000
    pledges.confirm_instalment(people["a"], pledge.instalments[0], "R-1", today(), key())
    assert pledges.cancel_pledge(people["ent"], pledge, "预算调整") == 200_000
    pledge = db.session.get(Pledge, pledge.id)
    assert pledge.promised_match_fen == pledge.matched_fen == 200_000
    assert pledge.state == PledgeState.RECEIVED
    assert [i.state for i in pledge.instalments] == [
        InstalmentState.RECEIVED,
        InstalmentState.CANCELLED,
    ]
    assert pledges.project_open_fen(p1) == 2_000_000 - 400_000
    assert violations() == []


# --- reservations: the project's own money first -----------------------------------------------


def test_a_project_gift_and_its_match_are_used_first_together(people):
    """The ¥20,000 matching a completed grant once left behind now goes into the grant."""
    program = matching_program(
        own_fen=2_500_000, cap_project_fen=2_000_000, cap_program_fen=5_000_000
    )
    grant = signed_grant(people["a"], people["member"], program, 2_000_000)
    give(people, PledgeTarget.POOL, 3_000_000)  # pool money that older rules proposed first
    gift = give(people, PledgeTarget.PROJECT, 500_000, proposal_id=grant.proposal_id)
    assert gift.matched_fen == 500_000
    options = reservation.source_options(grant)
    project = account(AccountKind.PROJECT_FUND, grant.proposal_id)
    assert [
        (o.account.id, o.pledge.id if o.pledge else None, o.proposed_fen) for o in options[:2]
    ] == [
        (project.id, gift.id, 500_000),
        (project.id, None, 500_000),
    ]
    assert all(o.required for o in options[:2]) and not any(o.required for o in options[2:])
    skip_project = {o.key: o.available_fen for o in options if not o.required}
    skip_project = {k: v for k, v in skip_project.items() if v}
    with pytest.raises(DomainError) as refused:
        reservation.reserve_grant(people["a"], grant, skip_project | {}, key())
    assert refused.value.code in ("project_money_first", "sources_sum")
    reserve_proposed(people["a"], grant)
    assert balance(AccountKind.PROJECT_FUND, grant.proposal_id) == 0
    for _ in grant.tranches:
        tranche = request_next(people["member"], people["a"], people["worker"], grant)
        tranches.sign_tranche(people["a"], tranche, key())
    assert db.session.get(Grant, grant.id).state == GrantState.COMPLETED
    assert balance(AccountKind.PROJECT_FUND, grant.proposal_id) == 0
    assert db.session.get(Pledge, gift.id).state == PledgeState.PAID_OUT
    assert violations() == []


def test_reserve_refuses_more_than_a_source_holds(people):
    """Staff may adjust the proposed amounts, but not take a pledge's money as untagged."""
    program = matching_program(own_fen=3_000_000, ratio_pct=0)
    gift = give(people, PledgeTarget.PROGRAM, 5_000_000, program_id=program.id)
    grant = signed_grant(people["a"], people["member"], program, 3_000_000)
    own = next(o for o in reservation.source_options(grant) if o.pledge is None)
    assert own.available_fen == 3_000_000
    before = books()
    with pytest.raises(DomainError):
        reservation.reserve_grant(people["a"], grant, {own.key: 4_000_000}, key())
    assert books() == before
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    assert pledge_money_in(fund, gift.id) <= fund.balance_fen
    assert independent_problems() == []


def test_reservation_keeps_the_foundations_money_promised_as_matching(people):
    """Own money promised to a donor as matching is not offered to another grant."""
    program = matching_program(
        own_fen=3_000_000, cap_project_fen=2_000_000, cap_program_fen=5_000_000
    )
    grant = signed_grant(people["a"], people["member"], program, 1_000_000)
    other = approved_proposal(people["member"], program, 1_000_000)
    promise(people["ent"], pledge_data(PledgeTarget.PROJECT, 300_000, proposal_id=other.id))
    own = next(o for o in reservation.source_options(grant) if o.pledge is None)
    assert own.available_fen == 3_000_000 - 300_000


# --- milestones ---------------------------------------------------------------------------------


def _tied_grant(people, untied, tied):
    """A ¥10,000 grant (50/30/20) reserved from an untied gift and a gift tied to tranche 2."""
    program = matching_program(own_fen=1_000_000, ratio_pct=0)
    grant = signed_grant(people["a"], people["member"], program, 1_000_000)
    free = give(people, PledgeTarget.PROJECT, untied, proposal_id=grant.proposal_id)
    bound = give(people, PledgeTarget.PROJECT, tied, proposal_id=grant.proposal_id, tranche_no=2)
    reserve_proposed(people["a"], grant)
    held = account(AccountKind.GRANT_HELD, f"{grant.id}:2")
    assert held.balance_fen == tied and pledge_money_in(held, bound.id) == tied
    return grant, free, bound, held


def test_milestone_money_waits_for_its_tranche(people):
    grant, free, bound, held = _tied_grant(people, 600_000, 400_000)
    payee = account(AccountKind.PAYEE, grant.proposal.organization_id)
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    assert tranches.sign_tranche(people["a"], tranche, key()) is True
    db.session.refresh(held)
    assert held.balance_fen == 400_000  # tranche 1 was paid from the untied gift alone
    assert pledge_money_in(payee, free.id) == 500_000 and pledge_money_in(payee, bound.id) == 0
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    assert tranche.number == 2
    assert tranches.sign_tranche(people["b"], tranche, key()) is True
    db.session.refresh(held)
    assert held.balance_fen == 0
    assert pledge_money_in(payee, bound.id) == 240_000  # 300,000 split 100k : 400k
    assert pledge_money_in(payee, free.id) == 560_000
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    assert tranches.sign_tranche(people["a"], tranche, key()) is True
    assert payee.balance_fen == 1_000_000
    assert pledge_money_in(payee, bound.id) == 400_000
    assert db.session.get(Pledge, bound.id).state == PledgeState.PAID_OUT
    assert violations() == []


def test_milestone_money_cannot_pay_an_earlier_tranche(people):
    grant, _, _, held = _tied_grant(people, 200_000, 800_000)
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    before = books()
    with pytest.raises(DomainError) as refused:
        tranches.sign_tranche(people["a"], tranche, key())
    assert refused.value.code == "insufficient_funds"
    assert books() == before
    assert db.session.get(Tranche, tranche.id).state == TrancheState.REQUESTED
    assert held.balance_fen == 800_000
    assert violations() == []


# --- termination and completion ---------------------------------------------------------------


def test_termination_returns_every_unpaid_fen_and_moves_project_money_on(people):
    program = matching_program(
        own_fen=2_200_000, cap_project_fen=200_000, cap_program_fen=1_000_000
    )
    grant = signed_grant(people["a"], people["member"], program, 2_000_000)
    gift = give(people, PledgeTarget.PROJECT, 500_000, proposal_id=grant.proposal_id)
    refund = give(
        people,
        PledgeTarget.PROJECT,
        100_000,
        proposal_id=grant.proposal_id,
        if_unused=UnusedMoney.REFUND,
    )
    assert gift.matched_fen == 200_000 and refund.matched_fen == 0
    to_program = give(people, PledgeTarget.PROGRAM, 900_000, program_id=program.id)
    project = account(AccountKind.PROJECT_FUND, grant.proposal_id)
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    assert (project.balance_fen, fund.balance_fen) == (800_000, 2_900_000)
    reserve_proposed(people["a"], grant)
    grant = db.session.get(Grant, grant.id)
    assert {(s.account_id, s.pledge_id, s.amount_fen) for s in grant.sources} == {
        (project.id, gift.id, 500_000),
        (project.id, refund.id, 100_000),
        (project.id, None, 200_000),
        (fund.id, to_program.id, 900_000),
        (fund.id, None, 300_000),
    }
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    assert tranches.sign_tranche(people["a"], tranche, key()) is True  # ¥10,000 of ¥20,000
    unpaid = {(s.account_id, s.pledge_id): s.unpaid_fen for s in grant.sources}
    assert sum(unpaid.values()) == 1_000_000
    fund_before = balance(AccountKind.PROGRAM_FUND, program.id)
    closing.terminate_grant(people["b"], grant, True, "违约", key())
    txn = db.session.scalar(
        sa.select(LedgerTransaction).where(
            LedgerTransaction.kind == "grant_terminated",
            LedgerTransaction.cause == f"grant:{grant.id}",
        )
    )
    back = {(e.account_id, e.pledge_id): e.amount_fen for e in txn.entries if e.amount_fen > 0}
    assert back == {k: v for k, v in unpaid.items() if v}
    # the project's money went on: the gift and the matching to the program, the other gift
    # back to its donor, who is told
    assert balance(AccountKind.PROJECT_FUND, grant.proposal_id) == 0
    refunded = unpaid[(project.id, refund.id)]
    assert (
        balance(AccountKind.PROGRAM_FUND, program.id)
        == fund_before + sum(unpaid.values()) - refunded
    )
    # half of that gift reached the organization with the first tranche; the rest came back
    assert db.session.get(Pledge, refund.id).state == PledgeState.PAID_OUT
    assert figures.giving(by_pledge=True)[refund.id].refunded_fen == refunded == 50_000
    assert pledge_money_in(fund, gift.id) == unpaid[(project.id, gift.id)]
    grant = db.session.get(Grant, grant.id)
    assert grant.state == GrantState.TERMINATED and grant.breach is True
    assert all(s.unpaid_fen == 0 for s in grant.sources)
    assert violations() == [] and independent_problems() == []


def test_completion_under_budget_returns_what_was_not_spent(people):
    program = matching_program(own_fen=2_000_000, ratio_pct=0, tranches=[50, 50])
    grant = signed_grant(people["a"], people["member"], program, 2_000_000)
    pool = give(people, PledgeTarget.POOL, 400_000)
    reserve_proposed(people["a"], grant)
    first = request_next(people["member"], people["a"], people["worker"], grant)
    tranches.sign_tranche(people["a"], first, key())
    last = request_next(people["member"], people["a"], people["worker"], grant, spent_pct=80)
    assert tranches.payable_fen(last) == 600_000
    tranches.sign_tranche(people["a"], last, key())
    grant = db.session.get(Grant, grant.id)
    assert grant.state == GrantState.COMPLETED
    assert db.session.get(Tranche, last.id).paid_fen == 600_000
    assert payee_of(grant) == 1_600_000
    assert sum(s.returned_fen for s in grant.sources) == 400_000
    assert ledger_count("grant_closed", f"grant:{grant.id}") == 1
    assert figures.grant_money([grant])[0].returned_fen == 400_000
    # the pool's slice was partly spent; the rest went back to the pool
    assert (
        balance(AccountKind.GENERAL_FUND)
        + pledge_money_in(account(AccountKind.PAYEE, grant.proposal.organization_id), pool.id)
        == 400_000
    )
    assert violations() == []


def test_a_gift_that_arrives_after_the_reservation_goes_where_the_donor_said(people):
    program = matching_program(own_fen=1_300_000, cap_project_fen=500_000, cap_program_fen=500_000)
    grant = signed_grant(people["a"], people["member"], program, 1_000_000)
    late = promise(
        people["ent"],
        pledge_data(
            PledgeTarget.PROJECT,
            300_000,
            proposal_id=grant.proposal_id,
            if_unused=UnusedMoney.REFUND,
        ),
    )
    assert late.promised_match_fen == 300_000
    reserve_proposed(people["a"], grant)  # from the program's own money: the gift is not here
    assert pledges.confirm_instalment(people["a"], late.instalments[0], "R-1", today(), key()) == 0
    late = db.session.get(Pledge, late.id)
    assert late.state == PledgeState.REFUNDED and late.promised_match_fen == 0
    assert balance(AccountKind.PROJECT_FUND, grant.proposal_id) == 0
    member = people["ent"]
    told = db.session.scalars(
        sa.select(Notification.key).where(Notification.user_id == member.id)
    ).all()
    assert "pledge_money_refunded" in told
    assert violations() == []


# --- the checks ---------------------------------------------------------------------------------


def test_ledger_check_passes_then_fails_on_a_corrupted_balance(runner, people):
    program = matching_program(own_fen=2_000_000)
    give(people, PledgeTarget.PROGRAM, 300_000, program_id=program.id)
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    db.session.execute(
        sa.text("UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE id = :id"),
        {"id": fund.id},
    )
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    message = f"account program_fund:{program.id} shows 2300001 but its entries sum to 2300000"
    assert message in result.output
    # the program's public identity notices too: its balances no longer match its flows
    assert any(f"program {program.id}: raised" in v for v in violations())


def test_ledger_check_fails_on_a_running_flow_that_differs_from_its_entries(runner, people):
    """The public figures read the running flows; the check holds them to the entries."""
    program = matching_program(own_fen=2_000_000)
    gift = give(people, PledgeTarget.PROGRAM, 300_000, program_id=program.id)
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    before = figures.program_money()
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
    db.session.execute(
        sa.text(
            "UPDATE ledger_flows SET total_fen = total_fen - 1 WHERE account_id = :id "
            "AND movement = 'pledge_received' AND pledge_key = :pledge"
        ),
        {"id": fund.id, "pledge": gift.id},
    )
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    message = (
        f"account {fund.id}: its pledge_received flow of pledge {gift.id} is 299999 "
        "but its entries sum to 300000"
    )
    assert message in result.output
    raised = {r.program.id: r.raised_fen for r in figures.program_money()}
    assert (
        raised[program.id] == next(r.raised_fen for r in before if r.program.id == program.id) - 1
    )


def test_ledger_check_fails_on_a_stranded_project_balance(runner, people):
    program = matching_program(own_fen=1_000_000, ratio_pct=0)
    grant = signed_grant(people["a"], people["member"], program, 1_000_000)
    reserve_proposed(people["a"], grant)
    closing.terminate_grant(people["a"], grant, False, "项目停止", key())
    assert violations() == []
    post(  # money put into the project's fund behind the services' back
        "pledge_received",
        "test",
        [
            Leg(account(AccountKind.OUTSIDE), -5_000),
            Leg(account(AccountKind.PROJECT_FUND, grant.proposal_id), 5_000),
        ],
    )
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert f"project {grant.proposal_id}: 5000 is left in its fund" in result.output


def test_ledger_check_fails_on_a_broken_identity(runner, people):
    program = matching_program(own_fen=1_000_000, ratio_pct=0)
    post(  # a movement no public figure accounts for
        "mystery",
        "test",
        [
            Leg(account(AccountKind.OUTSIDE), -7_000),
            Leg(account(AccountKind.PROGRAM_FUND, program.id), 7_000),
        ],
    )
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert f"program {program.id}: movements of unknown kind ['mystery']" in result.output


def test_ledger_check_fails_on_a_negative_balance(runner, people):
    """The foundation's own money in a fund cannot go below zero by spending a donor's."""
    program = matching_program(own_fen=0, ratio_pct=0)
    gift = give(people, PledgeTarget.PROGRAM, 500_000, program_id=program.id)
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    post(
        "tranche_paid",
        "test",
        [Leg(fund, -100_000), Leg(account(AccountKind.PAYEE, people["member"].party_id), 100_000)],
    )
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert f"account program_fund:{program.id} holds -100000 of untagged money" in result.output
    assert pledge_money_in(fund, gift.id) == 500_000


def test_services_recheck_what_forms_check(people):
    program = matching_program(own_fen=1_000_000, ratio_pct=0, tranches=[50, 50])
    before = books()
    for amount in (-5, 0):
        with pytest.raises(DomainError) as refused:
            pledges.fund_program(people["a"], program, amount, "测试", key())
        assert refused.value.code == "amount_not_positive"
    assert books() == before
    grant = signed_grant(people["a"], people["member"], program, 1_000_000)
    reserve_proposed(people["a"], grant)
    first = grant.tranches[0]
    line = grant.proposal.budget_lines[0]
    cases = {
        "spending_above_grant": {0: 1_000_000, 1: 1},
        "spending_above_line": {0: line.total_fen + 1},
        "spending_line_unknown": {99: 100},
    }
    for code, spent in cases.items():
        with pytest.raises(DomainError) as refused:
            tranches.request_tranche(people["member"], first, tranches.Report("助餐", 40, spent))
        assert refused.value.code == code
    with pytest.raises(DomainError) as refused:
        tranches.request_tranche(people["member"], first, tranches.Report(" ", 40, {}))
    assert refused.value.code == "report_incomplete"
    assert db.session.get(Tranche, first.id).state == TrancheState.PENDING


def test_approval_needs_free_money(people, make):
    program = matching_program(own_fen=3_000_000, ratio_pct=0)
    approved_proposal(people["member"], program, 2_000_000)
    assert figures.available_fen(program) == 1_000_000

    def in_review(amount):
        proposal = make.proposal(
            people["member"], state=ProposalState.IN_REVIEW, program=program, **budget_for(amount)
        )
        for _ in range(program.reviewers_required):
            db.session.add(
                ReviewAssignment(
                    proposal=proposal,
                    reviewer=make.user(Role.REVIEWER),
                    assigned_by_id=people["a"].id,
                    state=AssignmentState.SUBMITTED,
                )
            )
        db.session.commit()
        return proposal

    with pytest.raises(DomainError) as refused:
        proposals.approve(people["a"], in_review(2_000_000), 1_100_000, "", today())
    assert refused.value.code == "program_money_short"
    proposals.approve(people["a"], in_review(2_000_000), 1_000_000, "", today())
    assert figures.available_fen(program) == 0
    assert violations() == []
