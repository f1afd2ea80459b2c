"""Organisational units: what a code and a name may be, where a unit may move, when it may close.
Pure decisions, no I/O."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection

from upstander.errors import Conflict, InvalidInput

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
MAX_NAME = 200


def check_code(code: str) -> str:
    """A unit's code is its stable key in imports and HR files: capitals, digits, - and _."""
    cleaned = code.strip().upper()
    if not CODE.match(cleaned):
        raise InvalidInput(
            "A unit code has 1 to 40 capitals, digits, hyphens or underscores.", fields={"code": "invalid"}
        )
    return cleaned


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(f"A unit's name needs 1 to {MAX_NAME} characters.", fields={"name": "invalid"})
    return cleaned


def check_move(
    unit_id: uuid.UUID, new_parent_id: uuid.UUID | None, new_parent_line: Collection[uuid.UUID]
) -> None:
    """A unit moves under another, never under itself or one of its own descendants.

    `new_parent_line` is the new parent and every unit above it."""
    if new_parent_id == unit_id or unit_id in new_parent_line:
        raise InvalidInput(
            "A unit cannot move under itself or under one of its own units.", fields={"parent": "a cycle"}
        )


def check_open(closed: bool, what: str = "This unit") -> None:
    if closed:
        raise Conflict(f"{what} is closed.", code="unit_closed")


def check_close(closed: bool, people_posted: int, open_units_below: int) -> None:
    """A unit closes once nobody is posted to it and every unit below it has closed or moved:
    people are moved through the posting service first, so separation orders keep holding."""
    check_open(closed)
    if people_posted:
        raise Conflict(
            f"{people_posted} people are still posted to this unit; move them first.", code="unit_has_people"
        )
    if open_units_below:
        raise Conflict(
            f"{open_units_below} open units are below this one; close or move them first.",
            code="unit_has_units",
        )
