"""Configuration classes: one per environment, picked by ``create_app``."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _normalise_db_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    #: Locales a visitor can pick, keyed by the short code used in ``?lang=``.
    LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}
    BOOTSTRAP_SERVE_LOCAL = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    #: A login session ends after this many seconds without a request (idle) or in all
    #: (absolute): strict for staff and admins, who move money, longer for everyone else.
    SESSION_IDLE_FOUNDATION = int(os.environ.get("SESSION_IDLE_FOUNDATION", str(30 * 60)))
    SESSION_ABSOLUTE_FOUNDATION = int(os.environ.get("SESSION_ABSOLUTE_FOUNDATION", str(12 * 3600)))
    SESSION_IDLE = int(os.environ.get("SESSION_IDLE", str(8 * 3600)))
    SESSION_ABSOLUTE = int(os.environ.get("SESSION_ABSOLUTE", str(7 * 24 * 3600)))
    #: Strict-Transport-Security max-age in seconds (0: not sent; production sends a year).
    HSTS_SECONDS = 0
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024 + 64 * 1024
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    #: Failed logins allowed in LOGIN_WINDOW_SECONDS per (account, address) and per address
    #: over all accounts before that pair or address must wait for the window to pass. An
    #: account with LOGIN_SLOW_AFTER failures from anywhere is never locked: it accepts one
    #: attempt every LOGIN_SLOW_SECONDS, so guessing is slow and its owner still gets in.
    LOGIN_LIMIT_PAIR = 5
    LOGIN_LIMIT_ADDRESS = 30
    LOGIN_SLOW_AFTER = 10
    LOGIN_SLOW_SECONDS = 10
    LOGIN_WINDOW_SECONDS = 15 * 60
    #: How many proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto (the
    #: documented HTTPS proxy: 1). With 0 the headers are ignored and the client address is
    #: the connection's, as a proxy-less server must.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    PAGE_SIZE = 20
    #: Public pages for anonymous visitors are cached (``funding/caching.py``): in each
    #: process by default; set CACHE_TYPE=RedisCache and CACHE_REDIS_URL to share one cache.
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
    CACHE_DEFAULT_TIMEOUT = int(os.environ.get("CACHE_DEFAULT_TIMEOUT", "60"))
    CACHE_THRESHOLD = 2000
    #: The job queue: ``immediate://`` runs jobs in-process as soon as they are queued (no
    #: server needed); production sets ``redis://host:6379/0`` and runs a worker.
    QUEUE_URL = os.environ.get("QUEUE_URL", "immediate://")
    #: Exports with more rows than this are made by a job and offered as a download link;
    #: the files wait in EXPORT_FOLDER.
    EXPORT_INLINE_ROWS = int(os.environ.get("EXPORT_INLINE_ROWS", "5000"))
    EXPORT_FOLDER = str(INSTANCE_DIR / "exports")
    #: Uploaded import files wait here between the preview and the confirmation.
    IMPORT_FOLDER = str(INSTANCE_DIR / "imports")
    #: Confirmed imports with more rows than this are written by a job.
    IMPORT_INLINE_ROWS = int(os.environ.get("IMPORT_INLINE_ROWS", "500"))
    #: Requests and queries slower than these many milliseconds are logged as warnings.
    SLOW_REQUEST_MS = int(os.environ.get("SLOW_REQUEST_MS", "500"))
    SLOW_QUERY_MS = int(os.environ.get("SLOW_QUERY_MS", "200"))
    #: Seconds a matchmaking run may give the exact program before it keeps the staged flows.
    MATCH_TIME_LIMIT = float(os.environ.get("MATCH_TIME_LIMIT", "2"))
    #: Payments above this many fen need two different staff members to sign (¥50,000).
    TWO_PERSON_THRESHOLD_FEN = int(os.environ.get("TWO_PERSON_THRESHOLD_FEN", "5000000"))
    #: Attachments live here, outside ``static/``, under server-made names.
    UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads")
    #: The public address email links start with (e.g. https://linkage.example.org); when it
    #: is not set, links use the host of the request that caused the email.
    SITE_URL = os.environ.get("SITE_URL", "")
    #: Keys (separated by spaces; the first encrypts) that second-factor secrets are encrypted
    #: under in the database; production must set it, and keep it apart from the backups.
    SECOND_FACTOR_KEY = os.environ.get("SECOND_FACTOR_KEY", "")
    #: Open data (360Giving): the funder, the registered grant-identifier prefix and the
    #: licence the published grants are under.
    FOUNDATION_NAME = os.environ.get("FOUNDATION_NAME", "杭州市上城区社会组织发展基金会")
    #: The foundation's unified social credit code (its org-id.guide identifier is CN-USCI-…);
    #: set the real one in production.
    FOUNDATION_CREDIT_CODE = os.environ.get("FOUNDATION_CREDIT_CODE", "53330102MJ0000000P")
    OPEN_DATA_PREFIX = os.environ.get("OPEN_DATA_PREFIX", "360G-shangchengfoundation")
    OPEN_DATA_TITLE = "上城区公益创投资助数据 · Shangcheng district venture-philanthropy grants"
    OPEN_DATA_DESCRIPTION = (
        "Every grant the foundation has signed, with its payments, in the 360Giving Data Standard."
    )
    OPEN_DATA_LICENCE_NAME = os.environ.get("OPEN_DATA_LICENCE_NAME", "CC BY 4.0")
    OPEN_DATA_LICENCE_URL = os.environ.get(
        "OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
    )
    #: The JSON API: requests allowed per personal access token in each window (then 429).
    API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "120"))
    API_RATE_WINDOW_SECONDS = int(os.environ.get("API_RATE_WINDOW_SECONDS", "60"))
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@linkage.local")


class DevelopmentConfig(Config):
    """Local development: SQLite file under ``instance/``, debug pages on."""

    ENV_NAME = "development"
    DEBUG = True
    #: Emails are printed to the console in development.
    MAIL_BACKEND = "console"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SECOND_FACTOR_KEY = os.environ.get("SECOND_FACTOR_KEY", "dev-only-second-factor-key")
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'linkage.sqlite'}")
    )


class TestingConfig(Config):
    """Tests: in-memory SQLite unless TESTING_DATABASE_URL names another database."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - tests only
    SECOND_FACTOR_KEY = "testing-second-factor-key"
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ.get("TESTING_DATABASE_URL", "sqlite://"))
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - cheap hashing for tests
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "locmem"
    CACHE_TYPE = "NullCache"  # a test that checks caching switches it on


class ProductionConfig(Config):
    """Production: secrets come from the environment and nothing falls back."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    #: ``__Host-``: the browser keeps it only if Secure, for this host and path ``/``.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = 365 * 24 * 3600
    #: Settings with no fallback: the app does not start without each of them.
    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "SECOND_FACTOR_KEY", "SITE_URL")

    def __init__(self) -> None:
        missing = [name for name in self.REQUIRED if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "ProductionConfig needs the environment variable(s) "
                + ", ".join(missing)
                + "; set them before starting the app (no fallback values are used)."
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ["DATABASE_URL"])
        self.SECOND_FACTOR_KEY = os.environ["SECOND_FACTOR_KEY"]
        self.SITE_URL = os.environ["SITE_URL"]
