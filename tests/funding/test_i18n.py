"""Chinese first, English one click away; every string translated; money and dates."""

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from config import BASE_DIR
from funding.accounts.models import Role


def test_home_is_chinese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "社区需求，多方共解" in page and "资助计划" in page


def test_language_switch_is_remembered(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Neighbourhood needs, met together" in page
    follow = client.get("/organizations").get_data(as_text=True)
    assert "Social organizations" in follow
    back = client.get("/organizations?lang=zh").get_data(as_text=True)
    assert "社会组织名录" in back
    assert "社会组织名录" in client.get("/organizations").get_data(as_text=True)


def test_switch_link_is_visible(client):
    page = client.get("/needs").get_data(as_text=True)
    assert 'id="lang-switch"' in page and "/needs?lang=en" in page


#: The gettext calls the code and templates use, with where each takes its message (and its
#: context, "c"); ``make messages`` extracts with the same keywords.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_p": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def extracted_messages() -> list[tuple[str, int, str | tuple, list, str | None]]:
    """Every message in the code and templates: (file, line, message, comments, context)."""
    method_map = [("funding/**.py", "python"), ("templates/**.html", "jinja2")]
    return list(extract_from_dir(str(BASE_DIR), method_map, keywords=KEYWORDS))


def test_every_message_has_a_chinese_translation():
    """Singular, plural (each form) and context-bound messages alike."""
    with open(BASE_DIR / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    forms = catalog.num_plurals
    translated = {
        (m.context, m.id)
        for m in catalog
        if m.id
        and not m.fuzzy
        and (m.string if isinstance(m.string, str) else len(m.string) == forms and all(m.string))
    }
    found = {(context, msg) for _f, _n, msg, _c, context in extracted_messages()}
    assert found, "the extractor found no strings"
    assert any(isinstance(msg, tuple) for _ctx, msg in found), "no plural messages found"
    assert sorted(found - translated, key=str) == []


def test_plurals_follow_the_number_in_english(client, make):
    for _i in range(2):
        make.need()
    page = client.get("/communities?lang=en").get_data(as_text=True)
    assert "2 open needs" in page
    make.need(community=make.community("劳动路社区"))
    page = client.get("/communities?lang=en").get_data(as_text=True)
    assert "1 open need<" in page and "1 open needs" not in page
    assert "1 个待对接需求" in client.get("/communities?lang=zh").get_data(as_text=True)


def test_money_and_dates_in_the_locale(client, make):
    need = make.need(budget_estimate_fen=123_456)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "¥1,234.56" in page
    assert f"{need.created_at.year}年" in page
    english = client.get(f"/needs/{need.id}?lang=en").get_data(as_text=True)
    assert "¥1,234.56" in english and str(need.created_at.year) in english
    assert "年" not in english.split("Posted")[1][:60]


def test_error_pages_in_both_languages(client):
    assert "页面不存在" in client.get("/missing").get_data(as_text=True)
    assert "Page not found" in client.get("/missing?lang=en").get_data(as_text=True)


def test_navigation_per_role(make, login_as):
    expectations = {
        Role.STAFF: ["主体审核", "操作日志"],
        Role.ORG_MEMBER: ["机构资料"],
        Role.COMMUNITY_WORKER: ["本社区", "发布需求"],
        Role.REVIEWER: ["评审任务"],
    }
    for role, words in expectations.items():
        page = login_as(make.user(role)).get("/dashboard").get_data(as_text=True)
        for word in words:
            assert word in page, (role, word)
        if role != Role.STAFF:
            assert "操作日志" not in page
