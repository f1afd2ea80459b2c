"""Early-intervention flags as people read them: who, which rule in plain words, how many allegations, since when."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.accounts.models import User
from upstander.cases.models import Allegation
from upstander.cases.policy.model import Policy
from upstander.org.models import OrgUnit, Person
from upstander.patterns.models import FlagDecision, InterventionFlag
from upstander.patterns.service import person_label

DECISION_LABELS = {
    FlagDecision.NO_ACTION: "reviewed: no action needed",
    FlagDecision.MANAGEMENT_ACTION: "management action (supervision, development plan)",
    FlagDecision.REFERRED_FOR_ASSESSMENT: "referred for a misconduct assessment",
    FlagDecision.RESTRICTION_CONSIDERED: "restricted duties or suspension considered",
}


@dataclass(frozen=True)
class FlagView:
    id: uuid.UUID
    person_id: uuid.UUID
    person: str
    rule_id: str
    rule_title: str
    rule_description: str
    pack: str
    raised_at: datetime
    raised_by: str
    allegations: int
    first_received: date | None
    last_received: date | None
    detail: str
    status: str
    decision: str | None
    decision_label: str | None
    reasons: str | None
    responded_by: str | None
    responded_at: datetime | None


def flag_views(session: Session, policy: Policy, flags: Sequence[InterventionFlag]) -> list[FlagView]:
    """Flags as the list page and the API show them: the person, the rule in words, the dates, the response."""
    if not flags:
        return []
    rules = {rule.id: rule for rule in policy.early_intervention}
    ids = {uuid.UUID(i) for flag in flags for i in flag.allegation_ids}
    dates = dict(
        session.execute(select(Allegation.id, Allegation.received_on).where(Allegation.id.in_(ids))).all()
    )
    people = {
        person.id: (person, unit)
        for person, unit in session.execute(
            select(Person, OrgUnit.name)
            .outerjoin(OrgUnit, OrgUnit.id == Person.unit_id)
            .where(Person.id.in_({flag.person_id for flag in flags}))
        )
    }
    responders = {flag.responded_by_id for flag in flags if flag.responded_by_id}
    names: dict[uuid.UUID, str] = {}
    if responders:
        names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(responders))).all())
    views = []
    for flag in flags:
        person, unit = people[flag.person_id]
        received = sorted(d for i in flag.allegation_ids if (d := dates.get(uuid.UUID(i))) is not None)
        rule = rules.get(flag.rule_id)
        views.append(
            FlagView(
                id=flag.id,
                person_id=flag.person_id,
                person=person_label(person, unit),
                rule_id=flag.rule_id,
                rule_title=flag.rule_title,
                rule_description=rule.description if rule else "",
                pack=f"{flag.pack_id} {flag.pack_version}",
                raised_at=flag.raised_at,
                raised_by=flag.raised_by,
                allegations=len(flag.allegation_ids),
                first_received=received[0] if received else None,
                last_received=received[-1] if received else None,
                detail=flag.detail,
                status=flag.status.value,
                decision=flag.decision.value if flag.decision else None,
                decision_label=DECISION_LABELS[flag.decision] if flag.decision else None,
                reasons=flag.reasons,
                responded_by=names.get(flag.responded_by_id) if flag.responded_by_id else None,
                responded_at=flag.responded_at,
            )
        )
    return views
