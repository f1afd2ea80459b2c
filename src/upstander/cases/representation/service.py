"""Staff-association representatives: consent, the disclosed view of a case, and their steps.

A representative never receives the case key. Each timeline entry disclosed to the subject
(``disclosure``) is sealed to the representative's own public key while the subject's consent
holds: by whoever records the consent (for what came before) and by whoever takes a step (for
what follows). Withdrawing consent deletes those copies in the same transaction, so access ends
at once. A case the representative has no consent for does not exist for them (404).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts.models import Role, User
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases import forms, versions
from upstander.cases.appointment import users_in_role
from upstander.cases.engine import rules
from upstander.cases.engine.clocks import local_date
from upstander.cases.engine.context import Actor
from upstander.cases.engine.state import replay
from upstander.cases.engine.vocabulary import EVENT_TITLES
from upstander.cases.models import Case, DisclosedCopy, RepresentativeConsent
from upstander.cases.parties import PartyRole, case_people
from upstander.cases.representation.sealing import active_representatives, share_disclosed
from upstander.cases.views import StepView
from upstander.cases.workflow import WorkflowService, engine_events, settle, stored_events
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound
from upstander.org.models import Person
from upstander.org.people import find_person, label
from upstander.reports import keys as keyring

NO_SUCH_CASE = "There is no such case."
REPRESENTATIVE_STEPS = frozenset({"record_subject_response", "lodge_appeal"})


@dataclass(frozen=True)
class ConsentView:
    id: uuid.UUID
    case_reference: str
    subject: str
    representative: str
    given_on: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class RepresentativeChoice:
    user_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class RepresentedCase:
    case_id: uuid.UUID
    reference: str
    status_label: str


@dataclass(frozen=True)
class DisclosedView:
    seq: int
    title: str
    at: str
    details: dict[str, Any]
    texts: dict[str, str]


@dataclass(frozen=True)
class RepresentedCaseView:
    case_id: uuid.UUID
    reference: str
    status_label: str
    items: list[DisclosedView]
    steps: list[StepView]


class RepresentationService:
    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        workflow: WorkflowService,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._audit = audit
        self._workflow = workflow
        self._clock = clock

    def give_consent(
        self,
        principal: StaffPrincipal,
        case_id: uuid.UUID,
        subject: uuid.UUID | str,
        representative_id: uuid.UUID,
    ) -> ConsentView:
        """Record a subject's signed consent for a named representative to see their case; what was
        disclosed to the subject so far is sealed to the representative at once."""
        access.require(principal.roles, access.Action.RECORD_CONSENT)
        with self._db.transaction() as session:
            case = _case(session, case_id)
            case_key = keyring.case_private_key(session, case.id, principal.user_id, principal.private_key)
            person = find_person(session, subject, "subject")
            if (
                case_people(session, case_ids=[case.id]).get(case.id, {}).get(person.id)
                is not PartyRole.SUBJECT
            ):
                raise InvalidInput(
                    f"{label(person)} is not a subject of case {case.reference}.",
                    fields={"subject": "not a subject"},
                )
            rep = session.get(User, representative_id)
            if rep is None or not rep.active or Role.REPRESENTATIVE not in rep.roles:
                raise InvalidInput(
                    "The chosen person is not an active staff-association representative.",
                    fields={"representative_id": "not a representative"},
                )
            if _consent(session, case.id, rep.id, person.id) is not None:
                raise Conflict(f"{label(person)} has already consented to {rep.display_name} on this case.")
            row = RepresentativeConsent(
                case_id=case.id,
                person_id=person.id,
                representative_id=rep.id,
                given_on=self._clock(),
                recorded_by_id=principal.user_id,
            )
            session.add(row)
            session.flush()
            share_disclosed(session, case, case_key, only=rep.id)
            self._audit.record(
                session,
                principal.actor,
                "case.representative_consent_given",
                "case",
                case.id,
                {"consent": str(row.id), "representative": str(rep.id), "subject": person.staff_number},
            )
            return _consent_view(session, row)

    def representatives(self) -> list[RepresentativeChoice]:
        """The active staff-association representatives, for the consent form."""
        with self._db.transaction() as session:
            return [
                RepresentativeChoice(user.id, user.display_name)
                for user in users_in_role(session, Role.REPRESENTATIVE)
            ]

    def consents(self, principal: StaffPrincipal, case_id: uuid.UUID) -> list[ConsentView]:
        access.require(principal.roles, access.Action.RECORD_CONSENT)
        with self._db.transaction() as session:
            case = _case(session, case_id)
            keyring.case_private_key(session, case.id, principal.user_id, principal.private_key)
            rows = session.scalars(
                select(RepresentativeConsent)
                .where(RepresentativeConsent.case_id == case.id)
                .order_by(RepresentativeConsent.given_on)
            )
            return [_consent_view(session, row) for row in rows]

    def withdraw_consent(self, principal: StaffPrincipal, case_id: uuid.UUID, consent_id: uuid.UUID) -> None:
        """The subject withdraws (through the handler or a decision maker, or their own account), or
        the representative steps down: the copies sealed to the representative go at once."""
        with self._db.transaction() as session:
            row = session.get(RepresentativeConsent, consent_id)
            me = session.get_one(User, principal.user_id)
            allowed = row is not None and (
                (
                    access.allowed(principal.roles, access.Action.RECORD_CONSENT)
                    and keyring.can_read_case(session, row.case_id, principal.user_id)
                )
                or row.representative_id == principal.user_id
                or (me.person_id is not None and me.person_id == row.person_id)
            )
            if row is None or row.case_id != case_id or not allowed:
                raise NotFound("There is no such consent.")
            if row.withdrawn_at is not None:
                raise Conflict("This consent has already been withdrawn.")
            row.withdrawn_at, row.withdrawn_by_id = self._clock(), principal.user_id
            session.flush()
            if row.representative_id not in active_representatives(session, case_id):
                session.execute(
                    delete(DisclosedCopy).where(
                        DisclosedCopy.case_id == case_id,
                        DisclosedCopy.representative_id == row.representative_id,
                    )
                )
            self._audit.record(
                session,
                principal.actor,
                "case.representative_consent_withdrawn",
                "case",
                case_id,
                {"consent": str(row.id), "representative": str(row.representative_id)},
            )

    def cases(self, principal: StaffPrincipal) -> list[RepresentedCase]:
        """The cases of members who consented to this representative, and whose consent holds."""
        access.require(principal.roles, access.Action.REPRESENT)
        with self._db.transaction() as session:
            cases = session.scalars(
                select(Case)
                .join(RepresentativeConsent, RepresentativeConsent.case_id == Case.id)
                .where(
                    RepresentativeConsent.representative_id == principal.user_id,
                    RepresentativeConsent.withdrawn_at.is_(None),
                )
                .distinct()
                .order_by(Case.reference)
            )
            result = []
            for case in cases:
                policy = self._workflow.policies.get(case.policy_pack, case.policy_version)
                result.append(RepresentedCase(case.id, case.reference, policy.state_label(case.stage)))
            return result

    def view(self, principal: StaffPrincipal, case_id: uuid.UUID) -> RepresentedCaseView:
        """The case as its subject may see it; every view is audited."""
        access.require(principal.roles, access.Action.REPRESENT)
        with self._db.transaction() as session:
            case = _represented(session, case_id, principal.user_id)
            policy = self._workflow.policies.get(case.policy_pack, case.policy_version)
            state = replay(policy, engine_events(stored_events(session, case), None))
            items = []
            for copy in session.scalars(
                select(DisclosedCopy)
                .where(DisclosedCopy.case_id == case.id, DisclosedCopy.representative_id == principal.user_id)
                .order_by(DisclosedCopy.seq)
            ):
                opened = json.loads(crypto.unseal(principal.private_key, copy.sealed))
                title = EVENT_TITLES.get(opened["kind"], opened["kind"].replace("_", " "))
                items.append(DisclosedView(copy.seq, title, opened["at"], opened["details"], opened["texts"]))
            now = self._clock()
            today = local_date(now, policy.calendar)
            actor = _actor(principal)
            steps = [
                StepView(
                    spec.kind, spec.label, spec.cite, forms.form_fields(policy, state, spec.kind, today, {})
                )
                for spec in rules.available_actions(policy, state, actor, now)
                if spec.kind in REPRESENTATIVE_STEPS
            ]
            self._audit.record(session, principal.actor, "case.representative_read", "case", case.id)
            return RepresentedCaseView(
                case.id, case.reference, policy.state_label(state.status), items, steps
            )

    def act(
        self, principal: StaffPrincipal, case_id: uuid.UUID, kind: str, raw: Mapping[str, Sequence[str]]
    ) -> tuple[str, str]:
        """A step the pack gives the representative (the officer's response, an appeal). Returns the
        case's status and its label after it."""
        access.require(principal.roles, access.Action.REPRESENT)
        now = self._clock()
        with self._db.transaction() as session:
            case = _represented(session, case_id, principal.user_id)
            if kind not in REPRESENTATIVE_STEPS:
                raise InvalidInput(
                    "A representative can record the officer's response or lodge an appeal, nothing else.",
                    fields={"kind": "not a representative's step"},
                )
            case = versions.lock_case(session, case.id, now=now)
            policy = self._workflow.policies.get(case.policy_pack, case.policy_version)
            state = replay(policy, engine_events(stored_events(session, case), None))
            decision = rules.decide(
                policy, state, forms.build_action(kind, raw, state), _actor(principal), now
            )
            first = self._workflow.store(session, case, decision.events, principal.user_id)
            texts = {
                first + offset: {
                    k: v for k, v in event.fields.items() if k in forms.TEXT_FIELDS and isinstance(v, str)
                }
                for offset, event in enumerate(decision.events)
            }
            share_disclosed(session, case, None, texts)
            settle(case, policy, decision.state)
            return decision.state.status, policy.state_label(decision.state.status)


def _actor(principal: StaffPrincipal) -> Actor:
    return Actor(str(principal.user_id), frozenset({Role.REPRESENTATIVE.value}))


def _case(session: Session, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(NO_SUCH_CASE)
    return case


def _consent(
    session: Session, case_id: uuid.UUID, representative_id: uuid.UUID, person_id: uuid.UUID | None = None
) -> RepresentativeConsent | None:
    query = select(RepresentativeConsent).where(
        RepresentativeConsent.case_id == case_id,
        RepresentativeConsent.representative_id == representative_id,
        RepresentativeConsent.withdrawn_at.is_(None),
    )
    if person_id is not None:
        query = query.where(RepresentativeConsent.person_id == person_id)
    return session.scalars(query.limit(1)).first()


def _represented(session: Session, case_id: uuid.UUID, user_id: uuid.UUID) -> Case:
    """The case, when a consent to this representative holds; otherwise it does not exist for them."""
    case = session.get(Case, case_id)
    if case is None or _consent(session, case_id, user_id) is None:
        raise NotFound(NO_SUCH_CASE)
    return case


def _consent_view(session: Session, row: RepresentativeConsent) -> ConsentView:
    case = session.get_one(Case, row.case_id)
    rep = session.get_one(User, row.representative_id)
    return ConsentView(
        row.id,
        case.reference,
        label(session.get_one(Person, row.person_id)),
        rep.display_name,
        row.given_on,
        row.withdrawn_at,
    )
