"""The audit log: every write and every read of content is an entry; tampering is found and named."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text, update
from typer.testing import CliRunner

from common.reports import report_json
from common.staff import Staff
from upstander.audit.models import AuditCheckpoint, AuditEntry
from upstander.audit.service import Actor, verify
from upstander.cli import app as cli
from upstander.services import Services


def run_verify(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str) -> tuple[int, str]:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["audit", "verify"])
    return result.exit_code, result.output


def make_activity(client: TestClient, staff: Staff) -> None:
    headers = staff.api_headers(client, staff.handler())
    for number in range(4):
        client.post("/api/v1/reports", json=report_json(what_happened=f"Report {number}"))
    for item in client.get("/api/v1/inbox", headers=headers).json():
        client.get(f"/api/v1/reports/{item['id']}", headers=headers)
        client.post(f"/api/v1/reports/{item['id']}/acknowledge", headers=headers, json={})


def test_writes_and_reads_are_recorded_in_order(client: TestClient, staff: Staff, services: Services) -> None:
    make_activity(client, staff)
    with services.database.transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert actions.count("report.received") == 4
    assert actions.count("report.read") == 4
    assert actions.count("report.acknowledged") == 4
    assert "sign_in" in actions
    assert seqs == list(range(1, len(seqs) + 1))


def test_an_untouched_log_verifies_with_signed_checkpoints(
    client: TestClient,
    staff: Staff,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
) -> None:
    make_activity(client, staff)
    verdict = verify(services.database, services.audit.public_key)
    assert verdict.ok
    assert verdict.checkpoints_checked >= 1  # the test settings sign every 10 entries
    code, output = run_verify(monkeypatch, data_dir, database_url)
    assert code == 0
    assert output.startswith("OK:")


def test_editing_one_audit_row_makes_verify_fail_and_name_it(
    client: TestClient,
    staff: Staff,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
) -> None:
    make_activity(client, staff)
    with services.database.engine.begin() as connection:
        target = connection.execute(
            select(AuditEntry.seq).where(AuditEntry.action == "report.read").order_by(AuditEntry.seq).limit(1)
        ).scalar_one()
        connection.execute(
            update(AuditEntry).where(AuditEntry.seq == target).values(actor="user:someone-else")
        )
    code, output = run_verify(monkeypatch, data_dir, database_url)
    assert code == 1
    assert f"BROKEN at entry {target}" in output
    assert "does not match its hash" in output


def test_rewriting_the_chain_after_an_edit_is_caught_by_the_signed_checkpoints(
    client: TestClient, staff: Staff, services: Services
) -> None:
    """An attacker with the database but not the signing key recomputes every hash after the edit."""
    from upstander.audit import rules

    make_activity(client, staff)
    with services.database.transaction() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        first_checkpoint = session.scalars(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq)).first()
        assert first_checkpoint is not None
        prev = rules.GENESIS_HASH
        for entry in entries:
            if entry.seq == 3:
                entry.actor = "user:forged"
            fields = rules.EntryFields(
                entry.seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject_type,
                entry.subject_id,
                entry.details,
                prev,
            )
            entry.prev_hash = prev
            entry.entry_hash = rules.entry_hash(fields)
            prev = entry.entry_hash
        session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    verdict = verify(services.database, services.audit.public_key)
    assert not verdict.ok
    assert verdict.first_broken_seq == first_checkpoint
    assert verdict.reason == "signed checkpoint does not match the chain"


def test_deleting_the_newest_entries_is_found(client: TestClient, staff: Staff, services: Services) -> None:
    make_activity(client, staff)
    with services.database.engine.begin() as connection:
        last = connection.execute(text("SELECT MAX(seq) FROM audit_entries")).scalar_one()
        connection.execute(text("DELETE FROM audit_checkpoints WHERE seq >= :s"), {"s": last - 1})
        connection.execute(text("DELETE FROM audit_entries WHERE seq >= :s"), {"s": last - 1})
    verdict = verify(services.database, services.audit.public_key)
    assert not verdict.ok
    assert verdict.first_broken_seq == last - 1


def test_a_refused_action_leaves_no_audit_entry_and_no_change(
    client: TestClient, staff: Staff, services: Services
) -> None:
    with services.database.transaction() as session:
        before = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    response = client.post("/api/v1/reports", json=report_json())  # no readers yet: refused, nothing stored
    assert response.status_code == 503
    with services.database.transaction() as session:
        after = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    assert after == before


def test_many_entries_in_one_transaction_lock_the_head_once_and_still_chain(services: Services) -> None:
    locks: list[str] = []

    def count_locks(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "audit_head" in statement and "FOR UPDATE" in statement.upper():
            locks.append(statement)

    engine = services.database.engine
    event.listen(engine, "before_cursor_execute", count_locks)
    try:
        with services.database.transaction() as session:
            for number in range(40):
                services.audit.record(session, Actor.system("test"), "test.entry", "thing", number)
        with services.database.transaction() as session:
            services.audit.record(session, Actor.system("test"), "test.entry", "thing", "next")
    finally:
        event.remove(engine, "before_cursor_execute", count_locks)
    if services.database.is_postgresql:  # SQLite has no row locks: its transactions begin IMMEDIATE
        assert len(locks) == 2  # one per transaction, not one per entry
    with services.database.transaction() as session:
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert seqs == list(range(1, 42))
    assert verify(services.database, services.audit.public_key).ok


def test_verify_streams_in_batches_and_names_a_break_in_a_later_batch(
    client: TestClient, staff: Staff, services: Services
) -> None:
    """Batches of three rows cross the checkpoints (every 10 entries here) and each other."""
    make_activity(client, staff)
    whole = verify(services.database, services.audit.public_key)
    in_threes = verify(services.database, services.audit.public_key, batch=3)
    assert whole.ok
    assert in_threes == whole
    with services.database.engine.begin() as connection:
        last = connection.execute(text("SELECT MAX(seq) FROM audit_entries")).scalar_one()
        target = last - 1
        connection.execute(update(AuditEntry).where(AuditEntry.seq == target).values(action="report.forged"))
    broken = verify(services.database, services.audit.public_key, batch=3)
    assert (broken.ok, broken.first_broken_seq) == (False, target)
    assert broken.entries_checked == target - 1
    assert broken.reason == "its content does not match its hash"
