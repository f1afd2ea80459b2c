"""What a handler narrows the case list to, decided on values. Pure, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from upstander.errors import InvalidInput
from upstander.reports.models import Category

CASE_SORTS = ("opened", "reference", "stage", "handler", "reports")
CASE_DEFAULT_SORT = ("opened", True)  # newest first, as the list always was


@dataclass(frozen=True)
class CaseFilter:
    search: str = ""
    stage: str = ""
    category: Category | None = None
    # `mine` is the reader's own cases; otherwise one handler's, or everyone's when None.
    handler_id: uuid.UUID | None = None
    mine: bool = False


def parse_case_filter(
    *,
    search: str | None = None,
    stage: str | None = None,
    category: str | None = None,
    handler: str | None = None,
) -> CaseFilter:
    """The case list's filters as a form or query sends them; `handler` is `me` or a user's id."""
    errors: dict[str, str] = {}
    text = (search or "").strip()
    if len(text) > 80:
        errors["q"] = "search for a reference or a staff number of at most 80 characters"
    wanted_stage = (stage or "").strip()
    if len(wanted_stage) > 40 or not all(c.isalnum() or c == "_" for c in wanted_stage):
        errors["stage"] = "a stage is a word such as open or assessment"
    parsed_category = None
    if category:
        try:
            parsed_category = Category(category)
        except ValueError:
            errors["category"] = f"choose one of {', '.join(c.value for c in Category)}"
    handler_id, mine = None, False
    if handler == "me":
        mine = True
    elif handler:
        try:
            handler_id = uuid.UUID(handler)
        except ValueError:
            errors["handler"] = "choose me or a handler from the list"
    if errors:
        raise InvalidInput("Some of the list's filters are not valid.", fields=errors)
    return CaseFilter(text, wanted_stage, parsed_category, handler_id, mine)
