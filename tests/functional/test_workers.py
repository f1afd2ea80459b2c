"""`upstander worker` processes: each job done once with two of them, and a worker killed mid-job
loses nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from common.clock import FakeClock
from common.mailbox import Mailbox, body, smtp_server
from common.reports import submission
from common.staff import Staff
from upstander.config import Settings
from upstander.db import Database
from upstander.notify import rules
from upstander.notify.models import Delivery, Notification
from upstander.services import Services, build_services

ADDRESS = "handler@force.example.org"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def services(settings: Settings, database: Database, clock: FakeClock, mailbox: Mailbox) -> Services:
    mail = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port, "smtp_starttls": False}
    )
    return build_services(mail, database, clock)


def _worker(services: Services, mailbox: Mailbox, name: str, *extra: str) -> subprocess.Popen[bytes]:
    settings = services.settings
    env = {
        **os.environ,
        "UPSTANDER_DATABASE_URL": settings.resolved_database_url,
        "UPSTANDER_DATA_DIR": str(Path(settings.data_dir).resolve()),
        "UPSTANDER_SMTP_HOST": "127.0.0.1",
        "UPSTANDER_SMTP_PORT": str(mailbox.port),
        "UPSTANDER_SMTP_STARTTLS": "false",
        "UPSTANDER_NOTIFICATION_LEASE_SECONDS": "2",
        "UPSTANDER_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "upstander.cli", "worker", "--name", name, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _waiting(services: Services, count: int) -> uuid.UUID:
    handler = Staff(services, services.clock).handler()  # type: ignore[arg-type]
    principal = Staff(services, services.clock).principal(handler)  # type: ignore[arg-type]
    services.notify.choose(principal, ADDRESS, "immediate")
    with services.database.transaction() as session:
        for _ in range(count):
            link = rules.case_link(uuid.uuid4())
            services.notify.write(
                session, [handler.user_id], rules.Kind.CASE_ASSIGNED, link, None, unique=True
            )
    return handler.user_id


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_workers_on_postgresql_do_each_job_once(services: Services, mailbox: Mailbox) -> None:
    with services.database.transaction() as session:
        session.execute(text("DELETE FROM procrastinate_jobs"))
    _waiting(services, 60)

    workers = [_worker(services, mailbox, f"w{n}", "--until-empty") for n in (1, 2)]
    outputs = [worker.communicate(timeout=120)[0].decode() for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    links = [re.findall(r"/staff/cases/[0-9a-f-]+", body(message))[0] for message in mailbox.messages()]
    assert len(links) == 60
    assert len(set(links)) == 60
    with services.database.transaction() as session:
        attempts = list(session.scalars(select(Notification.attempts)))
        left = session.scalar(
            text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'notify.deliver'")
        )
    assert attempts == [1] * 60
    assert left == 0  # every job succeeded (successful jobs are deleted)


def test_a_worker_killed_mid_job_loses_nothing_and_sends_once(
    services: Services, mailbox: Mailbox, clock: FakeClock, backend: str
) -> None:
    Staff(services, clock).overseer()
    _waiting(services, 0)
    mailbox.hold = threading.Event()
    services.reports.submit(submission())

    worker = _worker(services, mailbox, "doomed")
    try:
        assert mailbox.hold.wait(60), "the worker never started sending"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
    mailbox.release.set()

    with services.database.transaction() as session:
        row = session.scalars(select(Notification)).one()
    assert row.delivery == Delivery.PENDING
    assert row.attempts == 1
    assert row.claimed_until is not None
    assert mailbox.messages() == []

    # The next sweep, once the killed worker's lease has run out, sends it; no sweep sends it twice.
    clock.now = max(clock.now, row.claimed_until + timedelta(seconds=1))
    assert services.notify.sweep() == 1
    assert services.notify.sweep() == 0
    assert [m["To"] for m in mailbox.messages()] == [ADDRESS]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_on_sqlite_the_jobs_run_inside_the_server_process(
    services: Services, mailbox: Mailbox, clock: FakeClock
) -> None:
    from upstander.notify.jobs import run_in_background

    Staff(services, clock).overseer()
    _waiting(services, 0)
    jobs, thread = run_in_background(
        services.settings, lambda settings: build_services(settings, clock=clock)
    )
    try:
        services.reports.submit(submission())
        for _ in range(200):
            if mailbox.messages():
                break
            time.sleep(0.1)
    finally:
        jobs.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert [m["To"] for m in mailbox.messages()] == [ADDRESS]
