"""Escrow reporting end to end on both databases: nothing opens below k; the k-th opens all k."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from common.escrow import FILING, file, member
from common.staff import Staff
from upstander import crypto
from upstander.accounts.service import StaffPrincipal
from upstander.audit.models import AuditEntry
from upstander.errors import Conflict, InvalidInput, NotAllowed, NotFound, ServiceUnavailable
from upstander.patterns.escrow import keys as escrow_keys
from upstander.patterns.escrow import oprf
from upstander.patterns.escrow import rules as escrow_rules
from upstander.patterns.escrow.models import EscrowedReport, EscrowKeyPin, EscrowMatchEntry, EscrowStatus
from upstander.patterns.escrow.rules import NamedPerson
from upstander.patterns.escrow.service import EscrowService, _as_rule_entry
from upstander.reports.models import Channel, Report, ReportKeyGrant
from upstander.services import Services


def stored_entries(services: Services) -> list[escrow_rules.EscrowEntry]:
    with services.database.transaction() as session:
        rows = session.execute(
            select(EscrowMatchEntry, EscrowedReport.threshold).join(
                EscrowedReport, EscrowedReport.id == EscrowMatchEntry.escrowed_report_id
            )
        ).all()
        return [_as_rule_entry(row, threshold) for row, threshold in rows]


def count(services: Services, model: type) -> int:
    with services.database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_k_minus_one_reports_reveal_nothing_and_the_kth_opens_all_k(staff: Staff, services: Services) -> None:
    handler = staff.handler()
    reporters = [member(staff, f"officer{i}") for i in range(3)]
    texts = [f"Statement {i}: he groped me at the Christmas party." for i in range(3)]

    for reporter, text in zip(reporters[:2], texts[:2], strict=True):
        result = file(staff, reporter, threshold=3, what_happened=text)
        assert result.opened_reports == 0
        assert result.status is EscrowStatus.ESCROWED

    # k - 1 = 2 entries: no report exists, the handler has nothing to read, no key can be recovered.
    assert count(services, Report) == 0
    assert services.handling.inbox(staff.principal(handler)).items == []
    assert escrow_rules.release(stored_entries(services)).data_keys == {}
    with services.database.transaction() as session:
        for row in session.scalars(select(EscrowedReport)):
            assert row.encrypted_content is not None
            assert not any(t.encode() in row.encrypted_content for t in texts)
            assert row.report_id is None

    third = file(staff, reporters[2], threshold=3, what_happened=texts[2])
    assert third.opened_reports == 3
    assert third.status is EscrowStatus.OPENED

    principal = staff.principal(handler)
    items = services.handling.inbox(principal).items
    assert len(items) == 3
    assert {item.channel for item in items} == {Channel.ESCROW}
    read = {services.handling.open_report(principal, item.report_id).what_happened for item in items}
    assert read == set(texts)
    with services.database.transaction() as session:
        assert {r.status for r in session.scalars(select(EscrowedReport))} == {EscrowStatus.OPENED}
        # Content now lives only in the report, sealed to its readers.
        assert all(r.encrypted_content is None for r in session.scalars(select(EscrowedReport)))


def test_each_reporter_is_told_of_the_match_on_their_own_list(staff: Staff, services: Services) -> None:
    staff.handler()
    first, second = member(staff, "first"), member(staff, "second")
    file(staff, first)
    [mine] = services.escrow.mine(staff.principal(first))
    assert mine.status is EscrowStatus.ESCROWED
    assert mine.person == "José Álvarez-Núñez, Northgate Response"
    assert mine.what_happened == FILING.what_happened
    assert services.escrow.mine(staff.principal(second)) == []

    file(staff, second, person=NamedPerson(name="jose alvarez nunez", unit="NORTHGATE  response"))
    for user in (first, second):
        [item] = services.escrow.mine(staff.principal(user))
        assert item.status is EscrowStatus.OPENED
        assert item.status_text.startswith("Matched and opened to the professional standards department on ")


def test_a_reporter_cannot_trigger_a_match_alone(staff: Staff, services: Services) -> None:
    staff.handler()
    alone = member(staff, "alone")
    first = file(staff, alone)
    # The same person, spelt differently: normalises to the same name, so the same share point.
    again = file(staff, alone, person=NamedPerson(name="  JOSE alvarez nunez ", unit="northgate response"))
    assert first.already_named is False
    assert again.already_named is True
    assert again.opened_reports == 0
    assert count(services, Report) == 0
    entries = stored_entries(services)
    assert len({entry.x for entry in entries}) == 1  # one reporter, one point: it counts once
    assert escrow_rules.release(entries).data_keys == {}

    # Another person completes the match: every report of theirs and the other reporter's opens.
    other = file(
        staff,
        member(staff, "other"),
        person=NamedPerson(name="José Álvarez-Núñez", unit="Northgate Response"),
    )
    assert other.opened_reports == 3
    assert count(services, Report) == 3


def test_a_staff_number_matches_across_spellings_and_different_people_do_not_match(
    staff: Staff, services: Services
) -> None:
    staff.handler()
    file(staff, member(staff, "a"), person=NamedPerson(staff_number="ab 1234"))
    assert file(staff, member(staff, "b"), person=NamedPerson(staff_number="XY9999")).opened_reports == 0
    assert file(staff, member(staff, "c"), person=NamedPerson(staff_number="AB-1234")).opened_reports == 2


def test_the_psd_server_alone_cannot_compute_a_token(staff: Staff, services: Services) -> None:
    """Without the key service's key, any other key gives tokens that match no stored entry."""
    staff.handler()
    file(staff, member(staff, "a"))
    file(
        staff, member(staff, "b"), person=NamedPerson(staff_number="AB1234", name="Ann Other", unit="Traffic")
    )
    stored = {entry.match_token for entry in stored_entries(services)}
    assert len(stored) == 3
    guesses = [
        NamedPerson(name="José Álvarez-Núñez", unit="Northgate Response"),
        NamedPerson(staff_number="AB1234"),
    ]
    for _ in range(3):
        guessing = escrow_keys.LocalEscrowKeyService(oprf.generate_key_pair())
        for person in guesses:
            inputs = list(escrow_rules.match_inputs(person).values())
            outputs = escrow_keys.oprf_outputs(guessing, inputs, public_key=guessing.public_key)
            assert not {escrow_rules.match_token(output) for output in outputs} & stored


def test_nothing_stored_holds_an_oprf_output(staff: Staff, services: Services) -> None:
    staff.handler()
    file(staff, member(staff, "a"))
    key_service = escrow_keys.LocalEscrowKeyService.from_key_file(services.settings.resolved_escrow_key_file)
    [data] = escrow_rules.match_inputs(FILING.person).values()
    output = key_service._server.evaluate(data)
    with services.database.transaction() as session:
        for row in session.scalars(select(EscrowMatchEntry)):
            for value in (row.match_token, row.share_x, row.share_ys, row.key_check, row.wrapped_key):
                assert output not in value
                assert output[:32] not in value


def test_withdrawing_deletes_the_shares_and_only_the_reporter_may(staff: Staff, services: Services) -> None:
    staff.handler()
    owner, stranger = member(staff, "owner"), member(staff, "stranger")
    filed = file(staff, owner)
    with pytest.raises(NotFound):
        services.escrow.withdraw(staff.principal(stranger), filed.escrowed_report_id)
    services.escrow.withdraw(staff.principal(owner), filed.escrowed_report_id)
    assert count(services, EscrowMatchEntry) == 0
    [item] = services.escrow.mine(staff.principal(owner))
    assert item.status is EscrowStatus.WITHDRAWN
    # A withdrawn report no longer counts: the next reporter alone opens nothing.
    assert file(staff, stranger).opened_reports == 0


def test_an_opened_report_cannot_be_withdrawn(staff: Staff, services: Services) -> None:
    staff.handler()
    a = member(staff, "a")
    filed = file(staff, a)
    file(staff, member(staff, "b"))
    with pytest.raises(Conflict, match="already been opened"):
        services.escrow.withdraw(staff.principal(a), filed.escrowed_report_id)


def test_bad_filings_are_refused_and_nothing_is_stored(staff: Staff, services: Services) -> None:
    a = member(staff, "a")
    with pytest.raises(InvalidInput) as refused:
        file(staff, a, person=NamedPerson(name="Only A Name"))
    assert "staff number, or a name and a unit" in refused.value.detail
    with pytest.raises(InvalidInput) as refused:
        file(staff, a, threshold=6)
    assert refused.value.fields == {"threshold": "Choose between 2 and 5 reports."}
    with pytest.raises(InvalidInput) as refused:
        file(staff, a, what_happened="x" * (services.settings.max_text_chars + 1))
    assert "what_happened" in refused.value.fields
    assert count(services, EscrowedReport) == 0


def test_an_admin_account_cannot_file(staff: Staff, services: Services) -> None:
    from upstander.accounts.models import Role

    admin = staff.user("admin", [Role.ADMIN])
    with pytest.raises(NotAllowed):
        file(staff, admin)


def test_audit_entries_name_neither_the_reporter_nor_the_person(staff: Staff, services: Services) -> None:
    staff.handler()
    a, b = member(staff, "a"), member(staff, "b")
    file(staff, a)
    file(staff, b)
    with services.database.transaction() as session:
        entries = [
            e for e in session.scalars(select(AuditEntry)) if e.action.startswith(("escrow.", "report."))
        ]
    assert {e.action for e in entries} == {"escrow.filed", "escrow.opened", "report.received"}
    for entry in entries:
        text = f"{entry.actor} {entry.details}"
        assert str(a.user_id) not in text
        assert str(b.user_id) not in text
        assert "lvarez" not in text


def test_the_released_report_is_sealed_to_intake_readers_only(staff: Staff, services: Services) -> None:
    handler = staff.handler()
    overseer = staff.overseer()
    a, b = member(staff, "a"), member(staff, "b")
    file(staff, a)
    file(staff, b)
    with services.database.transaction() as session:
        readers = set(session.scalars(select(ReportKeyGrant.user_id)))
    assert readers == {handler.user_id, overseer.user_id}


def test_a_changed_key_service_key_is_refused(staff: Staff, services: Services) -> None:
    staff.handler()
    file(staff, member(staff, "a"))
    with services.database.transaction() as session:
        pinned = session.get_one(EscrowKeyPin, 1).public_key
    impostor = escrow_keys.LocalEscrowKeyService(oprf.generate_key_pair())
    other = EscrowService(
        services.database,
        services.settings,
        services.audit,
        services.linking,
        services.reports.limits,
        impostor,
        clock=services.clock,
    )
    before = count(services, EscrowedReport)
    with pytest.raises(ServiceUnavailable) as refused:
        other.file(staff.principal(member(staff, "b")), FILING)
    assert refused.value.code == "escrow_key_changed"
    assert count(services, EscrowedReport) == before
    assert count(services, Report) == 0
    with services.database.transaction() as session:
        assert session.get_one(EscrowKeyPin, 1).public_key == pinned


def test_the_reporter_reference_needs_the_reporters_own_key(staff: Staff, services: Services) -> None:
    a = member(staff, "a")
    file(staff, a)
    with services.database.transaction() as session:
        [row] = session.scalars(select(EscrowedReport))
    assert str(a.user_id) not in row.reporter_ref
    assert row.reporter_ref != crypto.sha256_hex(str(a.user_id).encode())


def test_two_reporters_filing_at_the_same_moment_still_match(staff: Staff, services: Services) -> None:
    staff.handler()
    principals = [staff.principal(member(staff, name)) for name in ("left", "right")]
    barrier = threading.Barrier(2)
    results: list[object] = []

    def file_now(principal: StaffPrincipal) -> None:
        barrier.wait()
        results.append(services.escrow.file(principal, FILING))

    threads = [threading.Thread(target=file_now, args=(p,)) for p in principals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert count(services, Report) == 2
    with services.database.transaction() as session:
        assert {r.status for r in session.scalars(select(EscrowedReport))} == {EscrowStatus.OPENED}
