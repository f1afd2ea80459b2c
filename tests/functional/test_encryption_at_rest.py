"""A copy of the database alone reveals no report content, no receipt key and no free text a person typed."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Enum, String, Text, select
from sqlalchemy.engine import make_url

from common.cases import CaseWalk
from common.clock import FakeClock
from common.reports import report_json
from common.safeguarding import build_force, post
from common.staff import Staff
from upstander.accounts.models import Role, User
from upstander.db import Base, SealedText
from upstander.org.models import Person
from upstander.reports.models import Report
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


# --- every free text a person types ------------------------------------------------------------

# Text columns stored in the clear, each with the reason it is not free text someone typed.
NOT_FREE_TEXT: dict[str, str] = {
    **dict.fromkeys(
        ["cases.next_due_label", "cases.owed_by"],
        "worked out from the policy pack (a duty's label, role names) on every step; read in SQL by the lists",
    ),
    "enrolments.code_hash": "a keyed hash of a one-time enrolment code, never the code itself",
    "notification_choices.email": "a member of staff's work address for content-free notifications",
    **dict.fromkeys(
        ["notifications.dedupe_key", "notifications.kind", "notifications.link"],
        "a notification's fixed kind and the page path it links to (an id at most): no content",
    ),
    "retention_erasures.kind": "the kind of record erased (a fixed name of the policy pack)",
    **dict.fromkeys(
        [
            "audit_entries.actor",
            "audit_entries.action",
            "audit_entries.subject_type",
            "audit_entries.subject_id",
        ],
        "who and what the audit log records, by id and fixed action names",
    ),
    **dict.fromkeys(
        [
            "audit_entries.prev_hash",
            "audit_entries.entry_hash",
            "audit_head.last_hash",
            "audit_checkpoints.entry_hash",
            "audit_checkpoints.public_key",
            "audit_checkpoints.signature",
        ],
        "hashes, public keys and signatures of the audit chain",
    ),
    **dict.fromkeys(
        [
            "detriment_watches.person_tag",
            "idempotency_records.key_hash",
            "idempotency_records.request_hash",
            "web_sessions.id_hash",
            "reports.receipt_hash",
            "escrowed_reports.reporter_ref",
            "key_fingerprints.fingerprint",
            "users.password_hash",
            "rate_limit_windows.key",
        ],
        "keyed hashes, Argon2id hashes or fingerprints, never the secret",
    ),
    "reports.receipt_scheme": "the name of the derivation a receipt hash was made with, from a fixed set",
    **dict.fromkeys(
        [
            "key_fingerprints.name",
            "org_keys.name",
            "org_key_grants.name",
            "web_sessions.kind",
            "case_events.kind",
            "cases.stage",
            "cases.policy_pack",
            "cases.policy_version",
            "intervention_flags.rule_id",
            "intervention_flags.rule_title",
            "intervention_flags.pack_id",
            "intervention_flags.pack_version",
            "intervention_flags.raised_by",
            "subject_links.method",
            "restriction_reviews.outcome",
            "restrictions.category",
            "assignment_overrides.role",
            "relationship_declarations.relationship",
            "complaints.source",
        ],
        "a name or code the software chooses from a fixed list (the policy pack, an enum)",
    ),
    "intervention_flags.detail": "written by the pack's rule from counts and categories, not typed",
    **dict.fromkeys(
        [
            "cases.reference",
            "reports.reference",
            "complaints.source_ref",
            "allegations.source_ref",
            "barred_list_entries.case_reference",
            "advisory_list_entries.case_reference",
        ],
        "references the software issues, or a source dataset's own row id",
    ),
    **dict.fromkeys(
        [
            "org_units.code",
            "org_units.name",
            "postings.shift_pattern",
            "posting_changes.from_shift",
            "posting_changes.to_shift",
        ],
        "the organisation's structure and rota names, which every member of staff sees",
    ),
    **dict.fromkeys(
        [
            "people.staff_number",
            "people.given_name",
            "people.family_name",
            "people.rank",
            "users.username",
            "users.display_name",
        ],
        "who staff are: searched and linked on, in the clear by design (DESIGN.md, subject linking)",
    ),
    **dict.fromkeys(
        ["people.ethnicity", "people.sex", "complainants.ethnicity", "complainants.sex"],
        "protected characteristics from a fixed vocabulary, counted by the statistics in SQL",
    ),
    **dict.fromkeys(
        [
            "allegations.category",
            "allegations.recommended_finding",
            "allegations.finding",
            "allegations.outcome",
            "allegations.sanction",
        ],
        "imported from published datasets, or the workflow's fixed outcome names; counted in SQL",
    ),
    **dict.fromkeys(
        [
            f"{table}.{column}"
            for table in ("barred_list_entries", "advisory_list_entries")
            for column in ("staff_number", "given_name", "family_name", "force_name", "sanction")
        ],
        "the listed person as the national lists name them, searched by vetting checks",
    ),
    **dict.fromkeys(
        [
            f"{table}.{column}"
            for table in ("barred_list_entries", "advisory_list_entries")
            for column in ("reason", "removal_reason")
        ],
        "written by the workflow from fixed phrases ('dismissed', 'overturned on appeal')",
    ),
}


def text_columns() -> dict[str, Any]:
    import upstander.store.tables  # noqa: F401  (every table registered)

    return {
        f"{table.name}.{column.name}": column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text | SealedText) and not isinstance(column.type, Enum)
    }


def sealed_columns() -> dict[str, Any]:
    return {name: column for name, column in text_columns().items() if isinstance(column.type, SealedText)}


def test_every_text_column_is_sealed_or_explained() -> None:
    """A new plain text column fails here until it is sealed or its reason is written above."""
    unexplained = sorted(
        name for name, column in text_columns().items()
        if not isinstance(column.type, SealedText) and name not in NOT_FREE_TEXT
    )  # fmt: skip
    assert unexplained == [], f"seal these (SealedText) or say in NOT_FREE_TEXT why not: {unexplained}"
    stale = sorted(set(NOT_FREE_TEXT) - set(text_columns()))
    assert stale == [], f"NOT_FREE_TEXT names columns that are not plain text (any more): {stale}"
    assert not set(NOT_FREE_TEXT) & set(sealed_columns())


def typed(marker: str, column: str) -> str:
    """What a person types into one column: long enough for every minimum, and findable."""
    return f"Because {marker} said so on nights ({column}), as recorded at the time."


def test_every_free_text_a_person_types_is_sealed_in_the_raw_database(
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    """Each sealed column written through the product, then looked for in the raw storage."""
    marker = f"amber-lantern-{uuid.uuid4().hex[:10]}"
    build_force(services)
    walk = CaseWalk(client, staff, services, clock)
    post(services, "NS04242", "RN-A", "day")
    post(services, "NS00001", "RN-A", "day")
    with services.database.transaction() as session:
        person = session.scalars(select(Person).where(Person.staff_number == "NS00001")).one()
        session.get_one(User, walk.investigator.user_id).person_id = person.id
    walk.assessed("misconduct")
    walk.step(
        walk.dm,
        "assign_investigator",
        investigator_id=str(walk.investigator.user_id),
        override_reasons=typed(marker, "assignment_overrides.reasons"),
    )

    welfare = walk.headers(staff.user("welfare", [Role.WELFARE]))
    decision = walk.headers(walk.dm)
    handler = walk.headers(walk.handler)
    hr = walk.headers(staff.user("hr", [Role.HR]))

    def ok(response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    ok(client.post(f"/api/v1/cases/{walk.case_id}/legal-hold", headers=decision,
                   json={"reason": typed(marker, "legal_holds.reason")}), 201)  # fmt: skip
    ok(client.post(f"/api/v1/cases/{walk.case_id}/legal-hold/lift", headers=decision,
                   json={"reason": typed(marker, "legal_holds.lift_reason")}))  # fmt: skip

    post(services, "NS00004", "CS-1", "nights")
    post(services, "NS00005", "RN-A", "A")
    order = ok(client.post("/api/v1/separation-orders", headers=welfare, json={
        "person_a": "NS00004", "person_b": "NS00005", "scope": ["team", "shift"],
        "reasons": typed(marker, "separation_orders.reasons"),
        "end_condition": f"until {marker} is resolved"}), 201)  # fmt: skip
    ok(client.post("/api/v1/postings", headers=decision, json={
        "person": "NS00005", "unit": "CS-1", "shift": "nights",
        "override_reasons": typed(marker, "posting_changes.override_reasons")}))  # fmt: skip
    ok(client.post(f"/api/v1/separation-orders/{order['id']}/end", headers=handler,
                   json={"reason": typed(marker, "separation_orders.end_reason")}))  # fmt: skip

    restriction = ok(client.post("/api/v1/restrictions", headers=decision, json={
        "person": "NS00003", "kind": "suspended", "category": "sexual_misconduct",
        "reasons": typed(marker, "restrictions.reasons"),
        "redeployment_considered": typed(marker, "restrictions.redeployment_considered")}), 201)  # fmt: skip
    ok(client.post(f"/api/v1/restrictions/{restriction['id']}/reviews", headers=decision, json={
        "outcome": "lifted", "reasons": typed(marker, "restriction_reviews.reasons")}))  # fmt: skip

    ok(client.post("/api/v1/declarations", headers=handler, json={
        "person": "NS00002", "relationship": "friend",
        "note": typed(marker, "relationship_declarations.note")[:200]}), 201)  # fmt: skip
    ok(client.post("/api/v1/hr/events", headers=hr, json={
        "person": "NS00002", "kind": "performance_rating",
        "details": typed(marker, "hr_events.details")}), 201)  # fmt: skip

    # A misspelt name is suggested, and confirmed with the handler's reasons.
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS07002", given_name="Gareth", family_name="Smith", rank="Sergeant"))
    receipt = ok(client.post("/api/v1/reports", json=report_json(
        category="sexual_harassment", subjects=[{"name": "Sgt Gaz Smyth", "unit": ""}])), 201)  # fmt: skip
    with services.database.transaction() as session:
        report_id = session.scalars(select(Report.id).where(Report.reference == receipt["reference"])).one()
    [subject] = ok(client.get(f"/api/v1/reports/{report_id}", headers=handler))["subjects"]
    ok(client.post(f"/api/v1/allegations/{subject['allegation_id']}/links", headers=handler, json={
        "person_id": subject["suggestions"][0]["person_id"], "confirm": True,
        "reasons": typed(marker, "subject_links.reasons")}), 204)  # fmt: skip

    # Two sexual allegations about one person within five years raise a flag; a decision maker answers.
    with services.database.transaction() as session:
        session.add(
            Person(staff_number="NS08001", given_name="Dan", family_name="Whitcombe", rank="Sergeant")
        )
    for _ in range(2):
        clock.advance(days=600)
        subjects = [{"name": "Sgt Whitcombe", "staff_number": "NS08001", "unit": ""}]
        ok(
            client.post("/api/v1/reports", json=report_json(category="sexual_harassment", subjects=subjects)),
            201,
        )
    decision = walk.headers(walk.dm)
    [flag] = ok(client.get("/api/v1/intervention-flags", headers=decision))["flags"]
    ok(client.post(f"/api/v1/intervention-flags/{flag['id']}/response", headers=decision, json={
        "decision": "management_action", "reasons": typed(marker, "intervention_flags.reasons")}))  # fmt: skip

    # A custodian's reasons for disclosing a named reporter's identity go into the audit log.
    custodian = staff.principal(staff.user("custodian", [Role.CUSTODIAN]))
    named = ok(client.post("/api/v1/reports", json=report_json(identity={"name": "Kim Rowe"})), 201)
    with services.database.transaction() as session:
        named_id = session.scalars(select(Report.id).where(Report.reference == named["reference"])).one()
    services.identities.disclose(custodian, named_id, typed(marker, "audit: identity.disclosed"))

    # Every sealed column now holds the marker (read back through the key), so the scan covers all.
    with services.database.transaction() as session:
        missing = [
            name for name, column in sealed_columns().items()
            if not any(marker in (value or "") for value in session.scalars(select(column)))
        ]  # fmt: skip
    assert missing == [], f"the test wrote nothing into {missing}: add a step that types into it"

    raw = raw_database_bytes(services, database_url, tmp_path)
    assert b"NS00004" in raw, "the scan must see plain columns, or it proves nothing"
    for encoded in variants(marker):
        assert encoded not in raw, f"typed free text found in the raw database ({encoded[:20]!r})"
