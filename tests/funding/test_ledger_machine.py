"""The money layer under random sequences of pledges (previewed, in instalments), receipts,
cancellations, program funding, approvals, reservations, tranche requests, sign-offs,
returns and terminations: after every step the books are sound (``funding.ledger.check``,
which also checks every public identity of ``funding.figures``, and an independent
recomputation here), no more money leaves than came in, and no project fund keeps money its
project can no longer use.

``LEDGER_EXAMPLES`` (and ``LEDGER_STEPS``) override the number of sequences (and their
length): e.g. ``LEDGER_EXAMPLES=2000 pytest tests/funding/test_ledger_machine.py``.
"""

import os
from collections import defaultdict
from datetime import timedelta

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
from sqlalchemy.orm import selectinload

from funding import figures
from funding.accounts.models import Role
from funding.dates import today
from funding.extensions import db, sum_fen
from funding.grants import closing, ratings, reservation, tranches
from funding.grants.models import Grant, GrantState, Tranche, TrancheState
from funding.ledger.check import violations
from funding.ledger.models import Account, AccountKind, Entry, LedgerTransaction
from funding.ledger.services import balance
from funding.pledges import services as pledges
from funding.pledges.models import (
    Instalment,
    InstalmentState,
    Pledge,
    PledgeState,
    PledgeTarget,
    UnusedMoney,
)
from funding.proposals import services as proposals
from funding.proposals.models import Proposal, ProposalState
from funding.reviews.models import AssignmentState, ReviewAssignment
from funding.transactions import DomainError
from tests import factories
from tests.funding.money_helpers import (
    TODAY,
    approved_proposal,
    books,
    budget_for,
    independent_problems,
    key,
    matching_program,
    pledge_data,
    reset_database,
    signed_grant,
    spending,
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


def refunded() -> int:
    """Money returned to donors, from the ledger."""
    return db.session.scalar(
        sa.select(sum_fen(Entry.amount_fen))
        .join(Entry.transaction)
        .join(Entry.account)
        .where(LedgerTransaction.kind == "pledge_refunded", Account.kind == AccountKind.OUTSIDE)
    )


class LedgerMachine(RuleBasedStateMachine):
    """The world: two staff, an organization with 2–3 approved proposals in a matching program
    that could afford them (some signed, so with a grant and tranches), 2–3 verified
    enterprises, a community worker of the community the projects serve."""

    def __init__(self) -> None:
        super().__init__()
        reset_database()
        self.threshold = current_app.config["TWO_PERSON_THRESHOLD_FEN"]
        self.money_in = 0  # the foundation's money and gifts received
        self.paid_out = 0  # tranches paid
        self.owed: dict[int, int] = defaultdict(int)  # enterprise id -> instalments due
        self.pledge_ids: list[int] = []

    # --- the world ---------------------------------------------------------------------

    @initialize(
        tranches_=st.sampled_from([[50, 30, 20], [60, 30, 10], [40, 60], [100]]),
        spare_fen=st.sampled_from([0, 1_500_000, 4_000_000, 12_000_000]),
        ratio=st.sampled_from([0, 50, 100, 200]),
        cap_project=st.sampled_from([400_000, 3_000_000]),
        cap_program=st.sampled_from([1_000_000, 10_000_000]),
        grant_amounts=st.lists(st.integers(1_000_000, 12_000_000), min_size=2, max_size=3),
        signed=st.lists(st.booleans(), min_size=2, max_size=2),
        enterprises=st.integers(2, 3),
    )
    def world(
        self,
        tranches_,
        spare_fen,
        ratio,
        cap_project,
        cap_program,
        grant_amounts,
        signed,
        enterprises,
    ):
        self.staff = [factories.user(Role.STAFF) for _ in range(2)]
        self.member = factories.user(Role.ORG_MEMBER)
        self.ent_members = [factories.user(Role.ENTERPRISE_MEMBER) for _ in range(enterprises)]
        self.worker = factories.user(Role.COMMUNITY_WORKER)  # of 清波门社区, which they serve
        own = sum(grant_amounts) + spare_fen  # approvals promised no more than the fund held
        self.program = matching_program(
            own_fen=own,
            ratio_pct=ratio,
            cap_project_fen=cap_project,
            cap_program_fen=max(cap_program, cap_project),
            tranches=tranches_,
        )
        self.tranche_count = len(tranches_)
        self.money_in = own
        self.proposal_ids = []
        self.grant_ids = []
        for n, amount in enumerate(grant_amounts):
            if n == 0 or signed[n - 1]:
                grant = signed_grant(self.staff[0], self.member, self.program, amount)
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
        parts=st.integers(1, 3),
        if_unused=st.sampled_from(list(UnusedMoney)),
        honest=st.sampled_from([True, True, True, False]),
    )
    def pledge(self, ent, to, amount, proposal, tranche_no, category, parts, if_unused, honest):
        """An enterprise previews a pledge and confirms it with the match it was shown (or, in
        a quarter of the draws, with another figure, which is refused)."""
        member = self.ent_members[ent % len(self.ent_members)]
        project = db.session.get(Proposal, self.proposal_ids[proposal % len(self.proposal_ids)])
        data = pledge_data(
            to,
            amount,
            program_id=self.program.id if to == PledgeTarget.PROGRAM else None,
            category_code=category if to == PledgeTarget.CATEGORY else None,
            proposal_id=project.id if to == PledgeTarget.PROJECT else None,
            tranche_no=tranche_no if to == PledgeTarget.PROJECT else None,
            instalments=min(parts, amount),
            if_unused=if_unused,
        )
        reserved = db.session.scalar(
            sa.select(Grant.reserved_at).where(Grant.proposal_id == project.id)
        )
        open_fen = pledges.project_open_fen(project)
        preview, err = self.attempt(pledges.preview_pledge, member, member.party, data)
        if to == PledgeTarget.PROJECT:
            if reserved is not None or project.state not in figures.FUNDABLE:
                assert err is not None and err.code == "pledge_target_invalid"
                return
            if tranche_no is not None and tranche_no > self.tranche_count:
                assert err is not None and err.code == "milestone_invalid"
                return
            if amount > open_fen:
                assert err is not None and err.code == "pledge_above_need"
                assert err.details["open_fen"] == open_fen
                return
        assert err is None, err
        shown = preview.match_fen if honest else preview.match_fen + 1
        owed = balance(AccountKind.PLEDGES_RECEIVABLE, member.party_id)
        made, err = self.attempt(pledges.create_pledge, member, member.party, data, key(), shown)
        if not honest:
            assert err is not None and err.code == "match_changed"
            return
        assert err is None, err
        assert made.state == PledgeState.PLEDGED and made.amount_fen == amount
        assert made.promised_match_fen == preview.match_fen
        if to == PledgeTarget.PROJECT:
            # pledges and their promised matching never exceed what the project was approved for
            assert pledges.project_open_fen(project) == open_fen - amount - preview.match_fen >= 0
        else:
            assert preview.match_fen == 0
        assert balance(AccountKind.PLEDGES_RECEIVABLE, member.party_id) == owed + amount
        self.pledge_ids.append(made.id)
        self.owed[member.party_id] += amount

    @precondition(lambda self: self.pledge_ids)
    @rule(i=st.integers(0, 10_000), s=st.integers(0, 1), due=st.sampled_from([True] * 3 + [False]))
    def receive(self, i, s, due):
        """Staff record an instalment that is due (or, in a quarter of the draws, any)."""
        query = sa.select(Instalment.id).order_by(Instalment.id)
        if due:
            query = query.where(Instalment.state == InstalmentState.DUE)
        among = db.session.scalars(query).all()
        if not among:
            return
        instalment = db.session.get(Instalment, among[i % len(among)])
        pledge = instalment.pledge
        was_due = instalment.state == InstalmentState.DUE
        usable = pledge.proposal is not None and db.session.scalar(
            pledges.pledgeable_projects().where(Proposal.id == pledge.proposal_id)
        )
        promised_left = pledge.promised_match_fen - pledge.matched_fen
        last_open = [x.id for x in pledge.open_instalments] == [instalment.id]
        match, err = self.attempt(
            pledges.confirm_instalment,
            self.staff_member(s),
            instalment,
            f"R-{instalment.id}",
            today(),
            key(),
        )
        if not was_due:
            assert err is not None and err.code == "pledge_not_pending"
            return
        assert err is None, err
        if usable:
            assert match <= promised_left
            if last_open:  # the promise is kept in full by the last instalment
                assert match == promised_left
        else:
            assert match == 0
        assert instalment.state == InstalmentState.RECEIVED
        assert instalment.receipt_no == f"R-{instalment.id}"
        self.owed[pledge.enterprise_id] -= instalment.amount_fen
        self.money_in += instalment.amount_fen

    @precondition(lambda self: self.pledge_ids)
    @rule(i=st.integers(0, 10_000), who=st.sampled_from(["owner", "staff", "stranger"]))
    def cancel(self, i, who):
        """What is still due of a pledge is cancelled; what arrived stays."""
        pledge = db.session.get(Pledge, self.pledge_ids[i % len(self.pledge_ids)])
        owner = next(m for m in self.ent_members if m.party_id == pledge.enterprise_id)
        stranger = next(m for m in self.ent_members if m.party_id != pledge.enterprise_id)
        actor = {"owner": owner, "staff": self.staff[0], "stranger": stranger}[who]
        due = sum(x.amount_fen for x in pledge.open_instalments)
        received = pledge.received_fen
        cancelled, err = self.attempt(pledges.cancel_pledge, actor, pledge, "plans changed")
        if who == "stranger":
            assert err is not None and err.code == "forbidden"
            return
        if not due:
            assert err is not None and err.code == "pledge_not_pending"
            return
        assert err is None, err
        assert cancelled == due
        pledge = db.session.get(Pledge, pledge.id)
        assert not pledge.open_instalments and pledge.received_fen == received
        assert pledge.promised_match_fen == pledge.matched_fen  # the rest of the promise lapses
        if not received:
            assert pledge.state == PledgeState.CANCELLED
        self.owed[pledge.enterprise_id] -= due

    @rule(amount=st.one_of(st.integers(1, 8_000_000), st.integers(-5, 0)), s=st.integers(0, 1))
    def fund(self, amount, s):
        before = balance(AccountKind.PROGRAM_FUND, self.program.id)
        _, err = self.attempt(
            pledges.fund_program, self.staff_member(s), self.program, amount, "区级配套资金", key()
        )
        if amount <= 0:  # the service checks what the form checks
            assert err is not None and err.code == "amount_not_positive"
            return
        assert err is None, err
        assert balance(AccountKind.PROGRAM_FUND, self.program.id) == before + amount
        self.money_in += amount

    @rule(amount=st.integers(1_000_000, 10_000_000))
    def approve(self, amount):
        """Staff approve one more proposal: only within the program's free money."""
        proposal = factories.proposal(
            self.member, state=ProposalState.IN_REVIEW, program=self.program, **budget_for(amount)
        )
        for _ in range(self.program.reviewers_required):
            db.session.add(
                ReviewAssignment(
                    proposal=proposal,
                    reviewer=factories.user(Role.REVIEWER),
                    state=AssignmentState.SUBMITTED,
                    assigned_by_id=self.staff[0].id,
                )
            )
        db.session.commit()
        free = figures.available_fen(self.program)
        _, err = self.attempt(proposals.approve, self.staff[0], proposal, amount, "", TODAY)
        if amount > free:
            assert err is not None and err.code == "program_money_short"
            return
        assert err is None, err
        assert figures.available_fen(self.program) == free - amount
        self.proposal_ids.append(proposal.id)

    # --- grants ------------------------------------------------------------------------

    @precondition(lambda self: len(self.grant_ids) < len(self.proposal_ids))
    @rule()
    def sign_agreement(self):
        signed = {db.session.get(Grant, g).proposal_id for g in self.grant_ids}
        proposal = db.session.get(Proposal, next(p for p in self.proposal_ids if p not in signed))
        if proposal.disclosure_until is None or proposal.disclosure_until >= TODAY:
            proposal.disclosure_until = TODAY - timedelta(days=1)  # its disclosure has ended
            db.session.commit()
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
        """Reserve with the proposed amounts, or with the other sources filled from the end of
        the list (as staff may adjust them); the project's own money always first, in full."""
        options = reservation.source_options(grant)
        wanted = {o.key: o.proposed_fen for o in options if o.required}
        left = grant.amount_fen - sum(wanted.values())
        others = [o for o in options if not o.required]
        for option in reversed(others) if reverse else others:
            take = min(option.available_fen, left)
            wanted[option.key] = take
            left -= take
        if not reverse:
            assert wanted == {o.key: o.proposed_fen for o in options}
        expected_ok = left == 0 and grant.reserved_at is None and grant.state in LIVE
        _, err = self.attempt(reservation.reserve_grant, self.staff_member(s), grant, wanted, key())
        if not expected_ok:
            assert err is not None
            return
        assert err is None, err
        grant = db.session.get(Grant, grant.id)
        assert grant.reserved_at is not None
        assert sum(src.amount_fen for src in grant.sources) == grant.amount_fen
        assert grant_holdings(grant.id) == grant.amount_fen
        assert balance(AccountKind.PROJECT_FUND, grant.proposal_id) == 0
        for src in grant.sources:
            if src.pledge is not None:
                assert src.pledge.state in (PledgeState.ALLOCATED, PledgeState.PARTLY_RECEIVED)
                assert src.tranche_no == src.pledge.tranche_no

    @rule(
        i=st.integers(0, 2), prepare=st.booleans(), s=st.integers(0, 1), spent=st.integers(0, 100)
    )
    def request(self, i, prepare, s, spent):
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
            spent,
        )

    def _request(self, grant, prepare, s, spent):
        """The organization asks for its next tranche (after the mid-term review before the
        second, and with a final report of what the grant spent after a community rating for
        the last)."""
        tranche = next((t for t in grant.tranches if t.state != TrancheState.PAID), None)
        if tranche is None:
            return
        last = tranches.is_final(tranche)
        if prepare and tranche.number == 2 and grant.state == GrantState.ACTIVE:
            _, err = self.attempt(tranches.pass_midterm, self.staff_member(s), grant)
            assert err is None, err
            assert grant.state == GrantState.MIDTERM_PASSED
        rated = tranches._community_rated(grant)
        if prepare and last and not rated and grant.state in LIVE:
            _, err = self.attempt(ratings.rate_project, self.worker, grant, 4, "服务很好")
            assert err is None, err
            rated = True
        share = max(spent, 1) if last else 50
        expected_ok = (
            grant.state in LIVE
            and grant.reserved_at is not None
            and tranche.state in (TrancheState.PENDING, TrancheState.RETURNED)
            and (tranche.number != 2 or grant.state == GrantState.MIDTERM_PASSED)
            and (not last or (prepare and rated))
        )
        report = tranches.Report("助餐", 40, spending(grant, share), final=last and prepare)
        _, err = self.attempt(tranches.request_tranche, self.member, tranche, report)
        assert (err is None) == expected_ok, err
        if expected_ok:
            assert tranche.state == TrancheState.REQUESTED
            assert tranche.requested_by_id == self.member.id

    @rule(i=st.integers(0, 2), s=st.integers(0, 1))
    def sign(self, i, s):
        self._sign(self.grant(i, lambda g: any(t.state in OPEN_TRANCHE for t in g.tranches)), s)

    def _sign(self, grant, s):
        """One staff signature; above the threshold the second, different one pays (the last
        tranche only what the final report spent beyond the earlier payments)."""
        tranche = next((t for t in grant.tranches if t.state in OPEN_TRANCHE), None)
        if tranche is None:
            tranche = next(
                (t for t in grant.tranches if t.state != TrancheState.PAID), grant.tranches[-1]
            )
        staff = self.staff_member(s)
        state, first = tranche.state, tranche.first_signer_id
        two = tranche.amount_fen > self.threshold
        payable = tranches.payable_fen(tranche)
        eligible = sum(
            src.unpaid_fen
            for src in grant.sources
            if src.tranche_no is None or src.tranche_no <= tranche.number
        )
        payee = balance(AccountKind.PAYEE, grant.proposal.organization_id)
        before = books()
        paid, err = self.attempt(tranches.sign_tranche, staff, tranche, key())
        tranche = db.session.get(Tranche, tranche.id)
        if state not in OPEN_TRANCHE:
            assert err is not None and err.code == "tranche_not_signable"
        elif state == TrancheState.SIGNED and first == staff.id:
            assert err is not None and err.code == "second_signer_needed"
        elif state == TrancheState.REQUESTED and two:
            assert err is None and paid is False, err
            assert tranche.state == TrancheState.SIGNED and tranche.first_signer_id == staff.id
            assert books() == before  # one signature moves no money
        elif eligible < payable:
            assert err is not None and err.code == "insufficient_funds"
            assert tranche.state == state
        else:
            assert err is None and paid is True, err
            assert tranche.state == TrancheState.PAID and tranche.paid_fen == payable
            assert balance(AccountKind.PAYEE, grant.proposal.organization_id) == payee + payable
            if two:
                assert tranche.second_signer_id == staff.id != tranche.first_signer_id
            self.paid_out += payable
            if tranche.number == len(grant.tranches):
                grant = db.session.get(Grant, grant.id)
                assert grant.state == GrantState.COMPLETED
                assert grant_holdings(grant.id) == 0  # what was not spent went back
                assert balance(AccountKind.PROJECT_FUND, grant.proposal_id) == 0

    @rule(
        i=st.integers(0, 2), s=st.integers(0, 1), reverse=st.booleans(), spent=st.integers(0, 100)
    )
    def advance(self, i, s, reverse, spent):
        """The next step of a live grant's life: reserve it, request its next tranche, or sign
        the open request (so that sequences reach mid-terms, final tranches and completion)."""
        grant = self.grant(i, lambda g: g.state in LIVE)
        if grant.reserved_at is None:
            self._allocate(grant, s, reverse)
        elif any(t.state in OPEN_TRANCHE for t in grant.tranches):
            self._sign(grant, s)
        else:
            self._request(grant, True, s, spent)

    @rule(
        i=st.integers(0, 2), s=st.integers(0, 1), reverse=st.booleans(), spent=st.integers(0, 100)
    )
    def advance_again(self, i, s, reverse, spent):
        """The same as ``advance``: rules are drawn evenly, so this doubles its share."""
        self.advance(i, s, reverse, spent)

    @rule(i=st.integers(0, 2), really=st.sampled_from([True, False, False]))
    def send_back(self, i, really):
        """Staff return an open request (in a third of the draws; else try a closed one)."""
        grant = self.grant(i, lambda g: any(t.state in OPEN_TRANCHE for t in g.tranches) == really)
        tranche = next((t for t in grant.tranches if t.state in OPEN_TRANCHE), grant.tranches[0])
        open_ = tranche.state in OPEN_TRANCHE
        _, err = self.attempt(tranches.return_tranche, self.staff[0], tranche, "请补充票据")
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
        """Every unpaid fen goes back to the account (and pledge) it was reserved from, and
        the project's own money on to its program or its donors. Live grants are ended in a
        quarter of the draws, so that most grants can progress."""
        grant = self.grant(i, lambda g: (g.state in LIVE) == live)
        live = grant.state in LIVE
        project = db.session.scalar(
            sa.select(Account.id).filter_by(
                kind=AccountKind.PROJECT_FUND, ref=str(grant.proposal_id)
            )
        )
        refunds: dict[int, int] = defaultdict(int)
        for src in grant.sources:
            if src.account_id != project:
                refunds[src.account_id] += src.unpaid_fen
        before = {a: db.session.get(Account, a).balance_fen for a in refunds}
        _, err = self.attempt(
            closing.terminate_grant, self.staff_member(s), grant, breach, "项目终止", key()
        )
        if not live:
            assert err is not None and err.code == "grant_not_active"
            return
        assert err is None, err
        grant = db.session.get(Grant, grant.id)
        assert grant.state == GrantState.TERMINATED and grant.breach == breach
        assert grant_holdings(grant.id) == 0
        assert balance(AccountKind.PROJECT_FUND, grant.proposal_id) == 0
        for account_id, refund in refunds.items():
            if account_id in (
                a.id
                for a in db.session.scalars(
                    sa.select(Account).where(Account.kind == AccountKind.PROGRAM_FUND)
                )
            ):  # the program also takes the project's money back in
                assert (
                    db.session.get(Account, account_id).balance_fen >= before[account_id] + refund
                )
            else:
                assert (
                    db.session.get(Account, account_id).balance_fen == before[account_id] + refund
                )
        for src in grant.sources:
            assert src.unpaid_fen == 0 and src.paid_fen + src.returned_fen == src.amount_fen
        assert all(t.state not in OPEN_TRANCHE for t in grant.tranches)

    # --- after every step --------------------------------------------------------------

    @invariant()
    def books_are_sound(self):
        """The ledger's invariants and every public identity (``violations`` runs
        ``funding.figures.identity_problems``), and the books recomputed independently."""
        assert violations() == []
        assert independent_problems() == []

    @invariant()
    def money_is_conserved(self):
        totals = dict(
            db.session.execute(
                sa.select(Account.kind, sa.func.sum(Account.balance_fen)).group_by(Account.kind)
            ).all()
        )
        payees = totals.get(AccountKind.PAYEE, 0)
        assert payees == self.paid_out
        assert payees <= self.money_in
        # Everything that came in is on the platform, paid out, or refunded to its donor.
        assert sum(totals.get(k, 0) for k in INSIDE) == self.money_in - refunded()

    @invariant()
    def pledges_match_the_model(self):
        for member in self.ent_members:
            assert (
                balance(AccountKind.PLEDGES_RECEIVABLE, member.party_id)
                == (self.owed[member.party_id])
            )
        for pledge in db.session.scalars(
            sa.select(Pledge).options(selectinload(Pledge.instalments))
        ):
            due = any(i.state == InstalmentState.DUE for i in pledge.instalments)
            assert (pledge.state in (PledgeState.PLEDGED, PledgeState.PARTLY_RECEIVED)) == due
            assert pledge.matched_fen <= pledge.promised_match_fen

    @invariant()
    def grants_add_up(self):
        ledger_paid = {m.grant.id: m.paid_fen for m in figures.grant_money()}
        for grant_id in self.grant_ids:
            grant = db.session.get(Grant, grant_id)
            paid = sum(t.paid_fen or 0 for t in grant.tranches if t.state == TrancheState.PAID)
            assert ledger_paid[grant.id] == paid
            assert sum(src.paid_fen for src in grant.sources) == paid
            returned = sum(src.returned_fen for src in grant.sources)
            if grant.reserved_at is not None:
                assert grant_holdings(grant.id) == grant.amount_fen - paid - returned
            else:
                assert paid == 0 and grant_holdings(grant.id) == 0
            if grant.state == GrantState.COMPLETED:
                assert paid + returned == grant.amount_fen


def machine_settings() -> settings:
    postgres = db.engine.dialect.name == "postgresql"
    return settings(
        max_examples=int(os.environ.get("LEDGER_EXAMPLES", "100")),
        stateful_step_count=int(os.environ.get("LEDGER_STEPS", "15" if postgres else "25")),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def test_ledger_state_machine(app):
    run_state_machine_as_test(LedgerMachine, settings=machine_settings())
