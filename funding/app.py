"""The application factory."""

from pathlib import Path

from flask import Flask, g, request
from flask_openapi3 import OpenAPI
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import import_string

from funding import cli, errors, i18n, inputs, models, observability, security  # noqa: F401 - models
from funding.accounts.sessions import load_session_user
from funding.api import API_INFO, API_PREFIX, SECURITY_SCHEMES
from funding.api.problems import Problem, validation_problem
from funding.audit.services import current_address
from funding.caching import cache
from funding.extensions import babel, bootstrap, csrf, db, login_manager, mail, migrate
from funding.jobs import queue as jobs
from funding.ledger.services import install_sqlite_locking

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_object: object | str = "config.DevelopmentConfig") -> Flask:
    """Build the app from a config class, an instance, or its dotted path."""
    app = OpenAPI(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        info=API_INFO,
        security_schemes=SECURITY_SCHEMES,
        doc_prefix=API_PREFIX,
        doc_url="/openapi.json",
        validation_error_status=422,
        validation_error_model=Problem,
        validation_error_callback=validation_problem,
    )
    if isinstance(config_object, str):
        config_object = import_string(config_object)
    if isinstance(config_object, type):
        config_object = config_object()
    app.config.from_object(config_object)
    app.json.ensure_ascii = False
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    inputs.register(app)
    register_extensions(app)
    register_blueprints(app)
    register_api(app)
    observability.register(app)  # before the session's hooks: a request's time includes them
    register_hooks(app)
    errors.register(app)
    cli.register(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    cache.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            install_sqlite_locking(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    mail.init_app(app)
    jobs.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=None)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = i18n.lazy("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)


def register_blueprints(app: Flask) -> None:
    from funding.accounts import passkey_views, settings_views  # noqa: F401 - routes on accounts
    from funding.accounts.views import bp as accounts_bp
    from funding.audit.views import bp as audit_bp
    from funding.directory.views import bp as directory_bp
    from funding.grants.views import bp as grants_bp
    from funding.imports.views import bp as imports_bp
    from funding.jobs.views import bp as jobs_bp
    from funding.main.views import bp as main_bp
    from funding.matchmaking.views import bp as matchmaking_bp
    from funding.notifications.views import bp as notifications_bp
    from funding.opendata.views import bp as opendata_bp
    from funding.pledges.views import bp as pledges_bp
    from funding.proposals import public_views, staff_views  # noqa: F401 - routes on proposals
    from funding.proposals.views import bp as proposals_bp
    from funding.reconciliation.views import bp as reconciliation_bp
    from funding.reviews.views import bp as reviews_bp
    from funding.transparency.views import bp as transparency_bp

    for bp in (
        observability.bp,
        main_bp,
        accounts_bp,
        directory_bp,
        audit_bp,
        proposals_bp,
        reviews_bp,
        notifications_bp,
        pledges_bp,
        reconciliation_bp,
        grants_bp,
        jobs_bp,
        imports_bp,
        transparency_bp,
        opendata_bp,
        matchmaking_bp,
    ):
        app.register_blueprint(bp)


def register_api(app: OpenAPI) -> None:
    """The JSON API: token-authenticated, so exempt from the forms' CSRF check. Its pages
    (Swagger UI, whose files come in the flask-openapi3-swagger wheel) start without inline
    script, as the site's Content-Security-Policy requires."""
    for name, page in (
        ("SWAGGER_HTML_STRING", "swagger.html"),
        ("OPENAPI_HTML_STRING", "index.html"),
    ):
        app.config.setdefault(name, (ROOT / "templates" / "api" / page).read_text())
    from funding.api.exports import api as exports_api
    from funding.api.organization import api as organization_api
    from funding.api.private import api as private_api
    from funding.api.public import api as public_api
    from funding.api.tokens_views import bp as tokens_bp

    for api in (public_api, private_api, organization_api, exports_api):
        csrf.exempt(api)
        app.register_api(api)
    app.register_blueprint(tokens_bp)


def register_hooks(app: Flask) -> None:
    @app.before_request
    def remember_address() -> None:
        g.address_token = current_address.set(request.remote_addr or "-")

    @app.teardown_request
    def forget_address(_exc: BaseException | None) -> None:
        token = g.pop("address_token", None)
        if token is not None:
            current_address.reset(token)

    from funding.accounts.settings_views import second_factor_gate

    app.before_request(second_factor_gate)
    app.after_request(i18n.remember_language)
    app.after_request(security.add_headers)
    i18n.register_template_helpers(app)
