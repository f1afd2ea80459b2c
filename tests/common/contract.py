"""Schemathesis against the app in-process: does the API answer as its own /openapi.json says?

One run generates requests for every operation in the schema (its examples, its coverage cases,
fuzzed cases and stateful sequences along its links), sends them to the ASGI app without a
network, and applies every check schemathesis has. It is the same engine as `st run --checks all`,
driven from Python so a test can hand it an app built on the test database and the test clock.
The seed and the number of examples per operation are fixed and generation is derandomised, so a
run sends the same requests every time and a failure can be reproduced.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.statistic import Statistic

SEED = 20261203
EXAMPLES_PER_OPERATION = 20


@dataclass
class ContractRun:
    label: str
    operations: int
    operations_tested: int
    cases: int
    failures: list[tuple[str, str, str]]  # (operation, check, what schemathesis says), one per unique failure
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def failures_by_check(self) -> Counter[str]:
        return Counter(check for _, check, _ in self.failures)

    def summary(self) -> str:
        lines = [
            f"{self.label}: {self.operations} operations ({self.operations_tested} tested), "
            f"{self.cases} cases, {len(self.failures)} unique failures, {len(self.errors)} errors, "
            f"{self.seconds:.0f} s"
        ]
        lines += [f"  {count:3d} {check}" for check, count in sorted(self.failures_by_check().items())]
        lines += [f"  - {operation}: [{check}] {said}" for operation, check, said in sorted(self.failures)]
        lines += [f"  ! {error}" for error in self.errors]
        return "\n".join(lines)


def contract_config(headers: dict[str, str] | None = None) -> SchemathesisConfig:
    config = SchemathesisConfig(seed=SEED)
    project = config.projects.override
    project.checks.update(included_check_names=["all"])
    project.generation.update(max_examples=EXAMPLES_PER_OPERATION, deterministic=True, database="none")
    project.update(workers=1, headers=headers or {})
    return config


def run_contract(app: Any, label: str, headers: dict[str, str] | None = None) -> ContractRun:
    """Every operation, every check; the unique failures as schemathesis counts them."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=contract_config(headers))
    statistic = Statistic()
    errors: list[str] = []
    seconds = 0.0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            statistic.on_scenario_finished(event.recorder)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.title}: {event.info.message}".strip())
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            seconds = event.running_time
    check_of = {failure: check for failure, check in statistic.observed_failures.values()}
    failures = [
        (operation, check_of.get(failure, type(failure).__name__), _said(failure))
        for operation, grouped in statistic.failures.items()
        for group in grouped.values()
        for failure in group.failures
    ]
    return ContractRun(
        label=label,
        operations=len(list(schema.get_all_operations())),
        operations_tested=len(statistic.tested_operations),
        cases=statistic.total_cases,
        failures=failures,
        errors=errors,
        seconds=seconds,
    )


def _said(failure: Any) -> str:
    message = " ".join(str(failure.message).split())
    return f"{failure.title}: {message}" if message else str(failure.title)
