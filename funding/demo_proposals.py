"""Demo proposals in every state, made through the same services people use."""

from datetime import date, timedelta

import sqlalchemy as sa

from funding.accounts.models import Role, User
from funding.accounts.passwords import hash_password
from funding.dates import today
from funding.directory.models import LegalForm, Need, Organization, ServiceCategory, Street
from funding.extensions import db, utcnow
from funding.proposals import services
from funding.proposals.models import BudgetCategory, Program, Proposal
from funding.reviews import services as reviews
from funding.reviews.models import Recommendation

#: name -> (categories, legal forms, min yuan, max yuan, self share %, budget yuan, blind)
PROGRAM_RULES = {
    "好邻居基金": (
        "ABD",
        [LegalForm.COMMUNITY_FILED, LegalForm.SOCIAL_GROUP],
        5_000,
        30_000,
        20,
        600_000,
        False,
    ),
    "We创客计划": ("EFC", [], 20_000, 100_000, 40, 1_000_000, True),
    "社区伙伴计划": ("ABCHI", [], 30_000, 200_000, 40, 2_000_000, False),
    "益人同行计划": ("GHI", [], 20_000, 150_000, 30, 1_500_000, False),
    "社区空间改造计划": ("AD", [], 50_000, 300_000, 40, 2_400_000, False),
    "社会工作发展计划": (
        "CEF",
        [LegalForm.PRIVATE_NON_ENTERPRISE],
        30_000,
        150_000,
        40,
        1_200_000,
        False,
    ),
}
#: (program, title, requested yuan, final state, reviewer scores or None)
PLAN = [
    ("社区伙伴计划", "清波门长者助餐与探访", 60_000, "agreement_signed", [8, 9, 8, 7, 8]),
    ("益人同行计划", "困境儿童四点半课堂", 48_000, "approved", [9, 8, 8, 8, 7]),
    ("社区伙伴计划", "老旧小区加装电梯协商", 80_000, "in_review", [7, 6, 7, 8, 6]),
    ("We创客计划", "青年公益创客工作坊", 50_000, "in_review", None),
    ("益人同行计划", "残障人士居家康复陪伴", 90_000, "screening", None),
    ("社区空间改造计划", "楼道微更新共建", 120_000, "screening_failed", None),
    ("好邻居基金", "邻里节与兴趣小组", 12_000, "returned", None),
    ("社会工作发展计划", "社工督导与能力建设", 70_000, "rejected", None),
    ("社区伙伴计划", "家庭关系辅导小组", 40_000, "withdrawn", None),
    ("益人同行计划", "失智老人家庭喘息服务", 56_000, "draft", None),
]


REVIEW_COMMENTS = [
    "需求清晰，执行团队经验充分。",
    "方案可行，建议细化志愿者培训安排。",
    "预算基本合理，可持续性部分可再加强。",
]


def apply_program_rules() -> None:
    """Give the district's six programs their rules (kept if already set by staff)."""
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    for name, (cats, forms, low, high, share, budget, blind) in PROGRAM_RULES.items():
        program = db.session.scalar(sa.select(Program).filter_by(name=name))
        if program is None or program.budget_fen:
            continue
        program.categories = [categories[c] for c in cats]
        program.legal_forms = [f.value for f in forms]
        program.min_grant_fen, program.max_grant_fen = low * 100, high * 100
        program.min_self_share_pct, program.budget_fen = share, budget * 100
        program.blind_review = blind
        program.open_from = date(2026, 1, 1)


def _member(org: Organization, index: int) -> User:
    if org.members:
        return org.members[0]
    user = User(
        email=f"member{index}@demo.local",
        name=org.contact_name,
        role=Role.ORG_MEMBER,
        party=org,
        password_hash=hash_password(f"unused-{index}-demo-password"),
    )
    db.session.add(user)
    db.session.flush()
    return user


def _eligible_org(program: Program, orgs: list[Organization], used: set[int]) -> Organization:
    allowed = set(program.legal_forms)
    for org in orgs:
        if (
            org.id not in used
            and org.is_verified
            and (not allowed or org.legal_form.value in allowed)
        ):
            used.add(org.id)
            return org
    raise LookupError(program.name)


def proposal_data(
    program: Program, need: Need | None, title: str, requested: int, share_pct: int
) -> services.ProposalData:
    """A budget where requested + self-funded = total and the share meets the program."""
    requested_fen = requested * 100
    total_fen = requested_fen * 100 // (100 - share_pct)
    total_fen -= total_fen % 100
    self_fen = total_fen - requested_fen
    personnel = total_fen * 2 // 5 // 100 * 100
    lines = (
        services.Line("专职社工人力", BudgetCategory.PERSONNEL, 2, personnel // 2),
        services.Line("活动与服务", BudgetCategory.ACTIVITIES, 1, total_fen - personnel),
    )
    community = need.community if need else None
    return services.ProposalData(
        title=title,
        summary=f"{title}：回应居民需求，组织专业社工与志愿者定期开展服务。",
        category_code=need.category_code if need else program.categories[0].code,
        need_ids=(need.id,) if need else (),
        community_ids=(community.id,) if community else (),
        direct_beneficiaries=120,
        indirect_beneficiaries=400,
        start_date=today() + timedelta(days=30),
        end_date=today() + timedelta(days=395),
        amount_requested_fen=requested_fen,
        self_funded_fen=self_fen,
        lines=lines,
        outcomes=(
            {"indicator": "直接服务人次", "target": "1200人次"},
            {"indicator": "居民满意度", "target": "≥90%"},
        ),
        team=({"name": "陈晓", "role": "项目负责人"}, {"name": "李娜", "role": "一线社工"}),
        declaration=True,
    )


def seed_proposals(staff: User, reviewers: list[User]) -> int:
    """Carry each planned proposal to its state; proposals already present are left alone."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)):
        return 0
    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))
    needs = list(db.session.scalars(sa.select(Need).order_by(Need.id)))
    used: set[int] = set()
    street_of = {s.code: s for s in db.session.scalars(sa.select(Street))}
    for i, (program_name, title, requested, final, scores) in enumerate(PLAN):
        program = db.session.scalar(sa.select(Program).filter_by(name=program_name))
        org = _eligible_org(program, orgs, used)
        member = _member(org, i)
        wanted = {c.code for c in program.categories}
        need = next((n for n in needs if n.category_code in wanted), None)
        if need is not None:
            needs.remove(need)
        proposal = services.create_draft(member, program)
        share = program.min_self_share_pct + 5
        services.save_draft(member, proposal, proposal_data(program, need, title, requested, share))
        if final == "screening_failed":
            proposal.communities = [next(iter(street_of.values())).communities[0]]
            proposal.category_code = "I"  # outside the program's categories
        if final == "draft":
            continue
        services.submit(member, proposal, today())
        if final == "withdrawn":
            services.withdraw(member, proposal)
        if final in ("screening", "screening_failed", "withdrawn"):
            continue
        if final == "returned":
            services.return_for_revision(staff, proposal, "请补充活动频次与预算测算依据。")
            continue
        services.pass_screening(staff, proposal)
        if final == "rejected":
            services.reject(staff, proposal, "项目与计划的培育方向不符，建议转投社区伙伴计划。")
            continue
        for k, reviewer in enumerate(reviewers[: 2 if scores is None else 3]):
            assignment = reviews.assign_reviewer(staff, proposal, reviewer)
            if scores is not None:
                reviews.declare(reviewer, assignment, conflicted=False)
                own = [min(10, max(0, s + (k + j) % 3 - 1)) for j, s in enumerate(scores)]
                reviews.submit_review(
                    reviewer,
                    assignment,
                    [reviews.Score(s) for s in own],
                    REVIEW_COMMENTS[k],
                    Recommendation.FUND,
                )
        if final in ("approved", "agreement_signed"):
            decided = today() - timedelta(days=14 if final == "agreement_signed" else 1)
            services.approve(staff, proposal, requested * 100, "按申报方案执行。", decided)
        if final == "agreement_signed":
            services.sign_agreement(staff, proposal, today())
        _age(proposal, days=3 + 4 * i)
    return len(PLAN)


def _age(proposal: Proposal, days: int) -> None:
    """Spread the demo over recent weeks so queue ages and expected dates look real."""
    shift = timedelta(days=days + 12)
    for event in proposal.events:
        event.at -= shift
    if proposal.submitted_at:
        proposal.submitted_at -= shift
    if proposal.decided_at:
        proposal.decided_at = proposal.submitted_at + timedelta(days=18 + days % 7)
    proposal.state_since = utcnow() - timedelta(days=days)
