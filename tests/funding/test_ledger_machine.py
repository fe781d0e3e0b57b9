"""The money layer under random sequences of pledges, confirmations, cancellations, program
funding, reservations, tranche requests, sign-offs, returns and terminations: after every
step the books are sound (``funding.ledger.check`` and an independent recomputation), and
no more money leaves than came in. Then focused examples of the money rules.

``LEDGER_EXAMPLES`` (and ``LEDGER_STEPS``) override the number of sequences (and their
length): e.g. ``LEDGER_EXAMPLES=2000 pytest tests/funding/test_ledger_machine.py``.
"""

import os
import re
from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from funding.accounts.models import Role
from funding.extensions import db
from funding.grants import services as grants
from funding.grants.models import Grant, GrantState, Tranche, TrancheState
from funding.ledger.check import violations
from funding.ledger.models import Account, AccountKind, Entry, LedgerTransaction
from funding.ledger.services import account, balance
from funding.money import format_fen
from funding.pledges import services as pledges
from funding.pledges.models import Pledge, PledgeState, PledgeTarget
from funding.proposals import services as proposals
from funding.proposals.models import Proposal, ProposalState
from funding.transactions import DomainError
from tests import factories
from tests.funding.money_helpers import (
    TODAY,
    approved_proposal,
    books,
    independent_problems,
    key,
    ledger_count,
    matching_program,
    pledge_data,
    pledge_money_in,
    request_next,
    reserve_proposed,
    reset_database,
    signed_grant,
    total,
)

LIVE = (GrantState.ACTIVE, GrantState.MIDTERM_PASSED)
OPEN_TRANCHE = (TrancheState.REQUESTED, TrancheState.SIGNED)
INSIDE = [k for k in AccountKind if k not in (AccountKind.OUTSIDE, AccountKind.PLEDGES_RECEIVABLE)]

amounts = st.one_of(st.integers(1, 200_000), st.integers(200_000, 5_000_000))


def grant_holdings(grant_id: int) -> int:
    """What the grant's reserve and milestone-held accounts hold together."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Account.balance_fen), 0)).where(
            sa.or_(
                sa.and_(Account.kind == AccountKind.GRANT_RESERVED, Account.ref == str(grant_id)),
                sa.and_(
                    Account.kind == AccountKind.GRANT_HELD, Account.ref.startswith(f"{grant_id}:")
                ),
            )
        )
    )


class LedgerMachine(RuleBasedStateMachine):
    """The world: two staff, an organization with 2–3 proposals in a matching program (some
    signed, so with a grant and tranches), 2–3 verified enterprises, a community worker."""

    def __init__(self) -> None:
        super().__init__()
        reset_database()
        self.threshold = current_app.config["TWO_PERSON_THRESHOLD_FEN"]
        self.pending: set[int] = set()  # pledge ids promised and not yet confirmed/cancelled
        self.cancelled: set[int] = set()
        self.pledge_ids: list[int] = []
        self.owed: dict[int, int] = defaultdict(int)  # enterprise id -> open pledges
        self.money_in = 0  # the foundation's money and confirmed gifts
        self.paid_out = 0  # tranches paid

    # --- the world ---------------------------------------------------------------------

    @initialize(
        tranches=st.sampled_from([[50, 30, 20], [60, 30, 10], [40, 60], [100]]),
        own_fen=st.sampled_from([0, 1_500_000, 4_000_000, 12_000_000, 40_000_000]),
        cap_project=st.sampled_from([0, 400_000, 3_000_000]),
        cap_program=st.sampled_from([0, 1_000_000, 10_000_000]),
        grant_amounts=st.lists(st.integers(1_000_000, 12_000_000), min_size=2, max_size=3),
        signed=st.lists(st.booleans(), min_size=2, max_size=2),
        enterprises=st.integers(2, 3),
    )
    def world(
        self, tranches, own_fen, cap_project, cap_program, grant_amounts, signed, enterprises
    ):
        self.staff = [factories.user(Role.STAFF) for _ in range(2)]
        self.member = factories.user(Role.ORG_MEMBER)
        self.ent_members = [factories.user(Role.ENTERPRISE_MEMBER) for _ in range(enterprises)]
        self.worker = factories.user(Role.COMMUNITY_WORKER)  # of 清波门社区, which they serve
        self.program = matching_program(
            own_fen=own_fen,
            cap_project_fen=cap_project,
            cap_program_fen=cap_program,
            tranches=tranches,
        )
        self.tranche_count = len(tranches)
        self.money_in = own_fen
        self.proposal_ids = []
        self.grant_ids = []
        for n, amount in enumerate(grant_amounts):
            if n == 0 or signed[n - 1]:
                grant = signed_grant(self.staff[0], self.member, self.program, amount)
                assert [t.amount_fen for t in grant.tranches] == [
                    t.amount_fen for t in grants.schedule(amount, tranches)
                ]
                assert sum(t.amount_fen for t in grant.tranches) == amount
                self.grant_ids.append(grant.id)
                self.proposal_ids.append(grant.proposal_id)
            else:
                self.proposal_ids.append(approved_proposal(self.member, self.program, amount).id)

    # --- helpers -----------------------------------------------------------------------

    def attempt(self, fn, *args, **kwargs):
        """Call a service; a refusal must leave the books exactly as they were."""
        before = books()
        try:
            return fn(*args, **kwargs), None
        except DomainError as exc:
            assert books() == before, exc.code
            return None, exc

    def grant(self, i: int, wanted=None) -> Grant:
        """The i-th grant among those ``wanted`` (if any is), else among all: the steps go
        mostly where something can happen, and the rest check refusals."""
        every = [db.session.get(Grant, g) for g in self.grant_ids]
        some = [g for g in every if wanted(g)] if wanted else []
        return (some or every)[i % len(some or every)]

    def staff_member(self, i: int):
        return self.staff[i % len(self.staff)]

    # --- pledges -----------------------------------------------------------------------

    @rule(
        ent=st.integers(0, 2),
        to=st.sampled_from(list(PledgeTarget)),
        amount=amounts,
        proposal=st.integers(0, 2),
        tranche_no=st.one_of(st.none(), st.integers(1, 3)),
        category=st.sampled_from(["H", "A"]),
        due_in=st.integers(-20, 40),
    )
    def pledge(self, ent, to, amount, proposal, tranche_no, category, due_in):
        member = self.ent_members[ent % len(self.ent_members)]
        proposal_id = self.proposal_ids[proposal % len(self.proposal_ids)]
        target = to
        data = pledge_data(
            target,
            amount,
            due_date=TODAY + timedelta(days=due_in),
            program_id=self.program.id if target == PledgeTarget.PROGRAM else None,
            category_code=category if target == PledgeTarget.CATEGORY else None,
            proposal_id=proposal_id if target == PledgeTarget.PROJECT else None,
            tranche_no=tranche_no if target == PledgeTarget.PROJECT else None,
        )
        owed = balance(AccountKind.PLEDGES_RECEIVABLE, member.party_id)
        reserved = target == PledgeTarget.PROJECT and db.session.scalar(
            sa.select(Grant.reserved_at).where(Grant.proposal_id == proposal_id)
        )
        made, err = self.attempt(pledges.create_pledge, member, member.party, data, key())
        if reserved:  # money given now could no longer reach the project
            assert err is not None and err.code == "pledge_target_invalid"
            return
        if (
            tranche_no is not None
            and target == PledgeTarget.PROJECT
            and tranche_no > self.tranche_count
        ):
            assert err is not None and err.code == "milestone_invalid"
            return
        assert err is None, err
        assert made.state == PledgeState.PLEDGED and made.amount_fen == amount
        assert balance(AccountKind.PLEDGES_RECEIVABLE, member.party_id) == owed + amount
        self.pledge_ids.append(made.id)
        self.pending.add(made.id)
        self.owed[member.party_id] += amount

    @precondition(lambda self: self.pledge_ids)
    @rule(
        i=st.integers(0, 10_000),
        s=st.integers(0, 1),
        pending=st.sampled_from([True, True, True, False]),
    )
    def confirm(self, i, s, pending):
        """Staff confirm a pending pledge (or, in a quarter of the draws, any pledge)."""
        among = sorted(self.pending) if pending and self.pending else self.pledge_ids
        pledge = db.session.get(Pledge, among[i % len(among)])
        pending = pledge.id in self.pending
        estimate = pledges.match_for(pledge.proposal, pledge.amount_fen) if pledge.proposal else 0
        target = pledges.target_account(pledge)
        fund = (
            pledges.account(AccountKind.PROGRAM_FUND, pledge.proposal.program_id)
            if pledge.proposal
            else None
        )
        target_before = target.balance_fen
        fund_before = fund.balance_fen if fund else 0
        match, err = self.attempt(
            pledges.confirm_pledge, self.staff_member(s), pledge, f"R-{pledge.id}", TODAY, key()
        )
        if not pending:
            assert err is not None and err.code == "pledge_not_pending"
            return
        assert err is None, err
        assert match == estimate  # what the pledge page showed is what is posted
        db.session.refresh(target)
        assert target.balance_fen == target_before + pledge.amount_fen + match
        if fund is not None and fund.id != target.id:
            db.session.refresh(fund)
            assert fund.balance_fen == fund_before - match
        pledge = db.session.get(Pledge, pledge.id)
        assert pledge.state == PledgeState.RECEIVED and pledge.matched_fen == match
        assert pledge.receipt_no == f"R-{pledge.id}"
        self.pending.discard(pledge.id)
        self.owed[pledge.enterprise_id] -= pledge.amount_fen
        self.money_in += pledge.amount_fen

    @precondition(lambda self: self.pledge_ids)
    @rule(i=st.integers(0, 10_000), who=st.sampled_from(["owner", "staff", "stranger"]))
    def cancel(self, i, who):
        pledge = db.session.get(Pledge, self.pledge_ids[i % len(self.pledge_ids)])
        owner = next(m for m in self.ent_members if m.party_id == pledge.enterprise_id)
        stranger = next(m for m in self.ent_members if m.party_id != pledge.enterprise_id)
        actor = {"owner": owner, "staff": self.staff[0], "stranger": stranger}[who]
        _, err = self.attempt(pledges.cancel_pledge, actor, pledge, "plans changed")
        if who == "stranger":
            assert err is not None and err.code == "forbidden"
            return
        if pledge.id not in self.pending:
            assert err is not None and err.code == "pledge_not_pending"
            return
        assert err is None, err
        assert db.session.get(Pledge, pledge.id).state == PledgeState.CANCELLED
        self.pending.discard(pledge.id)
        self.cancelled.add(pledge.id)
        self.owed[pledge.enterprise_id] -= pledge.amount_fen

    @rule(amount=st.integers(1, 8_000_000), s=st.integers(0, 1))
    def fund(self, amount, s):
        before = pledges.program_money(self.program)
        _, err = self.attempt(
            pledges.fund_program, self.staff_member(s), self.program, amount, "区级配套资金", key()
        )
        assert err is None, err
        assert pledges.program_money(self.program) == before + amount
        self.money_in += amount

    # --- grants ------------------------------------------------------------------------

    @precondition(lambda self: len(self.grant_ids) < len(self.proposal_ids))
    @rule()
    def sign_agreement(self):
        signed = {db.session.get(Grant, g).proposal_id for g in self.grant_ids}
        proposal = db.session.get(Proposal, next(p for p in self.proposal_ids if p not in signed))
        grant, err = self.attempt(proposals.sign_agreement, self.staff[1], proposal, TODAY)
        assert err is None, err
        assert proposal.state == ProposalState.AGREEMENT_SIGNED
        assert grant.amount_fen == proposal.approved_amount_fen
        assert len(grant.tranches) == self.tranche_count
        self.grant_ids.append(grant.id)

    @rule(i=st.integers(0, 2), s=st.integers(0, 1), reverse=st.booleans())
    def allocate(self, i, s, reverse):
        self._allocate(
            self.grant(i, lambda g: g.reserved_at is None and g.state in LIVE), s, reverse
        )

    def _allocate(self, grant, s, reverse):
        """Reserve with the proposed amounts, or filled from the other end of the list (as
        staff may adjust them), each within what its source holds."""
        options = grants.source_options(grant)
        wanted = {}
        left = grant.amount_fen
        for option in reversed(options) if reverse else options:
            take = min(option.available_fen, left)
            wanted[option.key] = take
            left -= take
        if not reverse:
            assert wanted == {o.key: o.proposed_fen for o in options}
        covered = left == 0
        expected_ok = covered and grant.reserved_at is None and grant.state in LIVE
        _, err = self.attempt(grants.reserve_grant, self.staff_member(s), grant, wanted, key())
        if not expected_ok:
            assert err is not None
            return
        assert err is None, err
        grant = db.session.get(Grant, grant.id)
        assert grant.reserved_at is not None
        assert sum(src.amount_fen for src in grant.sources) == grant.amount_fen
        assert grant_holdings(grant.id) == grant.amount_fen
        for src in grant.sources:
            if src.pledge is not None:
                assert src.pledge.state == PledgeState.ALLOCATED
                assert src.tranche_no == src.pledge.tranche_no

    @rule(i=st.integers(0, 2), prepare=st.booleans(), s=st.integers(0, 1))
    def request(self, i, prepare, s):
        self._request(
            self.grant(
                i,
                lambda g: (
                    g.reserved_at is not None
                    and g.state in LIVE
                    and not any(t.state in OPEN_TRANCHE for t in g.tranches)
                ),
            ),
            prepare,
            s,
        )

    def _request(self, grant, prepare, s):
        """The organization asks for its next tranche (after the mid-term review before the
        second, and with a final report after a community rating for the last)."""
        tranche = next((t for t in grant.tranches if t.state != TrancheState.PAID), None)
        if tranche is None:
            return
        last = tranche.number == len(grant.tranches) and tranche.number > 1
        if prepare and tranche.number == 2 and grant.state == GrantState.ACTIVE:
            _, err = self.attempt(grants.pass_midterm, self.staff_member(s), grant)
            assert err is None, err
            assert grant.state == GrantState.MIDTERM_PASSED
        rated = grants._community_rated(grant)
        if prepare and last and not rated and grant.state in LIVE:
            _, err = self.attempt(grants.rate_project, self.worker, grant, 4, "服务很好")
            assert err is None, err
            rated = True
        expected_ok = (
            grant.state in LIVE
            and grant.reserved_at is not None
            and tranche.state in (TrancheState.PENDING, TrancheState.RETURNED)
            and (tranche.number != 2 or grant.state == GrantState.MIDTERM_PASSED)
            and (not last or (prepare and rated))
        )
        report = {"activities": "助餐", "beneficiaries_served": 40, "final": last and prepare}
        _, err = self.attempt(grants.request_tranche, self.member, tranche, report)
        assert (err is None) == expected_ok, err
        if expected_ok:
            assert tranche.state == TrancheState.REQUESTED
            assert tranche.requested_by_id == self.member.id

    @rule(i=st.integers(0, 2), s=st.integers(0, 1))
    def sign(self, i, s):
        self._sign(self.grant(i, lambda g: any(t.state in OPEN_TRANCHE for t in g.tranches)), s)

    def _sign(self, grant, s):
        """One staff signature; above the threshold the second, different one pays."""
        tranche = next((t for t in grant.tranches if t.state in OPEN_TRANCHE), None)
        if tranche is None:
            tranche = next(
                (t for t in grant.tranches if t.state != TrancheState.PAID), grant.tranches[-1]
            )
        staff = self.staff_member(s)
        state, first = tranche.state, tranche.first_signer_id
        two = tranche.amount_fen > self.threshold
        eligible = sum(
            src.unpaid_fen
            for src in grant.sources
            if src.tranche_no is None or src.tranche_no <= tranche.number
        )
        payee = balance(AccountKind.PAYEE, grant.proposal.organization_id)
        before = books()
        paid, err = self.attempt(grants.sign_tranche, staff, tranche, key())
        tranche = db.session.get(Tranche, tranche.id)
        if state not in OPEN_TRANCHE:
            assert err is not None and err.code == "tranche_not_signable"
        elif state == TrancheState.SIGNED and first == staff.id:
            assert err is not None and err.code == "second_signer_needed"
        elif state == TrancheState.REQUESTED and two:
            assert err is None and paid is False, err
            assert tranche.state == TrancheState.SIGNED and tranche.first_signer_id == staff.id
            assert books() == before  # one signature moves no money
        elif eligible < tranche.amount_fen:
            assert err is not None and err.code == "insufficient_funds"
            assert tranche.state == state
        else:
            assert err is None and paid is True, err
            assert tranche.state == TrancheState.PAID and tranche.paid_at is not None
            assert balance(AccountKind.PAYEE, grant.proposal.organization_id) == (
                payee + tranche.amount_fen
            )
            if two:
                assert tranche.second_signer_id == staff.id != tranche.first_signer_id
            self.paid_out += tranche.amount_fen
            if tranche.number == len(grant.tranches):
                assert db.session.get(Grant, grant.id).state == GrantState.COMPLETED

    @rule(i=st.integers(0, 2), s=st.integers(0, 1), reverse=st.booleans())
    def advance(self, i, s, reverse):
        """The next step of a live grant's life: reserve it, request its next tranche, or sign
        the open request (so that sequences reach mid-terms, final tranches and completion)."""
        grant = self.grant(i, lambda g: g.state in LIVE)
        if grant.reserved_at is None:
            self._allocate(grant, s, reverse)
        elif any(t.state in OPEN_TRANCHE for t in grant.tranches):
            self._sign(grant, s)
        else:
            self._request(grant, True, s)

    @rule(i=st.integers(0, 2), s=st.integers(0, 1), reverse=st.booleans())
    def advance_again(self, i, s, reverse):
        """The same as ``advance``: rules are drawn evenly, so this doubles its share."""
        self.advance(i, s, reverse)

    @rule(i=st.integers(0, 2), really=st.sampled_from([True, False, False]))
    def send_back(self, i, really):
        """Staff return an open request (in a third of the draws; else try a closed one)."""
        grant = self.grant(i, lambda g: any(t.state in OPEN_TRANCHE for t in g.tranches) == really)
        tranche = next((t for t in grant.tranches if t.state in OPEN_TRANCHE), grant.tranches[0])
        open_ = tranche.state in OPEN_TRANCHE
        _, err = self.attempt(grants.return_tranche, self.staff[0], tranche, "请补充票据")
        if not open_:
            assert err is not None and err.code == "tranche_not_signable"
            return
        assert err is None, err
        assert tranche.state == TrancheState.RETURNED and tranche.first_signer_id is None

    @rule(
        i=st.integers(0, 2),
        breach=st.booleans(),
        s=st.integers(0, 1),
        live=st.sampled_from([True, False, False, False]),
    )
    def terminate(self, i, breach, s, live):
        """Every unpaid fen goes back to the account (and pledge) it was reserved from.
        Live grants are ended in a quarter of the draws, so that most grants can progress."""
        grant = self.grant(i, lambda g: (g.state in LIVE) == live)
        live = grant.state in LIVE
        refunds: dict[int, int] = defaultdict(int)
        for src in grant.sources:
            refunds[src.account_id] += src.unpaid_fen
        before = {a: db.session.get(Account, a).balance_fen for a in refunds}
        _, err = self.attempt(
            grants.terminate_grant, self.staff_member(s), grant, breach, "项目终止", key()
        )
        if not live:
            assert err is not None and err.code == "grant_not_active"
            return
        assert err is None, err
        grant = db.session.get(Grant, grant.id)
        assert grant.state == GrantState.TERMINATED and grant.breach == breach
        assert grant_holdings(grant.id) == 0
        for account_id, refund in refunds.items():
            assert db.session.get(Account, account_id).balance_fen == before[account_id] + refund
        for src in grant.sources:
            assert src.unpaid_fen == 0 and src.paid_fen + src.returned_fen == src.amount_fen
            if src.pledge is not None and src.returned_fen:
                assert src.pledge.state == PledgeState.RECEIVED
        assert all(t.state not in OPEN_TRANCHE for t in grant.tranches)

    # --- after every step --------------------------------------------------------------

    @invariant()
    def books_are_sound(self):
        assert violations() == []
        assert independent_problems() == []

    @invariant()
    def money_is_conserved(self):
        payees = total(AccountKind.PAYEE)
        assert payees == self.paid_out
        assert payees <= self.money_in
        # Everything that came in is somewhere on the platform or paid out.
        assert sum(total(k) for k in INSIDE) == self.money_in

    @invariant()
    def pledges_match_the_model(self):
        rows = db.session.execute(sa.select(Pledge.id, Pledge.state)).all()
        assert {p for p, state in rows if state == PledgeState.PLEDGED} == self.pending
        assert {p for p, state in rows if state == PledgeState.CANCELLED} == self.cancelled
        for member in self.ent_members:
            assert (
                balance(AccountKind.PLEDGES_RECEIVABLE, member.party_id)
                == (self.owed[member.party_id])
            )

    @invariant()
    def grants_add_up(self):
        for grant_id in self.grant_ids:
            grant = db.session.get(Grant, grant_id)
            paid = sum(t.amount_fen for t in grant.tranches if t.state == TrancheState.PAID)
            assert grants.paid_fen(grant) == paid
            assert sum(src.paid_fen for src in grant.sources) == paid
            if grant.reserved_at is not None:
                returned = sum(src.returned_fen for src in grant.sources)
                assert grant_holdings(grant.id) == grant.amount_fen - paid - returned
            else:
                assert paid == 0 and grant_holdings(grant.id) == 0
            if grant.state == GrantState.COMPLETED:
                assert paid == grant.amount_fen


def machine_settings() -> settings:
    postgres = db.engine.dialect.name == "postgresql"
    return settings(
        max_examples=int(os.environ.get("LEDGER_EXAMPLES", "200")),
        stateful_step_count=int(os.environ.get("LEDGER_STEPS", "15" if postgres else "25")),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def test_ledger_state_machine(app):
    run_state_machine_as_test(LedgerMachine, settings=machine_settings())


# --- focused examples ----------------------------------------------------------------------


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


def give(people, target, amount, confirm=True, **fields):
    """The enterprise pledges (and, by default, staff confirm the money arrived)."""
    ent = people["ent"]
    pledge = pledges.create_pledge(ent, ent.party, pledge_data(target, amount, **fields), key())
    if confirm:
        pledges.confirm_pledge(people["a"], pledge, f"R-{pledge.id}", TODAY, key())
    return db.session.get(Pledge, pledge.id)


def requested(people, amount_fen, tranches=(100,), own_fen=None):
    """A reserved grant (from the program's own money) whose first tranche is requested."""
    program = matching_program(
        own_fen=amount_fen if own_fen is None else own_fen, ratio_pct=0, tranches=list(tranches)
    )
    grant = signed_grant(people["a"], people["member"], program, amount_fen)
    reserve_proposed(people["a"], grant)
    return grant, request_next(people["member"], people["a"], people["worker"], grant)


def payee_of(grant) -> int:
    return balance(AccountKind.PAYEE, grant.proposal.organization_id)


def test_ledger_check_command(runner, people):
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
    assert (
        f"account program_fund:{program.id} shows 2300001 but its entries sum to 2300000"
        in result.output
    )
    assert violations() == [
        f"account program_fund:{program.id} shows 2300001 but its entries sum to 2300000"
    ]


def test_two_person_rule_above_the_threshold(app, people):
    threshold = app.config["TWO_PERSON_THRESHOLD_FEN"]
    grant, tranche = requested(people, threshold + 1)
    a, b = people["a"], people["b"]
    before = books()
    assert grants.sign_tranche(a, tranche, key()) is False
    assert tranche.state == TrancheState.SIGNED and tranche.first_signer_id == a.id
    assert books() == before and payee_of(grant) == 0  # one signature moves no money
    with pytest.raises(DomainError) as refused:
        grants.sign_tranche(a, tranche, key())
    assert refused.value.code == "second_signer_needed"
    assert db.session.get(Tranche, tranche.id).state == TrancheState.SIGNED
    assert grants.sign_tranche(b, tranche, key()) is True
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
    assert grants.sign_tranche(people["a"], tranche, key()) is True
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
        grants.sign_tranche(a, tranche, key())
    assert refused.value.code == "self_approval"
    assert books() == before
    assert db.session.get(Tranche, tranche.id).state == TrancheState.REQUESTED
    assert grants.sign_tranche(people["b"], tranche, key()) is True
    assert payee_of(grant) == 1_000_000


def _projects(people, n, **program_fields):
    program = matching_program(**program_fields)
    return program, [approved_proposal(people["member"], program, 2_000_000) for _ in range(n)]


def _match(people, proposal, amount):
    """The estimate, then the matching the confirmation posts (and its ledger legs)."""
    estimate = pledges.match_for(proposal, amount)
    fund = account(AccountKind.PROGRAM_FUND, proposal.program_id)
    project = account(AccountKind.PROJECT_FUND, proposal.id)
    fund_before, project_before = fund.balance_fen, project.balance_fen
    pledge = give(people, PledgeTarget.PROJECT, amount, proposal_id=proposal.id)
    assert pledge.matched_fen == estimate
    db.session.refresh(fund)
    db.session.refresh(project)
    assert fund.balance_fen == fund_before - estimate
    assert project.balance_fen == project_before + amount + estimate
    return estimate


def test_matching_is_capped_per_project(people):
    _, (p1, p2) = _projects(
        people, 2, own_fen=10_000_000, cap_project_fen=300_000, cap_program_fen=10_000_000
    )
    assert _match(people, p1, 200_000) == 200_000
    assert _match(people, p1, 200_000) == 100_000
    assert _match(people, p1, 200_000) == 0
    assert _match(people, p2, 500_000) == 300_000
    assert violations() == []


def test_matching_is_capped_per_program(people):
    _, (p1, p2) = _projects(
        people, 2, own_fen=10_000_000, cap_project_fen=5_000_000, cap_program_fen=400_000
    )
    assert _match(people, p1, 300_000) == 300_000
    assert _match(people, p2, 300_000) == 100_000
    assert _match(people, p2, 300_000) == 0
    assert violations() == []


def test_matching_is_limited_by_the_programs_own_money(people):
    program, (p1,) = _projects(
        people,
        1,
        own_fen=250_000,
        ratio_pct=100,
        cap_project_fen=5_000_000,
        cap_program_fen=5_000_000,
    )
    # An enterprise's gift to the program is not the foundation's money to match with.
    give(people, PledgeTarget.PROGRAM, 1_000_000, program_id=program.id)
    assert _match(people, p1, 400_000) == 250_000
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    assert pledge_money_in(fund, None) == 0 and fund.balance_fen == 1_000_000
    assert _match(people, p1, 400_000) == 0
    assert violations() == []


def test_matching_follows_the_ratio(people):
    _, (p1,) = _projects(
        people,
        1,
        own_fen=10_000_000,
        ratio_pct=50,
        cap_project_fen=5_000_000,
        cap_program_fen=5_000_000,
    )
    assert _match(people, p1, 300_001) == 150_000


def test_pledge_page_estimate_is_what_confirmation_posts(people, login_as):
    _, (p1,) = _projects(
        people, 1, own_fen=10_000_000, cap_project_fen=350_000, cap_program_fen=5_000_000
    )
    client = login_as(people["ent"])
    form = {
        "target": "project",
        "proposal_id": str(p1.id),
        "program_id": "0",
        "category_code": "",
        "amount": "5000",
        "payment_method": "bank_transfer",
        "due_date": "2027-04-01",
        "key": key(),
    }
    page = client.post("/pledges/new?lang=en", data=form).get_data(as_text=True)
    shown = re.search(r'id="match-estimate">(.*?)</div>', page, re.S).group(1)
    assert format_fen(350_000) in shown and format_fen(850_000) in shown
    assert client.post("/pledges/new?lang=en", data={**form, "confirm": "1"}).status_code == 302
    pledge = db.session.scalar(sa.select(Pledge).where(Pledge.proposal_id == p1.id))
    assert pledge.amount_fen == 500_000 and pledge.state == PledgeState.PLEDGED
    assert pledges.confirm_pledge(people["a"], pledge, "R-1", TODAY, key()) == 350_000
    fund_leg = db.session.scalar(
        sa.select(Entry.amount_fen)
        .join(Entry.transaction)
        .join(Entry.account)
        .where(
            LedgerTransaction.kind == "pledge_received", Account.kind == AccountKind.PROGRAM_FUND
        )
    )
    assert fund_leg == -350_000


def _tied_grant(people, untied, tied):
    """A ¥10,000 grant (50/30/20) reserved from an untied gift and a gift tied to tranche 2."""
    program = matching_program(own_fen=0, ratio_pct=0)
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
    assert grants.sign_tranche(people["a"], tranche, key()) is True
    db.session.refresh(held)
    assert held.balance_fen == 400_000  # tranche 1 was paid from the untied gift alone
    assert pledge_money_in(payee, free.id) == 500_000 and pledge_money_in(payee, bound.id) == 0
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    assert tranche.number == 2
    assert grants.sign_tranche(people["b"], tranche, key()) is True
    db.session.refresh(held)
    assert held.balance_fen == 0
    assert pledge_money_in(payee, bound.id) == 240_000  # 300,000 split 100k : 400k
    assert pledge_money_in(payee, free.id) == 560_000
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    assert grants.sign_tranche(people["a"], tranche, key()) is True
    assert payee.balance_fen == 1_000_000
    assert pledge_money_in(payee, bound.id) == 400_000
    assert db.session.get(Pledge, bound.id).state == PledgeState.PAID_OUT
    assert violations() == []


def test_milestone_money_cannot_pay_an_earlier_tranche(people):
    grant, _, _, held = _tied_grant(people, 200_000, 800_000)
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    before = books()
    with pytest.raises(DomainError) as refused:
        grants.sign_tranche(people["a"], tranche, key())
    assert refused.value.code == "insufficient_funds"
    assert books() == before
    assert db.session.get(Tranche, tranche.id).state == TrancheState.REQUESTED
    assert held.balance_fen == 800_000
    assert violations() == []


def test_termination_returns_every_unpaid_fen_to_its_source(people):
    program = matching_program(own_fen=600_000, cap_project_fen=200_000, cap_program_fen=1_000_000)
    grant = signed_grant(people["a"], people["member"], program, 2_000_000)
    gift = give(people, PledgeTarget.PROJECT, 500_000, proposal_id=grant.proposal_id)
    assert gift.matched_fen == 200_000
    to_program = give(people, PledgeTarget.PROGRAM, 900_000, program_id=program.id)
    project = account(AccountKind.PROJECT_FUND, grant.proposal_id)
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    before = {project.id: project.balance_fen, fund.id: fund.balance_fen}
    assert before == {project.id: 700_000, fund.id: 1_300_000}
    reserve_proposed(people["a"], grant)
    grant = db.session.get(Grant, grant.id)
    assert {(s.account_id, s.pledge_id, s.amount_fen) for s in grant.sources} == {
        (project.id, gift.id, 500_000),
        (project.id, None, 200_000),
        (fund.id, to_program.id, 900_000),
        (fund.id, None, 400_000),
    }
    tranche = request_next(people["member"], people["a"], people["worker"], grant)
    assert grants.sign_tranche(people["a"], tranche, key()) is True  # ¥10,000 of ¥20,000
    unpaid = {(s.account_id, s.pledge_id): s.unpaid_fen for s in grant.sources}
    paid = defaultdict(int)
    for s in grant.sources:
        paid[s.account_id] += s.paid_fen
    assert sum(unpaid.values()) == 1_000_000 and sum(paid.values()) == 1_000_000
    grants.terminate_grant(people["b"], grant, True, "违约", key())
    txn = db.session.scalar(
        sa.select(LedgerTransaction).where(
            LedgerTransaction.kind == "grant_terminated",
            LedgerTransaction.cause == f"grant:{grant.id}",
        )
    )
    back = {(e.account_id, e.pledge_id): e.amount_fen for e in txn.entries if e.amount_fen > 0}
    assert back == {k: v for k, v in unpaid.items() if v}
    for account_id, was in before.items():
        assert db.session.get(Account, account_id).balance_fen == was - paid[account_id]
    assert grant_holdings(grant.id) == 0
    assert db.session.get(Pledge, gift.id).state == PledgeState.RECEIVED
    assert db.session.get(Pledge, to_program.id).state == PledgeState.RECEIVED
    grant = db.session.get(Grant, grant.id)
    assert grant.state == GrantState.TERMINATED and grant.breach is True
    assert all(s.unpaid_fen == 0 for s in grant.sources)
    assert violations() == [] and independent_problems() == []


def test_overdue_pledges(people):
    program = matching_program(own_fen=0, ratio_pct=0)
    late = give(people, PledgeTarget.POOL, 100, confirm=False, due_date=TODAY - timedelta(1))
    give(
        people, PledgeTarget.PROGRAM, 100, program_id=program.id, due_date=TODAY - timedelta(5)
    )  # confirmed: not overdue
    give(people, PledgeTarget.POOL, 100, confirm=False, due_date=TODAY)  # due today
    give(people, PledgeTarget.POOL, 100, confirm=False, due_date=TODAY + timedelta(9))
    gone = give(people, PledgeTarget.POOL, 100, confirm=False, due_date=TODAY - timedelta(3))
    pledges.cancel_pledge(people["ent"], gone, "不再捐赠")
    assert [p.id for p in pledges.overdue(TODAY)] == [late.id]
    assert [p.id for p in pledges.overdue(TODAY, people["ent"].party_id)] == [late.id]
    assert pledges.overdue(TODAY, people["ent"].party_id + 1000) == []


def test_idempotent_pledge_confirmation_and_payment(people):
    ent = people["ent"]
    data = pledge_data(PledgeTarget.POOL, 70_000)
    same = key()
    first = pledges.create_pledge(ent, ent.party, data, same)
    again = pledges.create_pledge(ent, ent.party, data, same)
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1
    assert ledger_count("pledge", f"pledge:{first.id}") == 1
    assert balance(AccountKind.PLEDGES_RECEIVABLE, ent.party_id) == 70_000
    confirm_key = key()
    for _ in range(2):
        assert pledges.confirm_pledge(people["a"], first, "R-9", TODAY, confirm_key) == 0
    assert ledger_count("pledge_received") == 1
    assert balance(AccountKind.GENERAL_FUND) == 70_000
    grant, tranche = requested(people, 1_000_000)
    sign_key = key()
    assert grants.sign_tranche(people["a"], tranche, sign_key) is True
    assert grants.sign_tranche(people["a"], tranche, sign_key) is True
    assert ledger_count("tranche_paid") == 1
    assert payee_of(grant) == 1_000_000
    assert violations() == []


def test_reserve_refuses_more_than_a_source_holds(people):
    """Staff may adjust the proposed amounts, but not take a pledge's money as untagged."""
    program = matching_program(own_fen=1_000_000, ratio_pct=0)
    gift = give(people, PledgeTarget.PROGRAM, 5_000_000, program_id=program.id)
    grant = signed_grant(people["a"], people["member"], program, 3_000_000)
    own = next(o for o in grants.source_options(grant) if o.pledge is None)
    assert own.available_fen == 1_000_000
    before = books()
    with pytest.raises(DomainError):
        grants.reserve_grant(people["a"], grant, {own.key: 3_000_000}, key())
    assert books() == before
    fund = account(AccountKind.PROGRAM_FUND, program.id)
    assert pledge_money_in(fund, gift.id) <= fund.balance_fen
    assert independent_problems() == []
