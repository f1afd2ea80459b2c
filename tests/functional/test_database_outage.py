"""PostgreSQL taken away and given back, for real: the app reaches it through a TCP proxy that
the tests cut (refused and reset, as when the server stops) or hang (accepted, never answered,
as when its host stops answering) and then restore.

An unreachable database answers 503 problem+json with Retry-After (pages: a calm "try again in
a minute" keeping what was typed), leaves one log line per failed request and no traceback, and
nothing is lost or stored twice when the failed submissions are retried with the same key.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, select
from typer.testing import CliRunner

from common.clock import FakeClock
from common.live_server import serving
from common.pages import csrf, form_fields, sign_in
from common.reports import report_json
from common.staff import Staff
from common.tcp_proxy import TcpProxy
from upstander.app import create_app
from upstander.cli import app as cli
from upstander.cli import check_server_keys_once_the_database_answers
from upstander.config import Settings
from upstander.org.models import Person
from upstander.reports.models import Report
from upstander.safeguarding.models import RelationshipDeclaration
from upstander.services import Services, build_services
from upstander.store.key_fingerprints import KeysDoNotMatchDatabase

SUBMISSIONS = 200
SPACING_SECONDS = 0.02  # a burst of 50 submissions a second for 4 seconds
CUT_AFTER_ANSWERS = 30
CUT_FOR_SECONDS = 2.0
ANSWERS_DURING_CUT = 30
UNAVAILABLE = "database unavailable:"


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    upstream = make_url(database_url)
    with TcpProxy((upstream.host or "127.0.0.1", upstream.port or 5432)) as running:
        yield running


@pytest.fixture
def proxied(
    services: Services, settings: Settings, proxy: TcpProxy, database_url: str, clock: FakeClock
) -> Iterator[Services]:
    """A second app process's services, on the same database and secrets, through the proxy."""
    url = make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    settings = Settings(
        data_dir=settings.data_dir,
        database_url=url,
        password_cost=settings.password_cost,
        receipt_cost=settings.receipt_cost,
        database_connect_timeout_seconds=2,
    )
    through_proxy = build_services(settings, clock=clock)
    yield through_proxy
    through_proxy.database.dispose()


def stored_references(services: Services) -> list[str]:
    with services.database.transaction() as session:
        return list(session.scalars(select(Report.reference)))


def problems_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def assert_no_traceback(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    for record in caplog.records:
        assert record.exc_info is None, f"a traceback was logged: {record.getMessage()}"
        assert "Traceback" not in record.getMessage()
    assert "Traceback" not in capfd.readouterr().err


@dataclass
class Answer:
    key: str
    status: int
    sent_at: float
    answered_at: float
    response: httpx.Response


def test_a_burst_through_a_cut_answers_503_and_every_retried_submission_is_stored_once(
    proxied: Services,
    proxy: TcpProxy,
    services: Services,
    staff: Staff,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    staff.handler()
    caplog.set_level(logging.INFO)
    bodies = {
        f"outage-{index:04d}-key": report_json(what_happened=f"Submission {index} of the burst.")
        for index in range(SUBMISSIONS)
    }
    local = threading.local()
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=30)
            clients.append(local.client)
        return local.client

    answered: list[Answer] = []

    def submit(key: str, at: float) -> Answer:
        time.sleep(max(0.0, at - time.monotonic()))
        sent = time.monotonic()
        response = client().post("/api/v1/reports", json=bodies[key], headers={"Idempotency-Key": key})
        answer = Answer(key, response.status_code, sent, time.monotonic(), response)
        answered.append(answer)
        return answer

    def wait_for(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, "the burst stalled"
            time.sleep(0.02)

    with ExitStack() as warm:  # a server that has been running has its pool of connections open
        for _ in range(8):
            warm.enter_context(proxied.database.engine.connect())
    with serving(create_app(services=proxied)) as base, ThreadPoolExecutor(max_workers=8) as pool:
        start = time.monotonic()
        futures = [pool.submit(submit, key, start + i * SPACING_SECONDS) for i, key in enumerate(bodies)]
        # Mid-burst, however fast this machine is today: after the first answers, for a few
        # seconds and until a good number of submissions have met the cut.
        wait_for(lambda: len(answered) >= CUT_AFTER_ANSWERS)
        cut_at = time.monotonic()
        proxy.cut()
        wait_for(
            lambda: (
                time.monotonic() - cut_at >= CUT_FOR_SECONDS
                and sum(a.sent_at >= cut_at for a in answered) >= ANSWERS_DURING_CUT
            )
        )
        proxy.restore()
        restored_at = time.monotonic()
        first = [future.result() for future in futures]
        unavailable_count = sum(answer.status == 503 for answer in first)
        logged_during_burst = problems_logged(caplog)

        failed = [answer for answer in first if answer.status != 201]
        retried = list(pool.map(lambda answer: submit(answer.key, 0), failed))
        again = client().post(
            "/api/v1/reports", json=report_json(), headers={"Idempotency-Key": "after-the-cut"}
        )
        replay = client().post(
            "/api/v1/reports", json=bodies[first[0].key], headers={"Idempotency-Key": first[0].key}
        )
        for each in clients:
            each.close()

    counts: dict[int, int] = {}
    for answer in first:
        counts[answer.status] = counts.get(answer.status, 0) + 1
    within_cut = [a for a in first if a.sent_at >= cut_at and a.answered_at <= restored_at]
    assert set(counts) <= {201, 503}, f"only stored or 'try again': {counts}"
    assert len(within_cut) >= ANSWERS_DURING_CUT // 2, "the cut fell in the middle of the burst"
    assert {a.status for a in within_cut} == {503}
    assert counts.get(201, 0) >= CUT_AFTER_ANSWERS, "the submissions answered before the cut were stored"
    for answer in first:
        if answer.status == 503:
            assert answer.response.headers["content-type"] == "application/problem+json"
            assert answer.response.headers["retry-after"] == "60"
            body = answer.response.json()
            assert body["status"] == 503
            assert body["code"] == "database_unavailable"
            assert "try again in a minute" in body["detail"]

    # Every failure left exactly one line naming the database, and nothing else complained.
    assert len(logged_during_burst) == unavailable_count
    assert all(record.getMessage().startswith(UNAVAILABLE) for record in logged_during_burst)
    assert all(" answered 503 " in record.getMessage() for record in logged_during_burst)
    assert_no_traceback(caplog, capfd)

    # Retried with the same key: stored (201), or answered with the first receipt (200) when the
    # first try had landed after all; then each submission is stored exactly once.
    assert {answer.status for answer in retried} <= {200, 201}
    receipts = {a.key: a.response.json()["reference"] for a in first + retried if a.status in {200, 201}}
    assert sorted(receipts) == sorted(bodies)
    assert again.status_code == 201
    assert replay.status_code == 200
    assert replay.json()["reference"] == receipts[first[0].key]
    stored = stored_references(services)
    assert len(stored) == len(set(stored)) == SUBMISSIONS + 1
    assert set(stored) == {*receipts.values(), again.json()["reference"]}


def test_a_database_host_that_stops_answering_gets_503_within_the_connect_timeout(
    proxied: Services, proxy: TcpProxy, staff: Staff, caplog: pytest.LogCaptureFixture
) -> None:
    staff.handler()
    with TestClient(create_app(services=proxied), base_url="https://testserver") as client:
        assert client.post("/api/v1/reports", json=report_json()).status_code == 201
        proxy.hang()
        started = time.monotonic()
        answer = client.post("/api/v1/reports", json=report_json())
        waited = time.monotonic() - started
        proxy.restore()
        assert client.post("/api/v1/reports", json=report_json()).status_code == 201
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "60"
    # (without a connect timeout libpq waits for ever, and psycopg gives up after 130 s)
    assert waited < 10, f"answered after {waited:.1f}s: the 2 s connect timeout bounds the wait"
    [line] = problems_logged(caplog)
    assert line.getMessage().startswith(UNAVAILABLE)
    assert "timeout" in line.getMessage().lower()


REPORTER_TYPED = {
    "category": "sexual_harassment",
    "relation": "victim",
    "what_happened": 'He waited for me after the night shift.\r\nI told him to stop; he laughed & said "nobody '
    'will believe a probationer" <twice>.',
    "when": "Most nights in March",
    "where": "Northgate yard",
    "subject_name": "Sgt Example",
    "subject_staff_number": "NS04242",
    "subject_unit": "Response A",
    "identity_choice": "named",
    "identity_name": "Kim Rowe",
    "identity_staff_number": "NS00999",
    "identity_contact": "07700 900123, after 6pm",
    "about_sex": "female",
    "about_ethnicity": "Black British",
    "about_age": "24",
}


def test_the_report_form_sent_while_the_database_is_away_comes_back_with_everything_typed(
    proxied: Services,
    proxy: TcpProxy,
    services: Services,
    staff: Staff,
    caplog: pytest.LogCaptureFixture,
) -> None:
    staff.handler()
    staff.overseer()  # holds the custodian key for a named report
    with TestClient(create_app(services=proxied), base_url="https://testserver") as client:
        page = client.get("/report").text
        sent = [(name, value) for name, value in form_fields(page, "/report") if name not in REPORTER_TYPED]
        sent += list(REPORTER_TYPED.items())
        proxy.cut()
        refused = client.post("/report", data=dict(sent), files={"files": ("", b"")})
        proxy.restore()

        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "60"
        assert "Please try again in a minute." in refused.text
        assert "Everything you wrote is still here." in refused.text
        assert "field-error" not in refused.text, "nothing the reporter typed was wrong"
        kept: dict[str, list[str]] = {}
        for name, value in form_fields(refused.text, "/report"):
            kept.setdefault(name, []).append(value)
        for name, value in REPORTER_TYPED.items():
            assert kept[name][0].replace("\r\n", "\n") == value.replace("\r\n", "\n"), name
        assert kept["submission_token"] == [dict(sent)["submission_token"]]

        again = client.post("/report", data=kept, files={"files": ("", b"")})
    assert again.status_code == 201
    assert re.search(r"R-[0-9A-Z-]+", again.text)
    assert len(stored_references(services)) == 1
    assert [record.getMessage()[: len(UNAVAILABLE)] for record in problems_logged(caplog)] == [UNAVAILABLE]


def test_a_staff_form_sent_while_the_database_is_away_is_kept_and_can_be_sent_again(
    proxied: Services,
    proxy: TcpProxy,
    services: Services,
    staff: Staff,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = staff.handler()
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS04242", given_name="Gareth", family_name="Example", rank="PC"))
    note = "We trained together.\nI was best man at his wedding in 2019."
    with TestClient(create_app(services=proxied), base_url="https://testserver") as client:
        sign_in(client, clock, handler)
        page = client.get("/staff/declarations").text
        proxy.cut()
        refused = client.post(
            "/staff/declarations",
            data={"csrf_token": csrf(page), "person": "NS04242", "relationship": "friend", "note": note},
        )
        sign_in_refused = client.post(
            "/staff/sign-in",
            data={
                "csrf_token": csrf(page),
                "username": "handler",
                "password": "the password typed",
                "totp_code": "123456",
                "next": "/staff/cases",
            },
        )
        proxy.restore()

        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "60"
        assert "Please try again in a minute." in refused.text
        assert "Nothing you typed is lost" in refused.text
        kept = form_fields(refused.text, "/staff/declarations")
        assert [(n, v) for n, v in kept if n != "csrf_token"] == [
            ("person", "NS04242"),
            ("relationship", "friend"),
            ("note", note),
        ]
        assert "best man at his wedding" in refused.text.split('id="kept-form"')[1].split("</form>")[1]

        assert sign_in_refused.status_code == 503
        assert "the password typed" not in sign_in_refused.text
        assert "123456" not in sign_in_refused.text
        asked = dict(form_fields(sign_in_refused.text, "/staff/sign-in"))
        assert asked["username"] == "handler"
        assert asked["next"] == "/staff/cases"
        assert asked["password"] == asked["totp_code"] == "", "secrets are asked for again"

        sent_again = client.post("/staff/declarations", data=dict(kept), follow_redirects=False)
    assert sent_again.status_code == 303
    with services.database.transaction() as session:
        [declaration] = session.scalars(select(RelationshipDeclaration))
        assert declaration.note == note
    assert len(problems_logged(caplog)) == 2


def _through(proxy: TcpProxy, database_url: str) -> str:
    return make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)


def test_a_command_run_while_the_database_is_away_says_so_in_one_line(
    services: Services,
    proxy: TcpProxy,
    database_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", _through(proxy, database_url))
    monkeypatch.setenv("COLUMNS", "250")
    proxy.cut()
    result = CliRunner().invoke(cli, ["audit", "verify"])
    proxy.restore()

    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert said.startswith("Cannot reach the database (OperationalError: ")
    assert said.endswith("Nothing was done; run the command again once the database is back.")
    assert "Traceback" not in result.output
    assert CliRunner().invoke(cli, ["audit", "verify"]).exit_code == 0


def test_a_server_started_before_its_database_waits_for_it_and_then_checks_its_keys(
    services: Services,
    proxy: TcpProxy,
    database_url: str,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    through = settings.model_copy(update={"database_url": _through(proxy, database_url)})
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            proxy.restore()

    proxy.cut()
    with caplog.at_level(logging.WARNING, logger="upstander.serve"):
        check_server_keys_once_the_database_answers(through, sleep=pause)

    assert pauses == [1, 2, 5]
    waiting = [r.getMessage() for r in caplog.records if r.name == "upstander.serve"]
    assert len(waiting) == 3
    assert all(re.fullmatch(r"Cannot reach the database \(.+\); trying again in \d+ s", m) for m in waiting)
    assert not any(r.exc_info for r in caplog.records)

    # Waiting for the database never skips the key check that follows it.
    key_file = settings.resolved_audit_signing_key_file
    kept = key_file.rename(tmp_path / "kept-aside.key")
    try:
        with pytest.raises(KeysDoNotMatchDatabase, match=r"audit-signing\.key is missing"):
            check_server_keys_once_the_database_answers(through, sleep=pause)
    finally:
        kept.rename(key_file)
