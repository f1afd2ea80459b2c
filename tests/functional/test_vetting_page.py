"""The vetting officer's page: a check for hiring or a transfer, its answer in plain words, a
refusal that keeps what was typed, and the officer's own past checks, paged and audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common import staff as staff_helpers
from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.query_count import counting
from common.staff import Staff
from common.vetting import barred_person
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.org import vetting_log
from upstander.services import Services


@pytest.fixture
def vetter(staff: Staff) -> staff_helpers.TestUser:
    return staff.user("vetting", [Role.VETTING])


def test_the_vetting_officer_checks_on_the_page_and_finds_the_barred_person(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, vetter: staff_helpers.TestUser
) -> None:
    _, _, reference = barred_person(client, staff, services)
    token = sign_in(client, clock, vetter)
    # The vetting officer lands on their work.
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/staff/vetting"
    empty = client.get("/staff/vetting")
    assert "No checks yet." in empty.text
    refused = client.post(
        "/staff/vetting", data={"csrf_token": token, "purpose": "hiring", "given_name": "John"}
    )
    assert refused.status_code == 422
    assert 'value="John"' in refused.text
    found = client.post(
        "/staff/vetting",
        data={"csrf_token": csrf(refused.text), "purpose": "transfer", "staff_number": "ns 01234"},
    )
    assert found.status_code == 200, found.text
    assert '<strong id="vetting-verdict">BARRED</strong>' in found.text
    assert reference in found.text
    assert 'id="past-checks"' in found.text
    assert "staff number NS01234" in found.text
    with services.database.transaction() as session:
        audited = session.scalar(select(func.count()).where(AuditEntry.action == "vetting.checked"))
    assert audited == 1


def test_past_checks_are_the_officer_s_own_and_paged_without_a_query_per_row(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, vetter: staff_helpers.TestUser
) -> None:
    from upstander.org.vetting import Purpose, VettingQuery

    other = staff.user("other-vetter", [Role.VETTING])
    mine = staff.principal(vetter)
    for number in range(vetting_log.PAGE_SIZE + 3):
        services.vetting.check(mine, VettingQuery(Purpose.HIRING, staff_number=f"XX{number:05d}"))
    services.vetting.check(staff.principal(other), VettingQuery(Purpose.HIRING, staff_number="YY00001"))
    sign_in(client, clock, vetter)
    with counting(services.database.engine) as counted:
        first = client.get("/staff/vetting")
    assert counted.count <= 10
    assert first.text.count("<tr><td>") == vetting_log.PAGE_SIZE
    assert "YY00001" not in first.text
    older = services.vetting.my_checks(mine).next_before
    assert f"/staff/vetting?before={older}" in first.text
    second = client.get(f"/staff/vetting?before={older}")
    assert second.text.count("<tr><td>") == 3
    assert "XX00000" in second.text
    # Nobody outside the vetting roles reaches the page.
    sign_in(client, clock, staff.user("admin", [Role.ADMIN]), "/staff/admin")
    assert client.get("/staff/vetting").status_code == 403
