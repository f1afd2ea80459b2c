from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """The services' idea of now, which a test can move forward (sessions expire, deadlines pass)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = (start or datetime.now(UTC)).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
