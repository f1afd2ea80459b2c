"""The handler's side of a report: inbox, reading, acknowledging, replying, notes, files.

Reading decrypts with the reader's own unlocked key and is audited in the same transaction;
a reader without a sealed key gets a refusal, whatever their role.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.db import Database, utcnow
from upstander.errors import InvalidInput, NotFound
from upstander.events import Events
from upstander.listing import rules as paging
from upstander.org.linking import Described, SubjectCard
from upstander.reports import keys as keyring
from upstander.reports import lists, rules, sealing, versions
from upstander.reports.attachments import FileCleaner
from upstander.reports.events import ReportAcknowledged, ReporterAnswered
from upstander.reports.messages import HANDLERS_NAME, _attachments, _messages, add_message
from upstander.reports.models import (
    FIRST_KEY_VERSION,
    Attachment,
    MessageAuthor,
    Note,
    Report,
    ReportStatus,
)
from upstander.reports.views import InboxItem, NoteView, ReportView, SubjectView, report_clocks
from upstander.store import changes

DEFAULT_ACKNOWLEDGEMENT = (
    "Thank you for your report. We have read it and it is being dealt with by the professional "
    "standards team. We will keep you informed through this page; you can add information at any time."
)


class CaseReferences(Protocol):
    """The reference of each of these cases (cases/service.py answers it; reports sit below cases)."""

    def __call__(self, session: Session, case_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, str]: ...


class SubjectCards(Protocol):
    """Each subject a report describes, with its link and suggestions (patterns/service.py answers it)."""

    def cards(
        self, session: Session, report: Report, described: Sequence[Described]
    ) -> list[SubjectCard]: ...


class HandlingService:
    def __init__(
        self,
        database: Database,
        limits: rules.Limits,
        files: FileCleaner,
        audit: AuditLog,
        events: Events,
        case_references: CaseReferences,
        case_locks: versions.CaseLocks,
        subject_cards: SubjectCards,
        clock: Callable[[], datetime] = utcnow,
        case_handled_by: lists.CaseHandledBy | None = None,
    ) -> None:
        self._db = database
        self._files = files
        self._events = events
        self._case_references = case_references
        self._case_handled_by = case_handled_by
        self._case_locks = case_locks
        self._subject_cards = subject_cards
        self._limits = limits
        self._audit = audit
        self._clock = clock

    def inbox(
        self,
        principal: StaffPrincipal,
        wanted: rules.InboxFilter | None = None,
        *,
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> paging.Page[InboxItem]:
        """One page of the reports a handler works from: overdue acknowledgements first, then by deadline.

        Filtered, searched by reference or a linked subject's staff number, sorted by any column and
        paged by keyset, with the total of the whole filtered list; a bad sort, cursor or limit is a
        422 that says which."""
        access.require(principal.roles, access.Action.VIEW_INBOX)
        order = paging.parse_sort(sort, rules.INBOX_SORTS, paging.Sort(rules.INBOX_DEFAULT_SORT))
        size = paging.parse_limit(limit)
        now = self._clock()
        with self._db.transaction() as session:
            return lists.inbox_page(
                session,
                principal.user_id,
                wanted or rules.InboxFilter(),
                order,
                cursor,
                size,
                now,
                self._case_references,
                self._case_handled_by,
            )

    def _report_and_key(
        self, session: Session, principal: StaffPrincipal, report_id: uuid.UUID
    ) -> tuple[Report, keyring.ReportKeys]:
        access.require(principal.roles, access.Action.READ_REPORT)
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound("There is no report with that reference.")
        return report, keyring.ReportKeys(session, report, principal.user_id, principal.private_key)

    def open_report(self, principal: StaffPrincipal, report_id: uuid.UUID) -> ReportView:
        """Decrypt a report for an authorised reader; the read itself is an audit entry."""
        now = self._clock()
        with self._db.transaction() as session:
            report, keys = self._report_and_key(session, principal, report_id)
            content = sealing.from_json(keys.unseal(FIRST_KEY_VERSION, report.sealed_content))
            acknowledgement, feedback = report_clocks(report, now)
            authors = dict(session.execute(select(User.id, User.display_name)).all())
            view = ReportView(
                id=report.id,
                reference=report.reference,
                category=str(rules.CATEGORY_LABELS[report.category]),
                category_value=report.category.value,
                channel=report.channel,
                relation=report.reporter_relation.value,
                anonymous=report.anonymous,
                identity_held=report.sealed_identity is not None,
                disclosed_identity=(
                    sealing.from_json(
                        keys.unseal(report.disclosed_identity_key_version, report.disclosed_identity)
                    )
                    if report.disclosed_identity
                    else None
                ),
                received_at=report.received_at,
                status=report.status,
                acknowledged_at=report.acknowledged_at,
                acknowledgement=acknowledgement,
                feedback=feedback,
                what_happened=str(content.get("what_happened", "")),
                when=str(content.get("when", "")),
                where=str(content.get("where", "")),
                subjects=self._subjects(session, report, content),
                messages=[
                    sealing.MessageView(
                        id=row.id,
                        author=row.author,
                        author_name=(
                            "Reporter"
                            if row.author is MessageAuthor.REPORTER
                            else str(
                                sealing.from_json(keys.unseal(row.key_version, row.sealed_for_report)).get(
                                    "author_name"
                                )
                            )
                            or HANDLERS_NAME
                        ),
                        sent_at=row.sent_at,
                        text=str(
                            sealing.from_json(keys.unseal(row.key_version, row.sealed_for_report))["text"]
                        ),
                    )
                    for row in _messages(session, report.id)
                ],
                notes=[
                    NoteView(
                        id=row.id,
                        author_name=authors.get(row.author_user_id, "unknown"),
                        written_at=row.written_at,
                        text=str(sealing.from_json(keys.unseal(row.key_version, row.sealed))["text"]),
                    )
                    for row in session.scalars(
                        select(Note).where(Note.report_id == report.id).order_by(Note.written_at)
                    )
                ],
                attachments=[
                    sealing.attachment_info(row, keys.unseal(row.key_version, row.sealed_key_for_report))
                    for row in _attachments(session, report.id)
                ],
                case_id=report.case_id,
                case_reference=self._case_references(session, {report.case_id}).get(report.case_id)
                if report.case_id
                else None,
                version=report.version,
            )
            self._audit.record(session, principal.actor, "report.read", "report", report.id)
            lists.mark_read(session, report.id, principal.user_id, now)
            return view

    def acknowledge(
        self,
        principal: StaffPrincipal,
        report_id: uuid.UUID,
        message: str = "",
        expected_version: int | None = None,
    ) -> int:
        """Directive 2019/1937 art. 9(1)(b): acknowledge within seven days, with a message the reporter reads.

        A report is acknowledged once, ever: the report row is locked (its case's first, when it has
        one) before it is checked, so of two handlers acknowledging at once the second is told who
        did it and the reporter gets one acknowledgement. With `expected_version` (the version the
        handler saw) a report that changed since is refused. Returns the report's new version."""
        access.require(principal.roles, access.Action.ACKNOWLEDGE_REPORT)
        text = message.strip() or DEFAULT_ACKNOWLEDGEMENT
        rules.validate_message(text, (), self._limits)
        now = self._clock()
        with self._db.transaction() as session:
            report, _keys = self._report_and_key(session, principal, report_id)
            versions.lock_report(session, report, now, self._case_locks)
            if report.acknowledged_at is not None:
                who = versions.name_of(session, report.acknowledged_by_id)
                raise changes.ChangedMeanwhile(
                    changes.already_acknowledged(report.reference, who, report.acknowledged_at, now)
                )
            versions.require_seen(session, report, expected_version, now, self._case_locks)
            report.acknowledged_at = now
            report.acknowledged_by_id = principal.user_id
            report.last_feedback_at = now
            if report.status is ReportStatus.RECEIVED:
                report.status = ReportStatus.ACKNOWLEDGED
            add_message(
                session, report, MessageAuthor.STAFF, principal.user_id, principal.display_name, text, now
            )
            self._audit.record(session, principal.actor, "report.acknowledged", "report", report.id)
            self._events.publish(session, ReportAcknowledged(report, principal, now))
            session.flush()
            return report.version

    def reply(
        self,
        principal: StaffPrincipal,
        report_id: uuid.UUID,
        text: str,
        files: tuple[rules.FileInput, ...] = (),
    ) -> uuid.UUID | None:
        access.require(principal.roles, access.Action.REPLY_TO_REPORTER)
        rules.validate_message(text, files, self._limits)
        cleaned = tuple(sealing.encrypt_file(self._files.clean(file)) for file in files)
        now = self._clock()
        with self._db.transaction() as session:
            report, _keys = self._report_and_key(session, principal, report_id)
            versions.lock_report(session, report, now, self._case_locks)
            keyring.lock_for_sealing(session, report)
            message_id = None
            if text.strip():
                message_id = add_message(
                    session, report, MessageAuthor.STAFF, principal.user_id, principal.display_name, text, now
                )
            for encrypted in cleaned:
                session.add(sealing.attachment_row(report, encrypted, MessageAuthor.STAFF, now))
            report.last_feedback_at = now
            if text.strip():
                self._events.publish(session, ReporterAnswered(report, principal, text))
            self._audit.record(
                session, principal.actor, "report.replied", "report", report.id, {"attachments": len(cleaned)}
            )
            return message_id

    def add_note(self, principal: StaffPrincipal, report_id: uuid.UUID, text: str) -> uuid.UUID:
        """An internal note, sealed to the report key only: the reporter's key cannot open it."""
        access.require(principal.roles, access.Action.WRITE_NOTE)
        if not text.strip():
            raise InvalidInput("The note is empty.", fields={"text": "empty note"})
        rules.validate_message(text, (), self._limits)
        now = self._clock()
        with self._db.transaction() as session:
            report, _keys = self._report_and_key(session, principal, report_id)
            keyring.lock_for_sealing(session, report)
            note = Note(
                report_id=report.id,
                author_user_id=principal.user_id,
                written_at=now,
                sealed=crypto.seal(report.public_key, sealing.to_json({"text": text})),
                key_version=report.key_version,
            )
            session.add(note)
            session.flush()
            self._audit.record(
                session, principal.actor, "note.written", "report", report.id, {"note": str(note.id)}
            )
            return note.id

    def _subjects(self, session: Session, report: Report, content: dict[str, Any]) -> list[SubjectView]:
        """The sealed descriptions, each beside its standing link or the ranked records it may mean."""
        described = [
            Described(str(s.get("name") or ""), str(s.get("staff_number") or ""), str(s.get("unit") or ""))
            for s in content.get("subjects") or []
        ]
        return [
            SubjectView(
                name=card.described.name,
                staff_number=card.described.staff_number,
                unit=card.described.unit,
                person_id=card.linked_person_id,
                linked_record=card.linked_label,
                allegation_id=card.allegation_id,
                link_status=card.link_status,
                suggestions=card.suggestions,
            )
            for card in self._subject_cards.cards(session, report, described)
        ]

    def download(
        self, principal: StaffPrincipal, report_id: uuid.UUID, attachment_id: uuid.UUID
    ) -> sealing.OpenedFile:
        with self._db.transaction() as session:
            report, keys = self._report_and_key(session, principal, report_id)
            row = session.get(Attachment, attachment_id)
            if row is None or row.report_id != report.id:
                raise NotFound("There is no such file in this report.")
            opened = sealing.open_attachment(row, keys.unseal(row.key_version, row.sealed_key_for_report))
            self._audit.record(session, principal.actor, "attachment.downloaded", "attachment", row.id)
            return opened
