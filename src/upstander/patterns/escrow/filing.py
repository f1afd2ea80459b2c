"""What an escrow report must contain, and how it is laid out before encryption. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from upstander.errors import InvalidInput
from upstander.patterns.escrow import rules as escrow_rules
from upstander.reports.models import Category, ReporterRelation
from upstander.reports.rules import Limits


@dataclass(frozen=True)
class EscrowFiling:
    """An escrow report as the member of staff wrote it."""

    category: Category
    relation: ReporterRelation
    what_happened: str
    person: escrow_rules.NamedPerson
    when: str = ""
    where: str = ""
    threshold: int = escrow_rules.DEFAULT_THRESHOLD


def validate(
    filing: EscrowFiling, limits: Limits, max_threshold: int
) -> dict[escrow_rules.IdentifierKind, bytes]:
    """Check a filing; returns the OPRF inputs for the person it names.

    Every problem is reported at once, by field. The person needs a staff number, or a name and
    a unit (`escrow_rules.match_inputs`); the number of reports needed, k, is 2 to `max_threshold`.
    """
    errors: dict[str, str] = {}
    if not filing.what_happened.strip():
        errors["what_happened"] = "Say what happened."
    if len(filing.what_happened) > limits.max_text_chars:
        errors["what_happened"] = f"This is too long: at most {limits.max_text_chars:,} characters."
    short = {
        "when": filing.when,
        "where": filing.where,
        "staff_number": filing.person.staff_number or "",
        "name": filing.person.name or "",
        "unit": filing.person.unit or "",
    }
    for name, value in short.items():
        if len(value) > limits.max_short_text_chars:
            errors[name] = f"This is too long: at most {limits.max_short_text_chars} characters."
    top = min(max_threshold, escrow_rules.MAX_THRESHOLD)
    if not escrow_rules.MIN_THRESHOLD <= filing.threshold <= top:
        errors["threshold"] = f"Choose between {escrow_rules.MIN_THRESHOLD} and {top} reports."
    inputs: dict[escrow_rules.IdentifierKind, bytes] = {}
    try:
        inputs = escrow_rules.match_inputs(filing.person)
    except InvalidInput as error:
        errors["person"] = error.detail
    if errors:
        raise InvalidInput(" ".join(dict.fromkeys(errors.values())), fields=errors)
    return inputs


def content_document(filing: EscrowFiling) -> dict[str, Any]:
    """The report as it opens to the PSD: the intake layout, so the inbox reads it like any other."""
    return {
        "category": filing.category.value,
        "relation": filing.relation.value,
        "what_happened": filing.what_happened,
        "when": filing.when,
        "where": filing.where,
        "subjects": [
            {
                "person_id": None,
                "name": filing.person.name or "",
                "staff_number": filing.person.staff_number or "",
                "unit": filing.person.unit or "",
            }
        ],
    }


def describe_person(document: dict[str, Any]) -> str:
    """How the reporter's own list names the person they reported (from their own sealed copy)."""
    subject = (document.get("subjects") or [{}])[0]
    parts = [str(subject.get(key) or "").strip() for key in ("name", "staff_number", "unit")]
    return ", ".join(part for part in parts if part) or "—"
