"""How a notification's delivery job is enqueued in the transaction of its cause.

On PostgreSQL the job is a row of procrastinate's queue, inserted through procrastinate's own
``procrastinate_defer_jobs_v1`` function in the SQLAlchemy session of the cause: it commits or
rolls back with the change, and its NOTIFY wakes a worker only on commit. On SQLite there is no
shared queue: the outbox row itself is the job, and the in-process worker's sweep sends it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

DELIVER_TASK = "notify.deliver"
QUEUE = "notify"

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, CAST(:args AS jsonb), NULL)"
    "::procrastinate_job_to_defer_v1])"
)


class DeliveryQueue(Protocol):
    def defer_in(self, session: Session, notification_ids: Sequence[uuid.UUID]) -> None: ...


class ProcrastinateQueue:
    """Defers one ``notify.deliver`` job per notification, in the caller's transaction."""

    def defer_in(self, session: Session, notification_ids: Sequence[uuid.UUID]) -> None:
        for notification_id in notification_ids:
            session.execute(
                _DEFER,
                {
                    "queue": QUEUE,
                    "task": DELIVER_TASK,
                    "args": json.dumps({"notification_id": str(notification_id)}),
                },
            )


class OutboxOnly:
    """The outbox row is the job: the in-process worker's sweep finds it."""

    def defer_in(self, session: Session, notification_ids: Sequence[uuid.UUID]) -> None:
        return None


def queue_for(database_url: str) -> DeliveryQueue:
    return ProcrastinateQueue() if database_url.startswith("postgresql") else OutboxOnly()
