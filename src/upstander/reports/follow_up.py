"""The reporter's side after the receipt: signing in with it, reading replies, adding to the report.

A reporter is known only by their receipt key: it opens their report and derives their key pair,
so nothing identifies them but the key they hold. Failed tries count against the visitor and a
global budget, never an address.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from upstander import crypto
from upstander.accounts import ratelimit, sessions
from upstander.accounts.sessions import ReporterPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.config import Settings
from upstander.db import Database, utcnow
from upstander.errors import (
    NotFound,
    NotSignedIn,
    TooManyAttempts,
)
from upstander.events import Events
from upstander.i18n import gettext, lazy_gettext
from upstander.reports import keys as keyring
from upstander.reports import rules, sealing
from upstander.reports.attachments import FileCleaner
from upstander.reports.events import ReporterAddedInformation
from upstander.reports.messages import HANDLERS_NAME, _attachments, _messages, add_message
from upstander.reports.models import (
    Attachment,
    MessageAuthor,
    Report,
    ReportStatus,
)

WRONG_RECEIPT = lazy_gettext("That receipt key does not open a report. Check each character and try again.")


@dataclass(frozen=True)
class ReporterView:
    reference: str
    category: str
    status: str
    received_at: datetime
    acknowledged_at: datetime | None
    acknowledge_by: datetime
    next_feedback_due: datetime
    closed: bool
    content: dict[str, Any]
    anonymous: bool
    messages: list[sealing.MessageView]
    attachments: list[sealing.AttachmentInfo]


class ReporterFollowUp:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        audit: AuditLog,
        derive_receipt: Callable[[str], crypto.ReceiptSecrets],
        derive_argon2id_receipt: Callable[[str], crypto.ReceiptSecrets],
        limits: rules.Limits,
        files: FileCleaner,
        clock: Callable[[], datetime] = utcnow,
        events: Events | None = None,
    ) -> None:
        self._db = database
        self._events = events or Events()
        self._settings = settings
        self._audit = audit
        self.derive_receipt = derive_receipt
        self._derive_argon2id_receipt = derive_argon2id_receipt
        self.limits = limits
        self.files = files
        self._clock = clock

    def reporter_sign_in(self, receipt_text: str, visitor: str | None = None) -> sessions.IssuedSession:
        """Open a report with its receipt key. Failures count against the visitor and a global budget."""
        now = self._clock()
        settings = self._settings
        with self._db.transaction() as session:
            visitor_ok = visitor is None or ratelimit.hit(
                session,
                f"receipt:visitor:{crypto.sha256_hex(visitor.encode())}",
                settings.receipt_failures_per_visitor_per_minute,
                60,
                now,
            )
        if not visitor_ok:
            raise TooManyAttempts(
                gettext("Too many tries with receipt keys. Wait a minute, then try again."),
                retry_after_seconds=ratelimit.seconds_left(now, 60),
            )
        length_problem = rules.receipt_key_length_problem(
            len(crypto.receipt_key_symbols(receipt_text)), crypto.RECEIPT_SYMBOLS
        )
        if length_problem is not None:
            # Counted against the visitor above, but not the global budget: it tests no key.
            raise NotSignedIn(length_problem, code="receipt_wrong_length")
        receipt_key = crypto.normalise_receipt_key(receipt_text)
        report_id, receipt = self._find_report(receipt_key) if receipt_key else (None, None)
        with self._db.transaction() as session:
            if report_id is None or receipt is None:
                within_budget = ratelimit.hit(
                    session, "receipt:failures:all", settings.receipt_failures_per_minute, 60, now
                )
                issued = None
            else:
                within_budget = True
                issued = sessions.issue(
                    session,
                    kind=sessions.REPORTER,
                    private_key=receipt.key_pair.private,
                    now=now,
                    lifetime=timedelta(minutes=settings.reporter_session_minutes),
                    report_id=report_id,
                )
                self._audit.record(
                    session, Actor.reporter(report_id), "reporter.signed_in", "report", report_id
                )
        if issued is None:
            if not within_budget:
                raise TooManyAttempts(
                    gettext("Too many wrong receipt keys are being tried. Wait a minute, then try again."),
                    retry_after_seconds=ratelimit.seconds_left(now, 60),
                )
            raise NotSignedIn(str(WRONG_RECEIPT), code="wrong_receipt")
        return issued

    def _find_report(self, receipt_key: str) -> tuple[uuid.UUID | None, crypto.ReceiptSecrets | None]:
        """The id of the report a receipt key opens, and the secrets it derives, by keyed hash first.

        Only when that finds nothing and reports from before keyed hashing remain is the slow
        Argon2id derivation tried; a wrong key costs it then, and stays within the same budgets."""
        receipt = self.derive_receipt(receipt_key)
        with self._db.transaction() as session:
            report_id = session.scalar(select(Report.id).where(Report.receipt_hash == receipt.lookup_hash))
            if report_id is not None:
                return report_id, receipt
            older_remain = session.scalar(
                select(Report.id).where(Report.receipt_scheme == crypto.RECEIPT_ARGON2ID).limit(1)
            )
        if older_remain is None:
            return None, None
        receipt = self._derive_argon2id_receipt(receipt_key)
        with self._db.transaction() as session:
            report_id = session.scalar(
                select(Report.id).where(
                    Report.receipt_hash == receipt.lookup_hash,
                    Report.receipt_scheme == crypto.RECEIPT_ARGON2ID,
                )
            )
        return (report_id, receipt) if report_id is not None else (None, None)

    def reporter_session(self, bearer: str) -> ReporterPrincipal:
        with self._db.transaction() as session:
            opened = sessions.open_session(
                session, bearer, kind=sessions.REPORTER, now=self._clock(), idle_limit=None
            )
            assert opened.row.report_id is not None
            return ReporterPrincipal(opened.row.report_id, opened.private_key, opened.row.id_hash)

    def reporter_sign_out(self, bearer: str) -> None:
        with self._db.transaction() as session:
            sessions.revoke(session, bearer, self._clock())

    def reporter_view(self, reporter: ReporterPrincipal) -> ReporterView:
        with self._db.transaction() as session:
            report = session.get_one(Report, reporter.report_id)
            content = sealing.from_json(
                crypto.unseal(reporter.private_key, report.sealed_content_for_reporter)
            )
            messages = [
                sealing.MessageView(
                    id=row.id,
                    author=row.author,
                    author_name="You" if row.author is MessageAuthor.REPORTER else HANDLERS_NAME,
                    sent_at=row.sent_at,
                    text=str(
                        sealing.from_json(crypto.unseal(reporter.private_key, row.sealed_for_reporter))[
                            "text"
                        ]
                    ),
                )
                for row in _messages(session, report.id)
            ]
            attachments = [
                sealing.attachment_info(row, crypto.unseal(reporter.private_key, row.sealed_key_for_reporter))
                for row in _attachments(session, report.id)
            ]
            self._audit.record(session, reporter.actor, "reporter.viewed", "report", report.id)
            return ReporterView(
                reference=report.reference,
                category=str(rules.CATEGORY_LABELS[report.category]),
                status=str(rules.STATUS_FOR_REPORTER[report.status]),
                received_at=report.received_at,
                acknowledged_at=report.acknowledged_at,
                acknowledge_by=rules.acknowledgement_due(report.received_at),
                closed=report.status is ReportStatus.CLOSED,
                next_feedback_due=rules.feedback_due(
                    report.received_at, report.acknowledged_at, report.last_feedback_at
                ),
                content=content,
                anonymous=report.anonymous,
                messages=messages,
                attachments=attachments,
            )

    def reporter_add(
        self, reporter: ReporterPrincipal, text: str, files: tuple[rules.FileInput, ...] = ()
    ) -> uuid.UUID | None:
        """The reporter adds information or files; both sides can read it, nobody else."""
        rules.validate_message(text, files, self.limits)
        cleaned = tuple(sealing.encrypt_file(self.files.clean(file)) for file in files)
        now = self._clock()
        with self._db.transaction() as session:
            report = keyring.lock_for_sealing(session, session.get_one(Report, reporter.report_id))
            message_id = None
            if text.strip():
                message_id = add_message(session, report, MessageAuthor.REPORTER, None, "", text, now)
            for encrypted in cleaned:
                session.add(sealing.attachment_row(report, encrypted, MessageAuthor.REPORTER, now))
            self._audit.record(
                session,
                reporter.actor,
                "reporter.added_information",
                "report",
                report.id,
                {"message": bool(message_id), "attachments": len(cleaned)},
            )
            self._events.publish(session, ReporterAddedInformation(report, now))
            return message_id

    def reporter_download(self, reporter: ReporterPrincipal, attachment_id: uuid.UUID) -> sealing.OpenedFile:
        with self._db.transaction() as session:
            row = session.get(Attachment, attachment_id)
            if row is None or row.report_id != reporter.report_id:
                raise NotFound(gettext("There is no such file in your report."))
            opened = sealing.open_attachment(
                row, crypto.unseal(reporter.private_key, row.sealed_key_for_reporter)
            )
            self._audit.record(session, reporter.actor, "attachment.downloaded", "attachment", row.id)
            return opened
