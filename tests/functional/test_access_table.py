"""The access table, tested whole: every route, as every role, with and without a tie to the case.

`access.ROUTES` says for each route who may reach it, which action it needs and whether it is
about one case or report. This test builds a small world (two cases, each from its own report),
signs in one person of every role plus a reporter and an anonymous visitor, requests every route
as each of them (about the case they are tied to, and about the other one) and compares each
answer with what the row says:

- ok: a page or a read answers 200; a write gets past the access check (it may still be refused
  for what was sent, as it is here: every write is sent empty);
- forbidden: 403, the role may not do this;
- hidden: 404, the route is about a case or report the person has no tie to;
- sign in: 401 from the API, or a page redirecting to the sign-in page.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common import staff as staff_helpers
from common.cases import CaseWalk
from common.clock import FakeClock
from common.escrow import escrow_json
from common.pages import csrf, sign_in
from common.reports import report_json
from common.staff import Staff
from upstander.access import PERMISSIONS, ROUTES, Audience, RouteRule, Scope
from upstander.accounts.models import Role
from upstander.app import ROUTERS, create_app
from upstander.cases.models import Allegation
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.reports.models import Attachment, Report
from upstander.services import Services

ANONYMOUS, REPORTER = "anonymous", "reporter"
ACTORS: list[str] = [ANONYMOUS, REPORTER, *(role.value for role in Role)]

# Routes that end a session go last, so that nobody is signed out before the other routes are asked.
SIGN_OUTS = [
    ("DELETE", "/api/v1/auth/token"),
    ("POST", "/staff/sign-out"),
    ("DELETE", "/api/v1/reporter/session"),
    ("POST", "/follow-up/sign-out"),
]

# Who is tied to what in the world below: the first case's handler, its appointed investigator,
# and every decision maker and overseer (a case's key is sealed to those roles when it opens);
# every report is sealed to the intake team (handlers) and the overseer when it arrives.
TIES: dict[str, frozenset[Role]] = {
    "case": frozenset({Role.HANDLER, Role.INVESTIGATOR, Role.DECISION_MAKER, Role.OVERSEER}),
    "other case": frozenset({Role.DECISION_MAKER, Role.OVERSEER}),
    "report": frozenset({Role.HANDLER, Role.INVESTIGATOR, Role.DECISION_MAKER, Role.OVERSEER}),
    "other report": frozenset({Role.HANDLER, Role.DECISION_MAKER, Role.OVERSEER}),
    # An escrow report is tied only to the member of staff who filed it: here, the handler.
    "escrowed": frozenset({Role.HANDLER}),
    "other escrowed": frozenset(),
    # The representative holds the subject's consent on the first case only.
    "represented": frozenset({Role.REPRESENTATIVE}),
    "other represented": frozenset(),
    # A consent (given to another representative) is tied to those who may withdraw it: the
    # handler and decision makers holding that case's key.
    "consent": frozenset({Role.HANDLER, Role.DECISION_MAKER}),
    "other consent": frozenset({Role.DECISION_MAKER}),
    # The welfare officer's own declaration, and one recorded for someone else.
    "declaration": frozenset({Role.WELFARE, Role.HANDLER, Role.DECISION_MAKER}),
    "other declaration": frozenset({Role.HANDLER, Role.DECISION_MAKER}),
}
OTHER = {name: f"other {name}" for name in TIES if not name.startswith("other ")}


def routes_of_the_app() -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        for method in getattr(route, "methods", set()) - {"HEAD"}
    }


def test_every_route_has_exactly_one_row_in_the_table() -> None:
    routes = routes_of_the_app()
    assert sorted(routes - ROUTES.keys()) == [], "routes with no row in access.ROUTES"
    assert sorted(ROUTES.keys() - routes) == [], "rows in access.ROUTES for routes that do not exist"


def test_a_route_added_without_a_row_is_refused_to_everyone(
    services: Services, staff: Staff, clock: FakeClock
) -> None:
    app = create_app(services=services)

    @app.get("/staff/forgotten")
    def forgotten() -> dict[str, str]:
        return {"shown": "to nobody"}

    overseer = staff.overseer()
    with TestClient(app, base_url="https://testserver") as client:
        for headers in ({}, staff.api_headers(client, overseer)):
            response = client.get("/staff/forgotten", headers=headers)
            assert response.status_code == 403
            assert "no entry in the access table" in response.text


def expected(rule: RouteRule, actor: str, tied: bool) -> str:
    """What the table says `actor` gets, restated from its rows without the code that enforces them."""
    role = None if actor in (ANONYMOUS, REPORTER) else Role(actor)
    holds_action = role is not None and (rule.action is None or role in PERMISSIONS[rule.action])
    if rule.audience is Audience.PUBLIC:
        if rule.action is None or actor == ANONYMOUS:
            return "ok"
        # Open to all, but a token presented must be a staff token holding the action.
        return "sign in" if role is None else ("ok" if holds_action else "forbidden")
    if rule.audience is Audience.REPORTER:
        return "ok" if actor == REPORTER else "sign in"
    if role is None:
        return "sign in"
    if not holds_action:
        return "forbidden"
    return "hidden" if rule.scope is not Scope.NONE and not tied else "ok"


def outcome(method: str, path: str, status: int, location: str) -> str:
    if status == 403:
        return "forbidden"
    if status == 404:
        return "hidden"
    sent_to_sign_in = (location.startswith("/staff/sign-in?") and "next=" in location) or location.split(
        "?", maxsplit=1
    )[0] == "/follow-up"
    if (status == 401 and path.startswith("/api/")) or (status == 303 and sent_to_sign_in):
        return "sign in"  # (a sign-in form answering wrong credentials with a 401 page is its own answer)
    if status >= 500:
        return f"server error {status}"
    if method == "GET":
        # A read answers 200, or sends a member of staff on to their own start page.
        return (
            "ok"
            if status == 200 or (status == 303 and location.startswith("/staff/"))
            else f"unexpected {status}"
        )
    return "ok"


@dataclass
class Signed:
    client: TestClient
    api: dict[str, str]
    csrf: str


@dataclass
class World:
    ids: dict[str, dict[str, str]]  # "tied"/"untied" -> path parameter -> value
    actors: dict[str, Signed]


FILE = {
    "filename": "rota.txt",
    "content_type": "text/plain",
    "content_base64": base64.b64encode(b"The rota for March.").decode(),
}


@pytest.fixture
def world(client: TestClient, staff: Staff, services: Services, clock: FakeClock) -> Iterator[World]:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("misconduct")
    users: dict[Role, staff_helpers.TestUser] = {
        Role.HANDLER: walk.handler,
        Role.DECISION_MAKER: walk.dm,
        Role.OVERSEER: walk.overseer,
        Role.INVESTIGATOR: walk.investigator,
    }
    for role in Role:
        users.setdefault(role, staff.user(role.value, [role]))

    with services.database.transaction() as session:
        session.add(Person(staff_number="NS04243", given_name="Dana", family_name="Example", rank="Sergeant"))
        # A real unit: a unit step sent empty is refused for what it lacks, or is a no-op move.
        unit = OrgUnit(kind=OrgUnitKind.TEAM, code="ACCESS-T", name="Access team")
        session.add(unit)
        session.flush()
        unit_id = str(unit.id)
    other_handler = staff.handler("second-handler")
    other = client.post(
        "/api/v1/reports",
        json=report_json(
            attachments=[FILE], subjects=[{"name": "Sgt Dana Example", "staff_number": "NS04243"}]
        ),
    ).json()
    with services.database.transaction() as session:
        other_report = session.scalars(select(Report.id).where(Report.reference == other["reference"])).one()
    opened = client.post(
        "/api/v1/cases",
        headers=staff.api_headers(client, other_handler),
        json={"report_ids": [str(other_report)]},
    )
    assert opened.status_code == 201, opened.text
    order = client.post(
        "/api/v1/separation-orders",
        headers=staff.api_headers(client, walk.handler),
        json={
            "person_a": "NS04242",
            "person_b": "NS04243",
            "scope": ["team"],
            "reasons": "They must not work together while the case is open.",
            "end_condition": "until the case closes",
        },
    )
    assert order.status_code == 201, order.text
    added = client.post(
        "/api/v1/reporter/messages",
        headers=walk.reporter_headers(),
        json={"text": "The rota shows who was on shift.", "attachments": [FILE]},
    )
    assert added.status_code in (200, 201), added.text
    escrowed = [
        client.post(
            "/api/v1/escrow/reports",
            headers=staff.api_headers(client, filer),
            json=escrow_json(person={"name": name, "unit": "Northgate Response"}),
        )
        for filer, name in ((walk.handler, "Alex Example"), (other_handler, "Sam Example"))
    ]
    assert [filed.status_code for filed in escrowed] == [201, 201], escrowed[0].text
    second_rep = staff.user("second-representative", [Role.REPRESENTATIVE])

    def consent(
        case_id: str, subject: str, representative: staff_helpers.TestUser, by: staff_helpers.TestUser
    ) -> str:
        given = client.post(
            f"/api/v1/cases/{case_id}/representatives",
            headers=staff.api_headers(client, by),
            json={"subject": subject, "representative_id": str(representative.user_id)},
        )
        assert given.status_code == 201, given.text
        return str(given.json()["id"])

    consent(walk.case_id, "NS04242", users[Role.REPRESENTATIVE], walk.handler)
    consents = [
        consent(walk.case_id, "NS04242", second_rep, walk.handler),
        consent(opened.json()["id"], "NS04243", second_rep, walk.dm),
    ]

    def declare(by: staff_helpers.TestUser, **body: str) -> str:
        made = client.post(
            "/api/v1/declarations",
            headers=staff.api_headers(client, by),
            json={"person": "NS04243", "relationship": "friend", "note": "We trained together.", **body},
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    declarations = [
        declare(users[Role.WELFARE]),
        declare(walk.handler, user_id=str(second_rep.user_id)),
    ]
    restricted = client.post(
        "/api/v1/restrictions",
        headers=staff.api_headers(client, walk.dm),
        json={"person": "NS04242", "kind": "restricted_duties", "category": "bullying",
              "reasons": "Kept away from the public while the case is open."},
    )  # fmt: skip
    assert restricted.status_code == 201, restricted.text
    first_report = uuid.UUID(walk.report_id)
    with services.database.transaction() as session:
        files = {
            report_id: str(
                session.scalars(select(Attachment.id).where(Attachment.report_id == report_id)).first()
            )
            for report_id in (first_report, other_report)
        }
        allegation = str(session.scalars(select(Allegation.id)).first())
        person = str(session.scalars(select(Person.id).where(Person.staff_number == "NS04242")).one())
    common = {
        "kind": "add_allegation",
        "person_id": person,
        "allegation_id": allegation,
        "order_id": order.json()["id"],
        "name": "disproportionality",
        "year": str(clock().year - 1),
        "restriction_id": restricted.json()["id"],
        "reference": restricted.json()["reference"],
        "flag_id": str(uuid.uuid4()),  # no flag is needed: a response sent empty is refused for what it lacks
        # A real account: a lifecycle step sent empty is refused for its missing reason, changing nothing.
        "user_id": str(users[Role.STAFF].user_id),
        "unit_id": unit_id,
    }
    ids = {
        "tied": {**common, "case_id": walk.case_id, "report_id": walk.report_id,
                 "attachment_id": files[first_report], "escrowed_id": escrowed[0].json()["id"],
                 "consent_id": consents[0], "declaration_id": declarations[0]},
        "untied": {**common, "case_id": opened.json()["id"], "report_id": str(other_report),
                   "attachment_id": files[other_report], "escrowed_id": escrowed[1].json()["id"],
                   "consent_id": consents[1], "declaration_id": declarations[1]},
    }  # fmt: skip

    actors: dict[str, Signed] = {}
    app = client.app
    with TestClient(app, base_url="https://testserver") as anonymous:
        actors[ANONYMOUS] = Signed(anonymous, {}, csrf(anonymous.get("/report").text))
        reporter = TestClient(app, base_url="https://testserver")
        reporter.post(
            "/follow-up",
            data={"csrf_token": csrf(reporter.get("/follow-up").text), "receipt_key": walk.receipt_key},
        )
        actors[REPORTER] = Signed(
            reporter, walk.reporter_headers(), csrf(reporter.get("/follow-up/report").text)
        )
        for role, user in users.items():
            page_client = TestClient(app, base_url="https://testserver")
            token = sign_in(page_client, clock, user)
            actors[role.value] = Signed(page_client, staff.api_headers(client, user), token)
        yield World(ids, actors)
        for signed in actors.values():
            signed.client.close()


# Reads that need a query to be complete.
# An analysis names a source whose complaints are there: each of the world's reports is a
# complaint of Upstander's own source.
INTERNAL_REPORTS = {"source": "upstander"}
QUERIES = {
    ("GET", "/api/v1/cases/{case_id}/candidates"): {"role": "investigator"},
    ("GET", "/api/v1/analysis"): INTERNAL_REPORTS,
    ("GET", "/staff/analysis/export.csv"): INTERNAL_REPORTS,
    ("GET", "/staff/analysis/export.json"): INTERNAL_REPORTS,
    ("GET", "/staff/cases/{case_id}/case-file.pdf"): {"for": "panel"},
}


def ask(signed: Signed, method: str, template: str, values: dict[str, str]) -> tuple[int, str]:
    path = template.format(**{name: values[name] for name in re.findall(r"{(\w+)}", template)})
    if template.startswith("/api/"):
        kwargs: dict[str, Any] = {"headers": signed.api, "params": QUERIES.get((method, template), {})}
        if method == "POST":
            kwargs["json"] = {}
    elif method == "POST":
        if (method, template) in SIGN_OUTS:
            # After one sign-out the form token is bound to what is left: take a fresh one.
            signed.csrf = csrf(signed.client.get("/report").text)
        kwargs = {"data": {"csrf_token": signed.csrf}}
    else:
        kwargs = {"params": QUERIES.get((method, template), {})}
    response = signed.client.request(method, path, follow_redirects=False, **kwargs)
    return response.status_code, response.headers.get("location", "")


def test_every_route_answers_every_role_as_the_table_says(world: World) -> None:
    order = sorted(ROUTES, key=lambda route: (SIGN_OUTS.index(route) if route in SIGN_OUTS else -1, route))
    mismatches: list[str] = []
    asked = 0
    for method, template in order:
        rule = ROUTES[(method, template)]
        scoped = rule.scope is not Scope.NONE
        for actor in ACTORS:
            for variant in ("tied", "untied") if scoped else ("tied",):
                tied = scoped and actor in {
                    role.value
                    for role in TIES[rule.scope.value if variant == "tied" else OTHER[rule.scope.value]]
                }
                want = expected(rule, actor, tied)
                status, location = ask(world.actors[actor], method, template, world.ids[variant])
                got = outcome(method, template, status, location)
                asked += 1
                if got != want:
                    mismatches.append(f"{method} {template} as {actor} ({variant}): want {want}, got {got}")
    assert mismatches == [], "\n".join(mismatches)
    assert asked >= len(ROUTES) * len(ACTORS)
