"""Concurrent money requests on PostgreSQL: the conditional updates let exactly the right
number through. Each thread has its own app context (so its own session and connection);
everything they need is committed before they start, and a barrier starts them together."""

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from funding import figures
from funding.accounts.models import Role, User
from funding.dates import today
from funding.extensions import db
from funding.grants import reservation, tranches
from funding.grants.models import Grant, GrantSource, Tranche, TrancheState
from funding.ledger.check import violations
from funding.ledger.models import Account, AccountKind, IdempotencyKey, LedgerTransaction
from funding.ledger.services import balance
from funding.matchmaking.fairs import FairData, confirm_intent, create_fair, raise_paddle
from funding.matchmaking.models import FairIntent
from funding.pledges import services as pledges
from funding.pledges.models import Instalment, Pledge, PledgeTarget
from funding.proposals import services as proposals
from funding.proposals.models import Program, Proposal, ProposalState
from funding.reviews.models import AssignmentState, ReviewAssignment
from funding.transactions import DomainError
from tests.funding.money_helpers import (
    approved_proposal,
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

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("races need PostgreSQL: set TESTING_DATABASE_URL")


def race(app, calls):
    """Run each ``call()`` in its own thread and app context, all released at once.

    Returns one (result, error) pair per call, in order; anything but a DomainError fails.
    """
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(n, call):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[n] = (call(), None)
            except DomainError as exc:
                outcomes[n] = (None, exc)
            except BaseException as exc:  # reported below
                outcomes[n] = (None, exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    unexpected = [err for _, err in outcomes if err and not isinstance(err, DomainError)]
    assert unexpected == []
    return outcomes


def sound() -> bool:
    assert violations() == []
    assert independent_problems() == []
    return True


def test_twenty_reservations_race_for_room_for_ten(app, make):
    """Twenty grants reach for a pool gift with room for ten of them."""
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    ent = make.user(Role.ENTERPRISE_MEMBER)
    program = matching_program(own_fen=20 * 100_000, ratio_pct=0)
    grant_ids = [signed_grant(staff, member, program, 100_000).id for _ in range(20)]
    receive(staff, promise(ent, pledge_data(PledgeTarget.POOL, 10 * 100_000)))
    staff_id = staff.id

    def reserve(grant_id):
        def call():
            grant = db.session.get(Grant, grant_id)
            pool = next(o for o in reservation.source_options(grant) if o.pledge is not None)
            reservation.reserve_grant(
                db.session.get(User, staff_id), grant, {pool.key: 100_000}, key()
            )
            return grant_id

        return call

    outcomes = race(app, [reserve(g) for g in grant_ids])
    won = [r for r, err in outcomes if err is None]
    lost = [err for _, err in outcomes if err is not None]
    assert len(won) == 10 and len(lost) == 10
    assert all(err.code == "insufficient_funds" for err in lost), [e.code for e in lost]
    assert balance(AccountKind.GENERAL_FUND) == 0
    reserved = db.session.scalars(sa.select(Grant.id).where(Grant.reserved_at.is_not(None)))
    assert sorted(reserved) == sorted(won)
    assert db.session.scalar(sa.select(sa.func.sum(GrantSource.amount_fen))) == 1_000_000
    assert ledger_count("grant_reserved") == 10
    assert sound()


def test_ten_releases_of_one_tranche_pay_once(app, make):
    signers = [make.user(Role.STAFF) for _ in range(10)]
    member = make.user(Role.ORG_MEMBER)
    worker = make.user(Role.COMMUNITY_WORKER)
    amount = app.config["TWO_PERSON_THRESHOLD_FEN"] // 2
    program = matching_program(own_fen=amount, ratio_pct=0, tranches=[100])
    grant = signed_grant(signers[0], member, program, amount)
    reserve_proposed(signers[0], grant)
    tranche = request_next(member, signers[0], worker, grant)
    tranche_id, org_id = tranche.id, grant.proposal.organization_id
    signer_ids = [s.id for s in signers]

    def sign(user_id):
        def call():
            return tranches.sign_tranche(
                db.session.get(User, user_id), db.session.get(Tranche, tranche_id), key()
            )

        return call

    outcomes = race(app, [sign(u) for u in signer_ids])
    assert [r for r, err in outcomes if err is None] == [True]
    assert sorted(err.code for _, err in outcomes if err) == ["tranche_not_signable"] * 9
    assert ledger_count("tranche_paid", f"tranche:{tranche_id}") == 1
    assert balance(AccountKind.PAYEE, org_id) == amount
    assert db.session.get(Tranche, tranche_id).state == TrancheState.PAID
    assert sound()


def test_ten_double_clicks_make_one_pledge(app, make):
    ent = make.user(Role.ENTERPRISE_MEMBER)
    ent_id, party_id, same = ent.id, ent.party_id, key()
    data = pledge_data(PledgeTarget.POOL, 123_456)

    def click():
        user = db.session.get(User, ent_id)
        return pledges.create_pledge(user, user.party, data, same).id

    outcomes = race(app, [click] * 10)
    ids = {r for r, err in outcomes if err is None}
    assert [err for _, err in outcomes if err] == []
    assert len(ids) == 1
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1
    assert ledger_count("pledge") == 1
    assert db.session.scalar(sa.select(sa.func.count(LedgerTransaction.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(IdempotencyKey.key))) == 1
    assert balance(AccountKind.PLEDGES_RECEIVABLE, party_id) == 123_456
    assert sound()


def waiting_on_locks() -> int:
    """How many other sessions of this database wait for a row lock."""
    with db.engine.connect() as conn:
        return conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )


def test_concurrent_reservations_of_one_grant_reserve_it_once(app, make):
    """Two staff press "reserve" on the same grant at once (each form has its own key).

    Deterministic: the program fund's row is locked while both requests start, so both are
    inside ``reserve_grant`` (past its checks, waiting at the ledger) before either commits.
    """
    staff = [make.user(Role.STAFF) for _ in range(2)]
    member = make.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=10_000_000, ratio_pct=0)
    grant = signed_grant(staff[0], member, program, 1_000_000)
    grant_id, program_id = grant.id, program.id
    fund_id = db.session.scalar(
        sa.select(Account.id).filter_by(kind=AccountKind.PROGRAM_FUND, ref=str(program_id))
    )
    user_ids = [s.id for s in staff]
    db.session.commit()
    db.session.close()
    outcomes: dict[int, object] = {}

    def reserve(user_id):
        with app.app_context():
            try:
                g = db.session.get(Grant, grant_id)
                amounts = {o.key: o.proposed_fen for o in reservation.source_options(g)}
                reservation.reserve_grant(db.session.get(User, user_id), g, amounts, key())
                outcomes[user_id] = "reserved"
            except DomainError as exc:
                outcomes[user_id] = exc.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=reserve, args=(u,)) for u in user_ids]
    with db.engine.connect() as lock:
        lock.execute(
            sa.text("SELECT balance_fen FROM ledger_accounts WHERE id = :id FOR UPDATE"),
            {"id": fund_id},
        )
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while waiting_on_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        lock.commit()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["grant_already_reserved", "reserved"]
    assert ledger_count("grant_reserved") == 1
    assert balance(AccountKind.PROGRAM_FUND, program_id) == 9_000_000
    assert sound()


def test_a_paddle_raise_confirmed_twice_at_once_makes_one_pledge(app, make):
    """Two tabs confirm the same raise with different form keys: one pledge, one refusal."""
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    ent = make.user(Role.ENTERPRISE_MEMBER)
    program = matching_program(own_fen=3_000_000, ratio_pct=0)
    project = approved_proposal(member, program, 2_000_000)
    fair = create_fair(staff, FairData("相亲会", today(), "清波街道"))
    fair.projects = [project]
    fair.enterprises = [ent.party]
    db.session.commit()
    intent = raise_paddle(staff, fair, project, ent.party, 500_000)
    intent_id, ent_id = intent.id, ent.id

    def confirm():
        return confirm_intent(
            db.session.get(User, ent_id),
            db.session.get(FairIntent, intent_id),
            today() + timedelta(days=30),
            key(),
        ).pledge_id

    outcomes = race(app, [confirm, confirm])
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1
    made = [r for r, err in outcomes if err is None]
    refused = [err.code for _, err in outcomes if err]
    assert len(made) + len(refused) == 2 and refused in ([], ["intent_not_open"])
    assert ledger_count("pledge") == 1
    assert db.session.get(FairIntent, intent_id).pledge_id == made[0]
    assert sound()


def _in_review(make, program, member, staff, amount):
    proposal = make.proposal(
        member, state=ProposalState.IN_REVIEW, program=program, **budget_for(amount)
    )
    for _ in range(program.reviewers_required):
        db.session.add(
            ReviewAssignment(
                proposal=proposal,
                reviewer=make.user(Role.REVIEWER),
                assigned_by_id=staff.id,
                state=AssignmentState.SUBMITTED,
            )
        )
    db.session.commit()
    return proposal


def test_two_approvals_cannot_promise_the_same_money(app, make):
    staff = [make.user(Role.STAFF) for _ in range(2)]
    member = make.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=1_500_000, ratio_pct=0)
    ids = [_in_review(make, program, member, staff[0], 1_000_000).id for _ in range(2)]
    program_id = program.id

    def approve(user_id, proposal_id):
        def call():
            proposals.approve(
                db.session.get(User, user_id),
                db.session.get(Proposal, proposal_id),
                1_000_000,
                "",
                today(),
            )
            return proposal_id

        return call

    outcomes = race(app, [approve(s.id, p) for s, p in zip(staff, ids, strict=True)])
    assert len([r for r, err in outcomes if err is None]) == 1
    assert [err.code for _, err in outcomes if err] == ["program_money_short"]
    assert figures.available_fen(db.session.get(Program, program_id)) == 500_000
    assert sound()


def test_a_matching_promise_and_an_approval_race_for_the_same_free_money(app, make):
    """¥10,000 is free: either ¥3,000 of it is promised to a donor as matching, or a new
    approval of ¥10,000 takes it all; never both."""
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    ent = make.user(Role.ENTERPRISE_MEMBER)
    program = matching_program(
        own_fen=2_000_000, cap_project_fen=1_000_000, cap_program_fen=1_000_000
    )
    project = approved_proposal(member, program, 1_000_000)
    other = _in_review(make, program, member, staff, 1_000_000)
    data = pledge_data(PledgeTarget.PROJECT, 300_000, proposal_id=project.id)
    shown = pledges.preview_pledge(ent, ent.party, data).match_fen
    assert shown == 300_000
    ids = (ent.id, staff.id, other.id, program.id)

    def pledge():
        user = db.session.get(User, ids[0])
        return pledges.create_pledge(user, user.party, data, key(), shown).id

    def approve():
        proposals.approve(
            db.session.get(User, ids[1]), db.session.get(Proposal, ids[2]), 1_000_000, "", today()
        )
        return "approved"

    outcomes = race(app, [pledge, approve])
    errors = sorted(err.code for _, err in outcomes if err)
    assert errors in (["program_money_short"], ["match_changed"]), errors
    assert figures.available_fen(db.session.get(Program, ids[3])) >= 0
    assert sound()


def test_a_matching_gift_and_a_reservation_race_for_the_programs_own_money(app, make):
    """A promised match is added as its gift arrives while another grant is reserved from the
    program's own money: the reservation never takes the money the promise holds."""
    staff = [make.user(Role.STAFF) for _ in range(2)]
    member = make.user(Role.ORG_MEMBER)
    ent = make.user(Role.ENTERPRISE_MEMBER)
    program = matching_program(
        own_fen=2_300_000, cap_project_fen=1_000_000, cap_program_fen=1_000_000
    )
    project = approved_proposal(member, program, 1_000_000)
    grant = signed_grant(staff[0], member, program, 1_000_000)
    gift = promise(ent, pledge_data(PledgeTarget.PROJECT, 300_000, proposal_id=project.id))
    assert gift.promised_match_fen == 300_000
    ids = (staff[0].id, staff[1].id, gift.instalments[0].id, grant.id, program.id)

    def receive_gift():
        return pledges.confirm_instalment(
            db.session.get(User, ids[0]), db.session.get(Instalment, ids[2]), "R-1", today(), key()
        )

    def reserve():
        g = db.session.get(Grant, ids[3])
        amounts = {o.key: o.proposed_fen for o in reservation.source_options(g)}
        reservation.reserve_grant(db.session.get(User, ids[1]), g, amounts, key())
        return "reserved"

    outcomes = race(app, [receive_gift, reserve])
    assert [err for _, err in outcomes if err] == []
    assert outcomes[0][0] == 300_000
    fund = db.session.scalar(
        sa.select(Account).filter_by(kind=AccountKind.PROGRAM_FUND, ref=str(ids[4]))
    )
    assert pledge_money_in(fund, None) >= 0
    assert sound()


def test_ten_project_pledges_at_once_keep_the_matching_cap(app, make):
    """Ten ¥5,000 gifts to one project with a ¥20,000 matching cap, promised at once and then
    received at once: no more than ¥20,000 is ever promised or added."""
    staff = [make.user(Role.STAFF) for _ in range(10)]
    member = make.user(Role.ORG_MEMBER)
    donors = [make.user(Role.ENTERPRISE_MEMBER) for _ in range(10)]
    program = matching_program(
        own_fen=20_000_000, cap_project_fen=2_000_000, cap_program_fen=10_000_000
    )
    project = approved_proposal(member, program, 10_000_000)
    data = pledge_data(PledgeTarget.PROJECT, 500_000, proposal_id=project.id)
    project_id, staff_ids, donor_ids = project.id, [s.id for s in staff], [d.id for d in donors]

    def give(user_id):
        def call():
            user = db.session.get(User, user_id)
            shown = pledges.preview_pledge(user, user.party, data).match_fen
            return pledges.create_pledge(user, user.party, data, key(), shown).id

        return call

    outcomes = race(app, [give(d) for d in donor_ids])
    made = [r for r, err in outcomes if err is None]
    assert all(err.code == "match_changed" for _, err in outcomes if err)
    promised = db.session.scalar(
        sa.select(sa.func.sum(Pledge.promised_match_fen)).where(Pledge.proposal_id == project_id)
    )
    assert promised <= 2_000_000
    instalments = db.session.scalars(
        sa.select(Instalment.id).join(Instalment.pledge).where(Pledge.id.in_(made))
    ).all()

    def receipt(user_id, instalment_id):
        def call():
            return pledges.confirm_instalment(
                db.session.get(User, user_id),
                db.session.get(Instalment, instalment_id),
                "R",
                today(),
                key(),
            )

        return call

    outcomes = race(app, [receipt(s, i) for s, i in zip(staff_ids, instalments, strict=False)])
    assert [err for _, err in outcomes if err] == []
    assert sum(r for r, _ in outcomes) == promised <= 2_000_000
    assert sound()
