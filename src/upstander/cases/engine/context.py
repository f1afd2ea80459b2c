"""What a step sees while it is decided: the pack, the case, who is acting and when."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from upstander.cases.engine.actions import FIELD_LABELS, Action
from upstander.cases.engine.clocks import format_date
from upstander.cases.engine.state import CaseState, Event, JsonValue
from upstander.cases.policy.packs import ActionSpec, Policy
from upstander.errors import InvalidInput


@dataclass(frozen=True)
class Actor:
    """Who is acting: their id (a user id, or a reporter's reference) and every role they hold."""

    id: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Decision:
    """The outcome of an allowed step: the events to record, in order, and the case after them."""

    state: CaseState
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Context:
    policy: Policy
    state: CaseState
    spec: ActionSpec
    actor: Actor
    role: str
    at: datetime
    today: date

    @property
    def to_status(self) -> str:
        pending = self.state.pending_closure
        if self.spec.returns and pending is not None:
            return pending.resume_status
        return self.spec.target(self.state.status)

    def step(self, kind: str, **fields: JsonValue) -> Event:
        """The event for the step itself: it records where the case came from and where it goes."""
        return self.derived(kind, from_status=self.state.status, to_status=self.to_status, **fields)

    def derived(self, kind: str, **fields: JsonValue) -> Event:
        """A further event the step causes (a referral now required, a list entry, the reporter told)."""
        return Event(
            kind, self.at, self.actor.id, {"role": self.role, "on": self.today.isoformat(), **fields}
        )

    def choice(self, value: str, options: Mapping[str, object], name: str) -> str:
        """``value`` must be one of the pack's ids for this field."""
        if value not in options:
            label = FIELD_LABELS.get(name, "a value")
            raise InvalidInput(f"Choose {label} from the list.", fields={name: "not one of the choices"})
        return value

    def past_date(self, day: date, name: str) -> str:
        """A date someone records (a notice served, a response received) cannot be in the future, nor
        before the matter first came to the authority's attention."""
        label = FIELD_LABELS.get(name, "the date")
        if day > self.today:
            raise InvalidInput(
                f"{label[:1].upper()}{label[1:]} cannot be in the future.", fields={name: "future"}
            )
        if day < self.state.received_on:
            raise InvalidInput(
                f"{label[:1].upper()}{label[1:]} cannot be before the matter was received "
                f"({format_date(self.state.received_on)}).",
                fields={name: "too early"},
            )
        return day.isoformat()


Check = Callable[[Context], str | None]
Build = Callable[[Context, Action], list[Event]]
A = TypeVar("A", bound=Action)


@dataclass
class Registry:
    """The steps one module defines: a state check (no form needed) and an event builder per kind."""

    checks: dict[str, Check] = field(default_factory=dict)
    builders: dict[str, Build] = field(default_factory=dict)

    def check(self, kind: str) -> Callable[[Check], Check]:
        def register(function: Check) -> Check:
            self.checks[kind] = function
            return function

        return register

    def build(
        self, cls: type[A]
    ) -> Callable[[Callable[[Context, A], list[Event]]], Callable[[Context, A], list[Event]]]:
        def register(function: Callable[[Context, A], list[Event]]) -> Callable[[Context, A], list[Event]]:
            def run(ctx: Context, action: Action) -> list[Event]:
                if not isinstance(action, cls):
                    raise TypeError(f"{cls.__name__} expected")
                return function(ctx, action)

            self.builders[cls.kind] = run
            return function

        return register
