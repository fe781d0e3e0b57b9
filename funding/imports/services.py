"""Import organizations, enterprises and needs: a preview of every row, then, once staff
confirm, all rows or none, each change audited. Nothing is written by the preview."""

from collections import Counter
from dataclasses import dataclass

from funding.accounts.models import User
from funding.audit.services import record, snapshot
from funding.directory import services as directory
from funding.directory.models import (
    Enterprise,
    Organization,
    PartyKind,
    VerificationState,
)
from funding.extensions import db, utcnow
from funding.imports.reading import read_table
from funding.imports.rows import Kind, Row, check_rows, target_fields
from funding.transactions import DomainError, transactional


@dataclass
class Preview:
    kind: Kind
    rows: list[Row]
    missing_columns: list[str]

    @property
    def counts(self) -> Counter:
        return Counter(r.status for r in self.rows)

    @property
    def importable(self) -> bool:
        return not self.missing_columns and self.counts["error"] == 0

    @property
    def changes(self) -> int:
        return self.counts["new"] + self.counts["update"]


def preview(kind: Kind, filename: str, data: bytes) -> Preview:
    """Read and check a file; every row with its status or errors."""
    rows, missing = check_rows(kind, read_table(filename, data))
    return Preview(kind, rows, missing)


def _party(actor: User, kind: Kind, row: Row) -> None:
    fields = target_fields(kind, row.values)
    party = row.existing
    action = "update"
    if party is None:
        model = Organization if kind == Kind.ORGANIZATIONS else Enterprise
        party = model(
            kind=PartyKind.ORGANIZATION if kind == Kind.ORGANIZATIONS else PartyKind.ENTERPRISE,
            credit_code=row.values["credit_code"],
            verified_at=utcnow(),
            verified_by_id=actor.id,
            verification=VerificationState.VERIFIED,
        )
        db.session.add(party)
        action = "create"
    before = None if action == "create" else snapshot(party, "name", "contact_name", "description")
    for name, value in fields.items():
        setattr(party, name, value)
    db.session.flush()
    record(
        actor,
        f"import.{party.kind.value}.{action}",
        party,
        before=before,
        after=snapshot(party, "name", "credit_code", "contact_name", "description"),
    )


def _need(actor: User, row: Row) -> None:
    f = target_fields(Kind.NEEDS, row.values)
    data = directory.NeedData(
        community_id=f["community_id"],
        category_code=f["category_code"],
        title=f["title"],
        description=f["description"],
        beneficiaries=f["beneficiaries"],
        budget_estimate_fen=f["budget_estimate_fen"],
        source=f["source"],
        status=row.existing.status if row.existing is not None else directory.NeedStatus.OPEN,
    )
    if row.existing is None:
        directory.create_need(actor, data)
    else:
        directory.update_need(actor, row.existing, data)


@transactional
def commit_import(actor: User, kind: Kind, filename: str, data: bytes) -> Counter:
    """Check the file again and write every new or changed row, or nothing if any row has an
    error (the file may have been previewed before the directory changed)."""
    if not actor.is_foundation:
        raise DomainError("forbidden")
    result = preview(kind, filename, data)
    if not result.importable:
        raise DomainError("import_has_errors")
    for row in result.rows:
        if row.status == "unchanged":
            continue
        if kind == Kind.NEEDS:
            _need(actor, row)
        else:
            _party(actor, kind, row)
    if result.changes:
        record(
            actor,
            f"import.{kind.value}",
            object_type="import",
            after={"file": filename[:100], **dict(result.counts)},
        )
    return result.counts
