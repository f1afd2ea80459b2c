"""Report bodies for tests."""

from __future__ import annotations

from typing import Any

from upstander.reports.models import Category, ReporterRelation
from upstander.reports.rules import Identity, SubjectInput, Submission


def report_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "sexual_harassment",
        "what_happened": "My sergeant touched me repeatedly on night shifts and laughed when I objected.",
        "relation": "victim",
        "when": "January to March",
        "where": "Northgate station",
        "subjects": [{"name": "Sgt Example", "staff_number": "", "unit": "Response A"}],
    }
    body.update(overrides)
    return body


def submission(text: str = "Something happened that should be looked at.", **overrides: Any) -> Submission:
    values: dict[str, Any] = {
        "category": Category.BULLYING,
        "what_happened": text,
        "relation": ReporterRelation.WITNESS,
        "subjects": (SubjectInput(name="A. Colleague"),),
    }
    values.update(overrides)
    return Submission(**values)


def named(name: str = "Kim Rowe") -> Identity:
    return Identity(name=name, staff_number="NS00999", contact="07700 900123")
