"""The clock tests at several real dates in one process, the machine's clock moved between them.

`tests/at_dates.sh` starts pytest under libfaketime with its offset in a file
(`FAKETIME_TIMESTAMP_FILE`, re-read every second) and the dates in `UPSTANDER_TEST_DATES`. Every
test that uses the `clock` fixture is then run once per date, all of one date before the next,
the dates in order so the machine's clock only ever moves forward (a backward jump would stall
every timer already set). Before the first test of a date the offset file is rewritten and the
test waits until the process's own clock says that date. The test's clock starts at that same
moment, not at its named date: what it expects must follow from its own start.

One process for many dates pays Python's start-up, the imports and the collection once, not once
per date.
"""

from __future__ import annotations

import inspect
import os
import re
import time
from datetime import UTC, datetime

import pytest

DATES_VARIABLE = "UPSTANDER_TEST_DATES"
OFFSET_FILE_VARIABLE = "FAKETIME_TIMESTAMP_FILE"
# libfaketime reads the file again after FAKETIME_CACHE_DURATION seconds; allow for a busy machine.
MOVE_TIMEOUT_SECONDS = 30.0
CLOSE_ENOUGH_SECONDS = 60.0


def machine_dates() -> list[datetime]:
    """The dates asked for, earliest first; none outside a run of `tests/at_dates.sh`."""
    named = os.environ.get(DATES_VARIABLE, "")
    dates = [datetime.fromisoformat(part.strip()) for part in named.split(",") if part.strip()]
    return sorted(day if day.tzinfo else day.replace(tzinfo=UTC) for day in dates)


def date_id(day: datetime) -> str:
    return day.strftime("at-%Y-%m-%dT%H%MZ")


def _offset_seconds(path: str) -> int:
    with open(path, encoding="ascii") as file:
        written = file.read().strip()
    match = re.fullmatch(r"([+-]?\d+)s?", written)
    if match is None:
        raise RuntimeError(f"{path} holds {written!r}, not a libfaketime offset such as +86400s")
    return int(match.group(1))


class MachineClock:
    """Moves the process's faked clock to each date in turn, by rewriting libfaketime's offset."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def move_to(self, target: datetime) -> None:
        if self.at == target:
            return
        self.at = target
        if abs(time.time() - target.timestamp()) < CLOSE_ENOUGH_SECONDS:
            return  # the run started at this date
        path = os.environ.get(OFFSET_FILE_VARIABLE)
        if not path:
            raise RuntimeError(
                f"{DATES_VARIABLE} names dates but {OFFSET_FILE_VARIABLE} is not set: run tests/at_dates.sh"
            )
        offset = _offset_seconds(path) + round(target.timestamp() - time.time())
        with open(f"{path}.new", "w", encoding="ascii") as file:
            file.write(f"{offset:+d}s\n")
        os.replace(f"{path}.new", path)  # libfaketime never reads a half-written offset
        deadline = time.perf_counter() + MOVE_TIMEOUT_SECONDS
        while abs(time.time() - target.timestamp()) >= CLOSE_ENOUGH_SECONDS:
            if time.perf_counter() > deadline:
                raise RuntimeError(
                    f"the machine's clock did not move to {target} within {MOVE_TIMEOUT_SECONDS:.0f} s "
                    f"(it says {datetime.fromtimestamp(time.time(), UTC)}): is libfaketime preloaded?"
                )
            time.sleep(0.1)


_machine_clock = MachineClock()


def machine_date_of(request: pytest.FixtureRequest) -> datetime | None:
    """The real date this test runs at (the machine's clock moved there), or None on a plain run."""
    target: datetime | None = getattr(request, "param", None)
    if target is not None:
        _machine_clock.move_to(target)
    return target


def parametrize_by_date(metafunc: pytest.Metafunc) -> None:
    """Each test marked `clock` (it asks for the clock by name, or its module says it depends on the
    date), once per date; the rest get the clock through other fixtures and never read or move it."""
    dates = machine_dates()
    if not dates or "machine_date" not in metafunc.fixturenames:
        return
    asks_by_name = "clock" in inspect.signature(metafunc.function).parameters
    if asks_by_name or metafunc.definition.get_closest_marker("clock") is not None:
        metafunc.parametrize("machine_date", dates, indirect=True, ids=[date_id(day) for day in dates])


def in_date_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """All of one date's tests before the next date's, each date's in collection order."""
    dates = machine_dates()
    if not dates:
        return items
    position = {day: index for index, day in enumerate(dates)}

    def date_of(item: pytest.Item) -> int:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "machine_date" not in callspec.params:
            return -1
        return position[callspec.params["machine_date"]]

    return sorted(items, key=date_of)
