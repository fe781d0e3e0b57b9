"""Load benchmark: `python -m bench.loadtest [--data demo|year|ten] [--users 10,50]`.

Builds (once, then reuses) a PostgreSQL database holding the demo, the district's real year
(``flask seed-district --years 1``) or ten of them; serves it with gunicorn (4 sync workers,
the production configuration) and, beside it, a hello-world Flask app under the same
settings; drives each page alone with Locust (headless, bounded in time) at each number of
concurrent users; and prints per page: the time of one request on its own, requests per
second and their ratio to hello-world's, p50/p95/p99 and errors, then the web workers' memory.
Pages come from the page cache under load, as they do while the data stands still; the
"render" column is the time of a page rendered anew, as after a change.
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import psutil
import pyotp
import requests
import sqlalchemy as sa

from funding.demo import DEMO_TOTP_SECRET

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = os.environ.get("LOADTEST_PG", "postgresql://postgres@127.0.0.1:5432")
DATA = {"demo": ["seed-demo"], "year": ["seed-district", "--years", "1"]}
DATA["ten"] = ["seed-district", "--years", "10"]
PASSWORDS = {"demo": "demo-2026-linkage", "year": "district-2026-linkage"}
PASSWORDS["ten"] = PASSWORDS["year"]
#: (label, path, who): who is an account key, or None for an anonymous visitor.
PAGES = [
    ("home", "/", None),
    ("needs", "/needs", None),
    ("organizations", "/organizations", None),
    ("programs", "/programs", None),
    ("disclosures", "/disclosures", None),
    ("transparency", "/transparency", None),
    ("grants export", "/transparency/grants.csv", None),
    ("staff queue", "/staff/queue", "staff"),
    ("grants", "/grants", "staff"),
    ("accounts", "/staff/users", "staff"),
    ("enterprise dashboard", "/dashboard", "donor"),
]
ACCOUNTS = {
    "demo": {"staff": "staff@demo.local", "donor": "enterprise@demo.local"},
    "year": {"staff": "staff1@district.local", "donor": "donor0@district.local"},
}
ACCOUNTS["ten"] = ACCOUNTS["year"]


def _flask(env: dict, *args: str) -> None:
    subprocess.run([BIN / "flask", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def ensure_database(data: str) -> str:
    """The benchmark's database for ``data``: built the first time (ten years take long),
    brought up to the newest migration when it already exists."""
    name = f"linkage_load_{data}"
    url = f"{SERVER}/{name}"
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": url}
    env["LINKAGE_CONFIG"] = "config.DevelopmentConfig"
    env.setdefault("SECOND_FACTOR_KEY", "load-benchmark-only")  # the server reads the secrets
    admin = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    if exists:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            ready = sa.inspect(conn).has_table("proposals") and conn.scalar(
                sa.text("SELECT count(*) FROM proposals")
            )
        engine.dispose()
        if ready:
            _flask(env, "db", "upgrade")
            return url
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    print(f"building the {data} data set in {name} ...", flush=True)
    _flask(env, "db", "upgrade")
    _flask(env, *DATA[data])
    return url


def serve(app: str, port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [BIN / "gunicorn", "--preload", "--workers", "4", "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"{app} did not start on port {port}")


def _post_form(session: requests.Session, url: str, fields: dict) -> requests.Response:
    """Fill a page's form (its CSRF token included) and send it, without following."""
    form = session.get(url, timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    return session.post(
        url, data={"csrf_token": token, **fields}, allow_redirects=False, timeout=30
    )


def sign_in(host: str, email: str, password: str) -> str:
    """Log in once through the forms, with the second factor the foundation's accounts have;
    the session cookie every simulated user then sends."""
    session = requests.Session()
    answer = _post_form(session, f"{host}/login", {"email": email, "password": password})
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {email}")
    if "/login/second-factor" in answer.headers["Location"]:
        code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
        answer = _post_form(session, f"{host}/login/second-factor", {"code": code})
        if answer.status_code != 302:
            raise SystemExit(f"{email}'s second factor was refused")
    # The page a browser lands on gives the new session its CSRF token, as it would the
    # browser's cookie.
    session.get(urljoin(f"{host}/", answer.headers["Location"]), timeout=30)
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def warm(host: str, path: str, cookie: str | None) -> None:
    """A few requests first, so each worker has compiled the page's templates: the figures
    are of a running site, not of its first minute."""
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(12):
        requests.get(f"{host}{path}", headers=headers, timeout=120)


def _drive(host: str, path: str, users: int, seconds: int, cookie: str | None) -> dict | None:
    """Locust on one page; its aggregated figures (None if it recorded no request)."""
    env = {**os.environ, "LOAD_PATH": path}
    if cookie:
        env["LOAD_COOKIE"] = cookie
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "run"
        done = subprocess.run(  # noqa: S603
            [
                BIN / "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--host",
                host,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        with open(f"{prefix}_stats.csv", newline="") as fh:
            row = next((r for r in csv.DictReader(fh) if r["Name"] == "page"), None)
    if row is None:
        print(f"no request to {path} recorded: {done.stderr[-500:]}", file=sys.stderr)
        return None
    count = int(row["Request Count"])
    return {
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
        "errors": int(row["Failure Count"]),
        "requests": count,
    }


def drive(host: str, path: str, users: int, seconds: int, cookie: str | None) -> dict:
    """Locust on one page, run again the rare time its statistics file comes out empty."""
    for _ in range(3):
        found = _drive(host, path, users, seconds, cookie)
        if found is not None:
            return found
    raise SystemExit(f"no request to {path} was recorded")


def render_ms(host: str, path: str, cookie: str | None, times: int = 15) -> float:
    """The median time of a page rendered anew: each request's query string is one the page
    cache has not seen, so the figures under load (served from the cache) sit beside the cost
    of the render a change brings."""
    headers = {"Cookie": cookie} if cookie else {}
    joiner = "&" if "?" in path else "?"
    took = []
    for n in range(times):
        started = time.perf_counter()
        requests.get(
            f"{host}{path}{joiner}fresh={time.time_ns()}-{n}", headers=headers, timeout=120
        )
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def workers_mb(server: subprocess.Popen) -> float:
    children = psutil.Process(server.pid).children()
    return max(c.memory_info().rss for c in children) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(DATA), default="year")
    parser.add_argument("--users", default="10,50")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pages", default="", help="labels to run, comma-separated")
    args = parser.parse_args()
    url = ensure_database(args.data)
    env = {**os.environ, "DATABASE_URL": url, "LINKAGE_CONFIG": "bench.loadconfig.LoadConfig"}
    env.setdefault("SECRET_KEY", "load-benchmark-only")
    env.setdefault("SECOND_FACTOR_KEY", "load-benchmark-only")
    env.setdefault("SITE_URL", "http://127.0.0.1:8802")
    env["SLOW_REQUEST_MS"] = "100000"  # the benchmark measures; it need not log each request
    hello = serve("bench.hello:app", 8801, env)
    site = serve("wsgi:app", 8802, env)
    users = [int(u) for u in args.users.split(",")]
    chosen = [p for p in PAGES if not args.pages or p[0] in args.pages.split(",")]
    try:
        base = {u: drive("http://127.0.0.1:8801", "/", u, args.seconds, None) for u in users}
        print(
            f"\n{args.data}: hello-world "
            + ", ".join(f"{u} users {base[u]['rps']:.0f} req/s" for u in users)
        )
        print(
            f"{'page':22} {'one ms':>7} {'render':>7} "
            + " ".join(
                f"{'u' + str(u) + ' rps':>9} {'ratio':>6} "
                f"{'p50':>6} {'p95':>6} {'p99':>6} {'err':>4}"
                for u in users
            )
        )
        host = "http://127.0.0.1:8802"
        # One sign-in per account: a second factor's code is good once.
        cookies = {
            who: sign_in(host, ACCOUNTS[args.data][who], PASSWORDS[args.data])
            for who in {who for _label, _path, who in chosen if who}
        }
        for label, path, who in chosen:
            login = cookies.get(who)
            warm(host, path, login)
            single = drive(host, path, 1, 3, login)["p50"]
            rendered = render_ms(host, path, login)
            cells = []
            for u in users:
                r = drive(host, path, u, args.seconds, login)
                cells.append(
                    f"{r['rps']:9.1f} {r['rps'] / base[u]['rps']:6.3f} {r['p50']:6.0f} "
                    f"{r['p95']:6.0f} {r['p99']:6.0f} {r['errors']:4d}"
                )
            print(f"{label:22} {single:7.0f} {rendered:7.0f} " + " ".join(cells), flush=True)
        print(f"largest web worker: {workers_mb(site):.0f} MB")
    finally:
        for server in (hello, site):
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
