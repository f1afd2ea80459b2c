"""Receipts by keyed hash, and the reports received before it (Argon2id) still opening."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common.reports import report_json
from common.staff import Staff
from upstander import crypto
from upstander.reports.models import Report
from upstander.services import Services


def submit(client: TestClient, what_happened: str) -> dict[str, str]:
    response = client.post("/api/v1/reports", json=report_json(what_happened=what_happened))
    assert response.status_code == 201, response.text
    return dict(response.json())


def sign_in(client: TestClient, receipt_key: str) -> dict[str, str]:
    response = client.post("/api/v1/reporter/session", json={"receipt_key": receipt_key})
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['token']}"}


def what_the_reporter_reads(client: TestClient, receipt_key: str) -> str:
    view = client.get("/api/v1/reporter/report", headers=sign_in(client, receipt_key))
    assert view.status_code == 200, view.text
    return str(view.json()["content"]["what_happened"])


def as_received_before_keyed_hashing(services: Services, reference: str, receipt_key: str) -> None:
    """Give a stored report what the Argon2id derivation gave every report before this change."""
    older = services.reports.derive_argon2id_receipt(receipt_key)
    keyed = services.reports.derive_receipt(receipt_key)
    with services.database.transaction() as session:
        report = session.scalars(select(Report).where(Report.reference == reference)).one()
        content = crypto.unseal(keyed.key_pair.private, report.sealed_content_for_reporter)
        report.receipt_hash = older.lookup_hash
        report.reporter_public_key = older.key_pair.public
        report.sealed_content_for_reporter = crypto.seal(older.key_pair.public, content)
        report.receipt_scheme = crypto.RECEIPT_ARGON2ID


def count_argon2id_derivations(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    derive = services.reports.follow_up._derive_argon2id_receipt

    def counted(receipt_key: str) -> crypto.ReceiptSecrets:
        calls.append(receipt_key)
        return derive(receipt_key)

    monkeypatch.setattr(services.reports.follow_up, "_derive_argon2id_receipt", counted)
    return calls


def test_a_new_report_is_stored_under_the_keyed_hash_and_opens_without_argon2id(
    client: TestClient, staff: Staff, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff.handler()
    receipt = submit(client, "Keyed hashing")
    calls = count_argon2id_derivations(services, monkeypatch)
    assert what_the_reporter_reads(client, receipt["receipt_key"]) == "Keyed hashing"
    with services.database.transaction() as session:
        report = session.scalars(select(Report).where(Report.reference == receipt["reference"])).one()
        assert report.receipt_scheme == crypto.RECEIPT_KEYED
        assert report.receipt_hash == services.reports.derive_receipt(receipt["receipt_key"]).lookup_hash
    wrong = client.post(
        "/api/v1/reporter/session", json={"receipt_key": "0000-0000-0000-0000-0000-0000-0000"}
    )
    assert wrong.status_code == 401
    assert calls == []  # no report from before keyed hashing: a wrong key costs one keyed hash


def test_a_report_received_under_argon2id_still_opens_with_its_receipt(
    client: TestClient, staff: Staff, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff.handler()
    older = submit(client, "Received before keyed hashing")
    newer = submit(client, "Received after")
    as_received_before_keyed_hashing(services, older["reference"], older["receipt_key"])
    calls = count_argon2id_derivations(services, monkeypatch)
    assert what_the_reporter_reads(client, older["receipt_key"]) == "Received before keyed hashing"
    assert what_the_reporter_reads(client, newer["receipt_key"]) == "Received after"
    assert calls == [older["receipt_key"]]  # the newer one was found by its keyed hash first
    wrong = client.post(
        "/api/v1/reporter/session", json={"receipt_key": "0000-0000-0000-0000-0000-0000-0000"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "wrong_receipt"
