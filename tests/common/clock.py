"""The services' idea of now, which a test names and moves (sessions expire, deadlines pass).

A test that does not name its own start begins at `NAMED_START`, so the suite gives the same
answers on every day of the year. `.ci/run` also runs the tests marked `clock` with the machine's
clock faked (libfaketime) to awkward dates (`tests/at_dates.sh`, `common/machine_dates.py`); the
clock then starts at that same moment instead, which proves each test computes what it expects
from its own start rather than from a calendar it assumes. `UPSTANDER_TEST_CLOCK_START` (ISO 8601,
UTC) starts it elsewhere by hand, to try one test at one moment.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The England & Wales pack keeps its calendar in London: "today" there is not always the UTC date.
PACK_ZONE = ZoneInfo("Europe/London")

# A Wednesday in early March: no bank holiday within weeks, no clock change within days.
NAMED_START = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def default_start() -> datetime:
    named = os.environ.get("UPSTANDER_TEST_CLOCK_START")
    if not named:
        return NAMED_START
    start = datetime.fromisoformat(named)
    return start if start.tzinfo else start.replace(tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = (start or default_start()).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def today(self) -> date:
        """Today where the pack keeps its calendar (London), as the product reckons it."""
        return self.now.astimezone(PACK_ZONE).date()

    def move_to(self, day: date) -> datetime:
        """Midday in London on `day`, later than now: a day's deadlines are judged by then."""
        moved = datetime.combine(day, time(12), tzinfo=PACK_ZONE).astimezone(UTC)
        if moved < self.now:
            raise ValueError(f"the clock only moves forward: {moved} is before {self.now}")
        self.now = moved
        return self.now
