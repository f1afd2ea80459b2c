"""A snapshot round trip on each database: what went in comes back and opens for the reporter
and for staff, the audit chain verifies, and a staff member signs in. A restore goes only into an
empty place and only with keys that match; a refused restore leaves nothing behind."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from common.backup import empty_database, members_of, rewrite, target_settings
from common.clock import FakeClock
from common.reports import report_json, submission
from common.staff import Staff
from upstander.app import create_app
from upstander.audit.models import AuditEntry
from upstander.audit.service import verify
from upstander.backup import archive, databases, service
from upstander.backup.rules import MANIFEST, Manifest, SnapshotRefused
from upstander.config import Settings
from upstander.db import Database
from upstander.reports.models import Report
from upstander.services import Services, build_services
from upstander.store import schema
from upstander.store.key_fingerprints import AUDIT_SIGNING_KEY, key_fingerprint


@pytest.fixture
def backup_key(tmp_path: Path, clock: FakeClock) -> tuple[str, Path]:
    pair = archive.generate_backup_key(clock())
    path = tmp_path / "offline" / "backup.key"
    archive.write_private_key(path, pair.private_key_text)
    return pair.public_key, path


def file_json(name: str, content: bytes) -> dict[str, str]:
    return {"filename": name, "content_base64": base64.b64encode(content).decode()}


def submit(client: TestClient, phrase: str, content: bytes) -> tuple[str, str]:
    """A report with a file, then more information with another: (receipt key, reporter token)."""
    receipt = client.post(
        "/api/v1/reports",
        json=report_json(what_happened=f"It was {phrase}.", attachments=[file_json("first.txt", content)]),
    )
    assert receipt.status_code == 201, receipt.text
    key = receipt.json()["receipt_key"]
    token = client.post("/api/v1/reporter/session", json={"receipt_key": key}).json()["token"]
    added = client.post(
        "/api/v1/reporter/messages",
        headers={"authorization": f"Bearer {token}"},
        json={"text": f"More on {phrase}", "attachments": [file_json("second.txt", content + b"!")]},
    )
    assert added.status_code == 201, added.text
    return key, token


def what_the_reporter_sees(client: TestClient, receipt_key: str) -> tuple[dict[str, Any], list[bytes]]:
    signed_in = client.post("/api/v1/reporter/session", json={"receipt_key": receipt_key})
    assert signed_in.status_code == 200, signed_in.text
    headers = {"authorization": f"Bearer {signed_in.json()['token']}"}
    report = client.get("/api/v1/reporter/report", headers=headers).json()
    files = []
    for attachment in report["attachments"]:
        opened = client.get(f"/api/v1/reporter/attachments/{attachment['id']}", headers=headers)
        assert opened.status_code == 200, opened.text
        files.append(opened.content)
    return report, files


def what_staff_see(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[str, list[bytes]]]:
    seen = {}
    for item in client.get("/api/v1/inbox", headers=headers).json():
        report = client.get(f"/api/v1/reports/{item['id']}", headers=headers).json()
        files = []
        for attachment in report["attachments"]:
            opened = client.get(
                f"/api/v1/reports/{item['id']}/attachments/{attachment['id']}", headers=headers
            )
            assert opened.status_code == 200, opened.text
            files.append(opened.content)
        seen[item["reference"]] = (report["what_happened"], sorted(files))
    return seen


def audit_entries(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_a_snapshot_round_trip_brings_back_every_report_and_file_the_chain_and_the_sign_in(
    client: TestClient,
    services: Services,
    staff: Staff,
    settings: Settings,
    backend: str,
    clock: FakeClock,
    backup_key: tuple[str, Path],
    tmp_path: Path,
) -> None:
    handler = staff.handler()
    phrases = [f"amber-quay-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    receipts = [submit(client, phrase, f"file of {phrase}".encode())[0] for phrase in phrases]
    headers = staff.api_headers(client, handler)
    before_staff = what_staff_see(client, headers)
    before_reporter = [what_the_reporter_sees(client, key) for key in receipts]
    assert len(before_staff) == 2
    assert all(len(files) == 2 for _, files in before_reporter), "each report has its two files"
    assert any(phrases[0] in str(report["content"]) for report, _ in before_reporter), (
        "the receipt opens the text"
    )
    entries_before = audit_entries(services.database)

    public_key, private_key = backup_key
    taken = service.take(settings, tmp_path / "snapshot.age", public_key, clock)

    raw = taken.path.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n"), "the snapshot is age ciphertext"
    in_the_clear = [
        settings.server_secret_file.read_text().strip(),
        settings.resolved_audit_signing_key_file.read_text().strip(),
        *phrases,
        *before_staff,  # the references, which the database keeps in plain columns
        "key_fingerprints",
    ]
    for text in in_the_clear:
        assert text.encode() not in raw, f"{text!r} is readable in the snapshot"
    assert taken.manifest.backend == backend
    assert set(taken.manifest.fingerprints) == {AUDIT_SIGNING_KEY, "server secret"}

    with empty_database(backend, tmp_path) as target_url:
        target = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        restored = service.restore(target, taken.path, private_key, clock)
        assert restored.audit.ok, restored.audit.describe()
        assert restored.audit.entries_checked == entries_before, "every entry of the snapshot, chained"
        assert restored.audit.checkpoints_checked >= 1, "the signed checkpoints verify with the restored key"
        for name in ("server-secret.key", "audit-signing.key"):
            assert (target.data_dir / name).stat().st_mode & 0o077 == 0, f"{name} is owner-only"

        again = build_services(target, clock=clock)
        try:
            with again.database.transaction() as session:
                last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
            assert (last.seq, last.action) == (entries_before + 1, "backup.restored"), (
                "the restore is recorded"
            )
            with TestClient(create_app(services=again), base_url="https://testserver") as restored_client:
                # A member of staff signs in with the password and the authenticator they had.
                restored_headers = staff.api_headers(restored_client, handler)
                assert what_staff_see(restored_client, restored_headers) == before_staff
                for key, (report, files) in zip(receipts, before_reporter, strict=True):
                    after_report, after_files = what_the_reporter_sees(restored_client, key)
                    assert after_report["content"] == report["content"]
                    assert [m["text"] for m in after_report["messages"]] == [
                        m["text"] for m in report["messages"]
                    ]
                    assert after_files == files
            verdict = verify(again.database, again.audit.public_key)
            assert verdict.ok, verdict.describe()
            assert verdict.entries_checked > entries_before + 1, "the restored chain goes on growing"
        finally:
            again.database.dispose()


@pytest.fixture
def snapshot(
    client: TestClient,
    staff: Staff,
    settings: Settings,
    clock: FakeClock,
    backup_key: tuple[str, Path],
    tmp_path: Path,
) -> Path:
    staff.handler()  # reports are taken only once someone can read them
    submit(client, "a report to keep", b"a file to keep")
    return service.take(settings, tmp_path / "snapshot.age", backup_key[0], clock).path


def nothing_restored(target: Settings, backend: str) -> bool:
    url = target.resolved_database_url
    empty = databases.sqlite_is_empty(url) if backend == "sqlite" else databases.postgresql_is_empty(url)
    leftovers = list(target.data_dir.iterdir()) if target.data_dir.exists() else []
    return empty and not leftovers


def test_a_restore_into_a_data_directory_that_is_not_empty_is_refused(
    snapshot: Path,
    backup_key: tuple[str, Path],
    settings: Settings,
    backend: str,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    with empty_database(backend, tmp_path) as target_url:
        target = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        target.data_dir.mkdir()
        (target.data_dir / "notes.txt").write_text("someone's file")
        with pytest.raises(SnapshotRefused, match=r"is not empty \(notes.txt\)"):
            service.restore(target, snapshot, backup_key[1], clock)
        assert [path.name for path in target.data_dir.iterdir()] == ["notes.txt"]
        assert (
            databases.sqlite_is_empty(target_url)
            if backend == "sqlite"
            else databases.postgresql_is_empty(target_url)
        )


def test_a_restore_into_a_database_that_is_not_empty_is_refused(
    snapshot: Path, backup_key: tuple[str, Path], settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    # The live database itself, with a new empty data directory beside it.
    target = target_settings(tmp_path / "fresh", settings.resolved_database_url, settings.password_cost)
    with pytest.raises(
        SnapshotRefused, match="is not empty; a snapshot is restored only into an empty database"
    ):
        service.restore(target, snapshot, backup_key[1], clock)
    assert not target.data_dir.exists()


def swap_audit_key(members: dict[str, bytes]) -> dict[str, bytes]:
    return {**members, "keys/audit-signing.key": ("cd" * 32).encode()}


def swap_audit_key_and_manifest(members: dict[str, bytes]) -> dict[str, bytes]:
    """A forged snapshot that is consistent with itself but not with the database inside it."""
    changed = swap_audit_key(members)
    manifest = Manifest.from_json(members[MANIFEST])
    forged = Manifest(
        backend=manifest.backend,
        taken_at=manifest.taken_at,
        schema_revision=manifest.schema_revision,
        fingerprints={**manifest.fingerprints, AUDIT_SIGNING_KEY: key_fingerprint(bytes.fromhex("cd" * 32))},
        key_members=manifest.key_members,
        other_members=manifest.other_members,
    )
    return {**changed, MANIFEST: forged.to_json()}


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (swap_audit_key, "do not match the ones the snapshot's manifest records"),
        (
            swap_audit_key_and_manifest,
            "made with other keys|do not match the ones the snapshot's database records",
        ),
    ],
    ids=["key differs from the manifest", "key and manifest differ from the database"],
)
def test_a_snapshot_whose_keys_do_not_match_is_refused_and_nothing_is_restored(
    snapshot: Path,
    backup_key: tuple[str, Path],
    settings: Settings,
    backend: str,
    clock: FakeClock,
    tmp_path: Path,
    change: Any,
    refusal: str,
) -> None:
    public_key, private_key = backup_key
    forged = rewrite(snapshot, private_key, public_key, tmp_path / "forged.age", change)
    with empty_database(backend, tmp_path) as target_url:
        target = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        with pytest.raises(SnapshotRefused, match=refusal):
            service.restore(target, forged, private_key, clock)
        assert nothing_restored(target, backend), "a refused restore leaves the target as it was"
        # The same empty target takes the genuine snapshot: the refusal left nothing in its way.
        restored = service.restore(target, snapshot, private_key, clock)
        assert restored.audit.ok


def from_a_later_version(members: dict[str, bytes]) -> dict[str, bytes]:
    manifest = json.loads(members[MANIFEST])
    return {**members, MANIFEST: json.dumps({**manifest, "schema_revision": "9999"}).encode()}


def test_a_snapshot_from_a_later_schema_is_refused_and_nothing_is_restored(
    snapshot: Path,
    backup_key: tuple[str, Path],
    settings: Settings,
    backend: str,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    assert Manifest.from_json(members_of(snapshot, backup_key[1])[MANIFEST]).schema_revision in (
        schema.known_revisions()
    ), "a snapshot records the schema it was taken at"
    later = rewrite(snapshot, backup_key[1], backup_key[0], tmp_path / "later.age", from_a_later_version)
    with empty_database(backend, tmp_path) as target_url:
        target = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        with pytest.raises(SnapshotRefused, match="schema revision 9999"):
            service.restore(target, later, backup_key[1], clock)
        assert nothing_restored(target, backend)


def test_a_snapshot_for_another_backup_key_is_refused(
    snapshot: Path, settings: Settings, backend: str, clock: FakeClock, tmp_path: Path
) -> None:
    other = tmp_path / "other.key"
    archive.write_private_key(other, archive.generate_backup_key(clock()).private_key_text)
    with empty_database(backend, tmp_path) as target_url:
        target = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        with pytest.raises(SnapshotRefused, match="cannot be decrypted with this private key"):
            service.restore(target, snapshot, other, clock)
        assert nothing_restored(target, backend)


def test_a_snapshot_cut_short_is_refused(
    snapshot: Path,
    backup_key: tuple[str, Path],
    settings: Settings,
    backend: str,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    cut = tmp_path / "cut.age"
    cut.write_bytes(snapshot.read_bytes()[:-300])
    with empty_database(backend, tmp_path) as target_url:
        target = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        with pytest.raises(SnapshotRefused, match="cut short"):
            service.restore(target, cut, backup_key[1], clock)
        assert nothing_restored(target, backend)


def test_the_snapshot_holds_the_escrow_key_files_too(
    snapshot: Path, backup_key: tuple[str, Path], settings: Settings
) -> None:
    members = members_of(snapshot, backup_key[1])
    manifest = Manifest.from_json(members[MANIFEST])
    for path in (settings.resolved_escrow_key_file, settings.resolved_escrow_key_service_secret_file):
        if path.exists():
            assert f"keys/{path.name}" in manifest.other_members
            assert members[f"keys/{path.name}"] == path.read_bytes()
    assert members["keys/server-secret.key"] == settings.server_secret_file.read_bytes()


def test_a_server_secret_from_the_environment_is_never_in_the_snapshot_and_is_needed_to_restore(
    backend: str, clock: FakeClock, backup_key: tuple[str, Path], tmp_path: Path, settings: Settings
) -> None:
    secret = "an environment secret of more than thirty-two characters"
    public_key, private_key = backup_key
    with empty_database(backend, tmp_path / "source") as source_url:
        source = Settings(
            data_dir=tmp_path / "source-data",
            database_url=source_url,
            secret_key=secret,
            password_cost=settings.password_cost,
            receipt_cost=settings.receipt_cost,
        )
        schema.upgrade(source_url)
        build_services(source, clock=clock).database.dispose()  # records the keys' fingerprints
        taken = service.take(source, tmp_path / "snapshot.age", public_key, clock)
    members = members_of(taken.path, private_key)
    assert Manifest.from_json(members[MANIFEST]).key_members["server secret"] == "environment"
    assert not any(secret.encode() in data for data in members.values()), "not even inside the encryption"

    with empty_database(backend, tmp_path / "target") as target_url:
        without = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        with pytest.raises(SnapshotRefused, match="came from UPSTANDER_SECRET_KEY; set it to the same value"):
            service.restore(without, taken.path, private_key, clock)
        assert nothing_restored(without, backend)
        wrong = without.model_copy(
            update={"secret_key": SecretStr("another secret, also longer than thirty-two")}
        )
        with pytest.raises(SnapshotRefused, match="server secret in the snapshot do not match"):
            service.restore(wrong, taken.path, private_key, clock)
        assert nothing_restored(wrong, backend)
        right = without.model_copy(update={"secret_key": SecretStr(secret)})
        assert service.restore(right, taken.path, private_key, clock).audit.ok


def test_a_snapshot_taken_while_reports_arrive_is_one_consistent_moment(
    services: Services,
    staff: Staff,
    settings: Settings,
    backend: str,
    clock: FakeClock,
    backup_key: tuple[str, Path],
    tmp_path: Path,
) -> None:
    staff.handler()
    stop = threading.Event()
    stored: list[uuid.UUID] = []

    def keep_reporting() -> None:
        while not stop.is_set() and len(stored) < 200:
            stored.append(services.reports.submit(submission("It happened again.")).report_id)

    writer = threading.Thread(target=keep_reporting)
    writer.start()
    try:
        while len(stored) < 3 and writer.is_alive():  # the snapshot starts while reports arrive
            time.sleep(0.01)
        taken = service.take(settings, tmp_path / "snapshot.age", backup_key[0], clock)
    finally:
        stop.set()
        writer.join()

    with empty_database(backend, tmp_path) as target_url:
        target = target_settings(tmp_path / "restored", target_url, settings.password_cost)
        restored = service.restore(target, taken.path, backup_key[1], clock)
        assert restored.audit.ok, restored.audit.describe()
        database = Database.from_url(target_url)
        try:
            with database.transaction() as session:
                reports = session.scalar(select(func.count()).select_from(Report)) or 0
                recorded = session.scalar(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.received")
                )
        finally:
            database.dispose()
        assert 3 <= reports <= len(stored)
        assert recorded == reports, (
            "every report in the snapshot has its audit entry, and no entry lacks its report"
        )
