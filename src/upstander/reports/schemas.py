"""JSON shapes of the reports API, and their conversion to and from the domain's values."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from upstander.errors import InvalidInput
from upstander.reports.models import Category, Channel, ReporterRelation
from upstander.reports.rules import AboutMe, FileInput, Identity, SubjectInput, Submission, media_type_problem

# Generous outer bounds: the configured limits are checked by the rules with a precise message.
LONG_TEXT = 200_000
SHORT_TEXT = 2_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubjectIn(Strict):
    person_id: uuid.UUID | None = None
    name: str = Field(default="", max_length=SHORT_TEXT)
    staff_number: str = Field(default="", max_length=SHORT_TEXT)
    unit: str = Field(default="", max_length=SHORT_TEXT)


class IdentityIn(Strict):
    name: str = Field(max_length=SHORT_TEXT)
    staff_number: str = Field(default="", max_length=SHORT_TEXT)
    contact: str = Field(default="", max_length=SHORT_TEXT)


class AttachmentIn(Strict):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(
        default="application/octet-stream",
        max_length=255,
        description="An RFC 9110 media type (ASCII, no line breaks). Only checked: what the file is, and "
        "the type it is served with, are decided from its bytes",
    )
    content_base64: str = Field(description="The file's bytes, base64-encoded")


class AboutMeIn(Strict):
    sex: str = Field(default="", max_length=SHORT_TEXT)
    ethnicity: str = Field(default="", max_length=SHORT_TEXT)
    age: int | None = None


class ReportIn(Strict):
    category: Category
    what_happened: str = Field(max_length=LONG_TEXT)
    relation: ReporterRelation = Field(description="Whether the reporter is the victim or a witness")
    when: str = Field(default="", max_length=SHORT_TEXT)
    where: str = Field(default="", max_length=SHORT_TEXT)
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=100)
    identity: IdentityIn | None = Field(default=None, description="Omit to report anonymously")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    about_me: AboutMeIn | None = Field(
        default=None, description="Optional, self-declared, for equality monitoring; never stored with a name"
    )


class OperatorReportIn(ReportIn):
    channel: Channel = Channel.PHONE


class ReceiptOut(BaseModel):
    reference: str
    receipt_key: str = Field(description="Shown once. The only way back to the report; keep it safe.")


def decode_files(attachments: list[AttachmentIn]) -> tuple[FileInput, ...]:
    files = []
    for index, attachment in enumerate(attachments):
        problem = media_type_problem(attachment.content_type)
        if problem is not None:
            raise InvalidInput(
                f"Attachment {index + 1} has a content type that is not valid: {problem}.",
                fields={f"attachments.{index}.content_type": problem},
            )
        try:
            data = base64.b64decode(attachment.content_base64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidInput(
                "An attachment is not valid base64.",
                fields={f"attachments.{index}.content_base64": "not base64"},
            ) from error
        files.append(FileInput(attachment.filename, attachment.content_type, data))
    return tuple(files)


def to_submission(body: ReportIn) -> Submission:
    return Submission(
        category=body.category,
        what_happened=body.what_happened,
        relation=body.relation,
        when=body.when,
        where=body.where,
        subjects=tuple(SubjectInput(s.person_id, s.name, s.staff_number, s.unit) for s in body.subjects),
        identity=Identity(body.identity.name, body.identity.staff_number, body.identity.contact)
        if body.identity
        else None,
        files=decode_files(body.attachments),
        about_me=AboutMe(body.about_me.sex, body.about_me.ethnicity, body.about_me.age)
        if body.about_me
        else None,
    )


class ReceiptKeyIn(Strict):
    receipt_key: str = Field(max_length=200)


class SessionOut(BaseModel):
    token: str
    expires_at: datetime


class MessageIn(Strict):
    text: str = Field(default="", max_length=LONG_TEXT)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class ReporterStepIn(Strict):
    text: str = Field(
        default="", max_length=LONG_TEXT, description="Your grounds or reasons, in your own words"
    )


class AcknowledgeIn(Strict):
    message: str = Field(default="", max_length=LONG_TEXT)


class NoteIn(Strict):
    text: str = Field(max_length=LONG_TEXT)


class MessageOut(BaseModel):
    id: uuid.UUID
    author: str
    author_name: str
    sent_at: datetime
    text: str


class AttachmentOut(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    uploaded_at: datetime
    uploaded_by: str


class ReporterReportOut(BaseModel):
    reference: str
    category: str
    status: str
    received_at: datetime
    acknowledged_at: datetime | None
    acknowledge_by: datetime
    next_feedback_due: datetime
    closed: bool
    anonymous: bool
    content: dict[str, Any]
    messages: list[MessageOut]
    attachments: list[AttachmentOut]


class ClockOut(BaseModel):
    due: datetime
    state: str


class InboxItemOut(BaseModel):
    id: uuid.UUID
    reference: str
    category: str
    channel: str
    anonymous: bool
    received_at: datetime
    status: str
    acknowledgement: ClockOut
    feedback: ClockOut
    case_reference: str | None
    can_open: bool
    unread: bool


class NoteOut(BaseModel):
    id: uuid.UUID
    author_name: str
    written_at: datetime
    text: str


class SuggestionOut(BaseModel):
    person_id: uuid.UUID
    label: str
    strength: int
    score: int
    reasons: str


class SubjectOut(BaseModel):
    name: str
    staff_number: str
    unit: str
    person_id: uuid.UUID | None
    linked_record: str | None
    allegation_id: uuid.UUID | None
    link_status: str | None
    suggestions: list[SuggestionOut]


class ReportOut(BaseModel):
    id: uuid.UUID
    reference: str
    category: str
    channel: str
    relation: str
    anonymous: bool
    identity_held: bool
    disclosed_identity: dict[str, Any] | None
    received_at: datetime
    status: str
    acknowledged_at: datetime | None
    acknowledgement: ClockOut
    feedback: ClockOut
    what_happened: str
    when: str
    where: str
    subjects: list[SubjectOut]
    messages: list[MessageOut]
    notes: list[NoteOut]
    attachments: list[AttachmentOut]
    case_id: uuid.UUID | None
    case_reference: str | None
    version: int


class CreatedOut(BaseModel):
    id: uuid.UUID | None
