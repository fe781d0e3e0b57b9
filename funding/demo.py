"""Demo data: plausible parties and needs in the district's real streets and communities.

Every row is found by a natural key before it is created, so running the seed twice changes
nothing. Nothing here runs under ProductionConfig.
"""

import random
from datetime import timedelta

import sqlalchemy as sa

from funding.accounts.models import FOUNDATION_ROLES, Role, User
from funding.accounts.passwords import hash_password
from funding.audit.services import record
from funding.demo_money import fund_programs, seed_money
from funding.demo_proposals import apply_program_rules, seed_proposals
from funding.directory.models import (
    Community,
    Enterprise,
    LegalForm,
    Need,
    NeedSource,
    NeedStatus,
    Organization,
    Party,
    ServiceCategory,
    Street,
)
from funding.directory.services import load_reference_data
from funding.extensions import db, utcnow
from funding.matchmaking.demo import seed_matchmaking
from funding.proposals.models import Program
from funding.transactions import transactional
from funding.validators import credit_check_char

DEMO_PASSWORD = "demo-2026-linkage"  # noqa: S105 - printed in README on purpose
#: The demo staff and admin accounts' second factor: add it to an authenticator app, or run
#: ``flask demo-code staff@demo.local`` (development only). Printed in README on purpose.
DEMO_TOTP_SECRET = "LINKAGEDEMOSHANGCHENGSTAFFQINGBO"  # noqa: S105

#: (name, legal form, categories, capacity)
ORG_THEMES = [
    ("阳光助老", "H", 3),
    ("邻里守望", "A", 2),
    ("青苗成长", "I", 2),
    ("春晖社工", "C", 3),
    ("和睦家庭", "B", 2),
    ("乐龄生活", "H", 2),
    ("同心公益", "D", 2),
    ("心语心理", "C", 1),
    ("巧手编织", "B", 1),
    ("绿色家园", "D", 2),
    ("法律援助", "G", 1),
    ("残健共融", "G", 2),
    ("书香阅读", "I", 1),
    ("健康养老", "H", 3),
    ("新市民融合", "B", 2),
    ("社区营造", "A", 2),
    ("志愿者联合", "D", 3),
    ("暖心帮扶", "G", 2),
    ("助残康复", "G", 1),
    ("青年创客", "E", 1),
    ("社会组织孵化", "F", 2),
    ("睦邻议事", "A", 1),
    ("四点半课堂", "I", 2),
    ("银龄互助", "H", 2),
    ("家门口服务", "C", 2),
    ("爱心厨房", "H", 1),
    ("公益能力建设", "E", 2),
    ("社工督导", "F", 1),
    ("亲子成长", "I", 1),
    ("红巷文化", "B", 1),
    ("平安巷", "A", 1),
    ("微心愿", "D", 1),
    ("康乐体育", "B", 1),
    ("老城记忆", "B", 1),
    ("关爱困境儿童", "G", 2),
    ("喘息照护", "H", 1),
    ("益家人", "C", 1),
    ("邻里调解", "A", 1),
    ("楼道自治", "A", 1),
    ("助学圆梦", "I", 1),
]
SUFFIX = {
    LegalForm.PRIVATE_NON_ENTERPRISE: "社会工作服务中心",
    LegalForm.SOCIAL_GROUP: "协会",
    LegalForm.FOUNDATION: "公益基金会",
    LegalForm.COMMUNITY_FILED: "服务队",
}
FORM_CYCLE = [
    LegalForm.PRIVATE_NON_ENTERPRISE,
    LegalForm.SOCIAL_GROUP,
    LegalForm.COMMUNITY_FILED,
    LegalForm.PRIVATE_NON_ENTERPRISE,
]
#: Credit-code "organization type" digit per legal form (registered by civil affairs: 5x).
TYPE_DIGIT = {
    LegalForm.SOCIAL_GROUP: "1",
    LegalForm.PRIVATE_NON_ENTERPRISE: "2",
    LegalForm.FOUNDATION: "3",
    LegalForm.COMMUNITY_FILED: "9",
}
ENTERPRISES = [
    ("杭州湖滨商贸集团有限公司", "HG"),
    ("浙江钱塘数字科技有限公司", "EI"),
    ("杭州清河坊文化旅游有限公司", "BD"),
    ("杭州望江置业有限公司", "AD"),
    ("浙江紫阳医药连锁有限公司", "HG"),
    ("杭州南星物流有限公司", "GI"),
    ("杭州上城农商银行股份有限公司", "HIG"),
    ("浙江吴山餐饮管理有限公司", "HB"),
    ("杭州小营建设工程有限公司", "AD"),
    ("浙江西湖电子信息有限公司", "EF"),
    ("杭州鼓楼百货有限公司", "BI"),
    ("浙江之江保险代理有限公司", "GH"),
]
PROGRAMS = [
    (
        "好邻居基金",
        "Good Neighbours Fund",
        "支持社区社会组织开展邻里互助、睦邻友好类小微项目。",
        "Small neighbourly mutual-help projects run by community social organizations.",
    ),
    (
        "We创客计划",
        "We Makers Programme",
        "扶持青年公益创客孵化创新型社区服务项目。",
        "Incubates innovative community services started by young social entrepreneurs.",
    ),
    (
        "社区伙伴计划",
        "Community Partners Programme",
        "引导专业社会组织与社区结对，回应居民的共性需求。",
        "Pairs professional organizations with communities to meet residents' shared needs.",
    ),
    (
        "益人同行计划",
        "Walking Together Programme",
        "关注困难群体、残障人士与困境儿童的帮扶救助。",
        "Assistance for people in hardship, people with disabilities and children in difficulty.",
    ),
    (
        "社区空间改造计划",
        "Community Space Renewal Programme",
        "资助社区公共空间的微更新与共建共享。",
        "Funds small renewals of shared community spaces, designed with residents.",
    ),
    (
        "社会工作发展计划",
        "Social Work Development Programme",
        "支持专业社工人才培养与社会工作服务站点建设。",
        "Supports the training of social workers and neighbourhood social work stations.",
    ),
]
#: category -> (title, description) templates for needs.
NEED_TEMPLATES = {
    "A": [
        ("楼道议事会组织支持", "居民希望建立楼道议事会，定期协商停车、垃圾分类等公共事务。"),
        ("老旧小区加装电梯协商", "多幢楼居民对加装电梯意见不一，需要专业协商与调解支持。"),
    ],
    "B": [
        ("新老居民融合活动", "新迁入居民与老住户交流少，希望开展邻里节和兴趣小组。"),
        ("社区文化记忆整理", "老居民希望记录老街巷历史，开展口述史和展览。"),
    ],
    "C": [
        ("家庭关系辅导", "部分家庭存在亲子和婆媳矛盾，需要社工开展个案与小组辅导。"),
        ("心理健康讲座与咨询", "居民反映工作压力大，希望有心理咨询和减压活动。"),
    ],
    "D": [
        ("垃圾分类志愿督导", "垃圾分类点缺少督导志愿者，分类准确率不高。"),
        ("社区微心愿认领", "困难家庭有一批微心愿，需要组织认领与送达。"),
    ],
    "E": [("社区社会组织能力培训", "社区内文体团队希望学习项目设计和财务管理。")],
    "F": [("公益项目财务托管服务", "小型社区社会组织缺少财务人员，需要代理记账与督导。")],
    "G": [
        ("困难家庭帮扶探访", "低保和低边家庭需要定期探访、物资和政策咨询。"),
        ("残障人士康复陪伴", "居家残障人士缺少康复训练和陪伴，家属照护负担重。"),
    ],
    "H": [
        ("独居老人助餐与探访", "社区独居高龄老人较多，午餐不便，需要助餐和每周探访。"),
        ("失智老人家庭照护支持", "失智老人家属希望获得照护培训和喘息服务。"),
        ("老年人智能手机课堂", "老人不会用健康码和线上挂号，希望有手把手教学。"),
    ],
    "I": [
        ("四点半课堂", "双职工家庭孩子放学后无人看护，需要课后托管与作业辅导。"),
        ("青少年暑期公益营", "暑期青少年缺少活动场所，希望开展公益实践和安全教育。"),
    ],
}


def demo_credit_code(dept: str, type_digit: str, serial: int) -> str:
    """A valid, unique-looking credit code for demo data (GB 11714 and GB 32100 checks)."""
    body = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    org_code = body + {10: "X", 11: "0"}.get(check, str(check))
    first17 = f"{dept}{type_digit}330102{org_code}"
    return first17 + credit_check_char(first17)


def _get_or_add(model, where, **values):
    obj = db.session.scalar(sa.select(model).filter_by(**where))
    if obj is None:
        obj = model(**where, **values)
        db.session.add(obj)
    return obj


@transactional
def seed_demo() -> dict[str, int]:
    """Load reference data, parties, needs, programs and one user per role; idempotent."""
    load_reference_data()
    rng = random.Random(20161128)  # noqa: S311 - reproducible demo data, not secrets
    streets = list(db.session.scalars(sa.select(Street).order_by(Street.position)))
    communities = list(db.session.scalars(sa.select(Community).order_by(Community.id)))
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Party))

    for name, name_en, purpose, purpose_en in PROGRAMS:
        _get_or_add(
            Program, {"name": name}, name_en=name_en, purpose=purpose, purpose_en=purpose_en
        )

    orgs = []
    for i, (theme, cat, capacity) in enumerate(ORG_THEMES):
        form = FORM_CYCLE[i % len(FORM_CYCLE)] if i % 13 else LegalForm.FOUNDATION
        street = streets[i % len(streets)]
        prefix = "上城区" if i % 3 == 0 else street.name.removesuffix("街道")
        code = demo_credit_code("5", TYPE_DIGIT[form], 10_000_000 + 7919 * i)
        org = db.session.scalar(sa.select(Organization).filter_by(credit_code=code))
        if org is None:
            extra = rng.choice([c for c in "ABCDEFGHI" if c != cat])
            served = [c for c in communities if c.street_code == street.code]
            org = Organization(
                name=f"{prefix}{theme}{SUFFIX[form]}",
                credit_code=code,
                legal_form=form,
                capacity=capacity,
                contact_name=rng.choice("王李张刘陈杨赵黄周吴") + "老师",
                contact_mobile=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                description=f"扎根{street.name}，专注{categories[cat].name}，"
                f"兼顾{categories[extra].name}，组织居民参与社区事务。",
                categories=[categories[cat], categories[extra]],
                streets=[street] + ([streets[(i + 1) % len(streets)]] if i % 4 == 0 else []),
                communities=rng.sample(served, min(len(served), 2)) if served else [],
                verified_at=None if i >= len(ORG_THEMES) - 3 else utcnow(),
            )
            db.session.add(org)
        orgs.append(org)

    enterprises = []
    for i, (name, causes) in enumerate(ENTERPRISES):
        code = demo_credit_code("9", "1", 20_000_000 + 104_729 * i)
        ent = db.session.scalar(sa.select(Enterprise).filter_by(credit_code=code))
        if ent is None:
            ent = Enterprise(
                name=name,
                credit_code=code,
                contact_name=rng.choice("王李张刘陈") + "经理",
                contact_mobile=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                description="热心社区公益，关注" + "、".join(categories[c].name for c in causes),
                categories=[categories[c] for c in causes],
                streets=[streets[i % len(streets)]] if i % 3 else [],
                public_listing=i != 5,
                verified_at=None if i == len(ENTERPRISES) - 1 else utcnow(),
            )
            db.session.add(ent)
        enterprises.append(ent)
    db.session.flush()

    sources = list(NeedSource)
    statuses = [NeedStatus.OPEN] * 7 + [NeedStatus.MATCHED, NeedStatus.IN_SERVICE, NeedStatus.MET]
    flat = [(cat, t) for cat, items in NEED_TEMPLATES.items() for t in items]
    for i in range(60):
        cat, (title, description) = flat[i % len(flat)]
        community = communities[(i * 7) % len(communities)]
        full_title = f"{community.name.removesuffix('社区')}{title}"
        if (
            db.session.scalar(
                sa.select(Need.id).filter_by(community_id=community.id, title=full_title)
            )
            is None
        ):
            db.session.add(
                Need(
                    community=community,
                    category=categories[cat],
                    title=full_title,
                    description=description,
                    beneficiaries=rng.randrange(20, 400),
                    budget_estimate_fen=rng.randrange(20, 300) * 100_000,
                    source=sources[i % len(sources)],
                    status=statuses[i % len(statuses)],
                    created_at=utcnow() - timedelta(days=rng.randrange(1, 240)),
                )
            )

    qingbo = next(c for c in communities if c.name == "清波门社区")
    people = [
        ("admin@demo.local", "系统管理员", Role.ADMIN, {}),
        ("staff@demo.local", "基金会 周敏", Role.STAFF, {}),
        ("reviewer@demo.local", "评审专家 林教授", Role.REVIEWER, {}),
        ("reviewer2@demo.local", "评审专家 赵老师", Role.REVIEWER, {}),
        ("reviewer3@demo.local", "评审专家 孙主任", Role.REVIEWER, {}),
        ("org@demo.local", "社工 陈晓", Role.ORG_MEMBER, {"party": orgs[0]}),
        ("enterprise@demo.local", "企业 吴经理", Role.ENTERPRISE_MEMBER, {"party": enterprises[0]}),
        ("community@demo.local", "社区书记 王芳", Role.COMMUNITY_WORKER, {"community": qingbo}),
    ]
    for email, name, role, links in people:
        if db.session.scalar(sa.select(User.id).filter_by(email=email)) is None:
            db.session.add(
                User(
                    email=email,
                    name=name,
                    role=role,
                    password_hash=hash_password(DEMO_PASSWORD),
                    totp_secret=DEMO_TOTP_SECRET if role in FOUNDATION_ROLES else None,
                    **links,
                )
            )
    db.session.flush()
    by_email = {u.email: u for u in db.session.scalars(sa.select(User))}
    reviewers = [by_email[f"reviewer{n}@demo.local"] for n in ("", "2", "3")]
    staff = by_email["staff@demo.local"]
    apply_program_rules()
    fund_programs(staff)
    proposals = seed_proposals(staff, reviewers)
    seed_money(staff)
    seed_matchmaking(staff)
    added = db.session.scalar(sa.select(sa.func.count()).select_from(Party)) - before
    counts = {
        "parties_added": added,
        "organizations": len(orgs),
        "enterprises": len(enterprises),
        "needs": db.session.scalar(sa.select(sa.func.count()).select_from(Need)),
        "proposals_added": proposals,
    }
    if added:
        record(None, "demo.seed", object_type="Directory", after=counts)
    return counts
