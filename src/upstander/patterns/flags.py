"""Early-intervention flags: raised on every new allegation and by a full scan, answered by a decision maker.

The rules (``intervention.py``) decide; this service gathers each person's allegations, restrictions
and peer figures, asks the rules, and raises or grows flags. A flag stays open until a decision
maker records a response; no case outcome touches it. Every raise, growth and response is audited.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.cases.models import Allegation, Complainant
from upstander.cases.policy.model import InterventionRuleSpec, Policy
from upstander.cases.policy.registry import PolicyRegistry
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound
from upstander.events import Events
from upstander.listing import query as listing
from upstander.listing import rules as paging
from upstander.org.models import Person
from upstander.patterns.events import InterventionFlagsRaised, SubjectsLinked
from upstander.patterns.flag_views import DECISION_LABELS, FlagView, flag_views
from upstander.patterns.intervention import (
    AllegationFact,
    KnownFlag,
    PeerFigures,
    RestrictionPeriod,
    evaluate,
    reconcile,
)
from upstander.patterns.models import FlagDecision, FlagStatus, InterventionFlag
from upstander.safeguarding.models import Restriction

MIN_REASONS = 10
# What the rules read of each allegation, in the order `_facts` unpacks it.
FACT_COLUMNS = (
    Allegation.id,
    Allegation.person_id,
    Allegation.category,
    Allegation.received_on,
    Allegation.complaint_id,
)
FLAG_SORTS = ("raised", "person", "rule", "status")
FLAG_DEFAULT_SORT = paging.Sort("raised", descending=True)  # newest first, as the list always was


@dataclass(frozen=True)
class ScanResult:
    people: int
    allegations: int
    raised: int
    grown: int
    open: int


@dataclass
class _Inputs:
    """Everything a scan needs besides each person's allegations, read once."""

    complainants: dict[uuid.UUID, str]
    restrictions: dict[uuid.UUID, list[RestrictionPeriod]]
    units: dict[uuid.UUID, uuid.UUID | None]
    unit_people: dict[uuid.UUID, int]
    # per peer rule: allegations in its window by unit
    unit_allegations: dict[str, dict[uuid.UUID, int]]
    known: dict[uuid.UUID, list[tuple[str, KnownFlag]]]


class InterventionService:
    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        policies: PolicyRegistry,
        clock: Callable[[], datetime] = utcnow,
        events: Events | None = None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._policies = policies
        self._clock = clock
        self._events = events or Events()

    @property
    def policy(self) -> Policy:
        return self._policies.current()

    # --- inside other use cases' transactions -------------------------------------------------

    def evaluate_linked(self, session: Session, linked: SubjectsLinked) -> None:
        """Newly linked allegations may complete a pattern: evaluate the rules for those people."""
        self.evaluate_people(session, linked.people)

    def evaluate_people(self, session: Session, person_ids: Collection[uuid.UUID]) -> None:
        """Evaluate the pack's rules for these people now (a new allegation names them)."""
        try:
            policy = self.policy
        except NotFound:
            return  # no default pack installed: a report must still be received; the scan will say so
        if not policy.early_intervention or not person_ids:
            return
        session.flush()
        people = set(person_ids)
        inputs = self._inputs(session, policy, people)
        rows = session.execute(
            select(*FACT_COLUMNS).where(Allegation.person_id.in_(people)).order_by(Allegation.person_id)
        ).all()
        self._run(session, policy, rows, inputs, "new allegation")

    # --- use cases ----------------------------------------------------------------------------

    def scan(self) -> ScanResult:
        """Evaluate everyone with an allegation: one ordered pass over all allegations. Idempotent."""
        policy = self.policy
        with self._db.transaction() as session:
            inputs = self._inputs(session, policy, None)
            rows = session.execute(
                select(*FACT_COLUMNS).where(Allegation.person_id.is_not(None)).order_by(Allegation.person_id),
                execution_options={"yield_per": 20_000},
            )
            people, allegations, raised, grown = self._run(session, policy, rows, inputs, "scan")
            still_open = session.scalar(
                select(func.count())
                .select_from(InterventionFlag)
                .where(InterventionFlag.status == FlagStatus.OPEN)
            )
            result = ScanResult(people, allegations, raised, grown, int(still_open or 0))
            self._audit.record(
                session,
                Actor.system("intervention-scan"),
                "intervention.scan",
                "pack",
                policy.id,
                vars(result),
            )
            return result

    def flags(
        self,
        principal: StaffPrincipal,
        *,
        status: FlagStatus | None = FlagStatus.OPEN,
        person_id: uuid.UUID | None = None,
        search: str = "",
        rule_id: str = "",
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> paging.Page[FlagView]:
        """One page of the flags for the PSD and the overseer, newest first unless sorted otherwise
        (raised, person, rule, status); searched by the person's staff number, filtered by status,
        person and rule. The read is audited."""
        access.require(principal.roles, access.Action.VIEW_INTERVENTION_FLAGS)
        order = paging.parse_sort(sort, FLAG_SORTS, FLAG_DEFAULT_SORT)
        size = paging.parse_limit(limit)
        text = search.strip()
        if len(text) > 80 or len(rule_id) > 80:
            raise InvalidInput(
                "Search for a staff number of at most 80 characters.", fields={"q": "too long"}
            )
        keys: dict[str, list[listing.KeyColumn]] = {
            "raised": [InterventionFlag.raised_at],
            "person": [Person.staff_number],
            "rule": [InterventionFlag.rule_title],
            "status": [InterventionFlag.status],
        }
        with self._db.transaction() as session:
            query = select(InterventionFlag).join(Person, Person.id == InterventionFlag.person_id)
            if status is not None:
                query = query.where(InterventionFlag.status == status)
            if person_id is not None:
                query = query.where(InterventionFlag.person_id == person_id)
            if rule_id:
                query = query.where(InterventionFlag.rule_id == rule_id)
            if text:
                query = query.where(func.lower(Person.staff_number) == text.lower())
            found = listing.page(
                session,
                query,
                [*keys[order.column], InterventionFlag.id],
                order,
                cursor,
                size,
                lambda row: row.InterventionFlag,
            )
            views = flag_views(session, self.policy, found.items)
            self._audit.record(
                session,
                principal.actor,
                "intervention_flags.read",
                "person" if person_id else "intervention_flags",
                person_id or "all",
                {"flags": len(views), "status": status.value if status else "all"},
            )
            return paging.Page(views, found.total, found.next_cursor, found.sort, found.limit)

    def respond(self, principal: StaffPrincipal, flag_id: uuid.UUID, decision: str, reasons: str) -> FlagView:
        """A decision maker's response to a flag: what was decided and why. It closes this flag only;
        a later pattern under the same rule raises a new one."""
        access.require(principal.roles, access.Action.RESPOND_TO_INTERVENTION_FLAG)
        try:
            chosen = FlagDecision(decision)
        except ValueError as error:
            raise InvalidInput(
                "Choose what was decided: " + "; ".join(DECISION_LABELS.values()) + ".",
                fields={"decision": "not one of the choices"},
            ) from error
        if len(reasons.strip()) < MIN_REASONS:
            raise InvalidInput(
                "Give the reasons for the decision, in a sentence at least: they are kept with the flag.",
                fields={"reasons": "too short"},
            )
        with self._db.transaction() as session:
            flag = session.get(InterventionFlag, flag_id)
            if flag is None:
                raise NotFound("There is no such flag.")
            if flag.status is not FlagStatus.OPEN:
                raise Conflict("This flag has already been answered; a new pattern raises a new flag.")
            flag.status = FlagStatus.ANSWERED
            flag.decision = chosen
            flag.reasons = reasons.strip()
            flag.responded_by_id = principal.user_id
            flag.responded_at = self._clock()
            self._audit.record(
                session,
                principal.actor,
                "intervention_flag.answered",
                "person",
                flag.person_id,
                {"flag": str(flag.id), "rule": flag.rule_id, "decision": chosen.value},
            )
            session.flush()
            return flag_views(session, self.policy, [flag])[0]

    # --- the work -----------------------------------------------------------------------------

    def _inputs(self, session: Session, policy: Policy, people: set[uuid.UUID] | None) -> _Inputs:
        def only(column: InstrumentedAttribute[uuid.UUID]) -> list[ColumnElement[bool]]:
            return [] if people is None else [column.in_(people)]

        complainants: dict[uuid.UUID, str] = {}
        query = select(Complainant.complaint_id, Complainant.person_id).where(
            Complainant.person_id.is_not(None)
        )
        if people is not None:
            query = query.where(
                Complainant.complaint_id.in_(
                    select(Allegation.complaint_id).where(Allegation.person_id.in_(people))
                )
            )
        for complaint_id, complainant in session.execute(query):
            key = str(complainant)
            complainants[complaint_id] = min(key, complainants.get(complaint_id, key))
        restrictions: dict[uuid.UUID, list[RestrictionPeriod]] = defaultdict(list)
        for person_id, kind, starts_on, ended_on in session.execute(
            select(
                Restriction.person_id, Restriction.kind, Restriction.starts_on, Restriction.ended_on
            ).where(*only(Restriction.person_id))
        ):
            restrictions[person_id].append(RestrictionPeriod(str(kind), starts_on, ended_on))
        peer_rules = [rule for rule in policy.early_intervention if rule.kind == "peer_rate"]
        units: dict[uuid.UUID, uuid.UUID | None] = {}
        unit_people: dict[uuid.UUID, int] = {}
        unit_allegations: dict[str, dict[uuid.UUID, int]] = {}
        if peer_rules:
            units = dict(session.execute(select(Person.id, Person.unit_id).where(*only(Person.id))).all())
            wanted = {unit for unit in units.values() if unit is not None}
            counted = select(Person.unit_id, func.count()).where(Person.unit_id.is_not(None))
            if people is not None:
                counted = counted.where(Person.unit_id.in_(wanted))
            unit_people = {
                unit: count
                for unit, count in session.execute(counted.group_by(Person.unit_id))
                if unit is not None
            }
            for rule in peer_rules:
                unit_allegations[rule.id] = self._unit_allegations(
                    session, rule, None if people is None else wanted
                )
        known: dict[uuid.UUID, list[tuple[str, KnownFlag]]] = defaultdict(list)
        for flag_id, person_id, rule_id, status, ids in session.execute(
            select(
                InterventionFlag.id,
                InterventionFlag.person_id,
                InterventionFlag.rule_id,
                InterventionFlag.status,
                InterventionFlag.allegation_ids,
            ).where(*only(InterventionFlag.person_id))
        ):
            flag = KnownFlag(flag_id, status is FlagStatus.OPEN, frozenset(uuid.UUID(i) for i in ids))
            known[person_id].append((rule_id, flag))
        return _Inputs(complainants, restrictions, units, unit_people, unit_allegations, known)

    def _unit_allegations(
        self, session: Session, rule: InterventionRuleSpec, units: set[uuid.UUID] | None
    ) -> dict[uuid.UUID, int]:
        today = self._clock().date()
        query = (
            select(Person.unit_id, func.count())
            .select_from(Allegation)
            .join(Person, Person.id == Allegation.person_id)
            .where(Allegation.received_on.between(today - timedelta(days=rule.within_days - 1), today))
        )
        if rule.categories:
            query = query.where(Allegation.category.in_(rule.categories))
        if units is not None:
            query = query.where(Person.unit_id.in_(units))
        return {
            unit: count for unit, count in session.execute(query.group_by(Person.unit_id)) if unit is not None
        }

    def _peers(
        self,
        policy: Policy,
        inputs: _Inputs,
        person_id: uuid.UUID,
        facts: Sequence[AllegationFact],
        today: date,
    ) -> dict[str, PeerFigures]:
        unit = inputs.units.get(person_id)
        if unit is None:
            return {}
        figures = {}
        for rule in policy.early_intervention:
            if rule.kind != "peer_rate":
                continue
            since = today - timedelta(days=rule.within_days - 1)
            own = sum(
                1
                for fact in facts
                if fact.received_on is not None
                and since <= fact.received_on <= today
                and (not rule.categories or fact.category in rule.categories)
            )
            peers = inputs.unit_people.get(unit, 1) - 1
            figures[rule.id] = PeerFigures(peers, inputs.unit_allegations[rule.id].get(unit, 0) - own)
        return figures

    def _run(
        self,
        session: Session,
        policy: Policy,
        rows: Iterable[Sequence[object]],
        inputs: _Inputs,
        raised_by: str,
    ) -> tuple[int, int, int, int]:
        """Evaluate person by person (``rows`` ordered by person), then write what changed."""
        now = self._clock()
        today = now.date()
        titles = {rule.id: rule.title for rule in policy.early_intervention}
        changes = []
        people = allegations = 0
        for person_id, group in groupby(rows, key=lambda row: row[1]):
            facts = list(self._facts(group, inputs.complainants))
            people, allegations = people + 1, allegations + len(facts)
            assert isinstance(person_id, uuid.UUID)
            triggered = evaluate(
                policy.early_intervention,
                facts,
                inputs.restrictions.get(person_id, ()),
                self._peers(policy, inputs, person_id, facts, today),
                today,
            )
            for found in triggered:
                known = [
                    flag for rule_id, flag in inputs.known.get(person_id, ()) if rule_id == found.rule_id
                ]
                change = reconcile(found, known)
                if change is not None:
                    changes.append((person_id, change))
        raised = grown = 0
        raised_ids: list[uuid.UUID] = []
        for person_id, change in changes:
            ids = [str(i) for i in change.allegation_ids]
            if change.raise_new:
                flag = InterventionFlag(
                    id=uuid.uuid4(),
                    person_id=person_id,
                    rule_id=change.rule_id,
                    rule_title=titles[change.rule_id],
                    pack_id=policy.id,
                    pack_version=policy.version,
                    raised_at=now,
                    raised_by=raised_by,
                    allegation_ids=ids,
                    detail=change.detail,
                    status=FlagStatus.OPEN,
                )
                session.add(flag)
                raised += 1
                raised_ids.append(flag.id)
                action, flag_id = "intervention_flag.raised", flag.id
            else:
                existing = session.get_one(InterventionFlag, change.flag_id)
                existing.allegation_ids, existing.detail = ids, change.detail
                grown += 1
                action, flag_id = "intervention_flag.grown", existing.id
            self._audit.record(
                session,
                Actor.system(f"early-intervention ({raised_by})"),
                action,
                "person",
                person_id,
                {"flag": str(flag_id), "rule": change.rule_id, "allegations": len(ids)},
                at=now,
            )
        if raised_ids:
            # Decision makers are told flags wait for their response (services.py lists who acts).
            self._events.publish(session, InterventionFlagsRaised(tuple(raised_ids)))
        return people, allegations, raised, grown

    @staticmethod
    def _facts(
        rows: Iterable[Sequence[object]], complainants: dict[uuid.UUID, str]
    ) -> Iterator[AllegationFact]:
        for allegation_id, _person, category, received_on, complaint_id in rows:
            assert isinstance(allegation_id, uuid.UUID)
            assert isinstance(complaint_id, uuid.UUID)
            yield AllegationFact(
                allegation_id,
                str(category),
                received_on if isinstance(received_on, date) else None,
                complaint_id,
                complainants.get(complaint_id, f"complaint:{complaint_id}"),
            )
