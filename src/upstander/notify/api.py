"""`/api/v1/me/notifications`: where one's notifications go, and whether at once or daily."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from upstander.notify import rules
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["notifications"])


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(max_length=254, pattern=rules.ADDRESS_PATTERN.pattern)
    mode: Literal["immediate", "daily"]


class ChoiceOut(BaseModel):
    address: str | None
    mode: str


@router.get("/me/notifications", response_model=ChoiceOut)
def notifications(staff: ApiStaff, services: ServicesDep) -> ChoiceOut:
    choice = services.notify.choice(staff)
    return ChoiceOut(address=choice.address, mode=choice.mode)


@router.put("/me/notifications", response_model=ChoiceOut)
def choose(body: ChoiceIn, staff: ApiStaff, services: ServicesDep) -> ChoiceOut:
    """Messages say only what is waiting and by when, with a link: never a name or any text."""
    choice = services.notify.choose(staff, body.address, body.mode)
    return ChoiceOut(address=choice.address, mode=choice.mode)
