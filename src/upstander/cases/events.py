"""What happens to a case that other domains act on (their subscribers are listed in services.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from upstander.accounts.service import StaffPrincipal
from upstander.cases.models import Case


@dataclass(frozen=True)
class CaseClosed:
    """The case was closed on ``on`` (the date the closing step names), by ``principal``."""

    case: Case
    on: date
    at: datetime
    principal: StaffPrincipal


@dataclass(frozen=True)
class CaseAssigned:
    """``handler_id`` was made the handler of the case, by ``principal`` (on opening it or later)."""

    case: Case
    handler_id: uuid.UUID
    principal: StaffPrincipal
    at: datetime


@dataclass(frozen=True)
class CaseStepTaken:
    """A step of the misconduct process was stored on the case (``kind`` is the engine event's kind,
    such as ``overseer_referral_made``), by ``actor_id``, or by the reporter when that is None."""

    case: Case
    kind: str
    actor_id: uuid.UUID | None
    at: datetime
