"""Vetting checks over the API: the barred list, the advisory list and case history, on both databases."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.staff import Staff
from common.vetting import DECIDED, DOB, add_person, bar, barred_person, close, open_case
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.org import lists
from upstander.org.lists_models import AdvisoryListEntry, BarredListEntry
from upstander.org.models import Person
from upstander.services import Services


@pytest.fixture
def vetter(client: TestClient, staff: Staff) -> dict[str, str]:
    return staff.api_headers(client, staff.user("vetting", [Role.VETTING]))


@pytest.fixture
def barred(client: TestClient, staff: Staff, services: Services) -> tuple[uuid.UUID, uuid.UUID, str]:
    return barred_person(client, staff, services)


def check(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/vetting/checks", headers=headers, json={"purpose": "hiring", **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_barred_person_is_found_by_staff_number(
    client: TestClient, vetter: dict[str, str], barred: tuple[uuid.UUID, uuid.UUID, str]
) -> None:
    _, _, reference = barred
    result = check(client, vetter, staff_number="ns 01234", purpose="transfer")
    assert result["verdict"] == "barred"
    assert result["purpose"] == "transfer"
    assert result["summary"] == (
        f"BARRED: on the barred list since 3 March 2027 (would have been dismissed, case {reference}); "
        "review due 3 March 2032."
    )
    listed = [m for m in result["matches"] if m["source"] == "barred_list"]
    assert [(m["strength"], m["reason"], m["force_name"]) for m in listed] == [
        ("certain", "same staff number (NS01234)", "Northshire Police")
    ]
    staff_record = next(m for m in result["matches"] if m["source"] == "staff_record")
    assert staff_record["employment_status"] == "resigned"
    assert staff_record["open_cases"] == [reference]


def test_a_barred_person_is_found_by_a_misspelt_name_and_date_of_birth(
    client: TestClient, vetter: dict[str, str], barred: tuple[uuid.UUID, uuid.UUID, str]
) -> None:
    result = check(client, vetter, given_name="Jon", family_name="Smyth", date_of_birth=DOB.isoformat())
    assert result["verdict"] == "barred"
    entry = next(m for m in result["matches"] if m["source"] == "barred_list")
    assert entry["strength"] == "likely"
    assert "family name sounds the same (Smyth/Smith)" in entry["reason"]
    assert entry["review_on"] == "2032-03-03"


def test_the_entry_outlives_a_change_to_the_staff_record(
    client: TestClient, vetter: dict[str, str], services: Services, barred: tuple[uuid.UUID, uuid.UUID, str]
) -> None:
    person_id, _, _ = barred
    with services.database.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        person.family_name = "Smith-Okoro"
        person.staff_number = "NS77777"
    by_old_details = check(
        client, vetter, given_name="John", family_name="Smith", date_of_birth=DOB.isoformat()
    )
    assert by_old_details["verdict"] == "barred"
    by_new_number = check(client, vetter, staff_number="NS77777")
    assert by_new_number["verdict"] == "barred"
    entry = next(m for m in by_new_number["matches"] if m["source"] == "barred_list")
    assert entry["strength"] == "certain"
    assert entry["staff_number"] == "NS01234"
    assert entry["reason"].endswith("the entry is for that staff record")


def test_listing_is_idempotent_per_person_and_case(
    services: Services, barred: tuple[uuid.UUID, uuid.UUID, str]
) -> None:
    person_id, case_id, reference = barred
    again = bar(services, person_id, case_id, reference)
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BarredListEntry)) == 1
        assert session.get(BarredListEntry, again.id) is not None


def test_an_advisory_entry_is_found_and_the_barred_list_replaces_it(
    client: TestClient, staff: Staff, vetter: dict[str, str], services: Services
) -> None:
    person_id = add_person(services, "NS05555", "Sarah", "Okafor", other_names=["Whitfield"])
    case_id, reference = open_case(client, staff, services, person_id)
    for _ in range(2):
        with services.database.transaction() as session:
            lists.add_to_advisory_list(
                session,
                person_id=person_id,
                case_id=case_id,
                case_reference=reference,
                reason="resigned while under investigation",
                decided_on=date(2027, 1, 9),
            )
    result = check(client, vetter, given_name="Sarah", family_name="Whitfield", date_of_birth=DOB.isoformat())
    assert result["verdict"] == "advisory_list"
    assert result["summary"] == (
        "ON THE ADVISORY LIST: on the advisory list since 9 January 2027 "
        f"(resigned while under investigation, case {reference})."
    )
    assert "HAS OPEN CASES" in result["findings"][1]

    bar(services, person_id, case_id, reference)
    result = check(client, vetter, staff_number="NS05555")
    assert result["verdict"] == "barred"
    assert not any(m["source"] == "advisory_list" for m in result["matches"])
    with services.database.transaction() as session:
        [advisory] = session.scalars(select(AdvisoryListEntry)).all()
        assert advisory.removed_on == DECIDED
        assert advisory.removal_reason == "placed on the barred list"


def test_advisory_entries_are_removed_when_the_case_ends_without_a_bar(
    client: TestClient, staff: Staff, vetter: dict[str, str], services: Services
) -> None:
    person_id = add_person(services, "NS05556", "Tom", "Reed")
    case_id, reference = open_case(client, staff, services, person_id)
    with services.database.transaction() as session:
        lists.add_to_advisory_list(
            session,
            person_id=person_id,
            case_id=case_id,
            case_reference=reference,
            reason="retired while under investigation",
            decided_on=date(2027, 1, 9),
        )
    with services.database.transaction() as session:
        removed = lists.remove_advisory_entries(
            session, case_id=case_id, reason="no case to answer", on=date(2027, 6, 1)
        )
        assert len(removed) == 1
    close(services, case_id)
    result = check(client, vetter, staff_number="NS05556")
    assert result["verdict"] == "past_cases"
    assert result["summary"] == f"HAS PAST CASES: 1 closed case ({reference}) names them."


def test_a_person_with_an_open_case_is_found(
    client: TestClient, staff: Staff, vetter: dict[str, str], services: Services
) -> None:
    person_id = add_person(services, "NS02468", "Priya", "Patel")
    _, reference = open_case(client, staff, services, person_id)
    result = check(client, vetter, family_name="Patel", date_of_birth=DOB.isoformat())
    assert result["verdict"] == "open_cases"
    assert result["summary"] == f"HAS OPEN CASES: 1 open case ({reference}) names them."
    [record] = result["matches"]
    assert (record["source"], record["strength"], record["employment_status"]) == (
        "staff_record",
        "likely",
        "serving",
    )


def test_someone_from_another_force_entered_by_details_only_is_found(
    client: TestClient, vetter: dict[str, str], services: Services
) -> None:
    with services.database.transaction() as session:
        session.add(
            BarredListEntry(
                given_name="Gary",
                family_name="O'Neill",
                date_of_birth=date(1979, 11, 2),
                force_name="Westshire Constabulary",
                case_reference="WC/2025/117",
                reason="dismissed without notice",
                decided_on=date(2025, 9, 1),
                review_on=date(2030, 9, 1),
            )
        )
    result = check(client, vetter, given_name="Garry", family_name="ONeil", date_of_birth="1979-11-02")
    assert result["verdict"] == "barred"
    [entry] = result["matches"]
    assert entry["force_name"] == "Westshire Constabulary"


def test_a_clean_person_has_no_record(
    client: TestClient, staff: Staff, vetter: dict[str, str], services: Services
) -> None:
    add_person(services, "NS03333", "Aisha", "Khan")
    result = check(client, vetter, staff_number="NS03333")
    assert result["verdict"] == "no_record"
    assert result["summary"] == (
        "NO RECORD FOUND: not on the barred list or the advisory list, and no case names them."
    )
    assert [m["record"] for m in result["matches"]] == ["staff record (serving): no case names them"]
    nobody = check(client, vetter, given_name="Nobody", family_name="Known", date_of_birth="1990-01-01")
    assert (nobody["verdict"], nobody["matches"]) == ("no_record", [])


def test_withdrawing_a_barred_entry_after_a_successful_appeal(
    client: TestClient, vetter: dict[str, str], services: Services, barred: tuple[uuid.UUID, uuid.UUID, str]
) -> None:
    _, case_id, reference = barred
    with services.database.transaction() as session:
        withdrawn = lists.withdraw_barred_entry(
            session, case_id=case_id, reason="overturned on appeal", on=date(2027, 8, 1)
        )
        assert len(withdrawn) == 1
    with services.database.transaction() as session:
        assert (
            lists.withdraw_barred_entry(session, case_id=case_id, reason="again", on=date(2027, 9, 1)) == []
        )
        entry = session.scalars(select(BarredListEntry)).one()
        assert (entry.removed_on, entry.removal_reason) == (date(2027, 8, 1), "overturned on appeal")
    result = check(client, vetter, staff_number="NS01234")
    assert result["verdict"] == "open_cases"
    assert result["summary"] == f"HAS OPEN CASES: 1 open case ({reference}) names them."


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"staff_number", "family_name", "date_of_birth"}),
        ({"given_name": "John", "family_name": "Smith"}, {"staff_number", "date_of_birth"}),
    ],
)
def test_a_check_without_enough_to_go_on_is_refused_naming_the_fields(
    client: TestClient, vetter: dict[str, str], body: dict[str, str], fields: set[str]
) -> None:
    response = client.post("/api/v1/vetting/checks", headers=vetter, json={"purpose": "hiring", **body})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == fields


def test_a_check_needs_a_purpose(client: TestClient, vetter: dict[str, str]) -> None:
    response = client.post("/api/v1/vetting/checks", headers=vetter, json={"staff_number": "NS01234"})
    assert response.status_code == 422
    assert "purpose" in {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMIN, Role.INVESTIGATOR, Role.WELFARE])
def test_a_role_without_the_permission_is_refused(
    client: TestClient, staff: Staff, services: Services, role: Role
) -> None:
    headers = staff.api_headers(client, staff.user(f"user-{role.value}", [role]))
    response = client.post(
        "/api/v1/vetting/checks", headers=headers, json={"purpose": "hiring", "staff_number": "NS01234"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only the vetting unit, the professional standards team and the overseer can run vetting checks."
    )
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).where(AuditEntry.action == "vetting.checked")) == 0


def test_each_check_is_audited_without_the_query_text(
    client: TestClient, staff: Staff, vetter: dict[str, str], services: Services
) -> None:
    result = check(client, vetter, given_name="Jon", family_name="Smyth", date_of_birth=DOB.isoformat())
    check(client, vetter, staff_number="ns 01234")
    with services.database.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "vetting.checked").order_by(AuditEntry.seq)
        ).all()
    vetting_user = staff.user("vetting", [Role.VETTING])
    assert [entry.actor for entry in entries] == [f"user:{vetting_user.user_id}"] * 2
    assert entries[0].subject_id == result["check_id"]
    by_name, by_number = entries[0].details, entries[1].details
    assert "Smyth" not in str(by_name)
    assert "Jon" not in str(by_name)
    assert DOB.isoformat() not in str(by_name)
    assert len(by_name["name_hash"]) == 64
    assert by_name["date_of_birth_given"] is True
    assert by_number["staff_number"] == "NS01234"
    assert by_number["purpose"] == "hiring"
