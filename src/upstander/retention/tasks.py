"""The retention job's entry point for the periodic-job runner: one call a day is enough."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from upstander.retention.service import RetentionRun

if TYPE_CHECKING:
    from upstander.services import Services


def run_retention(services: Services, now: datetime) -> RetentionRun:
    """Delete or anonymise what the policy packs say is due at ``now``; each erasure audited.

    Safe to run again at once or on several workers: each case is locked while it is erased and
    what was erased is recorded, so nothing is done twice."""
    return services.retention.run(now)
