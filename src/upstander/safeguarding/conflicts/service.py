"""Declared relationships, the conflict screen of a case, and the overrides the overseer reviews.

Each use case is one transaction and writes its audit entry. The log never holds a declaration's
note or an override's reasons (administrators read the log): only ids, kinds and roles.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases import appointment
from upstander.cases.models import Case
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound
from upstander.org.models import Person
from upstander.org.people import find_person, label
from upstander.reports import keys as keyring
from upstander.safeguarding.conflicts import rules as conflicts
from upstander.safeguarding.conflicts import screen as conflicts_load
from upstander.safeguarding.conflicts.rules import RELATIONSHIP_LABELS, Relationship
from upstander.safeguarding.models import AssignmentOverride, RelationshipDeclaration
from upstander.safeguarding.views import case_references, user_names

MAX_NOTE = 2000
SCREENED_ROLES = {
    "investigator": Role.INVESTIGATOR,
    "handler": Role.HANDLER,
    "decision_maker": Role.DECISION_MAKER,
}


@dataclass(frozen=True)
class DeclarationView:
    id: uuid.UUID
    user_name: str
    person: str
    relationship: str
    note: str
    recorded_by: str
    recorded_at: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class CandidateView:
    user_id: uuid.UUID
    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CandidateScreen:
    role: str
    offered: list[CandidateView]
    excluded: list[CandidateView]


@dataclass(frozen=True)
class AssignmentOverrideView:
    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    person: str
    role: str
    conflicts: tuple[str, ...]
    reasons: str
    decided_by: str
    decided_at: datetime


class ConflictService:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def declare(
        self,
        principal: StaffPrincipal,
        person: uuid.UUID | str,
        relationship: str,
        note: str = "",
        user_id: uuid.UUID | None = None,
    ) -> DeclarationView:
        """Declare one's own relationship with a person; a handler or decision maker may record one
        for someone else (a line manager's report, say). It keeps the declarer off that person's cases."""
        access.require(principal.roles, access.Action.DECLARE_RELATIONSHIP)
        if user_id is not None and user_id != principal.user_id:
            access.require(principal.roles, access.Action.RECORD_DECLARATION)
        try:
            kind = Relationship(relationship)
        except ValueError as error:
            raise InvalidInput(
                "Choose the kind of relationship from the list.",
                fields={"relationship": "not one of the choices"},
            ) from error
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"The note has at most {MAX_NOTE} characters.", fields={"note": "too long"})
        with self._db.transaction() as session:
            declarer = session.get(User, user_id or principal.user_id)
            if declarer is None or not declarer.active:
                raise NotFound("There is no such member of staff.", code="not_found:user_id")
            target = find_person(session, person, "person")
            if declarer.person_id == target.id:
                raise InvalidInput(
                    "A relationship is declared with someone else.", fields={"person": "yourself"}
                )
            existing = session.scalars(
                select(RelationshipDeclaration).where(
                    RelationshipDeclaration.user_id == declarer.id,
                    RelationshipDeclaration.person_id == target.id,
                    RelationshipDeclaration.withdrawn_at.is_(None),
                )
            ).first()
            if existing is not None:
                raise Conflict(
                    f"A relationship between {declarer.display_name} and {label(target)} is already declared.",
                    code="declared_already",
                )
            row = RelationshipDeclaration(
                user_id=declarer.id,
                person_id=target.id,
                relationship=kind.value,
                note=note.strip(),
                recorded_by_id=principal.user_id,
                recorded_at=self._clock(),
            )
            session.add(row)
            session.flush()
            self._audit.record(
                session,
                principal.actor,
                "declaration.recorded",
                "relationship_declaration",
                row.id,
                {"user": str(declarer.id), "person": target.staff_number, "relationship": kind.value},
            )
            return _declaration_view(session, row)

    def declarations(self, principal: StaffPrincipal) -> list[DeclarationView]:
        """One's own declarations, withdrawn ones included."""
        access.require(principal.roles, access.Action.DECLARE_RELATIONSHIP)
        with self._db.transaction() as session:
            rows = session.scalars(
                select(RelationshipDeclaration)
                .where(RelationshipDeclaration.user_id == principal.user_id)
                .order_by(RelationshipDeclaration.recorded_at)
            )
            return [_declaration_view(session, row) for row in rows]

    def withdraw_declaration(self, principal: StaffPrincipal, declaration_id: uuid.UUID) -> None:
        """The declarer, or a handler or decision maker, withdraws a declaration that no longer holds."""
        access.require(principal.roles, access.Action.DECLARE_RELATIONSHIP)
        with self._db.transaction() as session:
            row = session.get(RelationshipDeclaration, declaration_id)
            if row is None or (
                row.user_id != principal.user_id
                and not access.allowed(principal.roles, access.Action.RECORD_DECLARATION)
            ):
                raise NotFound("There is no such declaration.")
            if row.withdrawn_at is not None:
                raise Conflict("This declaration has already been withdrawn.")
            row.withdrawn_at, row.withdrawn_by_id = self._clock(), principal.user_id
            self._audit.record(
                session, principal.actor, "declaration.withdrawn", "relationship_declaration", row.id
            )

    def candidates(self, principal: StaffPrincipal, case_id: uuid.UUID, role: str) -> CandidateScreen:
        """Who may be appointed to the case in this role, and who is excluded and why."""
        access.require(principal.roles, access.Action.ASSIGN_HANDLER)
        wanted = SCREENED_ROLES.get(role)
        if wanted is None:
            raise InvalidInput(
                "Choose investigator, handler or decision maker.", fields={"role": "not one of the choices"}
            )
        with self._db.transaction() as session:
            case = _case(session, case_id)
            keyring.require_case_reader(session, case.id, principal.user_id)
            screened = appointment.screen_role(conflicts_load, session, case, wanted)
            self._audit.record(
                session, principal.actor, "case.candidates_screened", "case", case.id, {"role": role}
            )
            return CandidateScreen(
                role,
                [CandidateView(s.user_id, s.name, ()) for s in screened if not s.conflicts],
                [CandidateView(s.user_id, s.name, s.reasons) for s in screened if s.conflicts],
            )

    def allow_decision_maker(
        self, principal: StaffPrincipal, case_id: uuid.UUID, user_id: uuid.UUID, reasons: str
    ) -> AssignmentOverrideView:
        """Another decision maker lets a conflicted decision maker decide on this case, with written
        reasons; the overseer reviews every override."""
        reasons = conflicts.check_override(principal.roles, reasons)
        now = self._clock()
        with self._db.transaction() as session:
            case = _case(session, case_id)
            keyring.require_case_reader(session, case.id, principal.user_id)
            user = session.get(User, user_id)
            if user is None or not user.active or Role.DECISION_MAKER not in user.roles:
                raise InvalidInput(
                    "The chosen person is not an active decision maker.",
                    fields={"user_id": "not a decision maker"},
                )
            if user.id == principal.user_id:
                raise InvalidInput(
                    "You cannot override your own conflict of interest: another decision maker must.",
                    fields={"user_id": "yourself"},
                )
            (found,) = conflicts_load.screen(session, case, [user], "decision_maker")
            if not found.conflicts:
                raise Conflict(f"{user.display_name} has no conflict of interest with case {case.reference}.")
            if conflicts_load.overridden(session, case, user.id, "decision_maker"):
                raise Conflict(f"{user.display_name} may already decide on case {case.reference}.")
            row = conflicts_load.record_override(
                session, self._audit, case, user, "decision_maker", found, reasons, principal, now
            )
            return _override_views(session, [row])[0]

    def overrides(self, principal: StaffPrincipal) -> list[AssignmentOverrideView]:
        """Every appointment made despite a conflict of interest, newest first, for the overseer."""
        access.require(principal.roles, access.Action.VIEW_OVERRIDES)
        with self._db.transaction() as session:
            rows = list(
                session.scalars(select(AssignmentOverride).order_by(AssignmentOverride.decided_at.desc()))
            )
            self._audit.record(session, principal.actor, "case.conflict_overrides_viewed", "case", None)
            return _override_views(session, rows)


def _case(session: Session, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("There is no such case.")
    return case


def _declaration_view(session: Session, row: RelationshipDeclaration) -> DeclarationView:
    names = user_names(session, {row.user_id, row.recorded_by_id})
    return DeclarationView(
        id=row.id,
        user_name=names.get(row.user_id, "unknown"),
        person=label(session.get_one(Person, row.person_id)),
        relationship=RELATIONSHIP_LABELS[Relationship(row.relationship)],
        note=row.note,
        recorded_by=names.get(row.recorded_by_id, "unknown"),
        recorded_at=row.recorded_at,
        withdrawn_at=row.withdrawn_at,
    )


def _override_views(session: Session, rows: list[AssignmentOverride]) -> list[AssignmentOverrideView]:
    names = user_names(session, {r.user_id for r in rows} | {r.decided_by_id for r in rows})
    refs = case_references(session, {r.case_id for r in rows})
    return [
        AssignmentOverrideView(
            id=r.id,
            case_id=r.case_id,
            case_reference=refs.get(r.case_id, ""),
            person=names.get(r.user_id, "unknown"),
            role=r.role.replace("_", " "),
            conflicts=tuple(r.conflicts),
            reasons=r.reasons,
            decided_by=names.get(r.decided_by_id, "unknown"),
            decided_at=r.decided_at,
        )
        for r in rows
    ]
