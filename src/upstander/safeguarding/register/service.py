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

from sqlalchemy import or_, select

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.db import Database, utcnow
from upstander.errors import Conflict, NotFound
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

    def register(self, principal: StaffPrincipal, *, include_lifted: bool = False) -> list[RestrictionView]:
        """The entries in force (and, if asked, those lifted in the last year), overdue reviews first."""
        access.require(principal.roles, access.Action.READ_RESTRICTIONS)
        today = self.today()
        with self._db.transaction() as session:
            query = select(Restriction)
            if include_lifted:
                query = query.where(
                    or_(Restriction.ended_on.is_(None), Restriction.ended_on >= today - timedelta(days=366))
                )
            else:
                query = query.where(Restriction.ended_on.is_(None))
            found = list(session.scalars(query.order_by(Restriction.review_due, Restriction.id)))
            self._audit.record(
                session, principal.actor, "restrictions.listed", "restriction", "*", {"count": len(found)}
            )
            return sorted(
                restriction_views(session, found, today),
                key=lambda view: (view.ended_on is not None, not view.overdue, view.review_due),
            )

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
