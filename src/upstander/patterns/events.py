"""What happens in patterns that its own early-intervention rules act on (subscribers in services.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class SubjectsLinked:
    """Allegations were linked to these people (at intake, by a handler's decision, from escrow)."""

    people: frozenset[uuid.UUID]


@dataclass(frozen=True)
class InterventionFlagsRaised:
    """New early-intervention flags were raised, all in one evaluation (a new allegation or a scan)."""

    flag_ids: tuple[uuid.UUID, ...]
