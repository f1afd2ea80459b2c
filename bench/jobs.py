"""Notification jobs per second with two `upstander worker` processes against one, in one run.

On a fresh PostgreSQL database, with a real SMTP server (aiosmtpd) on loopback: for 1 and then
2 workers, the workers are started and left to register with the queue, then N notifications are
written in one transaction (each deferring its delivery job in it, as a real cause does), and the
time from that commit until every one of them is sent is measured. It prints jobs per second for
each and the ratio, appends them to bench/results/jobs.jsonl, and asserts nothing about time.

    .venv/bin/python bench/jobs.py [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import ledger

from common.mailbox import free_port
from upstander.accounts.models import Role
from upstander.audit.service import Actor
from upstander.config import KdfCost, Settings
from upstander.notify import rules
from upstander.notify.models import Delivery, Notification
from upstander.services import Services, build_services
from upstander.store import schema

SERVER = os.environ.get("UPSTANDER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
FAST = KdfCost(opslimit=1, memlimit_kib=8)


class Counting:
    def __init__(self) -> None:
        self.received = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self._lock:
            self.received += 1
        return "250 OK"


def _workers(count: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(  # noqa: S603 - this interpreter running upstander's own command
            [sys.executable, "-m", "upstander.cli", "worker", "--name", f"bench-{n}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def _measure(count: int, env: dict[str, str], services: Services, recipient: uuid.UUID, jobs: int) -> float:
    """Jobs per second of ``count`` running workers, from the commit that defers the jobs."""
    workers = _workers(count, env)
    try:
        while True:
            with services.database.transaction() as session:
                if session.scalar(text("SELECT count(*) FROM procrastinate_workers")) >= count:
                    break
            time.sleep(0.2)
        with services.database.transaction() as session:
            for _ in range(jobs):
                link = rules.case_link(uuid.uuid4())
                services.notify.write(session, [recipient], rules.Kind.CASE_ASSIGNED, link, None, unique=True)
        started = time.perf_counter()
        while True:
            with services.database.transaction() as session:
                waiting = session.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.delivery == Delivery.PENDING)
                )
            if not waiting:
                return jobs / (time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        with services.database.transaction() as session:
            session.execute(text("DELETE FROM procrastinate_workers"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=400)
    args = parser.parse_args()

    name = f"upstander_bench_jobs_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    counting = Counting()
    port = free_port()
    smtp = Controller(counting, hostname="127.0.0.1", port=port, server_hostname="localhost")
    smtp.start()
    figures: dict[int, float] = {}
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            schema.upgrade(url)
            settings = Settings(
                data_dir=Path(data_dir), database_url=url, password_cost=FAST, receipt_cost=FAST
            )
            services = build_services(settings)
            created = services.accounts.create_user(
                username="handler",
                display_name="Handler",
                password="correct horse battery staple",  # noqa: S106 - a throwaway bench account
                roles=[Role.HANDLER],
                actor=Actor.system("bench"),
            )
            with services.database.transaction() as session:
                session.execute(
                    text("INSERT INTO notification_choices VALUES (:id, 'h@example.org', false, now())"),
                    {"id": created.user_id},
                )
            env = {
                **os.environ,
                "UPSTANDER_DATABASE_URL": url,
                "UPSTANDER_DATA_DIR": data_dir,
                "UPSTANDER_SMTP_HOST": "127.0.0.1",
                "UPSTANDER_SMTP_PORT": str(port),
                "UPSTANDER_SMTP_STARTTLS": "false",
                "UPSTANDER_LOG_LEVEL": "WARNING",
            }
            for count in (1, 2):
                figures[count] = _measure(count, env, services, created.user_id, args.jobs)
            services.database.dispose()
    finally:
        smtp.stop()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    ratio = figures[2] / figures[1]
    print(
        f"Notification jobs, {args.jobs} per run, PostgreSQL queue, SMTP on loopback ({os.cpu_count()} cores)"
    )
    print(f"  1 worker : {figures[1]:8.1f} jobs/s")
    print(f"  2 workers: {figures[2]:8.1f} jobs/s   ({ratio:.2f}x one worker)")
    print(f"  messages received by the SMTP server: {counting.received} (expected {2 * args.jobs})")
    ledger.record(
        "jobs",
        "two_workers_jobs_per_second",
        round(figures[2], 1),
        "jobs/s",
        round(figures[1], 1),
        "one_worker_jobs_per_second",
        round(ratio, 2),
        jobs=args.jobs,
        received=counting.received,
    )


if __name__ == "__main__":
    main()
