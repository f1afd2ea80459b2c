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
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.statistic import Statistic

from upstander.web.openapi import RULES_BEYOND_SCHEMA

SEED = 20261203
EXAMPLES_PER_OPERATION = 20
EXAMPLES_WITHOUT_NEEDED_TOKEN = 3
# schemathesis's own default for `positive_data_acceptance`.
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


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


def contract_config(described: dict[str, Any], tokens: dict[str, str] | None = None) -> SchemathesisConfig:
    """As `st run --checks all --max-examples N --seed S --generation-deterministic`, and:

    - `tokens` are bearer tokens by security scheme (staffBearer, reporterBearer), given as
      schemathesis auth so that its `ignored_auth` check knows what to leave out;
    - an operation that says its input has rules beyond the schema (RULES_BEYOND_SCHEMA) may
      refuse schema-valid input with 422, so `positive_data_acceptance` accepts that there;
    - without a token, an operation that needs one answers 401 whatever is sent: a few fuzzed
      examples show that, and its input is exercised by the run with a token.
    """
    settings: dict[str, dict[str, Any]] = {}
    for path, item in described["paths"].items():
        for method, operation in item.items():
            name = f"{method.upper()} {path}"
            if RULES_BEYOND_SCHEMA in operation:
                expected = [*POSITIVE_EXPECTED, "422"]
                settings.setdefault(name, {})["checks"] = {
                    "positive_data_acceptance": {"expected-statuses": expected}
                }
            security = operation.get("security", [])
            if not tokens and security and {} not in security:
                settings.setdefault(name, {}).update(
                    generation={"max-examples": EXAMPLES_WITHOUT_NEEDED_TOKEN},
                    phases={"coverage": {"enabled": False}},
                )
    project: dict[str, Any] = {
        "seed": SEED,
        "workers": 1,
        "checks": {"enabled": True},
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none"},
        "operations": [{"include-name": name, **own} for name, own in settings.items()],
    }
    if tokens:
        project["auth"] = {"openapi": {scheme: {"bearer": token} for scheme, token in tokens.items()}}
    return SchemathesisConfig.from_dict(project)


def operation_names(described: dict[str, Any]) -> list[str]:
    return [f"{method.upper()} {path}" for path, item in described["paths"].items() for method in item]


def secured_by(described: dict[str, Any], scheme: str) -> list[str]:
    """The operations that take a token of this scheme: the only ones a run with it tests anew
    (schemathesis sends a scheme's token only where the operation names the scheme)."""
    return [
        f"{method.upper()} {path}"
        for path, item in described["paths"].items()
        for method, operation in item.items()
        if any(scheme in requirement for requirement in operation.get("security", []))
    ]


def run_contract(
    app: FastAPI,
    label: str,
    tokens: dict[str, str] | None = None,
    *,
    only: list[str] | None = None,
    leaving_out: list[str] | None = None,
) -> ContractRun:
    """Every operation (or `only` these, or all but those `leaving_out`), every check; the unique
    failures as schemathesis counts them. Operations are named "METHOD /path"."""
    described = app.openapi()
    every = operation_names(described)
    # Only by excluding the rest: an include is OR-ed with the per-operation settings' own filter.
    left_out = [
        name for name in every if (only is not None and name not in only) or name in (leaving_out or ())
    ]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=contract_config(described, tokens))
    if left_out:
        schema = schema.exclude(name=left_out)
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
    check_of = dict(statistic.observed_failures.values())
    failures = [
        (operation, check_of.get(failure, type(failure).__name__), _said(failure, group.response))
        for operation, grouped in statistic.failures.items()
        for group in grouped.values()
        for failure in group.failures
    ]
    return ContractRun(
        label=label,
        operations=len(every) - len(left_out),
        operations_tested=len(statistic.tested_operations),
        cases=statistic.total_cases,
        failures=failures,
        errors=errors,
        seconds=seconds,
    )


def _said(failure: Any, response: Any) -> str:
    said = " ".join(f"{failure.title}: {failure.message}".split())
    if response is not None:
        said += f" (answered {response.status_code}: {response.content[:300]!r})"
    return said
