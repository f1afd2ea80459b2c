"""At most a few files decoded or cleaned at once in one app process.

Decoding an image costs memory in proportion to its pixels, not its file size: a 227 KiB PNG can
declare 60 million pixels and need hundreds of megabytes. The pixel ceiling bounds one decode; this
gate bounds how many run together, so a burst of anonymous uploads cannot take the server's memory.
A request that finds every slot busy waits a bounded time, then is told plainly to try again.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from upstander.errors import ServiceUnavailable

BUSY = (
    "Too many files are being cleaned right now, so nothing was sent. Please try again in a "
    "minute; everything you wrote is still on the page."
)


class CleaningBusy(ServiceUnavailable):
    """Every cleaning slot stayed busy for the whole wait: a 503 with Retry-After."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(BUSY, code="file_cleaning_busy", retry_after_seconds=retry_after_seconds)


class CleaningGate:
    """A bounded semaphore shared by every upload of the process."""

    def __init__(self, slots: int, wait_seconds: float) -> None:
        if slots < 1:
            raise ValueError("a cleaning gate needs at least one slot")
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._semaphore.acquire(timeout=self.wait_seconds):
            raise CleaningBusy(retry_after_seconds=max(1, math.ceil(self.wait_seconds)))
        try:
            yield
        finally:
            self._semaphore.release()
