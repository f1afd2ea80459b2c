from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from upstander.accounts.models import enum_column
from upstander.db import Base, utcnow


class Category(StrEnum):
    SEXUAL_MISCONDUCT = "sexual_misconduct"
    SEXUAL_HARASSMENT = "sexual_harassment"
    DISCRIMINATION = "discrimination"
    BULLYING = "bullying"
    ABUSE_OF_POSITION = "abuse_of_position"
    CORRUPTION = "corruption"
    DRINK_DRUG_DRIVING = "drink_drug_driving"
    DOMESTIC_ABUSE = "domestic_abuse"
    OTHER = "other"


# The version of a report's key pair its first content (and every item before any rotation) is sealed with.
FIRST_KEY_VERSION = 1


class ReporterRelation(StrEnum):
    VICTIM = "victim"
    WITNESS = "witness"


class Channel(StrEnum):
    ONLINE = "online"
    PHONE = "phone"
    IN_PERSON = "in_person"
    # Filed by a member of staff in escrow, opened to the PSD when others named the same person.
    ESCROW = "escrow"


class ReportStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_CASE = "in_case"
    CLOSED = "closed"


class Installation(Base):
    """Per-installation values that are not secret but must never change (the receipt salt)."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    receipt_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(Base):
    """A report as received. Everything a person wrote is sealed; only what triage needs is plain."""

    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    category: Mapped[Category] = mapped_column(enum_column(Category))
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.RECEIVED)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    anonymous: Mapped[bool]
    reporter_relation: Mapped[ReporterRelation] = mapped_column(enum_column(ReporterRelation))
    received_at: Mapped[datetime] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    last_feedback_at: Mapped[datetime | None]
    entered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    # The current version of the report's key pair: new material is sealed to `public_key`, and
    # records this version; a reader who loses reading replaces it (reports/rotation.py).
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_version: Mapped[int] = mapped_column(Integer, default=FIRST_KEY_VERSION, server_default="1")
    reporter_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # crypto.RECEIPT_KEYED or, for reports received before it, crypto.RECEIPT_ARGON2ID.
    receipt_scheme: Mapped[str] = mapped_column(String(16), server_default="blake2b", index=True)
    sealed_content: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_content_for_reporter: Mapped[bytes] = mapped_column(LargeBinary)
    # A named reporter's identity, sealed to the custodian key: handlers see only that it is held.
    sealed_identity: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set only by a custodian's recorded disclosure decision: the identity sealed to the report key.
    disclosed_identity: Mapped[bytes | None] = mapped_column(LargeBinary)
    disclosed_identity_key_version: Mapped[int] = mapped_column(
        Integer, default=FIRST_KEY_VERSION, server_default="1"
    )

    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_sealed_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Moves on with every change to the row: SQLAlchemy's version counter makes each UPDATE
    # `... WHERE version = <the one read>`, and the API and forms check it against what was seen.
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    # The report lists page by (received_at, id): see migration 0013.
    __table_args__ = (Index("ix_reports_received_at_id", "received_at", "id"),)


class ReportSubject(Base):
    """A person a report is about. A picked staff record is linked; a description stays sealed."""

    __tablename__ = "report_subjects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)


class ReportKeyGrant(Base):
    """The current version of the report's private key sealed to one reader's public key."""

    __tablename__ = "report_key_grants"

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetiredReportKey(Base):
    """An older version of a report's private key, sealed to one reader still entitled to it.

    When a reader loses reading, the current grants of the others move here unchanged (the server
    cannot open them) and a new version is sealed to those others only. A row without a user is
    the version sealed to the key of the report's case, for those who read through the case."""

    __tablename__ = "retired_report_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    key_version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("report_id", "key_version", "user_id"),)


class ReportRead(Base):
    """When a reader last opened a report: what the reporter added after it is unread for them."""

    __tablename__ = "report_reads"

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    read_at: Mapped[datetime]


class MessageAuthor(StrEnum):
    REPORTER = "reporter"
    STAFF = "staff"


class Message(Base):
    """A message between the reporter and the handlers, sealed once for each side."""

    __tablename__ = "report_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author: Mapped[MessageAuthor] = mapped_column(enum_column(MessageAuthor))
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime]
    sealed_for_report: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_for_reporter: Mapped[bytes] = mapped_column(LargeBinary)
    # The version of the report key it is sealed with (Report.key_version when it was written).
    key_version: Mapped[int] = mapped_column(Integer, default=FIRST_KEY_VERSION, server_default="1")


class Note(Base):
    """An internal note: sealed to the report key only, so the reporter's key can never open it."""

    __tablename__ = "report_notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime]
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The version of the report key it is sealed with (Report.key_version when it was written).
    key_version: Mapped[int] = mapped_column(Integer, default=FIRST_KEY_VERSION, server_default="1")


class Attachment(Base):
    """A file encrypted under its own key; the key is sealed to the report (and to the reporter)."""

    __tablename__ = "report_attachments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[MessageAuthor] = mapped_column(enum_column(MessageAuthor))
    uploaded_at: Mapped[datetime]
    size_bytes: Mapped[int]
    sealed_key_for_report: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_key_for_reporter: Mapped[bytes] = mapped_column(LargeBinary)
    # The version of the report key it is sealed with (Report.key_version when it was written).
    key_version: Mapped[int] = mapped_column(Integer, default=FIRST_KEY_VERSION, server_default="1")
    encrypted_meta: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class IdempotencyRecord(Base):
    """A submission's response, kept so a retry with the same key gets the same answer.

    The response holds a receipt key, so it is encrypted under a key derived from the client's
    idempotency key, of which only a hash is stored.
    """

    __tablename__ = "idempotency_records"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    status_code: Mapped[int]
    encrypted_response: Mapped[bytes] = mapped_column(LargeBinary)


class CaseKeyGrant(Base):
    __tablename__ = "case_key_grants"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
