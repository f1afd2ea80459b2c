"""The form for each workflow step, built from the step's dataclass and the policy pack.

A page shows only the fields a step has; choices come from the pack (severities, findings,
sanctions, forums, closures …), so a new pack needs no new form. Submitted text is turned back
into the step's dataclass here, with a plain message for anything that is not valid.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, Field, dataclass, fields
from datetime import date
from typing import Any

from upstander.cases.engine.actions import ACTION_TYPES, FIELD_LABELS, Action
from upstander.cases.engine.state import CaseState
from upstander.cases.engine.vocabulary import EMPLOYMENT_LABELS
from upstander.cases.policy.packs import Policy
from upstander.errors import InvalidInput

# Free text: sealed to the case key when stored, shown as a text area.
TEXT_FIELDS = frozenset(
    {"reasons", "summary", "description", "grounds", "reporter_summary", "note", "message"}
)


def must_be_given(field: Field[Any], hint: object) -> bool:
    """A field with no default is part of the step itself (a severity, a date served): it must be given."""
    return field.default is MISSING and field.default_factory is MISSING and hint is not bool


# Filled in by the system, never typed.
GENERATED_FIELDS = frozenset({"allegation_id", "evidence_id"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    widget: str  # text | textarea | date | checkbox | select | checkboxes | list
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""


def _choices(
    policy: Policy, state: CaseState, name: str, kind: str, people: Mapping[str, str]
) -> dict[str, str]:
    referral = policy.referral
    options: dict[str, Mapping[str, str] | dict[str, str]] = {
        "severity": {k: v.label for k, v in policy.severities.items()},
        "finding": {k: v.label for k, v in policy.findings.items()},
        "sanction": {k: v.label for k, v in policy.sanctions.items()},
        "forum": {k: v.label for k, v in policy.forums.items()},
        "closure": {k: v.label for k, v in policy.closures.items()},
        "standard": dict(policy.standards),
        "category": dict(policy.categories),
        "employment": dict(EMPLOYMENT_LABELS),
        "mode": {k: v.label for k, v in referral.modes.items()} if referral else {},
        "facts": dict(referral.facts) if referral else {},
        "investigator_id": dict(people),
    }
    if name == "allegation_id" and kind != "add_allegation":
        return {a.id: f"{a.id}: {policy.standards.get(a.standard, a.standard)}" for a in state.allegations}
    return dict(options.get(name, {}))


def form_fields(
    policy: Policy,
    state: CaseState,
    kind: str,
    today: date,
    investigators: Mapping[str, str],
    drafts: Mapping[str, str] | None = None,
) -> list[FieldSpec]:
    """The inputs of one step's form, in the dataclass's order."""
    cls = ACTION_TYPES[kind]
    hints = typing.get_type_hints(cls)
    spec = policy.action(kind)
    required = set(spec.requires) if spec else set()
    result = []
    for field in fields(cls):
        name = field.name
        if name in GENERATED_FIELDS and kind in {"add_allegation", "log_evidence"}:
            continue
        hint = hints[name]
        label = FIELD_LABELS.get(name, name.replace("_", " "))
        label = label[:1].upper() + label[1:]
        choices = _choices(policy, state, name, kind, investigators)
        if hint is bool:
            widget = "checkbox"
        elif name in {"facts"}:
            widget = "checkboxes"
        elif choices:
            widget = "select"
        elif hint in (date, date | None):
            widget = "date"
        elif name in TEXT_FIELDS:
            widget = "textarea"
        elif name == "panel":
            widget = "list"
        else:
            widget = "text"
        default = today.isoformat() if widget == "date" else (drafts or {}).get(name, "")
        result.append(
            FieldSpec(
                name,
                label,
                widget,
                name in required or must_be_given(field, hint),
                tuple(choices.items()),
                default,
            )
        )
    return result


def _one(raw: Mapping[str, Sequence[str]], name: str) -> str:
    values = raw.get(name) or []
    return values[0].strip() if values else ""


def _value(  # noqa: PLR0911 - one return per kind of field
    kind: str, name: str, hint: object, raw: Mapping[str, Sequence[str]], state: CaseState
) -> object:
    """One field's value from the submitted text; ValueError with a plain message when it is not valid."""
    text = _one(raw, name)
    if name == "allegation_id" and kind == "add_allegation":
        return f"A{len(state.allegations) + 1}"
    if name == "evidence_id" and kind == "log_evidence":
        return f"E{len(state.evidence) + 1}"
    if hint is bool:
        return text.lower() in {"1", "true", "on", "yes"}
    if hint in (date, date | None):
        try:
            return date.fromisoformat(text) if text else None
        except ValueError as error:
            raise ValueError("Give the date as a calendar date (YYYY-MM-DD).") from error
    if hint == frozenset[str]:
        return frozenset(v for v in raw.get(name, []) if v)
    if hint == tuple[str, ...]:
        items = [v for value in raw.get(name, []) for v in value.split(",")]
        return tuple(v.strip() for v in items if v.strip())
    if hint == str | None:
        return text or None
    return text


def build_action(kind: str, raw: Mapping[str, Sequence[str]], state: CaseState) -> Action:
    """The step's dataclass from submitted form or JSON values; InvalidInput names any bad field."""
    cls = ACTION_TYPES.get(kind)
    if cls is None or kind == "open_case":
        raise InvalidInput("There is no such step.", fields={"kind": "unknown step"})
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields(cls):
        try:
            value = _value(kind, field.name, hints[field.name], raw, state)
        except ValueError as error:
            errors[field.name] = str(error)
            continue
        if must_be_given(field, hints[field.name]) and value in (None, "", (), frozenset()):
            errors[field.name] = f"Please give {FIELD_LABELS.get(field.name, 'this')}."
        values[field.name] = value
    if errors:
        raise InvalidInput("Some of the form needs correcting.", fields=errors)
    action: Action = cls(**values)
    return action
