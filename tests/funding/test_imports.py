"""Importing organizations, enterprises and needs: every row checked and shown with its
errors in the reader's language, nothing written before confirmation, all or nothing,
audited, and a second import of the same file changes nothing."""

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from funding.accounts.models import Role
from funding.audit.models import AuditRecord
from funding.directory.models import Enterprise, Need, Organization
from funding.extensions import db
from funding.imports import services
from funding.imports.rows import Kind
from funding.transactions import DomainError
from funding.validators import credit_check_char


def code(serial: int, kind: str = "51") -> str:
    """A valid unified social credit code."""
    first = f"{kind}330102MJ{serial:07d}"
    return first + credit_check_char(first)


def wrong_check(valid: str) -> str:
    return valid[:17] + ("0" if valid[17] != "0" else "1")


#: The Chinese template's header row.
ORG_HEADER = ",".join(
    [
        "统一社会信用代码",
        "名称",
        "组织类型",
        "联系人",
        "联系手机",
        "服务类别（代码，以 ; 分隔）",
        "服务街道（以 ; 分隔）",
        "简介",
    ]
)


def _csv(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def staff(make):
    return make.user(Role.STAFF)


def test_a_gbk_file_with_every_kind_of_error_is_shown_row_by_row(make, staff, login_as):
    taken = make.enterprise(credit_code=code(900, "91"))
    lines = [
        ORG_HEADER,
        f"{code(1)},清波助老服务中心,民办非企业单位,陈晓,13800000001,H;A,清波街道,助餐",
        f"{wrong_check(code(2))},校验错误,社会团体,李四,13800000002,H,,",
        f"{code(3)},未知街道,社会团体,王五,13800000003,H,不存在街道,",
        f"{code(4)},未知类别,社会团体,赵六,13800000004,Q,,",
        f"{code(1)},重复行,社会团体,钱七,13800000005,H,,",
        f"{taken.credit_code},企业的代码,社会团体,孙八,13800000006,H,,",
        f"{code(7)},,社会团体,,12345,H,,",
        f"{code(8)},未知形式,合作社,周九,13800000008,H,,",
    ]
    web = login_as(staff)
    page = web.post(
        "/staff/imports?lang=en",
        data={"kind": "organizations", "file": (io.BytesIO(_csv(lines, "gbk")), "orgs.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 new, 0 to update, 0 unchanged, 7 with errors." in page
    for text in (
        "The check character of the credit code is wrong.",
        "Unknown street 不存在街道.",
        "Unknown service category Q.",
        "Same as row 2 of this file.",
        "already registered to",
        "Name: Required.",
        "This is not a mainland mobile number.",
        "Unknown legal form 合作社.",
    ):
        assert text in page, text
    assert "Import these rows" not in page
    chinese = web.post(
        "/staff/imports?lang=zh",
        data={"kind": "organizations", "file": (io.BytesIO(_csv(lines, "gbk")), "orgs.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "统一社会信用代码的校验位不正确。" in chinese
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0  # nothing written


def test_needs_check_money_communities_and_counts(staff):
    header = "社区,标题,服务类别（代码）,简介,受益人数,预算估计（元）,来源"
    result = services.preview(
        Kind.NEEDS,
        "needs.csv",
        _csv(
            [
                header,
                "清波门社区,独居老人助餐,H,午餐不便,50,30000.00,民情恳谈会",
                "不存在社区,儿童托管,A,放学无人照看,20,一万,",
                "清波门社区,课后辅导,A,需要辅导,0,1000.555,",
            ]
        ),
    )
    first, second, third = result.rows
    assert first.status == "new" and first.values["budget"] == 3_000_000
    assert any("不存在社区" in e for e in second.errors)
    assert len(second.errors) == 2 and len(third.errors) == 2
    assert not result.importable


def test_import_confirm_writes_everything_and_a_second_import_changes_nothing(
    make, staff, login_as
):
    data = _xlsx(
        [
            [
                "Unified social credit code",
                "Name",
                "Legal form",
                "Contact person",
                "Contact mobile",
                "Service categories (codes, separated by ;)",
                "Streets served (separated by ;)",
            ],
            [code(11), "湖滨邻里中心", "Social group", "陈晓", "13800000011", "H", "湖滨街道"],
            [code(12), "小营志愿者协会", "社会团体", "李四", "13800000012", "A;H", ""],
        ]
    )
    web = login_as(staff)
    page = web.post(
        "/staff/imports?lang=en",
        data={"kind": "organizations", "file": (io.BytesIO(data), "orgs.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "2 new, 0 to update, 0 unchanged, 0 with errors." in page
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0
    upload = page.split('name="upload" type="hidden" value="')[1].split('"')[0]
    done = web.post(
        "/staff/imports/confirm?lang=en",
        data={"kind": "organizations", "upload": upload, "filename": "orgs.xlsx"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Imported: 2 new, 0 updated, 0 unchanged." in done
    orgs = db.session.scalars(sa.select(Organization).order_by(Organization.id)).all()
    assert [o.name for o in orgs] == ["湖滨邻里中心", "小营志愿者协会"]
    assert [c.code for c in orgs[1].categories] == ["A", "H"] and orgs[0].is_verified
    audited = db.session.scalar(
        sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.action.like("import.%"))
    )
    assert audited == 3  # one per organization and one for the import
    again = web.post(
        "/staff/imports?lang=en",
        data={"kind": "organizations", "file": (io.BytesIO(data), "orgs.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "0 new, 0 to update, 2 unchanged, 0 with errors." in again
    assert "there is nothing to import" in again
    assert services.commit_import(staff, Kind.ORGANIZATIONS, "orgs.xlsx", data)["unchanged"] == 2
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.action.like("import.%"))
        )
        == audited
    )


def test_an_update_and_the_all_or_nothing_rule(make, staff):
    ent = make.enterprise(credit_code=code(20, "91"), name="旧名称")
    header = "统一社会信用代码,名称,联系人,联系手机"
    good = _csv([header, f"{ent.credit_code},新名称,王敏,13900000000"])
    assert services.preview(Kind.ENTERPRISES, "e.csv", good).rows[0].status == "update"
    mixed = _csv(
        [header, f"{ent.credit_code},新名称,王敏,13900000000", f"{code(21, '91')},,王敏,139"]
    )
    with pytest.raises(DomainError) as refused:
        services.commit_import(staff, Kind.ENTERPRISES, "e.csv", mixed)
    assert refused.value.code == "import_has_errors"
    db.session.refresh(ent)
    assert ent.name == "旧名称"  # nothing of the good row was written either
    services.commit_import(staff, Kind.ENTERPRISES, "e.csv", good)
    assert db.session.get(Enterprise, ent.id).name == "新名称"


def test_needs_are_matched_by_community_and_title(make, staff):
    need = make.need(title="独居老人助餐")
    header = (
        "Community,Title,Service category (code),Description,Beneficiaries,Estimated budget (yuan)"
    )
    data = _csv([header, f"{need.community.name},独居老人助餐,H,新的描述,60,35000"])
    counts = services.commit_import(staff, Kind.NEEDS, "n.csv", data)
    assert counts["update"] == 1
    db.session.refresh(need)
    assert need.beneficiaries == 60 and need.budget_estimate_fen == 3_500_000
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 1


def test_missing_columns_and_unreadable_files(staff, login_as):
    result = services.preview(Kind.ENTERPRISES, "e.csv", _csv(["名称", "某公司"]))
    assert not result.importable and result.missing_columns
    with pytest.raises(DomainError):
        services.preview(Kind.ENTERPRISES, "e.txt", b"x")
    with pytest.raises(DomainError):
        services.preview(Kind.ENTERPRISES, "e.xlsx", b"not a workbook")
    web = login_as(staff)
    book = load_workbook(io.BytesIO(web.get("/staff/imports/needs/template.xlsx?lang=en").data))
    assert [c.value for c in book.active[1]][:2] == ["Community", "Title"]


def _preview_upload(web, data: bytes, filename: str) -> str:
    page = web.post(
        "/staff/imports?lang=en",
        data={"kind": "organizations", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    return page.split('name="upload" type="hidden" value="')[1].split('"')[0]


def test_a_large_import_is_written_by_a_job_whose_page_says_what_it_did(
    make, staff, login_as, monkeypatch, app
):
    monkeypatch.setitem(app.config, "IMPORT_INLINE_ROWS", 1)
    header = "统一社会信用代码,名称,组织类型,联系人,联系手机"
    data = _csv(
        [header] + [f"{code(40 + i)},互助会{i},社会团体,陈晓,1380000004{i}" for i in range(3)]
    )
    web = login_as(staff)
    upload = _preview_upload(web, data, "orgs.csv")
    answer = web.post(
        "/staff/imports/confirm?lang=en",
        data={"kind": "organizations", "upload": upload, "filename": "orgs.csv"},
    )
    assert answer.status_code == 302 and "/jobs/" in answer.headers["Location"]
    page = web.get(answer.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Your import" in page and "Imported: 3 new, 0 updated, 0 unchanged." in page
    names = db.session.scalars(sa.select(Organization.name).order_by(Organization.id)).all()
    assert names == ["互助会0", "互助会1", "互助会2"]
    actions = db.session.scalars(
        sa.select(AuditRecord.action).where(AuditRecord.action.like("import.%"))
    ).all()
    assert actions.count("import.request") == 1 and actions.count("import.organization.create") == 3
    assert not list(Path(app.config["IMPORT_FOLDER"]).glob(upload))  # the file is gone once written
    # Another staff member cannot follow someone else's import.
    other = login_as(make.user(Role.STAFF))
    assert other.get(answer.headers["Location"]).status_code == 404


def test_a_job_whose_file_became_wrong_writes_nothing_and_says_why(
    make, staff, login_as, monkeypatch, app
):
    monkeypatch.setitem(app.config, "IMPORT_INLINE_ROWS", 1)
    header = "统一社会信用代码,名称,组织类型,联系人,联系手机"
    data = _csv(
        [
            header,
            f"{code(50)},甲会,社会团体,陈晓,13800000050",
            f"{code(51)},乙会,社会团体,陈晓,13800000051",
        ]
    )
    web = login_as(staff)
    upload = _preview_upload(web, data, "orgs.csv")
    make.enterprise(credit_code=code(51), name="同码企业")  # the directory changed meanwhile
    answer = web.post(
        "/staff/imports/confirm?lang=en",
        data={"kind": "organizations", "upload": upload, "filename": "orgs.csv"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Some rows are no longer valid" in answer and "Back to imports" in answer
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0
