"""Removing a reader: a member of staff who loses every reading role, or whose account is disabled,
cannot open what is written on their reports afterwards, even with a copy of the keys they held;
those still entitled read old and new alike (THREAT_MODEL.md, "Removing a reader")."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import staff as staff_helpers
from common.clock import FakeClock
from common.query_count import counting
from common.reports import named, submission
from common.staff import Staff
from upstander import crypto
from upstander.accounts.lifecycle import AccountLifecycle
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.cases.service import case_public_keys
from upstander.errors import NotAllowed
from upstander.reports import keys as keyring
from upstander.reports.models import Attachment, Message, Note, Report, ReportKeyGrant, RetiredReportKey
from upstander.reports.rotation import ReportKeyRotation
from upstander.reports.rules import FileInput
from upstander.reports.service import SubmissionResult
from upstander.services import Services

BEFORE = "The sergeant did it again before the handover."
AFTER = "Now he has been moved to my shift, after I reported him."
FILE_AFTER = FileInput("rota.txt", "text/plain", b"Rota: nights, with him, from Monday.")


@dataclass(frozen=True)
class Team:
    admin: staff_helpers.TestUser
    leaving: staff_helpers.TestUser
    staying: staff_helpers.TestUser
    overseer: staff_helpers.TestUser
    custodian: staff_helpers.TestUser


@pytest.fixture
def team(staff: Staff) -> Team:
    return Team(
        admin=staff.user("admin", [Role.ADMIN]),
        leaving=staff.handler("leaving"),
        staying=staff.handler("staying"),
        overseer=staff.overseer(),
        custodian=staff.user("custodian", [Role.CUSTODIAN]),
    )


def old_key_copy(
    services: Services, staff: Staff, user: staff_helpers.TestUser, report_id: uuid.UUID
) -> bytes:
    """The report key as the reader could open it before the removal (what they may have kept)."""
    principal = staff.principal(user)
    with services.database.transaction() as session:
        report = session.get_one(Report, report_id)
        return keyring.report_private_key(session, report, principal.user_id, principal.private_key)


def sealed_items_after(
    services: Services, report_id: uuid.UUID, since: datetime
) -> list[tuple[str, int, bytes]]:
    """Every item sealed to the report key at or after `since`: (what, key version, ciphertext)."""
    with services.database.transaction() as session:
        items = [
            ("message", row.key_version, row.sealed_for_report)
            for row in session.scalars(
                select(Message).where(Message.report_id == report_id, Message.sent_at >= since)
            )
        ]
        items += [
            ("note", row.key_version, row.sealed)
            for row in session.scalars(
                select(Note).where(Note.report_id == report_id, Note.written_at >= since)
            )
        ]
        items += [
            ("file", row.key_version, row.sealed_key_for_report)
            for row in session.scalars(
                select(Attachment).where(Attachment.report_id == report_id, Attachment.uploaded_at >= since)
            )
        ]
        report = session.get_one(Report, report_id)
        assert report.disclosed_identity is not None
        items.append(("identity", report.disclosed_identity_key_version, report.disclosed_identity))
        return items


def remove_reading(how: str, services: Services, staff: Staff, team: Team) -> None:
    admin = staff.principal(team.admin)
    if how == "roles":
        services.lifecycle.set_roles(
            admin, team.leaving.user_id, [Role.ANALYST], "Moved to the analysis unit."
        )
    else:
        services.lifecycle.disable(admin, team.leaving.user_id, "Left the force.")


def write_after_the_removal(
    services: Services, staff: Staff, team: Team, receipt_key: str, report_id: uuid.UUID
) -> None:
    follow_up = services.follow_up
    reporter = follow_up.reporter_session(follow_up.reporter_sign_in(receipt_key).bearer)
    follow_up.reporter_add(reporter, AFTER, (FILE_AFTER,))
    staying = staff.principal(team.staying)
    services.handling.add_note(staying, report_id, "Check the new rota against the separation order.")
    services.handling.reply(staying, report_id, "Thank you; we are looking at the rota today.")
    services.identities.disclose(
        staff.principal(team.custodian), report_id, "Needed to arrange a welfare meeting and protect her."
    )


@pytest.mark.parametrize("how", ["roles", "disabled"])
def test_a_removed_reader_s_old_key_opens_nothing_written_after_the_removal_and_the_others_read_it_all(
    how: str, services: Services, staff: Staff, team: Team, clock: FakeClock
) -> None:
    submitted = services.reports.submit(submission(BEFORE, identity=named()))
    services.handling.add_note(staff.principal(team.leaving), submitted.report_id, "Seen: the rota first.")
    kept = old_key_copy(services, staff, team.leaving, submitted.report_id)

    remove_reading(how, services, staff, team)
    clock.advance(seconds=60)
    removed_at = clock()
    write_after_the_removal(services, staff, team, submitted.receipt_key, submitted.report_id)

    after = sealed_items_after(services, submitted.report_id, removed_at)
    assert sorted(what for what, _, _ in after) == ["file", "identity", "message", "message", "note"]
    for what, version, sealed in after:
        assert version == 2, what
        with pytest.raises(crypto.DecryptionFailed):
            crypto.unseal(kept, sealed)
    with services.database.transaction() as session:
        assert (
            session.scalars(
                select(ReportKeyGrant).where(ReportKeyGrant.user_id == team.leaving.user_id)
            ).all()
            == []
        )
        assert (
            session.scalars(
                select(RetiredReportKey).where(RetiredReportKey.user_id == team.leaving.user_id)
            ).all()
            == []
        )

    for reader in (team.staying, team.overseer):
        view = services.handling.open_report(staff.principal(reader), submitted.report_id)
        assert view.what_happened == BEFORE
        assert [m.text for m in view.messages if m.author.value == "reporter"] == [AFTER]
        assert [n.text for n in view.notes] == [
            "Seen: the rota first.",
            "Check the new rota against the separation order.",
        ]
        assert view.disclosed_identity is not None
        assert view.disclosed_identity["name"] == "Kim Rowe"
        [file] = view.attachments
        opened = services.handling.download(staff.principal(reader), submitted.report_id, file.id)
        assert opened.data == FILE_AFTER.data


@pytest.mark.parametrize("how", ["roles", "disabled"])
def test_the_replacement_is_in_the_removal_s_audit_entry(
    how: str, services: Services, staff: Staff, team: Team
) -> None:
    for text in ("First report.", "Second report."):
        services.reports.submit(submission(text))

    remove_reading(how, services, staff, team)

    with services.database.transaction() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_id == str(team.leaving.user_id))
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None
        assert entry.details["report_keys_replaced"] == 2


def test_a_handler_who_becomes_an_investigator_keeps_the_keys_they_hold(
    services: Services, staff: Staff, team: Team
) -> None:
    submitted = services.reports.submit(submission(BEFORE))

    change = services.lifecycle.set_roles(
        staff.principal(team.admin),
        team.leaving.user_id,
        [Role.INVESTIGATOR],
        "Joined the investigation team.",
    )

    assert change.removed == frozenset({"handler"})
    with services.database.transaction() as session:
        assert session.get_one(Report, submitted.report_id).key_version == 1
        assert session.get(ReportKeyGrant, (submitted.report_id, team.leaving.user_id)) is not None


def test_those_given_the_case_read_what_came_before_and_after_the_removal(
    services: Services, staff: Staff, team: Team
) -> None:
    decision_maker = staff.user("decider", [Role.DECISION_MAKER])
    in_case_before = services.reports.submit(submission("Put in a case before the removal."))
    in_case_after = services.reports.submit(submission("Put in a case after the removal."))
    staying = staff.principal(team.staying)
    services.handling.reply(staying, in_case_before.report_id, "Written before: version 1.")
    services.handling.reply(staying, in_case_after.report_id, "Written before: version 1.")
    services.cases.open_case(staying, [in_case_before.report_id])

    remove_reading("roles", services, staff, team)
    services.handling.reply(staying, in_case_before.report_id, "Written after: version 2.")
    services.handling.reply(staying, in_case_after.report_id, "Written after: version 2.")
    services.cases.open_case(staying, [in_case_after.report_id])

    # The decision maker holds no report key, only the keys of the cases opened.
    for report in (in_case_before, in_case_after):
        view = services.handling.open_report(staff.principal(decision_maker), report.report_id)
        assert [m.text for m in view.messages] == ["Written before: version 1.", "Written after: version 2."]


def test_an_overseer_sharing_keys_shares_the_older_versions_too(
    services: Services, staff: Staff, team: Team
) -> None:
    submitted = services.reports.submit(submission(BEFORE))
    services.handling.reply(staff.principal(team.staying), submitted.report_id, "Written before the removal.")
    remove_reading("roles", services, staff, team)
    services.handling.reply(staff.principal(team.staying), submitted.report_id, "Written after the removal.")
    newcomer = staff.user("new-overseer", [Role.OVERSEER])
    with pytest.raises(NotAllowed):
        services.handling.open_report(staff.principal(newcomer), submitted.report_id)

    shared = services.overseer_keys.share(staff.principal(team.overseer))

    assert (shared.reports, shared.older_report_keys) == (1, 1)
    view = services.handling.open_report(staff.principal(newcomer), submitted.report_id)
    assert [m.text for m in view.messages] == ["Written before the removal.", "Written after the removal."]


class CountedRotation:
    """The rotation, counting the statements it sends."""

    def __init__(self, rotation: ReportKeyRotation, services: Services) -> None:
        self._rotation = rotation
        self._engine = services.database.engine
        self.statements: list[int] = []

    def remove_reader(self, session: Session, user_id: uuid.UUID, now: datetime) -> int:
        with counting(self._engine) as statements:
            replaced = self._rotation.remove_reader(session, user_id, now)
        self.statements.append(statements.count)
        return replaced


def test_the_removal_sends_as_many_statements_for_many_reports_as_for_one(
    services: Services, staff: Staff, team: Team, clock: FakeClock
) -> None:
    second = staff.handler("second-leaving")
    counted = CountedRotation(ReportKeyRotation(case_public_keys), services)
    lifecycle = AccountLifecycle(services.database, services.settings, services.audit, counted, clock)
    admin, staying = staff.principal(team.admin), staff.principal(team.staying)
    first = services.reports.submit(submission("The first report."))
    services.cases.open_case(staying, [first.report_id])

    assert lifecycle.set_roles(admin, team.leaving.user_id, [Role.ANALYST], "Moved on.").removed
    more = [services.reports.submit(submission(text)).report_id for text in ("2nd.", "3rd.", "4th.", "5th.")]
    services.cases.open_case(staying, more[:2])
    lifecycle.set_roles(admin, second.user_id, [Role.ANALYST], "Moved on.")

    one_report, five_reports = counted.statements
    assert five_reports == one_report
    with services.database.transaction() as session:
        assert session.get_one(Report, first.report_id).key_version == 3
        assert [session.get_one(Report, report_id).key_version for report_id in more] == [2, 2, 2, 2]


class HeldOpen:
    """A rotation that, once done, waits with its locks held until the test lets it commit."""

    def __init__(self, rotation: ReportKeyRotation) -> None:
        self._rotation = rotation
        self.rotated = threading.Event()
        self.release = threading.Event()

    def remove_reader(self, session: Session, user_id: uuid.UUID, now: datetime) -> int:
        replaced = self._rotation.remove_reader(session, user_id, now)
        self.rotated.set()
        assert self.release.wait(10)
        return replaced


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # the test reads it
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_message_racing_the_removal_waits_for_it_and_is_sealed_to_the_new_key(
    backend: str, services: Services, staff: Staff, team: Team, clock: FakeClock
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second writer cannot interleave at all")
    submitted = services.reports.submit(submission(BEFORE))
    kept = old_key_copy(services, staff, team.leaving, submitted.report_id)
    held = HeldOpen(ReportKeyRotation(case_public_keys))
    lifecycle = AccountLifecycle(services.database, services.settings, services.audit, held, clock)
    follow_up = services.follow_up
    reporter = follow_up.reporter_session(follow_up.reporter_sign_in(submitted.receipt_key).bearer)

    removal, removed = in_thread(
        lambda: lifecycle.set_roles(
            staff.principal(team.admin), team.leaving.user_id, [Role.ANALYST], "Moved on."
        )
    )
    assert held.rotated.wait(10)
    message, written = in_thread(lambda: follow_up.reporter_add(reporter, AFTER))
    time.sleep(0.5)
    assert message.is_alive(), "the message must wait for the report's lock"
    held.release.set()
    removal.join(10)
    message.join(10)

    assert not isinstance(removed[0], Exception), removed
    assert isinstance(written[0], uuid.UUID), written
    with services.database.transaction() as session:
        row = session.get_one(Message, written[0])
        assert row.key_version == 2
        sealed = row.sealed_for_report
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(kept, sealed)
    view = services.handling.open_report(staff.principal(team.staying), submitted.report_id)
    assert [m.text for m in view.messages] == [AFTER]


def test_a_report_arriving_during_the_removal_waits_and_is_not_sealed_to_the_removed_reader(
    backend: str, services: Services, staff: Staff, team: Team, clock: FakeClock
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second writer cannot interleave at all")
    services.reports.submit(submission(BEFORE))
    held = HeldOpen(ReportKeyRotation(case_public_keys))
    lifecycle = AccountLifecycle(services.database, services.settings, services.audit, held, clock)

    removal, removed = in_thread(
        lambda: lifecycle.set_roles(
            staff.principal(team.admin), team.leaving.user_id, [Role.ANALYST], "Moved on."
        )
    )
    assert held.rotated.wait(10)
    arrival, arrived = in_thread(lambda: services.reports.submit(submission("Arrived during the removal.")))
    time.sleep(0.5)
    assert arrival.is_alive(), "the new report must wait for the removed reader's row"
    held.release.set()
    removal.join(10)
    arrival.join(10)

    assert not isinstance(removed[0], Exception), removed
    new_report = arrived[0]
    assert isinstance(new_report, SubmissionResult), arrived
    with services.database.transaction() as session:
        readers = set(
            session.scalars(
                select(ReportKeyGrant.user_id).where(ReportKeyGrant.report_id == new_report.report_id)
            )
        )
    assert readers == {team.staying.user_id, team.overseer.user_id}
