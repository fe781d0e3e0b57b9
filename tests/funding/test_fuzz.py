"""No input gives a 5xx: every route and every form field, driven with hostile values as each role.

The forms are found by reading each page a role can open; every field of each form is then
sent hostile values (NUL, control and bidirectional characters, huge numbers, overlong
strings), left out or repeated, and query parameters and path parts likewise. Runs on SQLite
and, with TESTING_DATABASE_URL, on PostgreSQL. ``FUZZ_EXAMPLES`` sets examples per role.
"""

import io
import os
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.funding.test_authorization import ROLES, _routes, world  # noqa: F401 - fixture

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
#: Query parameters some page reads.
QUERY_NAMES = [
    "page",
    "q",
    "next",
    "lang",
    "program",
    "proposal",
    "state",
    "street",
    "category",
    "status",
    "overdue",
    "a",
    "b",
    "action",
    "actor",
    "object_type",
    "object_id",
    "since",
    "until",
]
#: Values that broke pages before: each is a known trap for a parser or the database.
TRAPS = [
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    "/%09/evil.example",
    "/\t/evil.example",
    "//evil.example",
    "\u202eexe.fdp",
    "名\u200b字",
    "1e999999999",
    "12,0,0",
    "1_000",
    "-1",
    "0",
    str(2**31),
    str(2**63),
    "9" * 40,
    "NaN",
    "x" * 5000,
    "2026-02-30",
    "",
    " ",
]
hostile = st.one_of(
    st.sampled_from(TRAPS),
    st.text(max_size=30),
    st.text(alphabet="\x00\x01\x1f\x7f\t\r\n\u202e\u2066\u200b\ufeff a1,./-%", max_size=12),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)


class FormReader(HTMLParser):
    """The POST forms of a page: action and the names (and values) of their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str], set[str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append((a.get("action") or "", {}, set()))
        elif tag in ("input", "select", "textarea", "button") and self.forms and a.get("name"):
            _, fields, files = self.forms[-1]
            if a.get("type") == "file":
                files.add(a["name"])
            else:
                fields.setdefault(a["name"], a.get("value") or "")


def _targets(app, client, args) -> list[tuple[str, str, dict, set]]:
    """(method, url, fields, file fields) for every page and every form a role can reach."""
    targets = []
    for method, endpoint, rule in _routes(app):
        if endpoint in ("accounts.logout", "bootstrap.static"):
            continue
        values = {}
        for name in rule.arguments:
            value = args[name]
            if isinstance(value, dict):
                value = value.get(endpoint.split(".")[1], value.get("_"))
            values[name] = value
        with app.test_request_context():
            url = url_for(endpoint, **values)
        if method != "GET":
            targets.append((method, url, {}, set()))
            continue
        targets.append(("GET", url, {}, set()))
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            reader = FormReader()
            reader.feed(response.get_data(as_text=True))
            for action, fields, files in reader.forms:
                if action.startswith("/") and not action.startswith("/logout"):
                    targets.append(("POST", action, fields, files))
        response.close()
    return targets


def _mangle_path(url: str, draw) -> str:
    """Replace one path part by a hostile value (ids beyond range, NUL, ...)."""
    parts = url.split("?")[0].split("/")
    index = draw(st.integers(min_value=1, max_value=len(parts) - 1))
    parts[index] = quote(draw(hostile), safe="") or "x"
    return "/".join(parts)


@pytest.mark.parametrize("role", ROLES)
def test_no_input_gives_a_server_error(app, world, login_as, client, role):  # noqa: F811
    users, args = world
    if role != "anonymous":
        login_as(users[role])
    targets = _targets(app, client, args)
    failures = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def probe(data):
        method, url, fields, files = data.draw(st.sampled_from(targets))
        if data.draw(st.integers(0, 4)) == 0:
            url = _mangle_path(url, data.draw)
        query = data.draw(
            st.dictionaries(st.sampled_from(QUERY_NAMES), hostile, max_size=3), label="query"
        )
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        form: dict = {}
        for name, original in fields.items():
            choice = data.draw(st.integers(0, 4), label=name)
            if choice == 0:
                continue  # the field is missing
            if choice == 1:
                form[name] = original
            elif choice == 2:
                form[name] = [data.draw(hostile), data.draw(hostile)]  # repeated
            else:
                form[name] = data.draw(hostile)
        for name in files:
            filename = data.draw(
                st.sampled_from(["a.pdf", "\u202efdp.exe", "x" * 300, "a\x00.pdf"])
            )
            form[name] = (io.BytesIO(b"%PDF-1.4 fuzz"), filename)
        response = client.open(url, method=method, data=form)
        response.get_data()  # read to the end, as a browser does, so streams finish
        response.close()
        if response.status_code >= 500:
            failures.append(f"{method} {url} {form!r}: {response.status_code}")
        assert response.status_code < 500, failures[-1]

    probe()
