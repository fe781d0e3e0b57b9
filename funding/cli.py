"""Command-line tasks: ``flask seed-demo``, ``flask seed-district``, ``flask create-user``,
``flask load-directory``, ``flask ledger check``."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from funding.messages import message
from funding.transactions import DomainError


@contextmanager
def _quiet_mail() -> Iterator[None]:
    """Sample activity notifies people in-app; it sends no email (nor logs each email job)."""
    mailman = current_app.extensions["mailman"]
    backend, mailman.backend = mailman.backend, "dummy"
    queue_log = logging.getLogger("huey")
    level = queue_log.level
    queue_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        mailman.backend = backend
        queue_log.setLevel(level)


def register(app: Flask) -> None:
    @app.cli.command("load-directory")
    def load_directory_command() -> None:
        """Load the district's streets, communities and service categories (idempotent)."""
        from funding.directory.services import load_reference_data

        added = load_reference_data()
        click.echo(", ".join(f"{k}: +{v}" for k, v in added.items()))

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load demo parties, needs, programs and users (refused in production)."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-demo refuses to run under ProductionConfig.")
        from funding.demo import seed_demo

        with _quiet_mail():
            counts = seed_demo()
        click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))

    @app.cli.command("seed-district")
    @click.option("--years", default=1, show_default=True, type=click.IntRange(1, 20))
    @click.option(
        "--scale",
        default=1.0,
        show_default=True,
        type=click.FloatRange(0.01, 10.0),
        help="A fraction (or multiple) of one real year's volume.",
    )
    def seed_district_command(years: int, scale: float) -> None:
        """Build the district at its real volume into an empty database (refused in
        production): what benchmarks, the load test and the backup test use."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-district refuses to run under ProductionConfig.")
        from time import perf_counter

        from funding.district import seed_district

        started = perf_counter()
        with _quiet_mail():
            try:
                counts = seed_district(years, scale)
            except DomainError as exc:
                raise click.ClickException(message(exc.code)) from exc
        click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
        click.echo(f"built in {perf_counter() - started:.0f} s")

    backup = click.Group("backup", help="Back up and restore the database and the uploads.")
    app.cli.add_command(backup)

    @backup.command("create")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    @with_appcontext
    def backup_create_command(folder: Path) -> None:
        """Save the database and the uploaded files into FOLDER (new or empty)."""
        from funding.backup import BackupError, create_backup

        try:
            manifest = create_backup(folder, Path(current_app.config["UPLOAD_FOLDER"]))
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"backup of revision {manifest['revision']} written to {folder}")

    @backup.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--database-url", required=True, help="An empty database to restore into.")
    @click.option(
        "--uploads",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the uploaded files go.",
    )
    @with_appcontext
    def backup_restore_command(folder: Path, database_url: str, uploads: Path) -> None:
        """Restore FOLDER into an empty database and an uploads folder."""
        from funding.backup import BackupError, restore_backup

        try:
            manifest = restore_backup(folder, database_url, uploads)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"restored the backup of {manifest['created_at']}")

    ledger = click.Group("ledger", help="The double-entry ledger.")
    app.cli.add_command(ledger)

    @ledger.command("check")
    @with_appcontext
    def ledger_check_command() -> None:
        """Verify every ledger invariant; exit status 1 on any violation."""
        from funding.ledger.check import violations

        problems = violations()
        for problem in problems:
            click.echo(f"VIOLATION: {problem}", err=True)
        if problems:
            raise SystemExit(1)
        click.echo(
            "ledger ok: every transaction balances, balances equal their entries, "
            "nothing is negative"
        )

    @app.cli.command("grant-runtime-role")
    @click.argument("role")
    @click.option("--password", default=None, help="Set (or change) the role's password.")
    def grant_runtime_role_command(role: str, password: str | None) -> None:
        """Create (if missing) the PostgreSQL role the app runs as, and grant it what it may
        do: read and write the tables, but only read and add to the audit log. Run it once, as
        the tables' owner; later ``flask db upgrade`` runs keep the grants."""
        from funding.audit.roles import grant_runtime_role

        try:
            grant_runtime_role(role, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{role}: tables read and write; audit_records SELECT and INSERT only")

    @app.cli.command("demo-code")
    @click.argument("email")
    def demo_code_command(email: str) -> None:
        """Print the second-factor code a demo account's app shows now (development only)."""
        if current_app.config["ENV_NAME"] != "development":
            raise click.ClickException("demo-code runs only under DevelopmentConfig.")
        from funding.accounts.second_factor import current_code
        from funding.accounts.services import find_user_by_email
        from funding.demo import DEMO_TOTP_SECRET

        user = find_user_by_email(email)
        if user is None or user.totp_secret != DEMO_TOTP_SECRET:
            raise click.ClickException(f"{email} is not a demo account with a second factor.")
        click.echo(current_code(user.totp_secret))

    @app.cli.command("create-user")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_user_command(email: str, name: str, password: str) -> None:
        """Create an administrator (the first account of a new installation)."""
        from funding.accounts.services import create_admin

        try:
            user = create_admin(email, name, password)
        except DomainError as exc:
            raise click.ClickException(message(exc.code)) from exc
        click.echo(f"created admin {user.email}")
