"""What the register's use cases return, built inside their session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.safeguarding.models import Restriction, RestrictionReview
from upstander.safeguarding.register.rules import KIND_LABELS, review_overdue
from upstander.safeguarding.results import PersonLabel
from upstander.safeguarding.views import case_references, people, user_names


def restriction_reference(restriction_id: uuid.UUID) -> str:
    """The label people use for an entry; it says nothing about the person or the case."""
    return f"RS-{restriction_id.hex[:8].upper()}"


@dataclass(frozen=True)
class ReviewView:
    reviewed_on: date
    reviewed_by: str
    outcome: str
    reasons: str
    next_review_due: date | None


@dataclass(frozen=True)
class RestrictionView:
    id: uuid.UUID
    reference: str
    person: PersonLabel
    kind: RestrictionKind
    category: str
    case_reference: str | None
    reasons: str
    redeployment_considered: str | None
    starts_on: date
    review_due: date
    overdue: bool
    imposed_by: str
    imposed_at: datetime
    ended_on: date | None
    end_reason: str | None
    reviews: tuple[ReviewView, ...]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def category_label(self) -> str:
        return self.category.replace("_", " ")


def restriction_views(
    session: Session, restrictions: Sequence[Restriction], today: date
) -> list[RestrictionView]:
    ids = [item.id for item in restrictions]
    reviews: dict[uuid.UUID, list[RestrictionReview]] = {}
    if ids:
        for review in session.scalars(
            select(RestrictionReview)
            .where(RestrictionReview.restriction_id.in_(ids))
            .order_by(RestrictionReview.reviewed_on, RestrictionReview.id)
        ):
            reviews.setdefault(review.restriction_id, []).append(review)
    labels = people(session, {item.person_id for item in restrictions})
    names = user_names(
        session,
        {item.imposed_by_id for item in restrictions}
        | {review.reviewed_by_id for found in reviews.values() for review in found},
    )
    cases = case_references(session, {item.case_id for item in restrictions if item.case_id})
    return [
        RestrictionView(
            id=item.id,
            reference=restriction_reference(item.id),
            person=labels[item.person_id],
            kind=item.kind,
            category=item.category,
            case_reference=cases.get(item.case_id) if item.case_id else None,
            reasons=item.reasons,
            redeployment_considered=item.redeployment_considered,
            starts_on=item.starts_on,
            review_due=item.review_due,
            overdue=review_overdue(item.review_due, item.ended_on, today),
            imposed_by=names.get(item.imposed_by_id, "unknown"),
            imposed_at=item.imposed_at,
            ended_on=item.ended_on,
            end_reason=item.end_reason,
            reviews=tuple(
                ReviewView(
                    reviewed_on=review.reviewed_on,
                    reviewed_by=names.get(review.reviewed_by_id, "unknown"),
                    outcome=review.outcome,
                    reasons=review.reasons,
                    next_review_due=review.next_review_due,
                )
                for review in reviews.get(item.id, [])
            ),
        )
        for item in restrictions
    ]
