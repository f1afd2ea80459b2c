"""Linking allegations to people, and a person's whole history across years, units and channels."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.models import Allegation, Case, Complainant, Complaint, ComplaintChannel
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound
from upstander.events import Events
from upstander.listing import query as listing
from upstander.listing import rules as paging
from upstander.org.linking import Candidate, Described, SubjectCard, Suggestion, suggest
from upstander.org.models import OrgUnit, Person
from upstander.org.vetting import Identity
from upstander.patterns.events import SubjectsLinked
from upstander.patterns.models import LinkStatus, SubjectLink
from upstander.reports.events import ReportStored
from upstander.reports.models import Report
from upstander.reports.rules import AboutMe

SOURCE = "upstander"
MIN_REASONS = 10
STANDING = (LinkStatus.LINKED, LinkStatus.CONFIRMED)


@dataclass(frozen=True)
class HistoryEntry:
    allegation_id: uuid.UUID
    received_on: date | None
    incident_on: date | None
    channel: str
    source: str
    source_ref: str
    category: str
    finding: str | None
    outcome: str | None
    link: str
    case_reference: str | None
    case_stage: str | None


HISTORY_SORTS = ("received", "channel", "category", "finding", "case")
HISTORY_DEFAULT_SORT = paging.Sort("received")
# An allegation with no date received sorts before every dated one, as NULLs would ascending.
_UNDATED = date(1, 1, 1)


@dataclass(frozen=True)
class PersonHistory:
    person_id: uuid.UUID
    label: str
    employment_status: str
    # One page of the person's allegations, oldest first unless sorted otherwise; `total` is how
    # many the whole (filtered) history holds, `next_cursor` where its next page starts.
    entries: list[HistoryEntry]
    total: int = 0
    next_cursor: str | None = None
    sort: paging.Sort = HISTORY_DEFAULT_SORT
    limit: int = paging.DEFAULT_LIMIT


def person_label(person: Person, unit_name: str | None) -> str:
    return f"{person.rank} {person.full_name} ({person.staff_number}, {unit_name or 'no unit'})"


def _unit_chain(
    session: Session, unit_id: uuid.UUID | None, cache: dict[uuid.UUID, OrgUnit]
) -> tuple[str, ...]:
    names = []
    while unit_id is not None:
        unit = cache.get(unit_id) or session.get(OrgUnit, unit_id)
        if unit is None:
            break
        cache[unit_id] = unit
        names.append(unit.name)
        unit_id = unit.parent_id
    return tuple(names)


class LinkingService:
    def __init__(
        self, database: Database, audit: AuditLog, events: Events, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = database
        self._audit = audit
        self._events = events
        self._clock = clock

    def _linked(self, session: Session, people: Collection[uuid.UUID]) -> None:
        self._events.publish(session, SubjectsLinked(frozenset(people)))

    # --- inside other use cases' transactions -------------------------------------------------

    def link_report(self, session: Session, stored: ReportStored) -> None:
        """A stored report's subjects become allegations, linked where intake knew the staff record."""
        self.record_report(session, stored.report, stored.links, stored.about_me)

    def record_report(
        self,
        session: Session,
        report: Report,
        links: Sequence[tuple[int, uuid.UUID | None, str]],
        about_me: AboutMe | None = None,
    ) -> None:
        """Every internal report becomes a complaint with one allegation per person it names.

        `links` is (position, person id or None, how it was linked) per subject. What the reporter
        wrote about the person stays sealed in the report; only the link is plain.
        """
        complaint = Complaint(
            source=SOURCE,
            source_ref=report.reference,
            channel=ComplaintChannel.INTERNAL_REPORT,
            received_on=report.received_at.date(),
            report_id=report.id,
        )
        session.add(complaint)
        session.flush()
        if about_me is not None and not about_me.is_empty:
            session.add(
                Complainant(
                    complaint_id=complaint.id,
                    sex=about_me.sex.strip().lower() or None,
                    ethnicity=about_me.ethnicity.strip() or None,
                    age=about_me.age,
                )
            )
        for position, person_id, method in links:
            allegation = Allegation(
                complaint_id=complaint.id,
                source_ref=f"{report.reference}/{position}",
                category=report.category.value,
                received_on=report.received_at.date(),
                person_id=person_id,
                described={"position": position},
            )
            session.add(allegation)
            session.flush()
            if person_id is not None:
                session.add(
                    SubjectLink(
                        allegation_id=allegation.id,
                        person_id=person_id,
                        status=LinkStatus.LINKED,
                        method=method,
                        score=1.0,
                        reasons=f"linked at intake by {method.replace('_', ' ')}",
                    )
                )
        self._linked(session, {person_id for _, person_id, _ in links if person_id is not None})

    def cards(self, session: Session, report: Report, described: Sequence[Described]) -> list[SubjectCard]:
        """The subjects of a report with their links and, where unlinked, ranked suggestions."""
        allegations = {
            int(a.described.get("position", -1)): a
            for a in session.scalars(
                select(Allegation).join(Complaint).where(Complaint.report_id == report.id)
            )
        }
        people_cache: dict[uuid.UUID, OrgUnit] = {}
        cards = []
        candidates: list[Candidate] | None = None
        for position, description in enumerate(described):
            allegation = allegations.get(position)
            links = (
                list(session.scalars(select(SubjectLink).where(SubjectLink.allegation_id == allegation.id)))
                if allegation
                else []
            )
            standing = next((link for link in reversed(links) if link.status in STANDING), None)
            label = None
            if standing is not None:
                person = session.get_one(Person, standing.person_id)
                label = person_label(
                    person, (_unit_chain(session, person.unit_id, people_cache) or (None,))[0]
                )
            suggestions: list[Suggestion] = []
            if allegation is not None and standing is None:
                if candidates is None:
                    candidates = self._candidates(session, people_cache)
                rejected = frozenset(link.person_id for link in links if link.status is LinkStatus.REJECTED)
                suggestions = suggest(description, candidates, rejected)
            cards.append(
                SubjectCard(
                    allegation.id if allegation else None,
                    description,
                    standing.person_id if standing else None,
                    label,
                    standing.status.value if standing else None,
                    suggestions,
                )
            )
        return cards

    def _candidates(self, session: Session, cache: dict[uuid.UUID, OrgUnit]) -> list[Candidate]:
        people = session.scalars(select(Person)).all()
        result = []
        for person in people:
            units = _unit_chain(session, person.unit_id, cache)
            result.append(
                Candidate(
                    person.id,
                    Identity(
                        person.given_name,
                        person.family_name,
                        person.staff_number,
                        tuple(person.other_names or ()),
                        person.date_of_birth,
                    ),
                    units,
                    person_label(person, units[0] if units else None),
                )
            )
        return result

    # --- use cases ----------------------------------------------------------------------------

    def decide(
        self,
        principal: StaffPrincipal,
        allegation_id: uuid.UUID,
        person_id: uuid.UUID,
        *,
        confirm: bool,
        reasons: str,
    ) -> None:
        """Confirm or reject a suggested link, with the reason recorded. A link is never deleted:
        a later decision stands over an earlier one, and both stay in the record."""
        access.require(principal.roles, access.Action.LINK_SUBJECT)
        if len(reasons.strip()) < MIN_REASONS:
            raise InvalidInput(
                "Say why, in a sentence: the reason is kept with the link.", fields={"reasons": "too short"}
            )
        now = self._clock()
        with self._db.transaction() as session:
            allegation = session.get(Allegation, allegation_id)
            person = session.get(Person, person_id)
            if allegation is None or person is None:
                raise NotFound("There is no such allegation or staff record.")
            if confirm and allegation.person_id not in (None, person_id):
                raise Conflict("This allegation is already linked to someone else; reject that link first.")
            status = LinkStatus.CONFIRMED if confirm else LinkStatus.REJECTED
            session.add(
                SubjectLink(
                    allegation_id=allegation.id,
                    person_id=person.id,
                    status=status,
                    method="handler",
                    score=1.0,
                    reasons=reasons.strip(),
                    decided_by_id=principal.user_id,
                    decided_at=now,
                )
            )
            if confirm:
                allegation.person_id = person.id
                self._linked(session, {person.id})
            elif allegation.person_id == person.id:
                allegation.person_id = None
            self._audit.record(
                session,
                principal.actor,
                f"subject_link.{status.value}",
                "allegation",
                allegation.id,
                {"person": str(person.id)},
            )

    def history(
        self,
        principal: StaffPrincipal,
        person_id: uuid.UUID,
        *,
        search: str = "",
        category: str = "",
        channel: str = "",
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> PersonHistory:
        """Every allegation ever linked to this person, whatever its outcome or channel, a page at a
        time; searched by record or case reference, filtered by category and channel. Audited."""
        access.require(principal.roles, access.Action.VIEW_PERSON_HISTORY)
        order = paging.parse_sort(sort, HISTORY_SORTS, HISTORY_DEFAULT_SORT)
        size = paging.parse_limit(limit)
        wanted_channel = None
        if channel:
            try:
                wanted_channel = ComplaintChannel(channel)
            except ValueError:
                raise InvalidInput(
                    f"Choose a channel of {', '.join(c.value for c in ComplaintChannel)}.",
                    fields={"channel": "not one of the choices"},
                ) from None
        if len(search) > 80 or len(category) > 120:
            raise InvalidInput("Search for a reference of at most 80 characters.", fields={"q": "too long"})
        keys: dict[str, list[listing.KeyColumn]] = {
            "received": [func.coalesce(Allegation.received_on, _UNDATED), Complaint.source_ref],
            "channel": [Complaint.channel],
            "category": [Allegation.category],
            "finding": [func.coalesce(Allegation.finding, "")],
            "case": [func.coalesce(Case.reference, "")],
        }
        with self._db.transaction() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise NotFound("There is no such staff record.")
            unit = session.get(OrgUnit, person.unit_id) if person.unit_id else None
            query = (
                select(Allegation, Complaint, Case.reference, Case.stage)
                .join(Complaint, Complaint.id == Allegation.complaint_id)
                .outerjoin(Report, Report.id == Complaint.report_id)
                .outerjoin(Case, Case.id == Report.case_id)
                .where(Allegation.person_id == person.id)
            )
            if search.strip():
                wanted = search.strip().upper()
                query = query.where(
                    (func.upper(Complaint.source_ref) == wanted)
                    | (func.upper(Allegation.source_ref) == wanted)
                    | (func.upper(Case.reference) == wanted)
                )
            if category:
                query = query.where(Allegation.category == category)
            if wanted_channel is not None:
                query = query.where(Complaint.channel == wanted_channel)
            found = listing.page(
                session,
                query,
                [*keys[order.column], Allegation.id],
                order,
                cursor,
                size,
                lambda row: HistoryEntry(
                    row.Allegation.id,
                    row.Allegation.received_on,
                    row.Allegation.incident_on,
                    row.Complaint.channel.value,
                    row.Complaint.source,
                    row.Complaint.source_ref,
                    row.Allegation.category,
                    row.Allegation.finding,
                    row.Allegation.outcome,
                    "linked",
                    row.reference,
                    row.stage,
                ),
            )
            entries = found.items
            self._audit.record(
                session,
                principal.actor,
                "person.history_read",
                "person",
                person.id,
                {"allegations": len(entries)},
            )
            return PersonHistory(
                person.id,
                person_label(person, unit.name if unit else None),
                person.employment_status.value,
                entries,
                found.total,
                found.next_cursor,
                order,
                size,
            )
