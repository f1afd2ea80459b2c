"""The barred and advisory lists, and vetting checks against them and against the staff records.

The list functions run inside the caller's session, so a case workflow step and the list entry it
requires commit together or not at all; each is idempotent per (person, case), so replaying a step
never makes a second entry. (Police Act 1996, Part 4A; Police Barred List and Police Advisory List
Regulations 2017.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import Protocol, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.db import Database, utcnow
from upstander.errors import NotFound
from upstander.org import vetting_log
from upstander.org.lists_models import LOCAL_FORCE_NAME, AdvisoryListEntry, BarredListEntry
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.org.people import normalise_staff_number
from upstander.org.vetting import (
    Identity,
    IdentityMatch,
    VettingQuery,
    barred_list_review_due,
    check_query,
    match_identity,
    name_tokens,
)
from upstander.org.vetting_verdict import Source, VettingMatch, VettingResult, assess

MOVED_TO_BARRED_LIST = "placed on the barred list"

Entry = TypeVar("Entry", BarredListEntry, AdvisoryListEntry)


# --- The lists ----------------------------------------------------------------------------------


def add_to_barred_list(
    session: Session,
    *,
    person_id: uuid.UUID,
    case_id: uuid.UUID,
    case_reference: str,
    reason: str,
    sanction: str | None,
    decided_on: date,
    review_on: date | None = None,
) -> BarredListEntry:
    """Put a person on the barred list for a case: dismissal without notice, or a finding that a former
    officer would have been dismissed (Police Act 1996, Part 4A; Police Barred List and Police
    Advisory List Regulations 2017). The person's identifying details are copied from their staff
    record; the review falls due after BARRED_LIST_REVIEW_YEARS unless ``review_on`` is given. Any
    advisory-list entry for the same person and case is removed: the barred list replaces it.
    Returns the entry already standing for this person and case, if there is one."""
    existing = _standing(session, BarredListEntry, person_id, case_id)
    if existing is not None:
        return existing
    entry = BarredListEntry(
        **_details(session, person_id),
        case_id=case_id,
        case_reference=case_reference,
        reason=reason,
        sanction=sanction or None,
        decided_on=decided_on,
        review_on=review_on or barred_list_review_due(decided_on),
    )
    session.add(entry)
    remove_advisory_entries(
        session, case_id=case_id, reason=MOVED_TO_BARRED_LIST, on=decided_on, person_id=person_id
    )
    session.flush()
    return entry


def add_to_advisory_list(
    session: Session,
    *,
    person_id: uuid.UUID,
    case_id: uuid.UUID,
    case_reference: str,
    reason: str,
    decided_on: date,
) -> AdvisoryListEntry:
    """Put a person who left (resigned, retired) while under investigation or awaiting proceedings on
    the advisory list (Police Act 1996, Part 4A; Police Barred List and Police Advisory List
    Regulations 2017). Nothing is added while the same case already has them on the barred list.
    Returns the entry already standing for this person and case, if there is one."""
    existing = _standing(session, AdvisoryListEntry, person_id, case_id)
    if existing is not None:
        return existing
    entry = AdvisoryListEntry(
        **_details(session, person_id),
        case_id=case_id,
        case_reference=case_reference,
        reason=reason,
        decided_on=decided_on,
    )
    barred = _standing(session, BarredListEntry, person_id, case_id)
    if barred is not None:
        entry.removed_on, entry.removal_reason = decided_on, MOVED_TO_BARRED_LIST
    session.add(entry)
    session.flush()
    return entry


def withdraw_barred_entry(
    session: Session, *, case_id: uuid.UUID, reason: str, on: date, person_id: uuid.UUID | None = None
) -> list[BarredListEntry]:
    """Withdraw the standing barred-list entries of a case (of one person, if given), for example when
    an appeal overturns the dismissal. The entry is kept, marked removed with the date and reason.
    Returns the entries withdrawn now (none when already withdrawn)."""
    return _remove(session, BarredListEntry, case_id, reason, on, person_id)


def remove_advisory_entries(
    session: Session, *, case_id: uuid.UUID, reason: str, on: date, person_id: uuid.UUID | None = None
) -> list[AdvisoryListEntry]:
    """Remove the standing advisory-list entries of a case (of one person, if given): the case ended
    without a barred-list outcome, or the person went on the barred list. The entry is kept, marked
    removed with the date and reason. Returns the entries removed now."""
    return _remove(session, AdvisoryListEntry, case_id, reason, on, person_id)


def _standing(session: Session, model: type[Entry], person_id: uuid.UUID, case_id: uuid.UUID) -> Entry | None:
    return session.scalars(
        select(model)
        .where(model.person_id == person_id, model.case_id == case_id, model.removed_on.is_(None))
        .order_by(model.created_at)
        .limit(1)
    ).first()


def _remove(
    session: Session,
    model: type[Entry],
    case_id: uuid.UUID,
    reason: str,
    on: date,
    person_id: uuid.UUID | None,
) -> list[Entry]:
    query = select(model).where(model.case_id == case_id, model.removed_on.is_(None))
    if person_id is not None:
        query = query.where(model.person_id == person_id)
    entries = list(session.scalars(query))
    for entry in entries:
        entry.removed_on, entry.removal_reason = on, reason
    session.flush()
    return entries


def _details(session: Session, person_id: uuid.UUID) -> dict[str, object]:
    """The identifying details an entry keeps, copied so the entry outlives changes to the record."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no staff record for the person to be listed.")
    return {
        "person_id": person.id,
        "staff_number": person.staff_number,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "other_names": list(person.other_names or []),
        "date_of_birth": person.date_of_birth,
        "force_name": _force_name(session, person),
    }


def _force_name(session: Session, person: Person) -> str:
    unit = session.get(OrgUnit, person.unit_id) if person.unit_id else None
    for _ in range(50):  # the tree is shallow; the bound only guards against a cycle in bad data
        if unit is None or unit.kind is OrgUnitKind.FORCE:
            break
        unit = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    if unit is None or unit.kind is not OrgUnitKind.FORCE:
        unit = session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.FORCE).limit(1)).first()
    return unit.name if unit is not None else LOCAL_FORCE_NAME


# --- Vetting checks -----------------------------------------------------------------------------


class CasesNaming(Protocol):
    """For each of these people, the cases that name them: reference -> still open (cases/service.py
    answers it; org sits below cases)."""

    def __call__(
        self, session: Session, person_ids: Collection[uuid.UUID]
    ) -> Mapping[uuid.UUID, Mapping[str, bool]]: ...


class VettingService:
    """Checks for hiring and for transfers between forces, against the lists and the staff records."""

    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        cases_naming: CasesNaming,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._audit = audit
        self._cases_naming = cases_naming
        self._clock = clock

    def check(self, principal: StaffPrincipal, query: VettingQuery) -> VettingResult:
        """A check by a signed-in member of staff whose role allows it (the vetting unit, professional
        standards, the overseer). See ``check_as``."""
        access.require(principal.roles, access.Action.RUN_VETTING_CHECK)
        return self.check_as(principal.actor, query)

    def my_checks(self, principal: StaffPrincipal, before: int | None = None) -> vetting_log.PastChecks:
        """The checks this officer ran, newest first, a page at a time: their work, to come back to."""
        access.require(principal.roles, access.Action.RUN_VETTING_CHECK)
        with self._db.transaction() as session:
            return vetting_log.checks_by(session, principal.actor.label, before)

    def check_as(self, actor: Actor, query: VettingQuery) -> VettingResult:
        """Whether the person asked about is barred, on the advisory list, or named in open or past cases
        (Police Act 1996, Part 4A; Police Barred List and Police Advisory List Regulations 2017: a
        force consults both lists before it appoints anyone). Only standing entries count.

        For callers already trusted with the database (the `upstander vet` command); the check is
        audited as ``vetting.checked`` under ``actor``, with the staff number asked about or a hash of
        the name — never the query itself."""
        check_query(query)
        now = self._clock()
        check_id = uuid.uuid4()
        with self._db.transaction() as session:
            people = _match_people(session, query)
            matches = [
                *_match_entries(session, BarredListEntry, Source.BARRED_LIST, query, people),
                *_match_entries(session, AdvisoryListEntry, Source.ADVISORY_LIST, query, people),
                *_staff_matches(session, people, self._cases_naming),
            ]
            matches.sort(key=lambda m: (m.strength, m.score), reverse=True)
            verdict, findings = assess(matches)
            self._audit.record(
                session,
                actor,
                "vetting.checked",
                "vetting_check",
                check_id,
                _audit_details(query, verdict.value, len(matches)),
                at=now,
            )
        return VettingResult(
            check_id=check_id,
            purpose=query.purpose,
            checked_at=now,
            verdict=verdict,
            summary=findings[0],
            findings=findings,
            matches=tuple(matches),
        )


def _audit_details(query: VettingQuery, verdict: str, match_count: int) -> dict[str, object]:
    names = " ".join(
        name_tokens(query.given_name or "", keep_last=False)
        + name_tokens(query.family_name or "", keep_last=True)
    )
    return {
        "purpose": query.purpose.value,
        "staff_number": normalise_staff_number(query.staff_number or "") or None,
        "name_hash": crypto.sha256_hex(names.encode()) if names else None,
        "date_of_birth_given": query.date_of_birth is not None,
        "verdict": verdict,
        "matches": match_count,
    }


def _identity(record: Person | BarredListEntry | AdvisoryListEntry) -> Identity:
    return Identity(
        given_name=record.given_name,
        family_name=record.family_name,
        staff_number=record.staff_number,
        other_names=tuple(record.other_names or ()),
        date_of_birth=record.date_of_birth,
    )


def _match_people(session: Session, query: VettingQuery) -> dict[uuid.UUID, tuple[Person, IdentityMatch]]:
    """Staff records (current and former) that match. The database narrows the candidates to the same
    staff number, the same date of birth, no date of birth, or a family name with the same first
    letter; the rules decide among them."""
    conditions = []
    number = normalise_staff_number(query.staff_number or "")
    if number:
        conditions.append(
            func.upper(func.replace(func.replace(Person.staff_number, " ", ""), "-", "")) == number
        )
    if query.date_of_birth is not None:
        conditions += [Person.date_of_birth == query.date_of_birth, Person.date_of_birth.is_(None)]
    family = name_tokens(query.family_name or "", keep_last=True)
    raw = (query.family_name or "").strip()
    if family:
        initials = {family[0][0], family[0][0].upper()} | (
            {raw[0], raw[0].lower(), raw[0].upper()} if raw else set()
        )
        conditions.append(func.substr(Person.family_name, 1, 1).in_(sorted(initials)))
    found: dict[uuid.UUID, tuple[Person, IdentityMatch]] = {}
    for person in session.scalars(select(Person).where(or_(*conditions))):
        match = match_identity(query, _identity(person))
        if match is not None:
            found[person.id] = (person, match)
    return found


def _match_entries(
    session: Session,
    model: type[Entry],
    source: Source,
    query: VettingQuery,
    people: dict[uuid.UUID, tuple[Person, IdentityMatch]],
) -> list[VettingMatch]:
    """Standing entries that match by their own details, or that belong to a staff record that matched
    (the entry keeps the details of the day it was made; the record may have changed since)."""
    matches = []
    for entry in session.scalars(select(model).where(model.removed_on.is_(None))):
        match = match_identity(query, _identity(entry))
        linked = people.get(entry.person_id) if entry.person_id else None
        if linked is not None and (match is None or linked[1].strength > match.strength):
            match = IdentityMatch(
                linked[1].strength, linked[1].score, f"{linked[1].reason}; the entry is for that staff record"
            )
        if match is None:
            continue
        matches.append(
            VettingMatch(
                source=source,
                strength=match.strength,
                score=match.score,
                reason=match.reason,
                name=entry.full_name,
                staff_number=entry.staff_number,
                force_name=entry.force_name,
                case_reference=entry.case_reference,
                listed_because=entry.reason,
                listed_on=entry.decided_on,
                review_on=entry.review_on if isinstance(entry, BarredListEntry) else None,
            )
        )
    return matches


def _staff_matches(
    session: Session, people: dict[uuid.UUID, tuple[Person, IdentityMatch]], cases_naming: CasesNaming
) -> list[VettingMatch]:
    """Each matched staff record with the cases that name them (through the reports in each case)."""
    named = cases_naming(session, list(people)) if people else {}
    cases: dict[uuid.UUID, Mapping[str, bool]] = {person_id: named.get(person_id, {}) for person_id in people}
    return [
        VettingMatch(
            source=Source.STAFF_RECORD,
            strength=match.strength,
            score=match.score,
            reason=match.reason,
            name=person.full_name,
            staff_number=person.staff_number,
            employment_status=person.employment_status.value,
            open_cases=tuple(sorted(ref for ref, is_open in cases[person.id].items() if is_open)),
            closed_cases=tuple(sorted(ref for ref, is_open in cases[person.id].items() if not is_open)),
        )
        for person, match in people.values()
    ]
