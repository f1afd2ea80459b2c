"""What happens in patterns that its own early-intervention rules act on (subscribers in services.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class SubjectsLinked:
    """Allegations were linked to these people (at intake, by a handler's decision, from escrow)."""

    people: frozenset[uuid.UUID]
