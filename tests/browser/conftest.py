"""A live server and Debian's Chromium driven by Playwright.

Where Chromium is missing the browser tests skip with a message; with REQUIRE_BROWSER=1
(set by CI) a missing browser fails instead.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import build_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The browser's server runs in another thread: SQLite needs a file, not one shared
    in-memory connection (PostgreSQL, when configured, is used as it is)."""
    url = None
    if not os.environ.get("TESTING_DATABASE_URL"):
        url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.sqlite'}"
    yield from build_app(tmp_path_factory, url)


@pytest.fixture(autouse=True)
def _clean(clean_db):
    """Each journey starts from a clean database with the reference data."""


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium not found at {CHROMIUM}; install Debian's chromium package"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
