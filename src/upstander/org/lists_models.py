"""The police barred list and the police advisory list, as this force keeps its entries.

An entry copies the person's identifying details when it is made, so it still says who was
listed after the staff record changes (a new name, a corrected date of birth) — and so a person
from another force can be entered by their details alone, with no staff record here. Entries are
never deleted: a withdrawal or removal is recorded on the entry with its date and reason.
(Police Act 1996, Part 4A; Police Barred List and Police Advisory List Regulations 2017.)
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from upstander.db import Base, utcnow

# Stored when the force an entry belongs to is not recorded in the organisation tree.
LOCAL_FORCE_NAME = "this force"


class _ListEntry:
    """The columns both lists share: who, for which case, why, and whether the entry still stands."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    staff_number: Mapped[str | None] = mapped_column(String(40), index=True)
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    other_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    date_of_birth: Mapped[date | None] = mapped_column(index=True)
    force_name: Mapped[str] = mapped_column(String(200), default=LOCAL_FORCE_NAME)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_reference: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(200))
    sanction: Mapped[str | None] = mapped_column(String(60))
    decided_on: Mapped[date]
    removed_on: Mapped[date | None]
    removal_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def active(self) -> bool:
        return self.removed_on is None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class BarredListEntry(_ListEntry, Base):
    """A person dismissed, or found to have been liable to dismissal had they not left; barred from
    policing until removed (Police Act 1996, Part 4A; Police Barred List and Police Advisory List
    Regulations 2017). `removed_on` records a withdrawal, for example an appeal that overturns the
    dismissal."""

    __tablename__ = "barred_list_entries"

    review_on: Mapped[date]


class AdvisoryListEntry(_ListEntry, Base):
    """A person who left while under investigation, or while proceedings were pending (Police Act 1996,
    Part 4A; Police Barred List and Police Advisory List Regulations 2017). Removed when the case ends
    without a barred-list outcome, or when the person goes on the barred list instead."""

    __tablename__ = "advisory_list_entries"
