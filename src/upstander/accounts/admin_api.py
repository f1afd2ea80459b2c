"""The account lifecycle and the audit trail in the JSON API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from upstander.accounts import rules
from upstander.accounts.enrolment import IssuedCode
from upstander.accounts.models import Role
from upstander.accounts.trail import MAX_PAGE_SIZE, PAGE_SIZE, TrailFilter
from upstander.errors import InvalidInput
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=rules.MAX_REASON_LENGTH)


class RolesIn(Strict):
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    reason: str = Field(min_length=1, max_length=rules.MAX_REASON_LENGTH)


class PasswordChangeIn(Strict):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=rules.MAX_PASSWORD_LENGTH)


class PasswordIn(Strict):
    password: str = Field(max_length=1024)


class RecoveryIn(Strict):
    username: str = Field(max_length=80)
    recovery_key: str = Field(max_length=200)
    new_password: str = Field(max_length=rules.MAX_PASSWORD_LENGTH)


class CreateUserIn(Strict):
    username: str = Field(min_length=1, max_length=80)
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1, max_length=len(Role))


class EnrolmentCodeOut(BaseModel):
    user_id: uuid.UUID
    username: str
    purpose: str
    enrolment_code: str = Field(description="Shown this once; give it to the account's holder.")
    enrolment_path: str = Field(description="The enrolment link's path on this server, code included")
    expires_at: datetime


class EnrolmentOpenIn(Strict):
    code: str = Field(max_length=200)


class EnrolmentStepOut(BaseModel):
    username: str
    display_name: str
    purpose: str
    totp_secret: str = Field(description="Enter it in an authenticator app (or scan otpauth_uri)")
    otpauth_uri: str
    expires_at: datetime


class EnrolmentFinishIn(Strict):
    code: str = Field(max_length=200)
    password: str = Field(max_length=rules.MAX_PASSWORD_LENGTH)
    totp_code: str = Field(max_length=12)


class EnrolledOut(BaseModel):
    username: str
    purpose: str
    recovery_key: str | None = Field(description="A new account's recovery key, shown this once")


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    active: bool
    created_at: datetime
    live_sessions: int
    status: str = Field(description="active, disabled or awaiting enrolment")


class UserPageOut(BaseModel):
    users: list[UserOut]
    next_after: str | None


class DisabledOut(BaseModel):
    sessions_ended: int


class RolesOut(BaseModel):
    granted: list[str]
    removed: list[str]


class RecoveryKeyOut(BaseModel):
    recovery_key: str = Field(description="Shown this once; store it offline.")


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_name: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    entry_hash: str
    chain_verified: bool = Field(
        description="Whether the hash chain verifies from the start up to this entry"
    )
    signed_checkpoint: int | None = Field(description="The first signed checkpoint covering this entry")


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None
    chain_ok: bool
    chain_verdict: str
    last_checkpoint: int | None
    last_checkpoint_at: datetime | None


@router.get("/users", response_model=UserPageOut)
def users(
    staff: ApiStaff,
    services: ServicesDep,
    after: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserPageOut:
    """Accounts by username, a page at a time: pass `next_after` back as `after`."""
    page = services.lifecycle.list_users(staff, after, limit)
    return UserPageOut(
        users=[
            UserOut(
                id=row.user_id,
                username=row.username,
                display_name=row.display_name,
                roles=list(row.roles),
                active=row.active,
                created_at=row.created_at,
                live_sessions=row.live_sessions,
                status=row.status,
            )
            for row in page.users
        ],
        next_after=page.next_after,
    )


def _issued(issued: IssuedCode) -> EnrolmentCodeOut:
    return EnrolmentCodeOut(
        user_id=issued.user_id,
        username=issued.username,
        purpose=issued.purpose.value,
        enrolment_code=issued.code,
        enrolment_path=issued.path,
        expires_at=issued.expires_at,
    )


@router.post("/users", response_model=EnrolmentCodeOut, status_code=201)
def create_user(body: CreateUserIn, staff: ApiStaff, services: ServicesDep) -> EnrolmentCodeOut:
    """A new account awaiting enrolment; answers with its one-time enrolment code."""
    return _issued(
        services.enrolment.create_account(
            staff, username=body.username, display_name=body.display_name, roles=body.roles
        )
    )


@router.post("/users/{user_id}/second-factor", response_model=EnrolmentCodeOut)
def reset_second_factor(
    user_id: uuid.UUID, body: ReasonIn, staff: ApiStaff, services: ServicesDep
) -> EnrolmentCodeOut:
    """End the account's authenticator and sessions; answers with a code to enrol a new one."""
    return _issued(services.enrolment.reset_second_factor(staff, user_id, body.reason))


@router.post("/auth/enrolment", response_model=EnrolmentStepOut)
def open_enrolment(body: EnrolmentOpenIn, services: ServicesDep) -> EnrolmentStepOut:
    """Open a one-time enrolment code: the authenticator secret to enrol."""
    step = services.enrolment.open(body.code)
    return EnrolmentStepOut(
        username=step.username,
        display_name=step.display_name,
        purpose=step.purpose.value,
        totp_secret=step.totp_secret,
        otpauth_uri=step.otpauth_uri,
        expires_at=step.expires_at,
    )


@router.post("/auth/enrolment/finish", response_model=EnrolledOut)
def finish_enrolment(body: EnrolmentFinishIn, services: ServicesDep) -> EnrolledOut:
    """Finish: a new account's password (its key pair is made now), or a reset account's own
    password; and a first code from the authenticator."""
    enrolled = services.enrolment.finish(body.code, body.password, body.totp_code)
    return EnrolledOut(
        username=enrolled.username, purpose=enrolled.purpose.value, recovery_key=enrolled.recovery_key
    )


@router.post("/users/{user_id}/disable", response_model=DisabledOut)
def disable(user_id: uuid.UUID, body: ReasonIn, staff: ApiStaff, services: ServicesDep) -> DisabledOut:
    """Disable an account: every session and token it holds stops working at once."""
    return DisabledOut(sessions_ended=services.lifecycle.disable(staff, user_id, body.reason))


@router.post("/users/{user_id}/enable", status_code=204)
def enable(user_id: uuid.UUID, body: ReasonIn, staff: ApiStaff, services: ServicesDep) -> None:
    services.lifecycle.enable(staff, user_id, body.reason)


@router.post("/users/{user_id}/roles", response_model=RolesOut)
def roles(user_id: uuid.UUID, body: RolesIn, staff: ApiStaff, services: ServicesDep) -> RolesOut:
    """Replace an account's roles (never one's own)."""
    change = services.lifecycle.set_roles(staff, user_id, body.roles, body.reason)
    return RolesOut(granted=sorted(change.granted), removed=sorted(change.removed))


@router.post("/me/password", response_model=DisabledOut)
def change_password(body: PasswordChangeIn, staff: ApiStaff, services: ServicesDep) -> DisabledOut:
    """A new password for one's own account; every other session and token ends."""
    ended = services.lifecycle.change_password(staff, body.current_password, body.new_password)
    return DisabledOut(sessions_ended=ended)


@router.post("/me/recovery-key", response_model=RecoveryKeyOut)
def regenerate_recovery_key(body: PasswordIn, staff: ApiStaff, services: ServicesDep) -> RecoveryKeyOut:
    return RecoveryKeyOut(recovery_key=services.lifecycle.regenerate_recovery_key(staff, body.password))


@router.post("/auth/recovery", response_model=RecoveryKeyOut)
def recover(body: RecoveryIn, services: ServicesDep) -> RecoveryKeyOut:
    """A forgotten password, reset with the recovery key; answers with the new recovery key."""
    key = services.lifecycle.reset_with_recovery_key(body.username, body.recovery_key, body.new_password)
    return RecoveryKeyOut(recovery_key=key)


Text = Annotated[str, Query(max_length=120)]


def trail_filter(
    case_id: Text = "",
    report_id: Text = "",
    account: Text = "",
    actor: Text = "",
    action: Text = "",
    since: Annotated[str, Query(max_length=10, description="A day, YYYY-MM-DD")] = "",
    until: Annotated[str, Query(max_length=10, description="A day, YYYY-MM-DD")] = "",
) -> TrailFilter:
    """The filters, shared by the page and the API: an empty one (as a form sends) is no filter."""
    return TrailFilter(case_id, report_id, account, actor, action, _day(since, "since"), _day(until, "until"))


def _day(value: str, name: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise InvalidInput(f"{value!r} is not a day (YYYY-MM-DD).", fields={name: "not a day"}) from error


AuditFilter = Annotated[TrailFilter, Depends(trail_filter)]


@router.get("/audit", response_model=AuditPageOut)
def audit(
    staff: ApiStaff,
    services: ServicesDep,
    where: AuditFilter,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> AuditPageOut:
    """Audit entries, newest first; pass `next_before` back as `before` for the next page."""
    page = services.trail.page(staff, where, before, limit)
    return AuditPageOut(
        entries=[AuditEntryOut(**vars(entry)) for entry in page.entries],
        next_before=page.next_before,
        chain_ok=page.verdict.ok,
        chain_verdict=page.verdict.describe(),
        last_checkpoint=page.last_checkpoint,
        last_checkpoint_at=page.last_checkpoint_at,
    )


@router.get("/audit/export.csv", response_class=StreamingResponse)
def audit_csv(staff: ApiStaff, services: ServicesDep, where: AuditFilter) -> StreamingResponse:
    return csv_response(services.trail.export_csv(staff, where))


def csv_response(lines: Any) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="audit-trail.csv"'},
    )
