"""The administrator keeps the units: creates, renames, moves and closes them, each step audited;
a move into its own descendants, closing a unit people are posted to, and a change made on a
stale view are refused and change nothing; the page shows it all without JavaScript."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common import staff as staff_helpers
from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.query_count import counting
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.errors import Conflict, InvalidInput, NotAllowed
from upstander.org.models import OrgUnit, Person
from upstander.services import Services


@pytest.fixture
def admin(staff: Staff) -> staff_helpers.TestUser:
    return staff.user("admin", [Role.ADMIN])


def test_units_are_created_renamed_moved_and_closed_and_every_step_is_audited(
    staff: Staff, services: Services, admin: staff_helpers.TestUser
) -> None:
    by = staff.principal(admin)
    units = services.units
    force = units.create(by, code="nsp", name="Northshire Police", kind="force", parent_code=None)
    assert force.code == "NSP"
    north = units.create(by, code="N-CMD", name="North Command", kind="command", parent_code="NSP")
    team = units.create(by, code="N-RESP-A", name="Response  A", kind="team", parent_code="N-CMD")
    south = units.create(by, code="S-CMD", name="South Command", kind="command", parent_code="NSP")

    units.rename(by, team.unit_id, "Response Team A", seen_name="Response A")
    with pytest.raises(Conflict):
        units.rename(by, team.unit_id, "Something else", seen_name="Response A")
    units.move(by, team.unit_id, "S-CMD", seen_parent="N-CMD")
    with pytest.raises(Conflict):
        units.move(by, team.unit_id, "N-CMD", seen_parent="N-CMD")  # it is in S-CMD now
    with pytest.raises(InvalidInput):
        units.move(by, force.unit_id, "N-RESP-A", seen_parent=None)  # under its own descendant
    with pytest.raises(Conflict):
        units.create(by, code="N-CMD", name="Again", kind="command", parent_code="NSP")

    with services.database.transaction() as session:
        session.add(
            Person(staff_number="NS1", given_name="A", family_name="B", rank="PC", unit_id=team.unit_id)
        )
    with pytest.raises(Conflict, match="still posted"):
        units.close(by, team.unit_id)
    with pytest.raises(Conflict, match="open units are below"):
        units.close(by, south.unit_id)
    units.close(by, north.unit_id)
    with pytest.raises(Conflict, match="closed"):
        units.create(by, code="N-X", name="Under a closed one", kind="team", parent_code="N-CMD")
    with pytest.raises(Conflict, match="closed"):
        units.rename(by, north.unit_id, "Reopened?", seen_name="North Command")

    with services.database.transaction() as session:
        moved = session.get(OrgUnit, team.unit_id)
        assert moved is not None
        assert (moved.name, moved.parent_id) == ("Response Team A", south.unit_id)
        actions = list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == "org_unit")
                .order_by(AuditEntry.seq)
            )
        )
    assert actions == ["unit.created"] * 4 + ["unit.renamed", "unit.moved", "unit.closed"]
    with pytest.raises(NotAllowed):
        units.create(staff.principal(staff.handler()), code="X", name="X", kind="team", parent_code=None)


def test_the_units_page_lists_pages_and_changes_units(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    by = staff.principal(admin)
    services.units.create(by, code="NSP", name="Northshire Police", kind="force", parent_code=None)
    for number in range(52):
        services.units.create(
            by, code=f"T{number:03d}", name=f"Team {number}", kind="team", parent_code="NSP"
        )
    token = sign_in(client, clock, admin, "/staff/units")
    with counting(services.database.engine) as counted:
        first = client.get("/staff/units")
    assert first.status_code == 200
    assert counted.count <= 10
    assert first.text.count('<tr id="unit-') == 50
    assert "/staff/units?after=T048" in first.text
    assert client.get("/staff/units?after=T048").text.count('<tr id="unit-') == 3
    refused = client.post(
        "/staff/units", data={"csrf_token": token, "code": "bad code", "name": "Bad", "kind": "team"}
    )
    assert refused.status_code == 422
    assert 'value="Bad"' in refused.text
    made = client.post(
        "/staff/units",
        data={
            "csrf_token": csrf(refused.text),
            "code": "CID",
            "name": "Criminal Investigation",
            "kind": "unit",
            "parent": "NSP",
        },
        follow_redirects=True,
    )
    assert "Unit CID created." in made.text
    unit_id = re.search(r'id="unit-CID">.*?/staff/units/([0-9a-f-]+)/rename', made.text, re.S)
    assert unit_id
    closed = client.post(
        f"/staff/units/{unit_id.group(1)}/close", data={"csrf_token": csrf(made.text)}, follow_redirects=True
    )
    assert "Closed." in closed.text
    assert re.search(r'id="unit-CID">.*?class="status">closed ', closed.text, re.S)
    sign_in(client, clock, staff.overseer(), "/staff/audit")
    assert client.get("/staff/units").status_code == 403
