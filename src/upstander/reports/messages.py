"""The conversation on a report: the messages either side writes, and the files beside them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import crypto
from upstander.i18n import N_
from upstander.reports import keys as keyring
from upstander.reports import sealing
from upstander.reports.models import (
    Attachment,
    Message,
    MessageAuthor,
    Report,
)

# Kept in English in the sealed message; the reporter's page shows it in their language.
HANDLERS_NAME = N_("Professional Standards")


def add_message(
    session: Session,
    report: Report,
    author: MessageAuthor,
    author_user_id: uuid.UUID | None,
    author_name: str,
    text: str,
    now: datetime,
) -> uuid.UUID:
    keyring.lock_for_sealing(session, report)
    document = sealing.to_json({"text": text, "author_name": author_name})
    message = Message(
        report_id=report.id,
        author=author,
        author_user_id=author_user_id,
        sent_at=now,
        sealed_for_report=crypto.seal(report.public_key, document),
        sealed_for_reporter=crypto.seal(report.reporter_public_key, sealing.to_json({"text": text})),
        key_version=report.key_version,
    )
    session.add(message)
    session.flush()
    return message.id


def _messages(session: Session, report_id: uuid.UUID) -> list[Message]:
    return list(
        session.scalars(select(Message).where(Message.report_id == report_id).order_by(Message.sent_at))
    )


def _attachments(session: Session, report_id: uuid.UUID) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment).where(Attachment.report_id == report_id).order_by(Attachment.uploaded_at)
        )
    )
