"""Notifications: written in the transaction of their cause, sent by a worker, never with content.

The outbox (``notifications``) is Upstander's own table, so it works the same on SQLite and
PostgreSQL: a subscriber of a domain event writes the rows in the cause's session, and on
PostgreSQL the delivery job is deferred in that same session (``queue.py``). A rolled-back cause
leaves no row and no job; a committed one leaves both. A worker claims a row with a conditional
UPDATE that takes a lease (``claimed_until``): two workers never both send one, and a worker
killed mid-send lets the lease run out, after which the sweep sends the row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.models import Role, User, UserRole
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.dashboard import DashboardService
from upstander.cases.events import CaseAssigned, CaseStepTaken
from upstander.cases.models import Case
from upstander.db import Database, utcnow
from upstander.notify import rules
from upstander.notify.mail import Mailer
from upstander.notify.models import Delivery, Notification, NotificationChoice
from upstander.notify.queue import DeliveryQueue
from upstander.patterns.events import InterventionFlagsRaised
from upstander.reports import rules as report_rules
from upstander.reports.events import ReporterAddedInformation, ReportStored
from upstander.reports.models import Report
from upstander.safeguarding.events import DetrimentAlertRaised
from upstander.safeguarding.register.service import DueList

log = logging.getLogger("upstander.notify")

LOCAL_ZONE = ZoneInfo("Europe/London")
# Handlers receive reports (the intake team); the overseer reads them too, but is told of other things.
INTAKE_TEAM = frozenset({Role.HANDLER})
OVERSEERS = frozenset({Role.OVERSEER})
# Those who answer a flag, and those who may read a detriment alert (the overseer and the custodian).
FLAG_RESPONDERS = access.PERMISSIONS[access.Action.RESPOND_TO_INTERVENTION_FLAG]
DETRIMENT_READERS = access.PERMISSIONS[access.Action.VIEW_DETRIMENT_ALERTS]
SWEEP_BATCH = 200


@dataclass(frozen=True)
class Choice:
    address: str | None
    mode: str


@dataclass(frozen=True)
class DueCheck:
    written: int


class NotifyService:
    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        queue: DeliveryQueue,
        mailer: Mailer | None,
        dashboard: DashboardService,
        base_url: str,
        lease: timedelta,
        retention: timedelta,
        clock: Callable[[], datetime] = utcnow,
        restrictions_due: Callable[[], DueList] | None = None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._queue = queue
        self._mailer = mailer
        self._dashboard = dashboard
        self._base_url = base_url
        self._lease = lease
        self._retention = retention
        self._clock = clock
        self._restrictions_due = restrictions_due
        self._said_no_mail_server = False

    # --- subscribers: in the cause's transaction ------------------------------------------

    def on_report_stored(self, session: Session, event: ReportStored) -> None:
        due = report_rules.acknowledgement_due(event.report.received_at).astimezone(LOCAL_ZONE).date()
        team = _holders(session, INTAKE_TEAM)
        self.write(session, team, rules.Kind.NEW_REPORT, rules.report_link(event.report.id), due, unique=True)

    def on_reporter_added(self, session: Session, event: ReporterAddedInformation) -> None:
        report = event.report
        handler = (
            session.scalar(select(Case.handler_id).where(Case.id == report.case_id))
            if report.case_id
            else None
        )
        recipients = [handler] if handler else _holders(session, INTAKE_TEAM)
        link = rules.case_link(report.case_id) if handler and report.case_id else rules.report_link(report.id)
        self.write(session, recipients, rules.Kind.REPORTER_ADDED_INFORMATION, link, None, unique=True)

    def on_case_assigned(self, session: Session, event: CaseAssigned) -> None:
        recipients = rules.everyone([[event.handler_id]], leaving_out=event.principal.user_id)
        self.write(
            session, recipients, rules.Kind.CASE_ASSIGNED, rules.case_link(event.case.id), None, unique=True
        )

    def on_flags_raised(self, session: Session, _event: InterventionFlagsRaised) -> None:
        """One message for the flags of one evaluation: a scan that raises many tells each person once."""
        recipients = _holders(session, FLAG_RESPONDERS)
        self.write(
            session,
            recipients,
            rules.Kind.INTERVENTION_FLAG_RAISED,
            rules.INTERVENTION_FLAGS_PAGE,
            None,
            unique=True,
        )

    def on_detriment_alert(self, session: Session, _event: DetrimentAlertRaised) -> None:
        recipients = _holders(session, DETRIMENT_READERS)
        self.write(
            session, recipients, rules.Kind.DETRIMENT_ALERT, rules.DETRIMENT_ALERTS_PAGE, None, unique=True
        )

    def on_case_step(self, session: Session, event: CaseStepTaken) -> None:
        """A referral or a review request to the overseer; a direction to the case's handler."""
        notice = rules.step_notice(event.kind)
        if notice is None:
            return
        if notice.to is rules.Audience.OVERSEER:
            people = _holders(session, OVERSEERS)
        else:
            people = [event.case.handler_id] if event.case.handler_id else []
        recipients = rules.everyone([people], leaving_out=event.actor_id)
        self.write(session, recipients, notice.kind, rules.case_link(event.case.id), None, unique=True)

    def write(
        self,
        session: Session,
        recipients: Sequence[uuid.UUID],
        kind: rules.Kind,
        link: str,
        due_on: date | None,
        *,
        unique: bool = False,
    ) -> list[uuid.UUID]:
        """Write one notification per person (once per reminder), and defer the sending of those
        not kept for a digest. ``unique`` marks a notification of an event, each one its own."""
        rules.sentence(kind, due_on)  # a kind that needs a date and has none fails here, not in the worker
        rules.check_link(link)
        if not recipients:
            return []
        now = self._clock()
        key = rules.dedupe_key(kind, link, due_on) + (f":{uuid.uuid4()}" if unique else "")
        already = set(
            session.scalars(
                select(Notification.recipient_id).where(
                    Notification.recipient_id.in_(recipients), Notification.dedupe_key == key
                )
            )
        )
        digest = set(
            session.scalars(
                select(NotificationChoice.user_id).where(
                    NotificationChoice.user_id.in_(recipients), NotificationChoice.daily_digest.is_(True)
                )
            )
        )
        immediate = []
        for person in recipients:
            if person in already:
                continue
            row = Notification(
                id=uuid.uuid4(),
                recipient_id=person,
                kind=kind.value,
                link=link,
                due_on=due_on,
                dedupe_key=key,
                created_at=now,
                delivery=Delivery.DIGEST if person in digest else Delivery.PENDING,
            )
            session.add(row)
            if person not in digest:
                immediate.append(row.id)
        session.flush()
        self._queue.defer_in(session, immediate)
        return immediate

    # --- the worker's side ----------------------------------------------------------------

    def deliver(self, notification_id: uuid.UUID) -> bool:
        """Send one notification if nobody else has or is; True when this call sent or held it."""
        now = self._clock()
        with self._db.transaction() as session:
            claimed = session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.delivery == Delivery.PENDING,
                    or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
                )
                .values(claimed_until=now + self._lease, attempts=Notification.attempts + 1)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return False
            row = session.get_one(Notification, notification_id)
            address = session.scalar(
                select(NotificationChoice.address).where(NotificationChoice.user_id == row.recipient_id)
            )
            item = rules.Item(rules.Kind(row.kind), row.link, row.due_on, row.created_at)
            recipient = row.recipient_id
        message = rules.immediate_message(item, self._base_url)
        outcome = self._send(recipient, address, message)
        with self._db.transaction() as session:
            session.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(delivery=outcome, sent_at=self._clock() if outcome == Delivery.SENT else None)
            )
        return True

    def _send(self, recipient: uuid.UUID, address: str | None, message: rules.Message) -> Delivery:
        if self._mailer is None:
            # Said once a process, not once a notification: a demo start would fill the log.
            if not self._said_no_mail_server:
                log.warning("Notifications are held, not sent: no mail server is set (UPSTANDER_SMTP_HOST)")
                self._said_no_mail_server = True
            return Delivery.HELD
        if address is None:
            log.warning("A notification is held: user %s has no notification address", recipient)
            return Delivery.HELD
        self._mailer.send(address, message)
        return Delivery.SENT

    def sweep(self) -> int:
        """Send every notification waiting and unclaimed (or whose worker's lease ran out)."""
        now = self._clock()
        with self._db.transaction() as session:
            waiting = list(
                session.scalars(
                    select(Notification.id)
                    .where(
                        Notification.delivery == Delivery.PENDING,
                        or_(Notification.claimed_until.is_(None), Notification.claimed_until < now),
                    )
                    .order_by(Notification.created_at)
                    .limit(SWEEP_BATCH)
                )
            )
        return sum(self.deliver(notification_id) for notification_id in waiting)

    def send_digests(self) -> int:
        """One message to each person who chose a daily digest, listing what waits for them."""
        with self._db.transaction() as session:
            people = list(
                session.scalars(
                    select(Notification.recipient_id)
                    .where(Notification.delivery == Delivery.DIGEST)
                    .distinct()
                )
            )
        return sum(self._send_digest(person) for person in people)

    def _send_digest(self, person: uuid.UUID) -> bool:
        with self._db.transaction() as session:
            rows = list(
                session.scalars(
                    select(Notification)
                    .where(Notification.recipient_id == person, Notification.delivery == Delivery.DIGEST)
                    .with_for_update(skip_locked=True)
                )
            )
            if not rows:
                return False
            address = session.scalar(
                select(NotificationChoice.address).where(NotificationChoice.user_id == person)
            )
            items = [rules.Item(rules.Kind(r.kind), r.link, r.due_on, r.created_at) for r in rows]
            outcome = self._send(person, address, rules.digest_message(items, self._base_url))
            now = self._clock()
            for row in rows:
                row.delivery = outcome
                row.sent_at = now if outcome == Delivery.SENT else None
        return True

    # --- periodic checks ------------------------------------------------------------------

    def check_due_work(self) -> DueCheck:
        """The daily check: acknowledgements and case steps due tomorrow or overdue, to whom they fall."""
        today = self._clock().astimezone(LOCAL_ZONE).date()
        written = 0
        board = self._dashboard.everything()
        restrictions = self._restrictions_due() if self._restrictions_due else None
        with self._db.transaction() as session:
            team = _holders(session, INTAKE_TEAM)
            waiting = session.execute(
                select(Report.id, Report.received_at, Report.case_id, Case.handler_id)
                .outerjoin(Case, Case.id == Report.case_id)
                .where(Report.acknowledged_at.is_(None))
            ).all()
            for report_id, received_at, case_id, handler_id in waiting:
                due = report_rules.acknowledgement_due(received_at).astimezone(LOCAL_ZONE).date()
                tomorrow, overdue = rules.reminder(due, today)
                if not (tomorrow or overdue):
                    continue
                kind = (
                    rules.Kind.ACKNOWLEDGEMENT_OVERDUE if overdue else rules.Kind.ACKNOWLEDGEMENT_DUE_TOMORROW
                )
                people = [handler_id] if handler_id else team
                link = rules.case_link(case_id) if handler_id and case_id else rules.report_link(report_id)
                written += len(self.write(session, people, kind, link, due))
            for line in board.cases:
                if not line.is_open or line.handler_id is None:
                    continue
                for duty in line.overdue + line.due_this_week:
                    tomorrow, overdue = rules.reminder(duty.due_on, today)
                    if tomorrow or overdue:
                        kind = rules.Kind.STEP_OVERDUE if overdue else rules.Kind.STEP_DUE_TOMORROW
                        link = rules.case_link(line.case_id)
                        written += len(self.write(session, [line.handler_id], kind, link, duty.due_on))
            if restrictions is not None:
                written += self._restriction_reviews(session, restrictions, today)
        return DueCheck(written)

    def _restriction_reviews(self, session: Session, listed: DueList, today: date) -> int:
        """Reviews of suspensions and restricted duties, to those who may record them (reg. 11)."""
        people = _holders(session, access.PERMISSIONS[access.Action.RECORD_RESTRICTED_DUTIES])
        written = 0
        for entry in listed.overdue + listed.due_soon:
            tomorrow, overdue = rules.reminder(entry.review_due, today)
            if tomorrow or overdue:
                kind = (
                    rules.Kind.RESTRICTION_REVIEW_OVERDUE
                    if overdue
                    else rules.Kind.RESTRICTION_REVIEW_DUE_TOMORROW
                )
                written += len(self.write(session, people, kind, rules.RESTRICTIONS_PAGE, entry.review_due))
        return written

    def prune(self) -> int:
        """Retention: sent and held notifications go once they are older than the retention period."""
        before = self._clock() - self._retention
        with self._db.transaction() as session:
            done = session.execute(
                delete(Notification).where(
                    Notification.delivery.in_([Delivery.SENT, Delivery.HELD]),
                    Notification.created_at < before,
                )
            )
            return int(done.rowcount)  # type: ignore[attr-defined]

    # --- each person's choice -------------------------------------------------------------

    def choice(self, principal: StaffPrincipal) -> Choice:
        with self._db.transaction() as session:
            row = session.get(NotificationChoice, principal.user_id)
            return (
                Choice(row.address, "daily" if row.daily_digest else "immediate")
                if row
                else Choice(None, "immediate")
            )

    def choose(self, principal: StaffPrincipal, address: str, mode: str) -> Choice:
        """Where this person's notifications go, and whether at once or in a daily digest."""
        address, daily = rules.validate_choice(address, mode)
        now = self._clock()
        with self._db.transaction() as session:
            row = session.get(NotificationChoice, principal.user_id, with_for_update=True)
            if row is None:
                row = NotificationChoice(
                    user_id=principal.user_id, address=address, daily_digest=daily, updated_at=now
                )
                session.add(row)
            else:
                row.address, row.daily_digest, row.updated_at = address, daily, now
            if not daily:
                # What was kept for a digest goes now, rather than never.
                kept = list(
                    session.scalars(
                        select(Notification.id).where(
                            Notification.recipient_id == principal.user_id,
                            Notification.delivery == Delivery.DIGEST,
                        )
                    )
                )
                session.execute(
                    update(Notification).where(Notification.id.in_(kept)).values(delivery=Delivery.PENDING)
                )
                self._queue.defer_in(session, kept)
            self._audit.record(
                session, principal.actor, "notifications.chosen", "user", principal.user_id, {"mode": mode}
            )
        return Choice(address, mode)


def _holders(session: Session, roles: frozenset[Role]) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_(list(roles)), User.active.is_(True))
            .distinct()
            .order_by(User.id)
        )
    )
