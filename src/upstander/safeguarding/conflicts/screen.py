"""Loading what the conflict rules decide on, inside a use case's session, and enforcing them there.

The parties of a case are the staff records its allegations name (subjects) and the complainants
whose staff record is known. A complainant is never named in a reason: only "the complainant",
so the screen cannot disclose a reporter the custodian has not disclosed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.models import Case, CaseEvent
from upstander.cases.parties import PartyRole, case_people
from upstander.errors import NotAllowed
from upstander.org.models import OrgUnit, Person
from upstander.safeguarding.conflicts import rules as conflicts
from upstander.safeguarding.conflicts.rules import (
    Candidate,
    ConflictFound,
    ConflictKind,
    Declaration,
    Involvement,
    OrgTree,
    Party,
    Relationship,
)
from upstander.safeguarding.models import AssignmentOverride, RelationshipDeclaration
from upstander.safeguarding.placements import OrgIndex, placements

PARTS = {"handler": "the handler", "investigator": "the investigator", "decision_maker": "a decision maker"}


@dataclass(frozen=True)
class Screened:
    user_id: uuid.UUID
    name: str
    conflicts: tuple[ConflictFound, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(conflict.reason for conflict in self.conflicts)


def org_tree(session: Session) -> OrgTree:
    rows = session.execute(select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.name)).all()
    return OrgTree({row.id: row.parent_id for row in rows}, {row.id: row.name for row in rows})


def parties_of(session: Session, case: Case, org: OrgIndex) -> list[Party]:
    roles = case_people(session, case_ids=[case.id]).get(case.id, {})
    if not roles:
        return []
    where = placements(session, org, list(roles))
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(roles))))}
    parties = []
    for person_id, role in sorted(roles.items(), key=lambda item: (item[1].value, str(item[0]))):
        person = people[person_id]
        label = f"{person.full_name} ({person.staff_number})" if role is PartyRole.SUBJECT else ""
        placement = where.get(person_id)
        parties.append(Party(person_id, label, role, placement.team_id if placement else None))
    return parties


def involvements(session: Session, case: Case, person_ids: Collection[uuid.UUID]) -> list[Involvement]:
    """Everyone's part in the other cases of these people."""
    others = {
        case_id: roles
        for case_id, roles in case_people(session, person_ids=person_ids).items()
        if case_id != case.id
    }
    if not others:
        return []
    # The other cases' full parties, so a candidate who was a party there is found too.
    everyone = case_people(session, case_ids=list(others))
    wanted = set(person_ids)
    events: dict[uuid.UUID, list[tuple[str, dict[str, object], uuid.UUID | None]]] = defaultdict(list)
    for case_id, kind, data, actor_id in session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.data, CaseEvent.actor_id).where(
            CaseEvent.case_id.in_(list(others))
        )
    ):
        events[case_id].append((kind, data, actor_id))
    found: list[Involvement] = []
    for other in session.scalars(select(Case).where(Case.id.in_(list(others)))):
        concerns = frozenset(set(everyone.get(other.id, {})) & wanted)
        for person_id, role in everyone.get(other.id, {}).items():
            found.append(Involvement(other.reference, f"a {role.value}", None, person_id, concerns))
        if other.handler_id is not None:
            found.append(Involvement(other.reference, PARTS["handler"], other.handler_id, None, concerns))
        for kind, data, actor_id in events[other.id]:
            if kind == "investigator_assigned" and data.get("investigator_id"):
                user = uuid.UUID(str(data["investigator_id"]))
                found.append(Involvement(other.reference, PARTS["investigator"], user, None, concerns))
            elif data.get("role") == "decision_maker" and actor_id is not None:
                found.append(Involvement(other.reference, PARTS["decision_maker"], actor_id, None, concerns))
    return found


def screen(session: Session, case: Case, users: Iterable[User], role: str = "investigator") -> list[Screened]:
    """Each user with the conflicts they have with this case (none: they may be appointed).

    A handler's part in another case of the same person is no conflict for the handler role: one
    handler keeping linked matters together is how the professional standards team works, and
    the handler neither investigates nor decides. Every other conflict applies to handlers too."""
    users = list(users)
    org = OrgIndex(session)
    parties = parties_of(session, case, org)
    if not parties:
        return [Screened(user.id, user.display_name, ()) for user in users]
    tree = org_tree(session)
    person_ids = [user.person_id for user in users if user.person_id is not None]
    where = placements(session, org, person_ids)
    declarations = [
        Declaration(row.user_id, row.person_id, Relationship(row.relationship))
        for row in session.scalars(
            select(RelationshipDeclaration).where(
                RelationshipDeclaration.withdrawn_at.is_(None),
                RelationshipDeclaration.user_id.in_([user.id for user in users]),
            )
        )
    ]
    others = involvements(session, case, [party.person_id for party in parties])
    screened = []
    for user in users:
        placement = where.get(user.person_id) if user.person_id else None
        candidate = Candidate(
            user.id, user.display_name, user.person_id, placement.team_id if placement else None
        )
        found = conflicts.conflicts_of(candidate, parties, tree, declarations, others)
        if role == "handler":
            found = tuple(c for c in found if c.kind is not ConflictKind.OTHER_CASE)
        screened.append(Screened(user.id, user.display_name, found))
    return screened


def overridden(session: Session, case: Case, user_id: uuid.UUID, role: str) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(AssignmentOverride)
            .where(
                AssignmentOverride.case_id == case.id,
                AssignmentOverride.user_id == user_id,
                AssignmentOverride.role == role,
            )
        )
        or 0
    ) > 0


def enforce(
    session: Session,
    audit: AuditLog,
    case: Case,
    user: User,
    role: str,
    principal: StaffPrincipal,
    override_reasons: str | None,
    now: datetime,
) -> None:
    """Refuse to put a conflicted person on the case, unless a decision maker overrides with written
    reasons (recorded for the overseer) or already did for this person and role on this case."""
    (found,) = screen(session, case, [user], role)
    if not found.conflicts or overridden(session, case, user.id, role):
        return
    if not (override_reasons or "").strip():
        raise NotAllowed(
            conflicts.refusal_text(user.display_name, found.conflicts), code="conflict_of_interest"
        )
    if principal.user_id == user.id:
        raise NotAllowed(
            "You cannot override your own conflict of interest: another decision maker must.",
            code="own_conflict",
        )
    reasons = conflicts.check_override(principal.roles, override_reasons)
    record_override(session, audit, case, user, role, found, reasons, principal, now)


def record_override(
    session: Session,
    audit: AuditLog,
    case: Case,
    user: User,
    role: str,
    found: Screened,
    reasons: str,
    principal: StaffPrincipal,
    now: datetime,
) -> AssignmentOverride:
    row = AssignmentOverride(
        case_id=case.id,
        user_id=user.id,
        role=role,
        conflicts=list(found.reasons),
        reasons=reasons,
        decided_by_id=principal.user_id,
        decided_at=now,
    )
    session.add(row)
    session.flush()
    # The log keeps who and which kinds of conflict, never the reasons (administrators read the log).
    audit.record(
        session,
        principal.actor,
        "case.conflict_overridden",
        "case",
        case.id,
        {"user": str(user.id), "role": role, "kinds": sorted({c.kind.value for c in found.conflicts})},
    )
    return row


def has_party(session: Session, case: Case, person_id: uuid.UUID) -> bool:
    return person_id in case_people(session, case_ids=[case.id]).get(case.id, {})
