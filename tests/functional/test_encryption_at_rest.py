"""A copy of the database alone reveals no report content and no receipt key."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from common.reports import report_json
from common.staff import Staff
from upstander.services import Services


def raw_database_bytes(services: Services, database_url: str, tmp_path: Path) -> bytes:
    """The SQLite file with its write-ahead log, or a plain-SQL pg_dump of the PostgreSQL database."""
    if services.database.is_postgresql:
        url = make_url(database_url)
        dump = subprocess.run(
            [
                "pg_dump",
                "--no-owner",
                "-h",
                url.host or "127.0.0.1",
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                url.database or "",
            ],
            check=True,
            capture_output=True,
        )
        return dump.stdout
    services.database.dispose()
    path = Path(make_url(database_url).database or "")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def variants(text: str) -> list[bytes]:
    """Every way the text could sit in raw storage: plain, UTF-16, hex, base64."""
    raw = text.encode()
    return [raw, text.encode("utf-16-le"), raw.hex().encode(), base64.b64encode(raw)]


def test_no_trace_of_the_report_or_the_receipt_in_the_raw_database(
    client: TestClient, staff: Staff, services: Services, database_url: str, tmp_path: Path
) -> None:
    handler = staff.handler()
    phrase = f"violet-harbour-{uuid.uuid4().hex[:10]}"
    receipt = client.post(
        "/api/v1/reports",
        json=report_json(
            what_happened=f"He said {phrase} before he grabbed me.",
            where=f"the {phrase} room",
            subjects=[{"name": f"Sgt {phrase}", "unit": phrase}],
            attachments=[
                {
                    "filename": f"{phrase}.txt",
                    "content_base64": base64.b64encode(f"file {phrase}".encode()).decode(),
                }
            ],
        ),
    ).json()
    receipt_key = receipt["receipt_key"]
    token = client.post("/api/v1/reporter/session", json={"receipt_key": receipt_key}).json()["token"]
    client.post(
        "/api/v1/reporter/messages",
        headers={"authorization": f"Bearer {token}"},
        json={"text": f"More about {phrase}"},
    )
    headers = staff.api_headers(client, handler)
    [item] = client.get("/api/v1/inbox", headers=headers).json()
    client.post(f"/api/v1/reports/{item['id']}/replies", headers=headers, json={"text": f"Reply on {phrase}"})
    client.post(f"/api/v1/reports/{item['id']}/notes", headers=headers, json={"text": f"Note on {phrase}"})
    # The content is really there for an authorised reader...
    assert phrase in client.get(f"/api/v1/reports/{item['id']}", headers=headers).json()["what_happened"]

    raw = raw_database_bytes(services, database_url, tmp_path)
    assert len(raw) > 10_000, "the dump should contain the database"
    assert item["reference"].encode() in raw, "the scan must see plain columns, or it proves nothing"
    # ...and nowhere in the raw storage.
    for secret in (phrase, receipt_key, receipt_key.replace("-", ""), "violet-harbour"):
        for encoded in variants(secret):
            assert encoded not in raw, f"{secret!r} found in the raw database"
