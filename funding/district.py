"""The district at its real volume, for benchmarks, the load test and the backup test.

One year is what the seed article reports for Shangcheng: 1,412 social organizations and 208
enterprises in the 6 streets and 29 communities, about 1,000 needs raised, about 370 proposals
of which about 107 become grants worth about ¥24.6 million, fairs where enterprises raise a
paddle, pledges with their instalments, tranches and the ledger's movements. Parties, needs and
accounts are inserted in bulk (the rows the directory's forms would make); everything that
moves a proposal or money goes through the services people use, each at its own moment of the
year (``funding.dates.pretend``), so every row is valid and ``flask ledger check`` passes.
Years run back from today; the last one is still in progress.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import uuid4

import sqlalchemy as sa

from funding.accounts.models import FOUNDATION_ROLES, Role, User
from funding.accounts.passwords import hash_password
from funding.dates import DISTRICT_ZONE, pretend, today
from funding.demo import (
    DEMO_TOTP_SECRET,
    ENTERPRISES,
    FORM_CYCLE,
    NEED_TEMPLATES,
    ORG_THEMES,
    PROGRAMS,
    SUFFIX,
    TYPE_DIGIT,
    demo_credit_code,
)
from funding.demo_proposals import PROGRAM_RULES, REVIEW_COMMENTS, proposal_data
from funding.directory.models import (
    Community,
    Enterprise,
    Need,
    NeedSource,
    NeedStatus,
    Organization,
    ServiceCategory,
    Street,
)
from funding.directory.services import load_reference_data
from funding.extensions import db, utcnow
from funding.figures import available_fen
from funding.grants import ratings, reservation, tranches
from funding.grants.models import Grant, GrantState, TrancheState
from funding.matchmaking.fairs import (
    FairData,
    confirm_intent,
    create_fair,
    invite_enterprises,
    raise_paddle,
    set_projects,
)
from funding.pledges import services as pledges
from funding.pledges.models import PaymentMethod, Pledge, PledgeTarget
from funding.proposals import services
from funding.proposals.models import Program, Proposal
from funding.reviews import services as reviews
from funding.reviews.models import Recommendation
from funding.transactions import DomainError

#: The district's accounts all share this password (never in production).
DISTRICT_PASSWORD = "district-2026-linkage"  # noqa: S105 - printed in README on purpose
ORGANIZATIONS, ENTERPRISE_COUNT, NEEDS, PROPOSALS = 1_412, 208, 1_000, 370
#: Words that tell apart organizations with the same theme in the same street.
DESCRIPTORS = ["", "启航", "同行", "馨悦", "恒爱", "知行", "和光", "善邻"]
BRANDS = [
    "钱塘",
    "西湖",
    "运河",
    "吴山",
    "望江",
    "湖滨",
    "清河",
    "南星",
    "紫阳",
    "小营",
    "凯旋",
    "彭埠",
    "丁兰",
    "笕桥",
    "九堡",
    "四季青",
    "鼓楼",
    "清波",
    "涌金",
    "武林",
]
TRADES = [
    "科技",
    "实业",
    "建设",
    "置业",
    "商贸",
    "银行",
    "保险",
    "文化",
    "医药",
    "食品",
    "物流",
    "能源",
]
#: (outcome, weight) of a proposal's journey; about 107 grants in 370.
OUTCOMES = [
    ("grant", 107),
    ("rejected", 110),
    ("screening_rejected", 60),
    ("withdrawn", 30),
    ("returned", 25),
    ("draft", 38),
]
STEP_DAYS = {
    "submit": 0,
    "screen": 4,
    "review": 12,
    "approve": 20,
    "sign": 30,
    "reserve": 31,
    "first": 40,
    "midterm": 180,
    "second": 185,
    "final": 330,
}


@dataclass
class Cast:
    """The people who act: two staff (payments need two signatures), reviewers, a worker per
    community (for the ratings a final report needs) and a member per enterprise."""

    staff: list[User]
    reviewers: list[User]
    workers: dict[int, User]
    donors: list[User]
    password_hash: str


def _key() -> str:
    return uuid4().hex


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _user(email: str, name: str, role: Role, password_hash: str, **links) -> User:
    """An account; the foundation's come enrolled with the demo's second factor, which
    ``flask demo-code`` reads (staff pages need it)."""
    second = DEMO_TOTP_SECRET if role in FOUNDATION_ROLES else None
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=password_hash,
        totp_secret=second,
        **links,
    )
    db.session.add(user)
    return user


def _parties(rng: random.Random, scale: float, password_hash: str) -> None:
    """Organizations and enterprises with valid credit codes, verified, in every street."""
    streets = list(db.session.scalars(sa.select(Street).order_by(Street.position)))
    communities = list(db.session.scalars(sa.select(Community).order_by(Community.id)))
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    codes = "ABCDEFGHI"
    for i in range(max(20, round(ORGANIZATIONS * scale))):
        theme, cat, capacity = ORG_THEMES[i % len(ORG_THEMES)]
        street = streets[i // len(ORG_THEMES) % len(streets)]
        descriptor = DESCRIPTORS[i // (len(ORG_THEMES) * len(streets)) % len(DESCRIPTORS)]
        form = FORM_CYCLE[i % len(FORM_CYCLE)]
        served = [c for c in communities if c.street_code == street.code]
        db.session.add(
            Organization(
                name=f"{street.name.removesuffix('街道')}{descriptor}{theme}{SUFFIX[form]}",
                credit_code=demo_credit_code("5", TYPE_DIGIT[form], 30_000_000 + 7919 * i),
                legal_form=form,
                capacity=capacity,
                contact_name=rng.choice("王李张刘陈杨赵黄周吴") + "老师",
                contact_mobile=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                description=f"扎根{street.name}，专注{categories[cat].name}。",
                categories=[categories[cat], categories[rng.choice(codes.replace(cat, ""))]],
                streets=[street],
                communities=rng.sample(served, min(len(served), 2)),
                verified_at=utcnow(),
            )
        )
    for i in range(max(8, round(ENTERPRISE_COUNT * scale))):
        brand, trade = BRANDS[i % len(BRANDS)], TRADES[i // len(BRANDS) % len(TRADES)]
        enterprise = Enterprise(
            name=f"杭州{brand}{trade}有限公司" if i >= len(ENTERPRISES) else ENTERPRISES[i][0],
            credit_code=demo_credit_code("9", "1", 40_000_000 + 104_729 * i),
            contact_name=rng.choice("王李张刘陈") + "经理",
            contact_mobile=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            description="热心社区公益。",
            categories=[categories[c] for c in rng.sample(codes, 2)],
            streets=[streets[i % len(streets)]] if i % 3 else [],
            public_listing=True,
            verified_at=utcnow(),
        )
        db.session.add(enterprise)
        db.session.flush()
        _user(
            f"donor{i}@district.local",
            f"{enterprise.contact_name}",
            Role.ENTERPRISE_MEMBER,
            password_hash,
            party=enterprise,
        )


def _cast(password_hash: str) -> Cast:
    staff = [
        _user(f"staff{n}@district.local", f"基金会 职员{n}", Role.STAFF, password_hash)
        for n in (1, 2)
    ]
    _user("admin@district.local", "系统管理员", Role.ADMIN, password_hash)
    reviewers = [
        _user(f"reviewer{n}@district.local", f"评审专家 {n}", Role.REVIEWER, password_hash)
        for n in range(1, 13)
    ]
    workers = {
        c.id: _user(
            f"community{c.id}@district.local",
            f"{c.name}社工",
            Role.COMMUNITY_WORKER,
            password_hash,
            community=c,
        )
        for c in db.session.scalars(sa.select(Community))
    }
    db.session.flush()
    donors = list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.ENTERPRISE_MEMBER).order_by(User.id)
        )
    )
    return Cast(staff, reviewers, workers, donors, password_hash)


def _programs(opened) -> list[Program]:
    """The six programs, open since the first year, with ranges that make a year's grants
    about ¥24.6 million; the partners program doubles gifts to its projects."""
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    programs = []
    for name, name_en, purpose, purpose_en in PROGRAMS:
        cats, forms, _low, _high, share, _budget, blind = PROGRAM_RULES[name]
        program = Program(
            name=name,
            name_en=name_en,
            purpose=purpose,
            purpose_en=purpose_en,
            categories=[categories[c] for c in cats],
            legal_forms=[f.value for f in forms],
            min_grant_fen=2_000_000,
            max_grant_fen=50_000_000,
            min_self_share_pct=share,
            blind_review=blind,
            open_from=opened,
        )
        db.session.add(program)
        programs.append(program)
    programs[2].match_ratio_pct = 100
    programs[2].match_cap_project_fen, programs[2].match_cap_program_fen = 5_000_000, 100_000_000
    db.session.flush()
    return programs


def _needs(rng: random.Random, count: int, start: datetime) -> list[Need]:
    communities = list(db.session.scalars(sa.select(Community).order_by(Community.id)))
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    flat = [(cat, t) for cat, items in NEED_TEMPLATES.items() for t in items]
    statuses = [NeedStatus.OPEN] * 6 + [NeedStatus.MATCHED, NeedStatus.IN_SERVICE, NeedStatus.MET]
    sources = list(NeedSource)
    needs = []
    for i in range(count):
        cat, (title, description) = flat[rng.randrange(len(flat))]
        community = communities[rng.randrange(len(communities))]
        need = Need(
            community=community,
            category=categories[cat],
            title=f"{community.name.removesuffix('社区')}{title}",
            description=description,
            beneficiaries=rng.randrange(20, 400),
            budget_estimate_fen=rng.randrange(50, 400) * 100_000,
            source=sources[i % len(sources)],
            status=rng.choice(statuses),
            created_at=start + timedelta(days=rng.randrange(0, 360)),
        )
        db.session.add(need)
        needs.append(need)
    db.session.flush()
    return needs


def _member(org: Organization, password_hash: str) -> User:
    if org.members:
        return org.members[0]
    user = _user(
        f"org{org.id}@district.local", org.contact_name, Role.ORG_MEMBER, password_hash, party=org
    )
    db.session.flush()
    return user


class Year:
    """One year's round: proposals spread over its days, each carried as far as its outcome
    and the calendar allow (the year still running stops at today)."""

    def __init__(self, cast: Cast, rng: random.Random, start: datetime, now: datetime):
        self.cast, self.rng, self.start, self.now = cast, rng, start, now
        self.fair_queue: list[tuple[int, Grant]] = []
        self.fairs = 0
        self.current: Proposal | None = None  # the draft being carried through its steps
        self.day = 0  # the year's day that draft started on

    def at(self, day: int, step: str, action: Callable[[], object]) -> bool:
        """Run ``action`` as of ``day`` of the year plus the step's offset, unless that is
        still to come; returns whether it ran."""
        moment = self.start + timedelta(days=day + STEP_DAYS[step])
        if moment >= self.now:
            return False
        with pretend(moment):
            action()
        return True

    def proposal(self, day: int, program: Program, org: Organization, need: Need, outcome: str):
        rng, staff = self.rng, self.cast.staff[0]
        member = _member(org, self.cast.password_hash)
        requested = rng.randrange(100, 360) * 1_000
        share = program.min_self_share_pct + 5

        def draft():
            proposal = services.create_draft(member, program)
            title = f"{need.title}服务项目"
            services.save_draft(
                member, proposal, proposal_data(program, need, title, requested, share)
            )
            self.current = proposal

        if not self.at(day, "submit", draft) or outcome == "draft":
            return
        proposal = self.current
        if not self.at(day, "submit", lambda: services.submit(member, proposal, today())):
            return
        if outcome == "withdrawn":
            self.at(day, "screen", lambda: services.withdraw(member, proposal))
            return
        if outcome == "returned":
            note = "请补充活动频次与预算测算依据。"
            self.at(day, "screen", lambda: services.return_for_revision(staff, proposal, note))
            return
        if outcome == "screening_rejected":
            note = "项目与计划的资助方向不符。"
            self.at(day, "screen", lambda: services.reject(staff, proposal, note))
            return
        if not self.at(day, "screen", lambda: services.pass_screening(staff, proposal)):
            return
        if not self.at(day, "review", lambda: self.review(proposal, outcome == "grant")):
            return
        if outcome == "rejected":
            note = "评审意见认为项目可行性不足。"
            self.at(day, "approve", lambda: services.reject(staff, proposal, note))
            return

        def approve():
            amount = requested * 100
            short = amount - available_fen(program)
            if short > 0:  # the district tops a program up when its year runs short
                pledges.fund_program(staff, program, short, "区级财政追加资金", _key())
            services.approve(staff, proposal, amount, "按申报方案执行。", today())

        if not self.at(day, "approve", approve):
            return
        self.at(day, "approve", lambda: self.project_pledge(proposal))
        self.day = day
        if not self.at(day, "sign", lambda: self.sign(proposal)):
            return
        if len(self.fair_queue) == 4:
            self.fair(day)

    def review(self, proposal: Proposal, favourable: bool) -> None:
        staff = self.cast.staff[0]
        chosen = self.rng.sample(self.cast.reviewers, proposal.program.reviewers_required)
        for k, reviewer in enumerate(chosen):
            assignment = reviews.assign_reviewer(staff, proposal, reviewer)
            reviews.declare(reviewer, assignment, conflicted=False)
            base = 8 if favourable else 5
            scores = [reviews.Score(min(10, base + self.rng.randrange(-1, 2))) for _ in range(5)]
            recommendation = Recommendation.FUND if favourable else Recommendation.DO_NOT_FUND
            reviews.submit_review(
                reviewer, assignment, scores, REVIEW_COMMENTS[k % 3], recommendation
            )

    def sign(self, proposal: Proposal) -> None:
        self.fair_queue.append(
            (self.day, services.sign_agreement(self.cast.staff[0], proposal, today()))
        )

    def project_pledge(self, proposal: Proposal) -> None:
        """One project in three gets a gift from an enterprise before its grant is reserved."""
        if self.rng.randrange(3):
            return
        open_fen = pledges.project_open_fen(proposal)
        amount = min(open_fen, self.rng.randrange(2, 8) * 1_000_000)
        if amount > 0:
            _give(self.cast, self.rng, PledgeTarget.PROJECT, amount, proposal_id=proposal.id)

    def fair(self, day: int) -> None:
        """A fair (相亲会) for the last four signed projects: two enterprises raise a paddle
        for each and confirm; then the grants are reserved and paid as they come due."""
        queued, self.fair_queue = self.fair_queue, []
        staff = self.cast.staff[0]
        donors = self.rng.sample(self.cast.donors, 2)

        def hold():
            self.fairs += 1
            fair = create_fair(
                staff,
                FairData(
                    f"上城区公益服务项目相亲会 {today():%Y}-{self.fairs}",
                    today(),
                    "上城区社会组织服务中心",
                ),
            )
            set_projects(staff, fair, [g.proposal_id for _d, g in queued])
            invite_enterprises(staff, fair, [d.party_id for d in donors])
            for _day, grant in queued:
                donor = self.rng.choice(donors)
                share = min(
                    pledges.project_open_fen(grant.proposal), self.rng.randrange(1, 5) * 1_000_000
                )
                if share > 0:
                    intent = raise_paddle(donor, fair, grant.proposal, donor.party, share)
                    match = pledges.match_gift_for(grant.proposal, share)
                    due = today() + timedelta(days=10)
                    confirm_intent(donor, intent, due, _key(), match)

        self.at(day, "sign", hold)
        for _day, grant in queued:
            self.carry_out(day, grant)

    def carry_out(self, day: int, grant: Grant) -> None:
        """Reserve the grant, then request and pay each tranche as its day comes."""
        staff, second = self.cast.staff
        proposal = grant.proposal

        def reserve():
            self.receive_pledges(proposal)
            options = reservation.source_options(grant)
            reservation.reserve_grant(
                staff, grant, {o.key: o.proposed_fen for o in options}, _key()
            )

        if not self.at(day, "reserve", reserve):
            return
        member = proposal.organization.members[0]
        worker = self.cast.workers[proposal.communities[0].id]
        for tranche, step in zip(grant.tranches, ("first", "second", "final"), strict=False):

            def pay(tranche=tranche):
                if tranche.number == 2 and grant.state == GrantState.ACTIVE:
                    tranches.pass_midterm(staff, grant)
                last = tranches.is_final(tranche)
                if last:
                    ratings.rate_project(worker, grant, self.rng.randrange(3, 6), "服务扎实。")
                report = tranches.Report(
                    "按计划开展服务。", self.rng.randrange(40, 300), _spent(grant, last), last
                )
                tranches.request_tranche(member, tranche, report)
                if not tranches.sign_tranche(staff, tranche, _key()):
                    tranches.sign_tranche(second, tranche, _key())

            if not self.at(day, step, pay) or tranche.state != TrancheState.PAID:
                return

    def receive_pledges(self, proposal: Proposal) -> None:
        """Gifts promised at the fair arrive before the grant is reserved."""
        for pledge in db.session.scalars(sa.select(Pledge).filter_by(proposal_id=proposal.id)):
            _receive(self.cast.staff[0], pledge)


def _give(cast: Cast, rng: random.Random, target: PledgeTarget, amount: int, **ref) -> None:
    """An enterprise previews a gift, confirms it with the match it was shown, and pays."""
    donor = rng.choice(cast.donors)
    data = pledges.PledgeData(
        target=target,
        amount_fen=amount,
        payment_method=PaymentMethod.BANK_TRANSFER,
        instalments=pledges.single(amount, today() + timedelta(days=7)),
        **ref,
    )
    preview = pledges.preview_pledge(donor, donor.party, data)
    _receive(
        cast.staff[0], pledges.create_pledge(donor, donor.party, data, _key(), preview.match_fen)
    )


def _receive(staff: User, pledge) -> None:
    for instalment in list(pledge.open_instalments):
        pledges.confirm_instalment(staff, instalment, f"R-{instalment.id}", today(), _key())


def _spent(grant: Grant, last: bool) -> dict[int, int]:
    """Grant money spent per budget line: half of it at mid-term, all of it at the end."""
    left = grant.amount_fen if last else grant.amount_fen // 2
    spent = {}
    for line in grant.proposal.budget_lines:
        take = min(left, line.total_fen)
        spent[line.position] = take
        left -= take
    return spent


def _fund_year(cast: Cast, programs: list[Program], rng: random.Random, scale: float) -> None:
    """The district's money for the year, and enterprises' gifts to programs and the pool."""
    for program in programs:
        pledges.fund_program(
            cast.staff[0], program, round(5_000_000_00 * scale), "区级财政公益创投资金", _key()
        )
    for n in range(max(2, round(40 * scale))):
        program = programs[n % len(programs)]
        amount = rng.randrange(5, 30) * 1_000_000
        _give(cast, rng, PledgeTarget.PROGRAM, amount, program_id=program.id)
    for _ in range(max(1, round(10 * scale))):
        _give(cast, rng, PledgeTarget.POOL, rng.randrange(5, 20) * 1_000_000)


def _commit_without_waiting_for_disk() -> None:
    """Sample data can be built again, so on PostgreSQL its thousands of small commits need
    not each wait for the disk (this connection only; a crash loses the data set, nothing
    else)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET synchronous_commit TO OFF"))
        db.session.commit()


def seed_district(years: int, scale: float = 1.0, seed: int = 1412) -> dict[str, int]:
    """Lay ``years`` years of the district (scaled by ``scale``) into an empty database."""
    if _count(Proposal) or _count(Organization):
        raise DomainError("district_not_empty")
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    _commit_without_waiting_for_disk()
    load_reference_data()
    now = utcnow()
    first = datetime.combine(today() - timedelta(days=365 * years), time(9), DISTRICT_ZONE)
    password_hash = hash_password(DISTRICT_PASSWORD)
    with pretend(first):
        _parties(rng, scale, password_hash)
        cast = _cast(password_hash)
        programs = _programs(first.date())
    db.session.commit()
    # Plain data for the choices: objects expire at every commit, and reading 1,412 of them
    # again for each proposal would cost a query each.
    forms = list(db.session.execute(sa.select(Organization.id, Organization.legal_form)))
    rules = {p.id: ({c.code for c in p.categories}, set(p.legal_forms)) for p in programs}
    outcomes = [o for o, weight in OUTCOMES for _ in range(weight)]
    for y in range(years):
        start = first + timedelta(days=365 * y)
        with pretend(start):
            _fund_year(cast, programs, rng, scale)
            needs = _needs(rng, max(10, round(NEEDS * scale)), start)
            rng.shuffle(needs)
            db.session.commit()
        year = Year(cast, rng, start, now)
        count = min(len(needs), max(10, round(PROPOSALS * scale)))
        for i in range(count):
            day = i * 360 // count
            outcome = outcomes[rng.randrange(len(outcomes))]
            need = needs.pop()  # one proposal per need: a second would fail screening
            fitting = [pid for pid, (cats, _f) in rules.items() if need.category_code in cats]
            program_id = rng.choice(fitting or list(rules))
            allowed = rules[program_id][1]
            org_id = rng.choice([i for i, form in forms if not allowed or form.value in allowed])
            program = db.session.get(Program, program_id)
            year.proposal(day, program, db.session.get(Organization, org_id), need, outcome)
        for day, grant in year.fair_queue:
            year.carry_out(day, grant)
    counts = {
        "organizations": _count(Organization),
        "enterprises": _count(Enterprise),
        "needs": _count(Need),
        "proposals": _count(Proposal),
        "grants": _count(Grant),
    }
    return counts
