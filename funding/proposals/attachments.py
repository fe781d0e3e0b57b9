"""Proposal attachments: checked by content, stored outside ``static/`` under random names."""

import hashlib
import secrets
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app

from funding.accounts.models import User
from funding.audit.services import record
from funding.extensions import db
from funding.inputs import INVISIBLE
from funding.proposals.models import Attachment, Proposal
from funding.proposals.services import is_editable
from funding.proposals.workflow import is_applicant
from funding.transactions import DomainError, transactional

MAX_BYTES = 10 * 1024 * 1024
#: Extension -> the content types its bytes must show (PDF, images, Word, Excel).
ALLOWED = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "doc": {"application/msword", "application/x-ole-storage"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "xls": {"application/vnd.ms-excel", "application/x-ole-storage"},
}


def upload_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _checked_name(name: str) -> tuple[str, str]:
    """The display name and its extension; names with paths or odd characters are refused."""
    name = (name or "").strip()
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise DomainError("attachment_bad_name")
    if len(name) > 200 or any(ord(ch) < 32 for ch in name) or INVISIBLE.search(name):
        raise DomainError("attachment_bad_name")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise DomainError("attachment_type")
    return name, ext


def _content_type(data: bytes, ext: str) -> str:
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if ext in ("doc", "xls") and data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        mime = mime or "application/x-ole-storage"
    if mime not in ALLOWED[ext]:
        raise DomainError("attachment_content")
    return sorted(ALLOWED[ext])[0] if mime == "application/x-ole-storage" else mime


@transactional
def add_attachment(actor: User, proposal: Proposal, filename: str, stream: BinaryIO) -> Attachment:
    """Store one file if its name, size and bytes agree with an allowed type; else store nothing."""
    if not is_applicant(actor, proposal) or not is_editable(proposal):
        raise DomainError("forbidden")
    name, ext = _checked_name(filename)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError("attachment_too_large")
    if not data:
        raise DomainError("attachment_empty")
    content_type = _content_type(data, ext)
    stored = secrets.token_hex(16)
    path = upload_dir() / stored
    path.write_bytes(data)
    try:
        attachment = Attachment(
            proposal=proposal,
            original_name=name,
            stored_name=stored,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by_id=actor.id,
        )
        db.session.add(attachment)
        db.session.flush()
        record(
            actor,
            "attachment.add",
            attachment,
            after={"proposal": proposal.id, "name": name, "size": len(data)},
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return attachment


@transactional
def remove_attachment(actor: User, attachment: Attachment) -> None:
    proposal = attachment.proposal
    if not is_applicant(actor, proposal) or not is_editable(proposal):
        raise DomainError("forbidden")
    record(actor, "attachment.remove", attachment, before={"name": attachment.original_name})
    db.session.delete(attachment)
    db.session.flush()
    (upload_dir() / attachment.stored_name).unlink(missing_ok=True)


def attachment_path(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name
