"""The detriment watch: HR decisions about someone who reported, within a window after their report,
raise an alert that only the overseer and the custodian can read.

How the system knows "this person reported on day D" without telling HR: a watch entry holds a keyed
hash (HMAC-SHA256 under the server's detriment key) of the person's id and the day, and the person's
name and the report's reference sealed to the detriment-watch key, which only overseers and
custodians hold. An HR decision about person P computes the same hash and looks for a watch; a match
within the window adds an alert sealed to the same key. HR, and whoever made the change, get the
same answer, the same audit entry and (as near as we can make it) the same work either way: the
alert's contents are sealed whether or not there is a match. See THREAT_MODEL.md.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts import org_keys
from upstander.accounts.org_keys import WATCH_KEY, WATCH_KEY_HOLDERS
from upstander.accounts.service import StaffPrincipal, users_with_roles
from upstander.audit.service import AuditLog
from upstander.db import Database, utcnow
from upstander.errors import InvalidInput, NotAllowed, NotFound
from upstander.events import Events
from upstander.org.models import Person
from upstander.org.people import find_person
from upstander.reports.events import ReportStored
from upstander.reports.models import Report
from upstander.safeguarding.events import DetrimentAlertRaised
from upstander.safeguarding.models import DetrimentAlert, DetrimentWatch, HrEvent, HrEventKind
from upstander.safeguarding.register import rules

LOCAL_ZONE = ZoneInfo("Europe/London")
MAX_DETAILS = 2000
KIND_LABELS = {
    HrEventKind.POSTING_CHANGE: "posting change",
    HrEventKind.DISCIPLINARY_ACTION: "disciplinary action",
    HrEventKind.PERFORMANCE_RATING: "performance rating",
    HrEventKind.PROMOTION_REFUSED: "promotion refused",
    HrEventKind.TRAINING_REFUSED: "training refused",
}


class DetrimentWatcher:
    """Starts watches and checks HR decisions against them, inside the caller's transaction."""

    def __init__(self, tag_key: bytes, window_days: int, events: Events | None = None) -> None:
        self._key = tag_key
        self.window_days = window_days
        self._events = events or Events()

    def tag(self, person_id: uuid.UUID) -> str:
        return crypto.mac(self._key, b"person:" + person_id.bytes)

    def watch_reporter(self, session: Session, stored: ReportStored) -> None:
        """A named reporter who gave a staff number that is a staff record is watched for detriment
        from the day of the report; the watch names them only under seal."""
        if stored.reporter_staff_number is None:
            return
        person = staff_person(session, stored.reporter_staff_number)
        if person is not None:
            report = stored.report
            self.watch(session, person, report.received_at.astimezone(LOCAL_ZONE).date(), report.reference)

    def watch(self, session: Session, person: Person, reported_on: date, report_reference: str) -> bool:
        """Start watching for detriment to ``person``, who reported on ``reported_on``. False when no
        overseer or custodian exists to hold the key (nobody could read an alert)."""
        public = _watch_public_key(session)
        if public is None:
            return False
        sealed = crypto.seal(
            public,
            _to_json(
                {
                    "person_id": str(person.id),
                    "staff_number": person.staff_number,
                    "name": person.full_name,
                    "report_reference": report_reference,
                    "reported_on": reported_on.isoformat(),
                }
            ),
        )
        session.add(
            DetrimentWatch(person_tag=self.tag(person.id), reported_on=reported_on, sealed_reporter=sealed)
        )
        return True

    def check(
        self,
        session: Session,
        person: Person,
        kind: HrEventKind,
        occurred_on: date,
        changed_by: str,
        what: str,
    ) -> None:
        """Raise an alert if ``person`` is a watched reporter and the decision falls within the window
        (``rules.within_window``). Returns nothing, so no caller can tell HR what happened."""
        public = org_keys.org_public_key(session, WATCH_KEY)
        if public is None:
            return
        details = crypto.seal(
            public,
            _to_json(
                {
                    "person_id": str(person.id),
                    "staff_number": person.staff_number,
                    "name": person.full_name,
                    "kind": kind.value,
                    "occurred_on": occurred_on.isoformat(),
                    "changed_by": changed_by,
                    "what": what,
                }
            ),
        )
        watches = session.scalars(
            select(DetrimentWatch)
            .where(DetrimentWatch.person_tag == self.tag(person.id))
            .order_by(DetrimentWatch.reported_on.desc())
        )
        for found in watches:
            if rules.within_window(found.reported_on, occurred_on, self.window_days):
                alert = DetrimentAlert(id=uuid.uuid4(), watch_id=found.id, sealed_details=details)
                session.add(alert)
                # The overseer and the custodian are told an alert waits (services.py lists who acts).
                self._events.publish(session, DetrimentAlertRaised(alert.id))
                return

    def check_many(
        self, session: Session, moves: list[tuple[uuid.UUID, str]], occurred_on: date, changed_by: str
    ) -> None:
        """``check`` for the people a roster import moved: the watched tags are read once, and only the
        people among them are loaded."""
        if not moves or org_keys.org_public_key(session, WATCH_KEY) is None:
            return
        watched = set(session.scalars(select(DetrimentWatch.person_tag)))
        for person_id, what in moves:
            if self.tag(person_id) in watched:
                person = session.get(Person, person_id)
                if person is not None:
                    self.check(session, person, HrEventKind.POSTING_CHANGE, occurred_on, changed_by, what)


def _watch_public_key(session: Session) -> bytes | None:
    public = org_keys.org_public_key(session, WATCH_KEY)
    if public is not None:
        return public
    holders = users_with_roles(session, WATCH_KEY_HOLDERS)
    if not holders:
        return None
    return org_keys.create_org_key(session, WATCH_KEY, holders)


def _to_json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True).encode()


def staff_person(session: Session, staff_number: str) -> Person | None:
    """The staff record with this number (as the reporter typed it), if there is exactly one."""
    number = staff_number.strip().upper()
    if not number:
        return None
    found = list(session.scalars(select(Person).where(func.upper(Person.staff_number) == number).limit(2)))
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class HrEventView:
    """What HR is told about an event it recorded: the same for every person."""

    id: uuid.UUID
    staff_number: str
    kind: HrEventKind
    occurred_on: date
    recorded_at: datetime


@dataclass(frozen=True)
class AlertView:
    id: uuid.UUID
    staff_number: str
    name: str
    kind: str
    occurred_on: date
    changed_by: str
    what: str
    report_reference: str
    reported_on: date

    @property
    def days_after_report(self) -> int:
        return (self.occurred_on - self.reported_on).days


class DetrimentService:
    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        watcher: DetrimentWatcher,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._audit = audit
        self._watcher = watcher
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(LOCAL_ZONE).date()

    def record_event(
        self,
        principal: StaffPrincipal,
        person: uuid.UUID | str,
        kind: HrEventKind | str,
        occurred_on: date | None,
        details: str,
    ) -> HrEventView:
        """HR records a decision about a person (by id or staff number): a disciplinary action, a
        performance rating, a refused promotion or training, or a posting change made elsewhere. The
        answer and the audit entry are the same whether or not the person is a watched reporter."""
        access.require(principal.roles, access.Action.RECORD_HR_EVENT)
        try:
            chosen = HrEventKind(kind)
        except ValueError as error:
            raise InvalidInput(
                f"The kind of decision is one of: {', '.join(k.value for k in HrEventKind)}.",
                fields={"kind": "unknown"},
            ) from error
        text = " ".join(details.split())
        if not text or len(text) > MAX_DETAILS:
            raise InvalidInput(
                f"Say what was decided (1 to {MAX_DETAILS} characters).", fields={"details": "length"}
            )
        today = self.today()
        day = rules.check_event_day(occurred_on or today, today)
        now = self._clock()
        with self._db.transaction() as session:
            subject = find_person(session, person, "person")
            event = HrEvent(
                person_id=subject.id,
                kind=chosen,
                occurred_on=day,
                details=text,
                recorded_by_id=principal.user_id,
                recorded_at=now,
            )
            session.add(event)
            session.flush()
            self._watcher.check(session, subject, chosen, day, principal.display_name, text)
            self._audit.record(
                session,
                principal.actor,
                "hr_event.recorded",
                "hr_event",
                event.id,
                {"staff_number": subject.staff_number, "kind": chosen.value, "occurred_on": day},
                at=now,
            )
            return HrEventView(event.id, subject.staff_number, chosen, day, now)

    def watch_reporter(
        self, principal: StaffPrincipal, report_id: uuid.UUID, person: uuid.UUID | str
    ) -> None:
        """The custodian, who alone can read a named reporter's identity, records that the reporter of
        a report is this member of staff, so that HR decisions about them are watched from the day
        of the report. (A report whose reporter gave a matching staff number is watched already.)"""
        access.require(principal.roles, access.Action.DISCLOSE_IDENTITY)
        if not str(person).strip():
            raise InvalidInput(
                "Say which member of staff reported: a staff number or a person id.",
                fields={"person": "required"},
            )
        with self._db.transaction() as session:
            report = session.get(Report, report_id)
            if report is None or report.sealed_identity is None:
                raise NotFound("There is no held identity for that report.")
            subject = find_person(session, person, "person")
            reported_on = report.received_at.astimezone(LOCAL_ZONE).date()
            if not self._watcher.watch(session, subject, reported_on, report.reference):
                raise NotFound("Nobody holds the detriment-watch key yet: appoint an overseer or custodian.")
            self._audit.record(session, principal.actor, "detriment_watch.started", "report", report.id, {})

    def alerts(self, principal: StaffPrincipal) -> list[AlertView]:
        """Every detriment alert, newest event first, opened with the detriment-watch key (overseer and
        custodian)."""
        access.require(principal.roles, access.Action.VIEW_DETRIMENT_ALERTS)
        with self._db.transaction() as session:
            rows = list(session.execute(select(DetrimentAlert, DetrimentWatch).join(DetrimentWatch)))
            key = self._key(session, principal) if rows else b""
            found = []
            for alert, watch in rows:
                event = json.loads(crypto.unseal(key, alert.sealed_details))
                reporter = json.loads(crypto.unseal(key, watch.sealed_reporter))
                found.append(
                    AlertView(
                        id=alert.id,
                        staff_number=event["staff_number"],
                        name=event["name"],
                        kind=KIND_LABELS[HrEventKind(event["kind"])],
                        occurred_on=date.fromisoformat(event["occurred_on"]),
                        changed_by=event["changed_by"],
                        what=event["what"],
                        report_reference=reporter["report_reference"],
                        reported_on=date.fromisoformat(reporter["reported_on"]),
                    )
                )
            self._audit.record(
                session,
                principal.actor,
                "detriment_alerts.viewed",
                "detriment_alert",
                "*",
                {"count": len(found)},
            )
        return sorted(found, key=lambda alert: (alert.occurred_on, alert.staff_number), reverse=True)

    @staticmethod
    def _key(session: Session, principal: StaffPrincipal) -> bytes:
        try:
            return org_keys.org_private_key(session, WATCH_KEY, principal.user_id, principal.private_key)
        except NotAllowed as error:
            raise NotAllowed(
                "You do not hold the detriment-watch key: ask an overseer to share it with you.",
                code="no_detriment_key",
            ) from error
