"""What happens in safeguarding that other domains act on (their subscribers are listed in services.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class DetrimentAlertRaised:
    """An HR decision about a watched reporter fell within the window after their report. Who, and
    what was decided, stay sealed in the alert."""

    alert_id: uuid.UUID
