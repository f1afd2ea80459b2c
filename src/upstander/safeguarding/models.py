"""Separation orders between people, each person's current posting, and the history of postings.

An order keeps two people apart: out of the same team, off the same shift in the same unit, or
both. The pair is stored ordered (`person_a_id < person_b_id`), so an order between A and B is
the same as one between B and A. Orders are never deleted: ending one records who, when and why.

A posting changes only through the safeguarding service, and every change leaves a history row;
a change that a decision maker let through despite an order is an override, kept with its reasons
for the overseer.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from upstander.accounts.models import enum_column
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.db import Base, SealedText, utcnow


class PostingSource(StrEnum):
    """How a posting change arrived: one change through the service, or a roster import."""

    CHANGE = "change"
    IMPORT = "import"


class SeparationOrder(Base):
    __tablename__ = "separation_orders"
    __table_args__ = (
        CheckConstraint("person_a_id < person_b_id", name="ordered_pair"),
        CheckConstraint("separate_teams OR separate_shifts", name="some_separation"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_a_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    person_b_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    separate_teams: Mapped[bool]
    separate_shifts: Mapped[bool]
    made_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    reasons: Mapped[str] = mapped_column(SealedText)
    end_condition: Mapped[str] = mapped_column(SealedText)
    ends_on: Mapped[date | None]
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(SealedText)

    @property
    def reference(self) -> str:
        return order_reference(self.id)


def order_reference(order_id: uuid.UUID) -> str:
    """The label people use for an order; it says nothing about the case or the people."""
    return f"SO-{order_id.hex[:8].upper()}"


class Posting(Base):
    """Where a person works now: a team (or a unit without teams) and a shift pattern."""

    __tablename__ = "postings"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    shift_pattern: Mapped[str] = mapped_column(String(40))
    since: Mapped[datetime]
    set_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class PostingChange(Base):
    """One change of a posting. An override names the orders it went against, with the decision
    maker's reasons; the overseer reviews every one."""

    __tablename__ = "posting_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    from_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    from_shift: Mapped[str | None] = mapped_column(String(40))
    to_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    to_shift: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[PostingSource] = mapped_column(enum_column(PostingSource, length=16))
    override: Mapped[bool] = mapped_column(default=False, index=True)
    override_reasons: Mapped[str | None] = mapped_column(SealedText)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    overridden_order_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class Restriction(Base):
    """A person suspended or on restricted duties: since when, why (the linked case and the
    category of the matter, for published counts), and when it must next be reviewed.

    Never deleted: lifting one records who, when and why."""

    __tablename__ = "restrictions"
    __table_args__ = (
        CheckConstraint(
            "kind <> 'suspended' OR redeployment_considered IS NOT NULL", name="suspension_after_redeployment"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[RestrictionKind] = mapped_column(enum_column(RestrictionKind, length=24))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # The matter's category (the report vocabulary: "sexual_misconduct", "corruption", ...).
    category: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[str] = mapped_column(SealedText)
    # For a suspension: why redeployment or restricted duties were not enough.
    redeployment_considered: Mapped[str | None] = mapped_column(SealedText)
    starts_on: Mapped[date]
    review_due: Mapped[date]
    imposed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    imposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_on: Mapped[date | None]
    ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(SealedText)


class RestrictionReview(Base):
    """A periodic review of a restriction: kept, changed or lifted, and when the next is due."""

    __tablename__ = "restriction_reviews"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    restriction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("restrictions.id"), index=True)
    reviewed_on: Mapped[date]
    reviewed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(24))
    reasons: Mapped[str] = mapped_column(SealedText)
    next_review_due: Mapped[date | None]


class RelationshipDeclaration(Base):
    """A member of staff's relationship with a person (family, partner, friend ...), declared by
    themselves or recorded by a handler or decision maker. It keeps them off that person's cases.
    Never deleted: withdrawing one records who and when."""

    __tablename__ = "relationship_declarations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(SealedText, default="")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class AssignmentOverride(Base):
    """A conflicted person appointed all the same (investigator or handler) or allowed to decide
    (decision maker), by a decision maker with written reasons; the overseer reviews every one."""

    __tablename__ = "assignment_overrides"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(40))
    conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[str] = mapped_column(SealedText)
    decided_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]


class HrEventKind(StrEnum):
    """The HR decisions that can be used against someone who reported: the detriment watch checks each."""

    POSTING_CHANGE = "posting_change"
    DISCIPLINARY_ACTION = "disciplinary_action"
    PERFORMANCE_RATING = "performance_rating"
    PROMOTION_REFUSED = "promotion_refused"
    TRAINING_REFUSED = "training_refused"


class HrEvent(Base):
    """An HR decision about a person, as HR recorded it. Nothing here says whether the person reported
    anything: that is kept apart (``DetrimentWatch``) and never joined to this table in the clear."""

    __tablename__ = "hr_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[HrEventKind] = mapped_column(enum_column(HrEventKind, length=32))
    occurred_on: Mapped[date]
    details: Mapped[str] = mapped_column(SealedText)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class DetrimentWatch(Base):
    """ "Someone reported on this day": the person is named only by a keyed hash of their id (the
    server's detriment key), so the table can be matched against an HR event without saying who.
    Who they are and which report it was are sealed to the detriment-watch key (overseer, custodian).
    No report id and no time of day are kept in the clear: either would lead back to the report."""

    __tablename__ = "detriment_watches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_tag: Mapped[str] = mapped_column(String(64), index=True)
    reported_on: Mapped[date]
    sealed_reporter: Mapped[bytes] = mapped_column(LargeBinary)


class DetrimentAlert(Base):
    """An HR event about a watched reporter within the window. Everything about it — the person, the
    event, who made the change, the report — is sealed to the detriment-watch key, so the row does not
    lead back to the HR event (whose person is in the clear) for anyone without that key."""

    __tablename__ = "detriment_alerts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    watch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("detriment_watches.id"), index=True)
    sealed_details: Mapped[bytes] = mapped_column(LargeBinary)
