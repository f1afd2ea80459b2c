"""Staff tokens for the JSON API: the same server-side, revocable sessions as the pages."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.web.deps import ApiStaff, ServicesDep, bearer_token

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=80)
    password: str = Field(max_length=1024)
    totp_code: str = Field(max_length=10)


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class MeOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]


@router.post("/auth/token", response_model=TokenOut)
def token(body: TokenIn, services: ServicesDep) -> TokenOut:
    """Password and TOTP code for a bearer token. Five failures lock the account for a while."""
    signed_in = services.accounts.sign_in(body.username, body.password, body.totp_code)
    return TokenOut(token=signed_in.bearer, expires_at=signed_in.expires_at)


@router.delete("/auth/token", status_code=204)
def revoke(request: Request, _staff: ApiStaff, services: ServicesDep) -> Response:
    services.accounts.sign_out(bearer_token(request))
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(staff: ApiStaff) -> MeOut:
    return MeOut(
        username=staff.username, display_name=staff.display_name, roles=sorted(r.value for r in staff.roles)
    )
