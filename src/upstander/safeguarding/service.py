"""Separation orders and the posting service: every posting change passes the separation check.

Each use case is one transaction and writes its audit entry. The audit log never holds an order's
reasons or the reasons of an override (administrators can read the log; they read no case
content): it holds references, staff numbers and unit codes.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.db import Database, utcnow
from upstander.errors import Conflict, DomainError, InvalidInput, NotFound
from upstander.org.models import Person
from upstander.org.people import find_person, label
from upstander.safeguarding import rules, views
from upstander.safeguarding.detriment import DetrimentWatcher
from upstander.safeguarding.models import HrEventKind, Posting, PostingChange, PostingSource, SeparationOrder
from upstander.safeguarding.placements import LEFT, OrgIndex, Unit, orders_in_force, placements, rule_order
from upstander.safeguarding.register.rules import ends_with_case
from upstander.safeguarding.results import OrderView, OverrideView, PostingCheck, PostingResult, RosterReport
from upstander.safeguarding.roster import parse_roster
from upstander.safeguarding.roster_import import apply_roster

LOCAL_ZONE = ZoneInfo("Europe/London")
ALLOWED = "No separation order in force stops this posting."


class SafeguardingService:
    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        clock: Callable[[], datetime] = utcnow,
        watcher: DetrimentWatcher | None = None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock
        # Every posting change is checked against the detriment watch (detriment.py).
        self._watcher = watcher

    def today(self) -> date:
        return self._clock().astimezone(LOCAL_ZONE).date()

    # --- Separation orders ----------------------------------------------------------------------

    def make_order(
        self,
        principal: StaffPrincipal,
        person_a: uuid.UUID | str,
        person_b: uuid.UUID | str,
        reasons: str,
        end_condition: str,
        scope: Iterable[str],
        case_id: uuid.UUID | None = None,
        *,
        case_reference: str | None = None,
        ends_on: date | None = None,
    ) -> tuple[OrderView, list[str]]:
        """A handler or welfare officer separates two people (given by id or staff number) in a team,
        on shift, or both, with reasons and an end condition (``rules.check_new_order``). A pair has
        at most one order in force. Returns the order and, in plain words, how the two are already
        together today — the order stops new postings, it does not move anyone."""
        access.require(principal.roles, access.Action.MAKE_SEPARATION_ORDER)
        separations = rules.parse_separations(scope)
        now = self._clock()
        with self._db.transaction() as session:
            first = find_person(session, person_a, "person_a")
            second = find_person(session, person_b, "person_b")
            new = rules.check_new_order(
                first.id, second.id, separations, reasons, end_condition, ends_on, self.today()
            )
            case = views.find_case(session, case_id, case_reference)
            # Lock the two staff records: two orders for one pair made at once are made one by one.
            session.execute(
                select(Person.id).where(Person.id.in_([new.person_a_id, new.person_b_id])).with_for_update()
            )
            for existing in orders_in_force(session, self.today(), new.person_a_id):
                if new.person_b_id in {existing.person_a_id, existing.person_b_id}:
                    raise Conflict(
                        f"Separation order {existing.reference} between {label(first)} and "
                        f"{label(second)} is already in force; end it before making another.",
                        code="order_in_force",
                    )
            order = SeparationOrder(
                person_a_id=new.person_a_id,
                person_b_id=new.person_b_id,
                case_id=case.id if case else None,
                separate_teams=rules.Separation.TEAM in new.separations,
                separate_shifts=rules.Separation.SHIFT in new.separations,
                made_by_id=principal.user_id,
                made_at=now,
                reasons=new.reasons,
                end_condition=new.end_condition,
                ends_on=new.ends_on,
            )
            session.add(order)
            session.flush()
            together = views.together_today(session, OrgIndex(session), [order])
            self._audit.record(
                session,
                principal.actor,
                "separation_order.made",
                "separation_order",
                order.id,
                {
                    "reference": order.reference,
                    "people": sorted([first.staff_number, second.staff_number]),
                    "separations": sorted(s.value for s in new.separations),
                    "case_reference": case.reference if case else None,
                    # The condition is free text, sealed on the order; the log says only what it means.
                    "ends_with_case": ends_with_case(new.end_condition),
                    "ends_on": new.ends_on,
                    "together_today": len(together.get(order.id, ())),
                },
                at=now,
            )
            view = views.order_views(session, [order], together)[0]
        return view, list(view.together_today)

    def end_order(self, principal: StaffPrincipal, order_id: uuid.UUID, reason: str) -> OrderView:
        """A handler or welfare officer ends an order in force, with a reason; the order is kept."""
        access.require(principal.roles, access.Action.MAKE_SEPARATION_ORDER)
        text = rules.check_end_reason(reason)
        now = self._clock()
        with self._db.transaction() as session:
            order = session.get(SeparationOrder, order_id, with_for_update=True)
            if order is None:
                raise NotFound("There is no such separation order.")
            if not rules.in_force(order.ended_at, order.ends_on, self.today()):
                raise Conflict(f"Separation order {order.reference} is no longer in force.")
            order.ended_at, order.ended_by_id, order.end_reason = now, principal.user_id, text
            self._audit.record(
                session,
                principal.actor,
                "separation_order.ended",
                "separation_order",
                order.id,
                {"reference": order.reference},
                at=now,
            )
            return views.order_views(session, [order], {})[0]

    def orders(self, principal: StaffPrincipal) -> list[OrderView]:
        """The orders in force, newest first, each with how its two people are together today."""
        access.require(principal.roles, access.Action.READ_SEPARATION_ORDERS)
        with self._db.transaction() as session:
            found = orders_in_force(session, self.today())
            together = views.together_today(session, OrgIndex(session), found)
            self._audit.record(
                session,
                principal.actor,
                "separation_orders.listed",
                "separation_order",
                "*",
                {"count": len(found)},
            )
            return list(reversed(views.order_views(session, found, together)))

    # --- Postings -------------------------------------------------------------------------------

    def check_posting(
        self, principal: StaffPrincipal, person: uuid.UUID | str, unit: uuid.UUID | str, shift: str
    ) -> PostingCheck:
        """Would this posting be allowed? For a rostering or HR system to ask before it acts: the
        same check as ``change_posting``, and nothing but the audit entry of the question is written."""
        access.require(principal.roles, access.Action.CHANGE_POSTING)
        shift = rules.clean_shift(shift)
        with self._db.transaction() as session:
            moving, target, conflicts = self._conflicts(session, person, unit, shift, lock=False)
            refusal = (
                rules.refusal(conflicts, views.order_details(session, principal, conflicts))
                if conflicts
                else None
            )
            self._audit.record(
                session,
                principal.actor,
                "posting.checked",
                "person",
                moving.id,
                {
                    "staff_number": moving.staff_number,
                    "unit": target.code,
                    "shift": shift,
                    "orders": sorted(c.order.reference for c in conflicts),
                },
            )
        return PostingCheck(
            allowed=not conflicts,
            conflicts=tuple(c.reason for c in conflicts),
            message=refusal.detail if refusal else ALLOWED,
        )

    def change_posting(
        self,
        principal: StaffPrincipal,
        person: uuid.UUID | str,
        unit: uuid.UUID | str,
        shift: str,
        override_reasons: str | None = None,
    ) -> PostingResult:
        """Post a person (by id or staff number) to a team or unit (by id or code) on a shift pattern.

        Refused when it would break a separation order in force (``rules.conflicts_of``), unless a
        decision maker overrides with written reasons (``rules.check_override``); the override is
        audited and listed for the overseer. Refusals are audited too. A refusal says which order
        and which people; the case and the order's details only to those who may read orders."""
        access.require(principal.roles, access.Action.CHANGE_POSTING)
        shift = rules.clean_shift(shift)
        now = self._clock()
        with self._db.transaction() as session:
            moving, target, conflicts = self._conflicts(session, person, unit, shift, lock=True)
            current = session.get(Posting, moving.id)
            if current is not None and (current.unit_id, rules.normalise_shift(current.shift_pattern)) == (
                target.id,
                rules.normalise_shift(shift),
            ):
                return views.posting_result(moving, target.code, target.name, current, changed=False)
            details = {
                "staff_number": moving.staff_number,
                "from": views.unit_code(session, current.unit_id) if current else None,
                "from_shift": current.shift_pattern if current else None,
                "to": target.code,
                "to_shift": shift,
                "orders": sorted(c.order.reference for c in conflicts),
            }
            try:
                reasons = _override(session, principal, conflicts, override_reasons)
            except DomainError as error:
                # The refusal is recorded (this transaction commits it), then given to the caller.
                self._audit.record(
                    session,
                    principal.actor,
                    "posting.refused",
                    "person",
                    moving.id,
                    {**details, "why": error.code},
                )
                refused = error
            else:
                change = PostingChange(
                    person_id=moving.id,
                    from_unit_id=current.unit_id if current else moving.unit_id,
                    from_shift=current.shift_pattern if current else None,
                    to_unit_id=target.id,
                    to_shift=shift,
                    changed_at=now,
                    changed_by_id=principal.user_id,
                    source=PostingSource.CHANGE,
                    override=reasons is not None,
                    override_reasons=reasons,
                    decided_by_id=principal.user_id if reasons is not None else None,
                    overridden_order_ids=[str(c.order.id) for c in conflicts],
                )
                session.add(change)
                current = current or Posting(person_id=moving.id)
                current.unit_id, current.shift_pattern, current.since = target.id, shift, now
                current.set_by_id = principal.user_id
                session.add(current)
                moving.unit_id = target.id
                session.flush()
                if self._watcher is not None:
                    what = f"posted from {details['from'] or 'no posting'} to {target.code}, shift {shift}"
                    self._watcher.check(
                        session,
                        moving,
                        HrEventKind.POSTING_CHANGE,
                        self.today(),
                        principal.display_name,
                        what,
                    )
                action = "posting.overridden" if reasons is not None else "posting.changed"
                self._audit.record(
                    session, principal.actor, action, "posting_change", change.id, details, at=now
                )
                return views.posting_result(
                    moving,
                    target.code,
                    target.name,
                    current,
                    changed=True,
                    override=reasons is not None,
                    orders=tuple(sorted(c.order.reference for c in conflicts)),
                )
        raise refused

    def _conflicts(
        self, session: Session, person: uuid.UUID | str, unit: uuid.UUID | str, shift: str, *, lock: bool
    ) -> tuple[Person, Unit, list[rules.Conflict]]:
        moving = find_person(session, person, "person")
        if moving.employment_status in LEFT:
            raise InvalidInput(
                f"{label(moving)} has left ({moving.employment_status.value}) and cannot be posted.",
                fields={"person": "has left"},
            )
        org = OrgIndex(session)
        target = org.postable(unit)
        orders = [rule_order(order) for order in orders_in_force(session, self.today(), moving.id, lock=lock)]
        others = placements(session, org, {order.other(moving.id) or moving.id for order in orders})
        change = org.placement(moving.id, label(moving), target.id, shift)
        return moving, target, rules.conflicts_of(change, others, orders)

    def overrides(self, principal: StaffPrincipal) -> list[OverrideView]:
        """Every posting a decision maker let through despite a separation order, newest first,
        with the reasons and who decided — for the overseer."""
        access.require(principal.roles, access.Action.VIEW_OVERRIDES)
        with self._db.transaction() as session:
            changes = list(
                session.scalars(
                    select(PostingChange)
                    .where(PostingChange.override.is_(True))
                    .order_by(PostingChange.changed_at.desc(), PostingChange.id)
                )
            )
            self._audit.record(
                session,
                principal.actor,
                "posting.overrides_viewed",
                "posting_change",
                "*",
                {"count": len(changes)},
            )
            return views.override_views(session, changes)

    def import_roster(self, csv_path: Path, actor: Actor | None = None) -> RosterReport:
        """Record a roster file as the current postings and list every conflict with an order in
        force, and every row that could not be used (see ``roster_import``). One audit entry holds
        the file's SHA-256 and the counts."""
        try:
            data = Path(csv_path).read_bytes()
            text = data.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(
                f"The roster {str(csv_path)!r} could not be read as UTF-8 text: {error}.",
                fields={"roster": "unreadable"},
            ) from error
        parsed = parse_roster(io.StringIO(text, newline=""))
        now = self._clock()
        with self._db.transaction() as session:
            report = apply_roster(session, parsed, now, self.today(), self._watcher)
            self._audit.record(
                session,
                actor or Actor.system("roster-import"),
                "postings.imported",
                "roster",
                hashlib.sha256(data).hexdigest(),
                {
                    "file": Path(csv_path).name,
                    "rows": report.rows_read,
                    "changed": report.postings_changed,
                    "unchanged": report.postings_unchanged,
                    "problems": len(report.problems),
                    "conflicts": sorted({line.order_reference for line in report.conflicts}),
                },
                at=now,
            )
        return report


def _override(
    session: Session, principal: StaffPrincipal, conflicts: list[rules.Conflict], reasons: str | None
) -> str | None:
    """None when nothing is in the way; the override's reasons when a decision maker gave good ones;
    otherwise the refusal (``rules.refusal``, ``rules.check_override``)."""
    if not conflicts:
        return None
    if not (reasons or "").strip():
        raise rules.refusal(conflicts, views.order_details(session, principal, conflicts))
    return rules.check_override(principal.roles, reasons)
