"""Intake: receiving a report, in one transaction, audited (the reporter's follow-up is ``follow_up.py``).

The slow and the cryptographic work (Argon2id, sealing, image cleaning) happens before the
transaction opens, so the database is held only for the inserts — and a report is committed,
with its audit entry, before the reporter is shown a receipt.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts import org_keys
from upstander.accounts.service import StaffPrincipal, lock_holders_of_roles, users_with_roles
from upstander.audit.service import Actor, AuditLog
from upstander.config import Settings
from upstander.db import Database, unused_value, utcnow
from upstander.errors import (
    AlreadySubmitted,
    Conflict,
    InvalidInput,
    NotSignedIn,
    ServiceUnavailable,
)
from upstander.events import Events
from upstander.i18n import gettext
from upstander.org.models import Person
from upstander.reports import rules, sealing
from upstander.reports.attachments import FileCleaner
from upstander.reports.events import ReportStored
from upstander.reports.follow_up import ReporterFollowUp
from upstander.reports.models import (
    Channel,
    IdempotencyRecord,
    Installation,
    MessageAuthor,
    Report,
    ReportStatus,
    ReportSubject,
)
from upstander.store.keyfiles import ServerSecrets


@dataclass(frozen=True)
class SubmissionResult:
    report_id: uuid.UUID
    reference: str
    receipt_key: str
    replayed: bool = False


@dataclass(frozen=True)
class _Idempotency:
    key_hash: str
    response_key: bytes


class ReportService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        secrets: ServerSecrets,
        audit: AuditLog,
        events: Events,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._events = events
        self._secrets = secrets
        self._settings = settings
        self._audit = audit
        self._clock = clock
        self._salt: bytes | None = None
        self.limits = rules.Limits(
            max_text_chars=settings.max_text_chars,
            max_short_text_chars=settings.max_short_text_chars,
            max_subjects=settings.max_subjects_per_report,
            max_files=settings.max_attachments_per_submission,
            max_file_bytes=settings.max_attachment_bytes,
        )
        # One per process: its gate bounds the image decodes and document cleans of every upload.
        self.files = FileCleaner.from_settings(settings)
        self.follow_up = ReporterFollowUp(
            database,
            settings,
            audit,
            self.derive_receipt,
            self.derive_argon2id_receipt,
            self.limits,
            self.files,
            clock,
            events,
        )

    # --- installation ------------------------------------------------------------------------

    def receipt_salt(self) -> bytes:
        if self._salt is None:
            with self._db.transaction() as session:
                dialect = session.get_bind().dialect.name
                insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
                session.execute(
                    insert(Installation)
                    .values(
                        id=1, receipt_salt=crypto.random_bytes(crypto.SALT_BYTES), created_at=self._clock()
                    )
                    .on_conflict_do_nothing(index_elements=["id"])
                )
                self._salt = session.get_one(Installation, 1).receipt_salt
        return self._salt

    def derive_receipt(self, receipt_key: str) -> crypto.ReceiptSecrets:
        return crypto.derive_receipt_secrets(receipt_key, self.receipt_salt())

    def derive_argon2id_receipt(self, receipt_key: str) -> crypto.ReceiptSecrets:
        """For reports received before keyed hashing only; new reports never use it."""
        return crypto.derive_argon2id_receipt_secrets(
            receipt_key, self.receipt_salt(), self._settings.receipt_cost
        )

    # --- intake ------------------------------------------------------------------------------

    def submit(
        self,
        submission: rules.Submission,
        *,
        channel: Channel = Channel.ONLINE,
        entered_by: StaffPrincipal | None = None,
        idempotency_key: str | None = None,
        one_time: bool = False,
    ) -> SubmissionResult:
        """Receive a report. Retrying with the same idempotency key returns the first answer, never a second report.

        With `one_time` (the report form's token), the first answer is given again only to a prompt
        retry (`rules.receipt_may_be_shown_again`); later the token is spent and `AlreadySubmitted`
        is raised, so a form sent again after Back neither files a second report nor shows the
        receipt key to whoever is at the computer now.
        """
        rules.validate_submission(submission, self.limits)
        if channel is not Channel.ONLINE:
            if entered_by is None:
                raise NotSignedIn("Reports taken by phone or in person are entered by a signed-in operator.")
            access.require(entered_by.roles, access.Action.ENTER_REPORT_ON_BEHALF)
        fingerprint = sealing.submission_fingerprint(submission)
        idempotency = self._idempotency(idempotency_key) if idempotency_key else None
        if idempotency is not None:
            replay = self._replay(idempotency, fingerprint, one_time=one_time)
            if replay is not None:
                return replay
        prepared = self._prepare(submission)
        try:
            return self._store(submission, prepared, channel, entered_by, idempotency, fingerprint)
        except IntegrityError:
            # A concurrent retry with the same idempotency key committed first: answer as it did.
            if idempotency is not None:
                replay = self._replay(idempotency, fingerprint, one_time=one_time)
                if replay is not None:
                    return replay
            raise

    def _idempotency(self, idempotency_key: str) -> _Idempotency:
        """The stored hash and the response key both need the server secret and the client's key."""
        material = crypto.sha256_hex(self._secrets.idempotency + idempotency_key.encode())
        return _Idempotency(
            key_hash=crypto.mac(self._secrets.idempotency, idempotency_key.encode()),
            response_key=crypto.subkey(bytes.fromhex(material), "upstander idempotent response"),
        )

    def _replay(
        self, idempotency: _Idempotency, fingerprint: str, *, one_time: bool = False
    ) -> SubmissionResult | None:
        with self._db.transaction() as session:
            record = session.get(IdempotencyRecord, idempotency.key_hash)
            if record is None:
                return None
            if one_time and not (
                crypto.constant_time_equal(record.request_hash, fingerprint)
                and rules.receipt_may_be_shown_again(record.created_at, self._clock())
            ):
                raise AlreadySubmitted(
                    gettext(
                        "This report was already sent, so it was not sent again and no second report "
                        "was made."
                    ),
                    code="report_already_sent",
                )
            if not crypto.constant_time_equal(record.request_hash, fingerprint):
                raise Conflict(
                    "This Idempotency-Key was already used for a different report. "
                    "Use a new key for a new report.",
                    code="idempotency_key_reused",
                )
            stored = sealing.from_json(crypto.decrypt(idempotency.response_key, record.encrypted_response))
        return SubmissionResult(
            report_id=uuid.UUID(stored["report_id"]),
            reference=stored["reference"],
            receipt_key=stored["receipt_key"],
            replayed=True,
        )

    @dataclass(frozen=True)
    class _Prepared:
        receipt_key: str
        receipt: crypto.ReceiptSecrets
        report_keys: crypto.KeyPair
        sealed_content: bytes
        sealed_content_for_reporter: bytes
        files: tuple[sealing.EncryptedFile, ...]

    def _prepare(self, submission: rules.Submission) -> ReportService._Prepared:
        receipt_key = crypto.new_receipt_key()
        receipt = self.derive_receipt(receipt_key)
        report_keys = crypto.generate_key_pair()
        content = sealing.to_json(sealing.content_document(submission))
        return self._Prepared(
            receipt_key=receipt_key,
            receipt=receipt,
            report_keys=report_keys,
            sealed_content=crypto.seal(report_keys.public, content),
            sealed_content_for_reporter=crypto.seal(receipt.key_pair.public, content),
            files=tuple(sealing.encrypt_file(self.files.clean(file)) for file in submission.files),
        )

    def _store(
        self,
        submission: rules.Submission,
        prepared: ReportService._Prepared,
        channel: Channel,
        entered_by: StaffPrincipal | None,
        idempotency: _Idempotency | None,
        fingerprint: str,
    ) -> SubmissionResult:
        now = self._clock()
        with self._db.transaction() as session:
            lock_holders_of_roles(session, access.INTAKE_READERS)
            readers = users_with_roles(session, access.INTAKE_READERS)
            if not readers:
                raise ServiceUnavailable(
                    "Reports cannot be received yet: no handler or overseer account exists to read them. "
                    "Nothing was stored; please try again later or contact Professional Standards by phone."
                )
            report = Report(
                id=uuid.uuid4(),
                reference=unused_value(session, Report.reference, rules.new_reference),
                category=submission.category,
                status=ReportStatus.RECEIVED,
                channel=channel,
                anonymous=submission.anonymous,
                reporter_relation=submission.relation,
                received_at=now,
                entered_by_id=entered_by.user_id if entered_by else None,
                public_key=prepared.report_keys.public,
                reporter_public_key=prepared.receipt.key_pair.public,
                receipt_hash=prepared.receipt.lookup_hash,
                receipt_scheme=prepared.receipt.scheme,
                sealed_content=prepared.sealed_content,
                sealed_content_for_reporter=prepared.sealed_content_for_reporter,
                sealed_identity=self._seal_identity(session, submission),
            )
            session.add(report)
            session.flush()
            links = []
            for position, subject in enumerate(submission.subjects):
                if not subject.is_empty:
                    person_id = _linked_person(session, subject, position)
                    session.add(ReportSubject(report_id=report.id, position=position, person_id=person_id))
                    links.append((position, person_id, "picked" if subject.person_id else "staff_number"))
            # The reporter is watched for detriment and the subjects linked (services.py lists who acts).
            self._events.publish(
                session,
                ReportStored(
                    report,
                    tuple(links),
                    submission.about_me,
                    submission.identity.staff_number if submission.identity else None,
                ),
            )
            for encrypted in prepared.files:
                session.add(sealing.attachment_row(report, encrypted, MessageAuthor.REPORTER, now))
            sealing.grant_report_key(session, report.id, prepared.report_keys.private, readers)
            result = SubmissionResult(report.id, report.reference, prepared.receipt_key)
            if idempotency is not None:
                session.add(
                    IdempotencyRecord(
                        key_hash=idempotency.key_hash,
                        request_hash=fingerprint,
                        created_at=now,
                        status_code=201,
                        encrypted_response=crypto.encrypt(
                            idempotency.response_key,
                            sealing.to_json(
                                {
                                    "report_id": str(report.id),
                                    "reference": report.reference,
                                    "receipt_key": prepared.receipt_key,
                                }
                            ),
                        ),
                    )
                )
            actor = entered_by.actor if entered_by else Actor.reporter(report.id)
            self._audit.record(
                session,
                actor,
                "report.received",
                "report",
                report.id,
                {
                    "reference": report.reference,
                    "category": report.category.value,
                    "channel": channel.value,
                    "anonymous": report.anonymous,
                    "attachments": len(prepared.files),
                },
            )
        return result

    def _seal_identity(self, session: Session, submission: rules.Submission) -> bytes | None:
        if submission.identity is None:
            return None
        public = org_keys.org_public_key(session, org_keys.CUSTODIAN_KEY)
        if public is None:
            # No custodian yet: the overseers hold the custodian key until one is appointed.
            holders = users_with_roles(session, {access.R.CUSTODIAN}) or users_with_roles(
                session, {access.R.OVERSEER}
            )
            if not holders:
                raise ServiceUnavailable(
                    "Named reports cannot be received yet: no custodian or overseer exists."
                )
            public = org_keys.create_org_key(session, org_keys.CUSTODIAN_KEY, holders)
        return crypto.seal(public, sealing.to_json(sealing.identity_document(submission.identity)))


def _linked_person(session: Session, subject: rules.SubjectInput, position: int) -> uuid.UUID | None:
    """A picked staff record must exist; an exact staff number links the record automatically."""
    if subject.person_id is not None:
        if session.get(Person, subject.person_id) is None:
            raise InvalidInput(
                "One of the people named is not a known staff record.",
                fields={f"subjects.{position}.person_id": "no such staff record"},
            )
        return subject.person_id
    number = subject.staff_number.strip().upper()
    if not number:
        return None
    return session.scalar(select(Person.id).where(func.upper(Person.staff_number) == number))
