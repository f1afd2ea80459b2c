"""The register of suspensions and restricted duties: imposing, reviewing and lifting, and what is due.

Each use case is one transaction with its audit entry. The audit log holds the entry's reference,
the staff number, the kind and the category, never the reasons (administrators read the log and
read no case content).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, or_, select

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.db import Database, utcnow
from upstander.errors import Conflict, NotFound
from upstander.listing import query as listing
from upstander.listing import rules as paging
from upstander.org.models import Person
from upstander.org.people import find_person, label
from upstander.reports.models import Category
from upstander.safeguarding import views
from upstander.safeguarding.models import Restriction, RestrictionReview
from upstander.safeguarding.register import rules
from upstander.safeguarding.register.views import RestrictionView, restriction_reference, restriction_views

LOCAL_ZONE = ZoneInfo("Europe/London")
CATEGORIES = frozenset(category.value for category in Category)
DUE_SOON_DAYS = 7
REGISTER_SORTS = ("review", "since", "kind", "category", "person")
REGISTER_DEFAULT_SORT = paging.Sort("review")  # the earliest review first: the overdue lead


@dataclass(frozen=True)
class DueList:
    today: date
    overdue: list[RestrictionView]
    due_soon: list[RestrictionView]


class RegisterService:
    def __init__(
        self, database: Database, audit: AuditLog, review_days: int, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = database
        self._audit = audit
        self._review_days = review_days
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(LOCAL_ZONE).date()

    def impose(
        self,
        principal: StaffPrincipal,
        person: uuid.UUID | str,
        kind: RestrictionKind | str,
        category: str,
        reasons: str,
        *,
        redeployment_considered: str | None = None,
        case_id: uuid.UUID | None = None,
        case_reference: str | None = None,
        starts_on: date | None = None,
        review_due: date | None = None,
    ) -> RestrictionView:
        """Put a person (by id or staff number) on restricted duties (a decision maker or welfare) or
        suspend them (a decision maker only), with reasons, the matter's category, an optional linked
        case and the first review (``rules.check_new_restriction``: a suspension without the reasons
        redeployment was not enough is refused). A person has at most one entry in force."""
        wanted = RestrictionKind.SUSPENDED if kind == RestrictionKind.SUSPENDED.value else None
        access.require(
            principal.roles,
            access.Action.SUSPEND if wanted else access.Action.RECORD_RESTRICTED_DUTIES,
        )
        today = self.today()
        new = rules.check_new_restriction(
            kind,
            category,
            CATEGORIES,
            reasons,
            redeployment_considered,
            starts_on,
            review_due,
            today,
            self._review_days,
        )
        now = self._clock()
        with self._db.transaction() as session:
            subject = find_person(session, person, "person")
            case = views.find_case(session, case_id, case_reference)
            # Two entries for one person recorded at once are recorded one after the other.
            session.execute(select(Person.id).where(Person.id == subject.id).with_for_update())
            current = session.scalars(
                select(Restriction).where(Restriction.person_id == subject.id, Restriction.ended_on.is_(None))
            ).first()
            if current is not None:
                raise Conflict(
                    f"{label(subject)} is already on {rules.KIND_LABELS[current.kind]} since "
                    f"{current.starts_on:%-d %B %Y} ({restriction_reference(current.id)}); "
                    "review that entry (lift or change it) first.",
                    code="restriction_in_force",
                )
            restriction = Restriction(
                person_id=subject.id,
                kind=new.kind,
                case_id=case.id if case else None,
                category=new.category,
                reasons=new.reasons,
                redeployment_considered=new.redeployment_considered,
                starts_on=new.starts_on,
                review_due=new.review_due,
                imposed_by_id=principal.user_id,
                imposed_at=now,
            )
            session.add(restriction)
            session.flush()
            self._audit.record(
                session,
                principal.actor,
                f"restriction.{new.kind.value}",
                "restriction",
                restriction.id,
                {
                    "reference": restriction_reference(restriction.id),
                    "staff_number": subject.staff_number,
                    "category": new.category,
                    "case_reference": case.reference if case else None,
                    "starts_on": new.starts_on,
                    "review_due": new.review_due,
                },
                at=now,
            )
            return restriction_views(session, [restriction], today)[0]

    def review(
        self,
        principal: StaffPrincipal,
        restriction_id: uuid.UUID,
        outcome: rules.ReviewOutcome | str,
        reasons: str,
        next_review_due: date | None = None,
        *,
        kind: RestrictionKind | str | None = None,
        redeployment_considered: str | None = None,
    ) -> RestrictionView:
        """Review an entry in force: keep it, change it (its terms, or the measure: a suspension
        eased to restricted duties, or restricted duties made a suspension with the reasons
        redeployment is not enough), or lift it, with reasons; kept or changed, the next review is
        set (``rules.check_review``). Anything touching a suspension is a decision maker's;
        restricted duties alone, a decision maker's or welfare's."""
        access.require(principal.roles, access.Action.RECORD_RESTRICTED_DUTIES)
        today = self.today()
        now = self._clock()
        with self._db.transaction() as session:
            restriction = session.get(Restriction, restriction_id, with_for_update=True)
            if restriction is None:
                raise NotFound("There is no such entry in the register.", code="not_found:restriction")
            decided = rules.check_review(
                restriction.kind,
                outcome,
                reasons,
                next_review_due,
                today,
                self._review_days,
                kind=kind,
                redeployment_considered=redeployment_considered,
            )
            if RestrictionKind.SUSPENDED in {restriction.kind, decided.kind}:
                access.require(principal.roles, access.Action.SUSPEND)
            if restriction.ended_on is not None:
                raise Conflict(
                    f"{restriction_reference(restriction.id)} was lifted on {restriction.ended_on:%-d %B %Y}.",
                    code="restriction_ended",
                )
            session.add(
                RestrictionReview(
                    restriction_id=restriction.id,
                    reviewed_on=today,
                    reviewed_by_id=principal.user_id,
                    outcome=decided.outcome.value,
                    reasons=decided.reasons,
                    next_review_due=decided.next_review_due,
                )
            )
            changed_kind = decided.kind is not restriction.kind
            if decided.outcome is rules.ReviewOutcome.LIFTED:
                restriction.ended_on = today
                restriction.ended_by_id = principal.user_id
                restriction.end_reason = decided.reasons
            else:
                assert decided.next_review_due is not None  # check_review sets it unless lifted
                restriction.review_due = decided.next_review_due
                restriction.kind = decided.kind
                if decided.redeployment_considered is not None:
                    restriction.redeployment_considered = decided.redeployment_considered
            session.flush()
            self._audit.record(
                session,
                principal.actor,
                f"restriction.{decided.outcome.value}",
                "restriction",
                restriction.id,
                {
                    "reference": restriction_reference(restriction.id),
                    "kind": decided.kind.value if changed_kind else None,
                    "next_review_due": decided.next_review_due,
                },
                at=now,
            )
            return restriction_views(session, [restriction], today)[0]

    def register(
        self,
        principal: StaffPrincipal,
        *,
        include_lifted: bool = False,
        search: str = "",
        kind: str = "",
        category: str = "",
        due: str = "",
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> paging.Page[RestrictionView]:
        """One page of the entries in force (and, if asked, those lifted in the last year), the
        earliest review first unless sorted otherwise (review, since, kind, category, person);
        searched by staff number, filtered by measure, category and an overdue or soon-due review."""
        access.require(principal.roles, access.Action.READ_RESTRICTIONS)
        order = paging.parse_sort(sort, REGISTER_SORTS, REGISTER_DEFAULT_SORT)
        size = paging.parse_limit(limit)
        wanted = rules.parse_register_filter(search=search, kind=kind, category=category, due=due)
        today = self.today()
        keys: dict[str, list[listing.KeyColumn]] = {
            "review": [Restriction.review_due],
            "since": [Restriction.starts_on],
            "kind": [Restriction.kind],
            "category": [Restriction.category],
            "person": [Person.staff_number],
        }
        with self._db.transaction() as session:
            query = select(Restriction).join(Person, Person.id == Restriction.person_id)
            if include_lifted:
                query = query.where(
                    or_(Restriction.ended_on.is_(None), Restriction.ended_on >= today - timedelta(days=366))
                )
            else:
                query = query.where(Restriction.ended_on.is_(None))
            if wanted.search:
                query = query.where(func.lower(Person.staff_number) == wanted.search.lower())
            if wanted.kind is not None:
                query = query.where(Restriction.kind == wanted.kind)
            if wanted.category:
                query = query.where(Restriction.category == wanted.category)
            if wanted.overdue is not None:
                query = query.where(Restriction.ended_on.is_(None))
                soon = Restriction.review_due <= today + timedelta(days=DUE_SOON_DAYS)
                query = query.where(
                    Restriction.review_due < today
                    if wanted.overdue
                    else soon & (Restriction.review_due >= today)
                )
            found = listing.page(
                session,
                query,
                [*keys[order.column], Restriction.id],
                order,
                cursor,
                size,
                lambda row: row.Restriction,
            )
            self._audit.record(
                session,
                principal.actor,
                "restrictions.listed",
                "restriction",
                "*",
                {"count": len(found.items)},
            )
            views = restriction_views(session, found.items, today)
            return paging.Page(views, found.total, found.next_cursor, found.sort, found.limit)

    def in_force(self, principal: StaffPrincipal, reference: str) -> RestrictionView | None:
        """The entry in force that people call by this reference (RS- and the first 8 hex digits of its id)."""
        access.require(principal.roles, access.Action.READ_RESTRICTIONS)
        prefix = reference.strip().upper().removeprefix("RS-")
        if len(prefix) != 8 or any(c not in "0123456789ABCDEF" for c in prefix):
            return None
        with self._db.transaction() as session:
            found = list(
                session.scalars(
                    select(Restriction).where(
                        Restriction.ended_on.is_(None),
                        func.lower(cast(Restriction.id, String)).like(prefix.lower() + "%"),
                    )
                )
            )
            views = restriction_views(session, found, self.today())
            return next((view for view in views if view.reference == reference.strip().upper()), None)

    def due(self, principal: StaffPrincipal | None = None) -> DueList:
        """Entries whose review is overdue, and those due within a week. Without a principal (the
        unattended `upstander restrictions due` job) only references, dates and staff numbers are shown."""
        if principal is not None:
            access.require(principal.roles, access.Action.READ_RESTRICTIONS)
        today = self.today()
        with self._db.transaction() as session:
            found = list(
                session.scalars(
                    select(Restriction)
                    .where(
                        Restriction.ended_on.is_(None),
                        Restriction.review_due <= today + timedelta(days=DUE_SOON_DAYS),
                    )
                    .order_by(Restriction.review_due, Restriction.id)
                )
            )
            listed = restriction_views(session, found, today)
        return DueList(
            today=today,
            overdue=[view for view in listed if view.overdue],
            due_soon=[view for view in listed if not view.overdue],
        )
