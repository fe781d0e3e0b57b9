"""Concurrent money requests on PostgreSQL: the conditional updates let exactly the right
number through. Each thread has its own app context (so its own session and connection);
everything they need is committed before they start, and a barrier starts them together."""

import threading
import time

import pytest
import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.extensions import db
from funding.grants import services as grants
from funding.grants.models import Grant, GrantSource, Tranche, TrancheState
from funding.ledger.check import violations
from funding.ledger.models import Account, AccountKind, IdempotencyKey, LedgerTransaction
from funding.ledger.services import balance
from funding.pledges import services as pledges
from funding.pledges.models import Pledge, PledgeTarget
from funding.transactions import DomainError
from tests.funding.money_helpers import (
    independent_problems,
    key,
    ledger_count,
    matching_program,
    pledge_data,
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
    staff = make.user(Role.STAFF)
    member = make.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=10 * 100_000, ratio_pct=0)
    grant_ids = [signed_grant(staff, member, program, 100_000).id for _ in range(20)]
    staff_id, program_id = staff.id, program.id

    def reserve(grant_id):
        def call():
            grant = db.session.get(Grant, grant_id)
            [option] = grants.source_options(grant)  # the program's own money
            grants.reserve_grant(
                db.session.get(User, staff_id), grant, {option.key: 100_000}, key()
            )
            return grant_id

        return call

    outcomes = race(app, [reserve(g) for g in grant_ids])
    won = [r for r, err in outcomes if err is None]
    lost = [err for _, err in outcomes if err is not None]
    assert len(won) == 10 and len(lost) == 10
    assert all(err.code == "insufficient_funds" for err in lost), [e.code for e in lost]
    assert balance(AccountKind.PROGRAM_FUND, program_id) == 0
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
            return grants.sign_tranche(
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
                amounts = {o.key: o.proposed_fen for o in grants.source_options(g)}
                grants.reserve_grant(db.session.get(User, user_id), g, amounts, key())
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
