"""Domain events: how a lower domain causes work in a higher one without importing it.

A domain says what happened in its own words (``reports/events.py``: a report was stored;
``cases/events.py``: a case was closed) and publishes it with the session of the transaction it
happened in. The subscribers are listed in one place, the composition root (``services.py``), in
the order they run. Each runs at once, in that same session: the work happens in the same
transaction as its cause, and when a subscriber fails the cause is rolled back with it, so
nothing is ever half done.

Events are synchronous and in-process on purpose: the guarantee that a stored report has its
subjects linked and its reporter watched, or that a closed case has ended its separation orders,
is the database transaction's, and a queue would only weaken it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

E = TypeVar("E")


class Events:
    """The subscribers of each kind of event, called in the order they subscribed."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[type[Any], list[Callable[[Session, Any], None]]] = defaultdict(list)

    def subscribe(self, kind: type[E], subscriber: Callable[[Session, E], None]) -> None:
        self._subscribers[kind].append(subscriber)

    def publish(self, session: Session, event: object) -> None:
        """Run every subscriber of this kind of event in the caller's transaction."""
        for subscriber in self._subscribers.get(type(event), ()):
            subscriber(session, event)

    def subscribers(self, kind: type[Any]) -> tuple[Callable[[Session, Any], None], ...]:
        return tuple(self._subscribers.get(kind, ()))
