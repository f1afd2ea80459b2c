"""Background work on procrastinate: the delivery of notifications and the periodic jobs.

Why procrastinate: it is a maintained job library whose queue lives in PostgreSQL itself
(LISTEN/NOTIFY to wake workers, ``SELECT … FOR UPDATE SKIP LOCKED`` so that each job is taken by
one worker, periodic tasks deferred once per schedule across every worker, retries, locks), so
Upstander needs no broker beside its database, and a job can be deferred in the same transaction
as its cause (``queue.py``). ``upstander worker`` processes may run on several machines.

On the embedded SQLite default there is no shared queue. The same procrastinate app, with its
in-memory connector, runs inside ``upstander serve`` (or one ``upstander worker``): its periodic
tasks and worker loop are procrastinate's, and the outbox table is what makes the work durable
(a sweep every few seconds sends what is waiting), so ``make run`` needs nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate.testing import InMemoryConnector
from sqlalchemy.engine import make_url

from upstander.config import Settings
from upstander.notify.queue import DELIVER_TASK, QUEUE
from upstander.retention.tasks import run_retention

if TYPE_CHECKING:
    from upstander.services import Services

log = logging.getLogger("upstander.jobs")

# procrastinate's cron has a sixth field for seconds.
SWEEP_ON_POSTGRESQL = "* * * * *"  # only what a killed worker left behind; jobs arrive by NOTIFY
SWEEP_IN_PROCESS = "* * * * * */5"
DAILY_DUE_CHECK = "0 7 * * *"
DAILY_DIGESTS = "30 7 * * *"
PATTERNS_SCAN = "20 * * * *"
AUDIT_CHECKPOINT = "*/5 * * * *"
RETENTION = "40 3 * * *"
RECORDS_RETENTION = "10 3 * * *"


def is_postgresql(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def conninfo(database_url: str) -> str:
    """The libpq address of a SQLAlchemy PostgreSQL URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Jobs:
    """The procrastinate app of one process, its tasks calling the services built for it."""

    def __init__(self, settings: Settings, build_services: Callable[[Settings], Services]) -> None:
        url = settings.resolved_database_url
        self.shared_queue = is_postgresql(url)
        connector: Any = (
            procrastinate.PsycopgConnector(conninfo=conninfo(url))
            if self.shared_queue
            else InMemoryConnector()
        )
        self.app = procrastinate.App(connector=connector)
        self._settings = settings
        self._build_services = build_services
        self._services: Services | None = None
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._declare()

    @property
    def services(self) -> Services:
        with self._lock:
            if self._services is None:
                self._services = self._build_services(self._settings)
            return self._services

    def _declare(self) -> None:
        app = self.app
        retry = procrastinate.RetryStrategy(max_attempts=5, wait=30, exponential_wait=2)

        @app.task(name=DELIVER_TASK, queue=QUEUE, retry=retry)
        def deliver(notification_id: str) -> None:
            self.services.notify.deliver(uuid.UUID(notification_id))

        @app.periodic(cron=SWEEP_ON_POSTGRESQL if self.shared_queue else SWEEP_IN_PROCESS)
        @app.task(name="notify.sweep", queue=QUEUE, queueing_lock="notify.sweep")
        def sweep(timestamp: int) -> None:
            sent = self.services.notify.sweep()
            if sent:
                log.info("Sent %s waiting notification(s)", sent)

        if self.shared_queue:
            # procrastinate's own recipe: a job left "doing" by a worker that stopped sending its
            # heartbeat (killed, its machine lost) is put back in the queue.
            @app.periodic(cron=SWEEP_ON_POSTGRESQL)
            @app.task(name="jobs.retry_stalled", queue="periodic", queueing_lock="jobs.retry_stalled")
            async def retry_stalled(timestamp: int) -> None:
                for job in await app.job_manager.get_stalled_jobs():
                    log.warning(
                        "Job %s (%s) was left by a stopped worker; queued again", job.id, job.task_name
                    )
                    await app.job_manager.retry_job(job)

        @app.periodic(cron=DAILY_DUE_CHECK)
        @app.task(name="notify.due_work", queue=QUEUE)
        def due_work(timestamp: int) -> None:
            log.info("Due-work check: %s reminder(s) written", self.services.notify.check_due_work().written)

        @app.periodic(cron=DAILY_DIGESTS)
        @app.task(name="notify.digests", queue=QUEUE)
        def digests(timestamp: int) -> None:
            log.info("Daily digests: %s sent", self.services.notify.send_digests())

        @app.periodic(cron=PATTERNS_SCAN)
        @app.task(name="patterns.scan", queue="periodic")
        def patterns_scan(timestamp: int) -> None:
            result = self.services.intervention.scan()
            log.info("Patterns scan: %s raised, %s grown", result.raised, result.grown)

        @app.periodic(cron=AUDIT_CHECKPOINT)
        @app.task(name="audit.checkpoint", queue="periodic")
        def audit_checkpoint(timestamp: int) -> None:
            services = self.services
            with services.database.transaction() as session:
                services.audit.checkpoint(session)

        @app.periodic(cron=RETENTION)
        @app.task(name="notify.retention", queue="periodic")
        def retention(timestamp: int) -> None:
            log.info("Retention: %s old notification(s) deleted", self.services.notify.prune())

        # What the policy packs say is due after each case closed: erased, each erasure audited;
        # a case under a legal hold is left as it is (retention/service.py).
        @app.periodic(cron=RECORDS_RETENTION)
        @app.task(name="retention.records", queue="periodic", queueing_lock="retention.records")
        def records_retention(timestamp: int) -> None:
            done = run_retention(self.services, self.services.clock())
            log.info(
                "Records retention: %s erased, %s left under a hold set meanwhile, %s left while in force",
                len(done.erased),
                len(done.held_meanwhile),
                len(done.still_in_force),
            )

    def run(
        self, *, until_empty: bool = False, name: str = "worker", install_signal_handlers: bool = True
    ) -> None:
        """Work jobs until stopped (or, with ``until_empty``, until the queues are empty)."""

        async def work() -> None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            worker = asyncio.create_task(self._work(until_empty, name, install_signal_handlers))
            stopped = asyncio.create_task(self._stop.wait())
            await asyncio.wait({worker, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not worker.done():
                worker.cancel()  # procrastinate ends a cancelled worker gracefully
            with contextlib.suppress(asyncio.CancelledError):
                await worker

        try:
            asyncio.run(work())
        finally:
            self.close()

    async def _work(self, until_empty: bool, name: str, install_signal_handlers: bool) -> None:
        async with self.app.open_async():
            await self.app.run_worker_async(
                wait=not until_empty,
                name=name,
                install_signal_handlers=install_signal_handlers,
                listen_notify=self.shared_queue,
                fetch_job_polling_interval=5.0 if self.shared_queue else 1.0,
                update_heartbeat_interval=5.0,
                stalled_worker_timeout=30.0,
                delete_jobs="successful",
            )

    def stop(self) -> None:
        """Ask a running worker (in another thread) to finish its job and stop."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    def close(self) -> None:
        with self._lock:
            if self._services is not None:
                self._services.database.dispose()
                self._services = None


def run_in_background(
    settings: Settings, build_services: Callable[[Settings], Services]
) -> tuple[Jobs, threading.Thread]:
    """The SQLite default: the jobs run in a thread of `upstander serve`."""
    # A sweep every few seconds would fill the server's log with procrastinate's line per job.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    jobs = Jobs(settings, build_services)
    thread = threading.Thread(
        target=jobs.run,
        kwargs={"install_signal_handlers": False, "name": "in-process"},
        daemon=True,
        name="jobs",
    )
    thread.start()
    return jobs, thread
