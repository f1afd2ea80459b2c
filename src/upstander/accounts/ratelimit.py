"""Fixed-window rate limits stored in the database, so every app process shares them.

Keys name an account, a receipt visitor or a global budget — never an IP address: a force's
intranet is one address, and an anonymous reporter's address must never be kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from upstander.accounts.models import RateLimitWindow


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
        session.execute(
            delete(RateLimitWindow).where(RateLimitWindow.window_start < start - timedelta(hours=1))
        )
    return count <= limit


def seconds_left(now: datetime, window_seconds: int) -> int:
    return max(1, window_seconds - int(now.timestamp()) % window_seconds)
