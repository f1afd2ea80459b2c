"""Fixed-window rate limits stored in the database, so every app process shares them.

Keys name an account, a receipt visitor or a global budget — never an IP address: a force's
intranet is one address, and an anonymous reporter's address must never be kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from upstander.accounts.models import RateLimitWindow

# Windows are at most a day long; a row is kept until its window has surely ended.
RETENTION = timedelta(days=1, hours=1)


def window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo)


def hit(session: Session, key: str, limit: int, window_seconds: int, now: datetime) -> bool:
    """Count one event against `key`; True while the window's count stays within `limit`."""
    start = window_start(now, window_seconds)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RateLimitWindow)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": RateLimitWindow.count + 1}
        )
        .returning(RateLimitWindow.count)
    )
    count = session.execute(statement).scalar_one()
    if count == 1:
        session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_start < now - RETENTION))
    return count <= limit


def used(session: Session, key: str, window_seconds: int, now: datetime) -> int:
    """How many events `key` has had in the current window (counting none)."""
    start = window_start(now, window_seconds)
    count = session.scalar(
        select(RateLimitWindow.count).where(RateLimitWindow.key == key, RateLimitWindow.window_start == start)
    )
    return count or 0


def refund(session: Session, key: str, window_seconds: int, now: datetime) -> None:
    """Take back one event counted by `hit` (it turned out not to be one the budget is about)."""
    start = window_start(now, window_seconds)
    session.execute(
        update(RateLimitWindow)
        .where(RateLimitWindow.key == key, RateLimitWindow.window_start == start, RateLimitWindow.count > 0)
        .values(count=RateLimitWindow.count - 1)
    )


def seconds_left(now: datetime, window_seconds: int) -> int:
    return max(1, window_seconds - int(now.timestamp()) % window_seconds)
