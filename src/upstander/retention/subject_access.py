"""Subject access: a member of staff's own record, as one JSON document (UK GDPR art. 15).

What it holds: the account and its roles, the staff record and postings, the cases in which the
person is a subject (once they may know of them), the suspensions and restricted duties imposed
on them, and the audit entries of their own actions. What it never holds, by construction (the
queries below never read it): a report, a reporter, a complainant, a sealed field, free text
others wrote about the person, the other party of a separation order. Those are the rights and
freedoms of others that art. 15(4) and the Data Protection Act 2018 (Sched. 2, paras 2 and 16)
let the organisation withhold; a protected reporter's identity is withheld absolutely (Directive
(EU) 2019/1937, art. 16).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.accounts.models import User
from upstander.audit.models import AuditEntry
from upstander.audit.service import Actor, AuditLog
from upstander.cases.models import Allegation, Case, CaseEvent, Complaint
from upstander.cases.parties import PartyRole, case_people
from upstander.cases.service import CLOSED_STAGES
from upstander.db import Database, utcnow
from upstander.errors import NotFound
from upstander.org.models import OrgUnit, Person
from upstander.reports.models import Report
from upstander.retention import rules
from upstander.safeguarding.models import Posting, PostingChange, Restriction

FORMAT = "upstander-subject-access/1"
WITHHELD = [
    "the identity of anyone who reported or complained about you, and what they wrote",
    "cases about you that you have not yet been notified of (Police (Conduct) Regulations 2020, reg. 17)",
    "free text others wrote (reasons, notes), which may identify other people; ask the data protection officer",
    "the other person named in a separation order",
]


class SubjectAccessService:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def export(self, user_id: uuid.UUID, requested_by: Actor | None = None) -> dict[str, Any]:
        """The person's own record, and an audit entry saying it was exported (not what it held)."""
        now = self._clock()
        with self._db.transaction() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound("There is no such account.")
            person = session.get(Person, user.person_id) if user.person_id else None
            document: dict[str, Any] = {
                "format": FORMAT,
                "exported_at": now.isoformat(),
                "account": _account(user),
                "person": _person(session, person) if person else None,
                "postings": _postings(session, person) if person else [],
                "cases_as_subject": _cases(session, person) if person else [],
                "restrictions": _restrictions(session, person) if person else [],
                "own_actions": _own_actions(session, user),
                "withheld": WITHHELD,
            }
            self._audit.record(
                session, requested_by or Actor.user(user.id), "subject_access.exported", "user", user.id,
                {"entries": len(document["own_actions"])}, at=now,
            )  # fmt: skip
            return document

    def export_by_username(self, username: str, requested_by: Actor) -> dict[str, Any]:
        with self._db.transaction() as session:
            user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise NotFound(f"There is no account {username!r}.")
        return self.export(user_id, requested_by)


def as_json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()


def _account(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "roles": sorted(role.value for role in user.roles),
    }


def _unit_names(session: Session, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = [unit_id for unit_id in ids if unit_id]
    if not wanted:
        return {}
    return dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(wanted))).all())


def _person(session: Session, person: Person) -> dict[str, Any]:
    units = _unit_names(session, {person.unit_id})
    return {
        "staff_number": person.staff_number,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "other_names": list(person.other_names or []),
        "rank": person.rank,
        "unit": units.get(person.unit_id) if person.unit_id else None,
        "employment_status": str(person.employment_status),
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
    }


def _postings(session: Session, person: Person) -> list[dict[str, Any]]:
    # Where and when only: whether a move overrode a separation order would say someone complained.
    changes = session.scalars(
        select(PostingChange).where(PostingChange.person_id == person.id).order_by(PostingChange.changed_at)
    ).all()
    current = session.get(Posting, person.id)
    units = _unit_names(
        session,
        {c.from_unit_id for c in changes}
        | {c.to_unit_id for c in changes}
        | {current.unit_id if current else None},
    )
    moves = [
        {
            "changed_at": change.changed_at.isoformat(),
            "from_unit": units.get(change.from_unit_id) if change.from_unit_id else None,
            "from_shift": change.from_shift,
            "to_unit": units.get(change.to_unit_id),
            "to_shift": change.to_shift,
        }
        for change in changes
    ]
    if current is not None:
        moves.append(
            {
                "current_unit": units.get(current.unit_id),
                "shift": current.shift_pattern,
                "since": current.since.isoformat(),
            }
        )
    return moves


def _cases(session: Session, person: Person) -> list[dict[str, Any]]:
    """The cases about the person that they may know of, with the allegations against them and how
    each ended: never the reports, their reporters or the complainants."""
    parties = case_people(session, person_ids=[person.id])
    case_ids = [case_id for case_id, people in parties.items() if people.get(person.id) is PartyRole.SUBJECT]
    if not case_ids:
        return []
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.opened_at)).all()
    kinds: dict[uuid.UUID, set[str]] = {}
    for case_id, kind in session.execute(
        select(CaseEvent.case_id, CaseEvent.kind).where(
            CaseEvent.case_id.in_(case_ids), CaseEvent.kind.in_(rules.NOTICE_EVENTS)
        )
    ):
        kinds.setdefault(case_id, set()).add(kind)
    allegations: dict[uuid.UUID, list[dict[str, Any]]] = {}
    case_of = Complaint.case_id
    for complaint_case_id, report_case_id, allegation in session.execute(
        select(case_of, Report.case_id, Allegation)
        .join(Complaint, Complaint.id == Allegation.complaint_id)
        .outerjoin(Report, Report.id == Complaint.report_id)
        .where(Allegation.person_id == person.id)
    ):
        owner = complaint_case_id or report_case_id
        if owner is None:
            continue
        allegations.setdefault(owner, []).append(
            {
                "category": allegation.category,
                "finding": allegation.finding,
                "outcome": allegation.outcome,
                "sanction": allegation.sanction,
                "closed_on": allegation.closed_on.isoformat() if allegation.closed_on else None,
            }
        )
    return [
        {
            "reference": case.reference,
            "stage": case.stage,
            "opened_on": case.opened_at.date().isoformat(),
            "allegations": allegations.get(case.id, []),
        }
        for case in cases
        if rules.subject_may_know(kinds.get(case.id, set()), case.stage, CLOSED_STAGES)
    ]


def _restrictions(session: Session, person: Person) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Restriction).where(Restriction.person_id == person.id).order_by(Restriction.starts_on)
    ).all()
    references = dict(
        session.execute(
            select(Case.id, Case.reference).where(Case.id.in_({r.case_id for r in rows if r.case_id}))
        ).all()
    ) if rows else {}  # fmt: skip
    return [
        {
            "kind": str(row.kind),
            "category": row.category,
            "case": references.get(row.case_id) if row.case_id else None,
            "starts_on": row.starts_on.isoformat(),
            "review_due": row.review_due.isoformat(),
            "ended_on": row.ended_on.isoformat() if row.ended_on else None,
        }
        for row in rows
    ]


def _own_actions(session: Session, user: User) -> list[dict[str, Any]]:
    # What the person did, when, and to which record; the entries' details are left out, as they
    # may carry what others wrote.
    rows = session.execute(
        select(
            AuditEntry.seq, AuditEntry.at, AuditEntry.action, AuditEntry.subject_type, AuditEntry.subject_id
        )
        .where(AuditEntry.actor == Actor.user(user.id).label)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    return [
        {"seq": seq, "at": at.isoformat(), "action": action, "subject_type": kind, "subject_id": subject}
        for seq, at, action, kind, subject in rows
    ]
