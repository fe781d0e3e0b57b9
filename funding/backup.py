"""Backup and restore: the database and the uploaded files, together in one folder.

PostgreSQL is dumped with ``pg_dump`` in its custom format and restored with ``pg_restore``
into a new, empty database; SQLite through its online backup. The uploads (proposal
attachments) go into a tar file beside it. A manifest records what was saved and the schema
revision, so that a restore into a database of another revision is refused before it starts.
"""

import json
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from funding.extensions import db, utcnow

MANIFEST = "manifest.json"
UPLOADS = "uploads.tar.gz"


class BackupError(Exception):
    """What went wrong, in words for the operator."""


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as the connection string PostgreSQL's own tools read."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()}")


def _revision() -> str | None:
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))


def create_backup(folder: Path, upload_folder: Path) -> dict:
    """Write the database and the uploads into ``folder`` (created; it must be empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty")
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        database = "database.dump"
        _run(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={folder / database}",
            _libpq(url.render_as_string(hide_password=False)),
        )
    else:
        database = "database.sqlite"
        source = db.engine.raw_connection()
        try:
            with sqlite3.connect(folder / database) as target:
                source.driver_connection.backup(target)
        finally:
            source.close()
    with tarfile.open(folder / UPLOADS, "w:gz") as tar:
        if upload_folder.is_dir():
            tar.add(upload_folder, arcname="uploads")
    manifest = {
        "created_at": utcnow().isoformat(),
        "backend": url.get_backend_name(),
        "database": database,
        "uploads": UPLOADS,
        "revision": _revision(),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def restore_backup(folder: Path, database_url: str, upload_folder: Path) -> dict:
    """Restore a backup into an empty database at ``database_url`` and the uploads into
    ``upload_folder``; the running app's own database is never written."""
    manifest = json.loads((folder / MANIFEST).read_text())
    target = make_url(database_url)
    if target.get_backend_name() != manifest["backend"]:
        raise BackupError(f"this backup is of a {manifest['backend']} database")
    engine = sa.create_engine(target)
    try:
        with engine.connect() as conn:
            if sa.inspect(conn).get_table_names():
                raise BackupError("the target database is not empty")
    finally:
        engine.dispose()
    if manifest["backend"] == "postgresql":
        _run(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={_libpq(database_url)}",
            str(folder / manifest["database"]),
        )
    else:
        shutil.copyfile(folder / manifest["database"], target.database)
    upload_folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / manifest["uploads"]) as tar:
        files = [m for m in tar.getmembers() if m.name != "uploads"]
        for member in files:
            if not member.name.startswith("uploads/"):
                raise BackupError(f"unexpected file in the backup: {member.name}")
            member.name = member.name.removeprefix("uploads/")
        tar.extractall(upload_folder, members=files, filter="data")
    return manifest
