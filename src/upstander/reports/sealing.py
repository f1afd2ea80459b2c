"""How report content is laid out before sealing, and read back after unsealing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from upstander import crypto
from upstander.reports.models import Attachment, MessageAuthor, Report, ReportKeyGrant
from upstander.reports.rules import FileInput, Identity, Submission


def to_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def from_json(data: bytes) -> dict[str, Any]:
    loaded = json.loads(data)
    if not isinstance(loaded, dict):
        raise crypto.DecryptionFailed
    return loaded


def content_document(submission: Submission) -> dict[str, Any]:
    return {
        "what_happened": submission.what_happened,
        "when": submission.when,
        "where": submission.where,
        "subjects": [
            {
                "person_id": str(subject.person_id) if subject.person_id else None,
                "name": subject.name,
                "staff_number": subject.staff_number,
                "unit": subject.unit,
            }
            for subject in submission.subjects
        ],
    }


def identity_document(identity: Identity) -> dict[str, Any]:
    return {"name": identity.name, "staff_number": identity.staff_number, "contact": identity.contact}


def submission_fingerprint(submission: Submission) -> str:
    """What makes two submissions the same request, for idempotent retries."""
    document = {
        "category": submission.category.value,
        "relation": submission.relation.value,
        "content": content_document(submission),
        "identity": identity_document(submission.identity) if submission.identity else None,
        "files": [[f.filename, f.content_type, crypto.sha256_hex(f.data)] for f in submission.files],
        "about_me": [submission.about_me.sex, submission.about_me.ethnicity, submission.about_me.age]
        if submission.about_me
        else None,
    }
    return crypto.sha256_hex(json.dumps(document, sort_keys=True).encode())


@dataclass(frozen=True)
class EncryptedFile:
    file_key: bytes
    encrypted_meta: bytes
    ciphertext: bytes
    size_bytes: int


def encrypt_file(file: FileInput) -> EncryptedFile:
    file_key = crypto.random_bytes(crypto.KEY_BYTES)
    meta = to_json({"filename": file.filename, "content_type": file.content_type})
    return EncryptedFile(
        file_key=file_key,
        encrypted_meta=crypto.encrypt(file_key, meta),
        ciphertext=crypto.encrypt(file_key, file.data),
        size_bytes=len(file.data),
    )


def attachment_row(
    report: Report, encrypted: EncryptedFile, uploaded_by: MessageAuthor, at: datetime
) -> Attachment:
    """A file's row, its key sealed to the report's current key version and to the reporter."""
    return Attachment(
        report_id=report.id,
        uploaded_by=uploaded_by,
        uploaded_at=at,
        size_bytes=encrypted.size_bytes,
        sealed_key_for_report=crypto.seal(report.public_key, encrypted.file_key),
        sealed_key_for_reporter=crypto.seal(report.reporter_public_key, encrypted.file_key),
        key_version=report.key_version,
        encrypted_meta=encrypted.encrypted_meta,
        ciphertext=encrypted.ciphertext,
    )


@dataclass(frozen=True)
class AttachmentInfo:
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    uploaded_at: datetime
    uploaded_by: MessageAuthor


@dataclass(frozen=True)
class OpenedFile:
    filename: str
    content_type: str
    data: bytes


def attachment_info(row: Attachment, file_key: bytes) -> AttachmentInfo:
    meta = from_json(crypto.decrypt(file_key, row.encrypted_meta))
    return AttachmentInfo(
        id=row.id,
        filename=str(meta["filename"]),
        content_type=str(meta["content_type"]),
        size_bytes=row.size_bytes,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
    )


def open_attachment(row: Attachment, file_key: bytes) -> OpenedFile:
    info = attachment_info(row, file_key)
    return OpenedFile(info.filename, info.content_type, crypto.decrypt(file_key, row.ciphertext))


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    author: MessageAuthor
    author_name: str
    sent_at: datetime
    text: str


def grant_report_key(
    session: Session, report_id: uuid.UUID, private_key: bytes, readers: Mapping[uuid.UUID, bytes]
) -> None:
    for user_id, public_key in readers.items():
        session.add(
            ReportKeyGrant(
                report_id=report_id, user_id=user_id, sealed_private_key=crypto.seal(public_key, private_key)
            )
        )
