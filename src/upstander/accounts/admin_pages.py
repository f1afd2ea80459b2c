"""Pages: the administrator's accounts, each person's own account, the forgotten-password reset,
and the overseer's audit trail. A refusal shows the page again with the reason."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from upstander.accounts.admin_api import AuditFilter, csv_response
from upstander.accounts.enrolment import IssuedCode
from upstander.accounts.models import Role
from upstander.accounts.service import StaffPrincipal
from upstander.errors import DomainError, InvalidInput, TooManyAttempts
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep, cookies
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


Form = Annotated[dict[str, str], Depends(form_fields)]


def _users_page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    after: str | None = None,
    *,
    done: str = "",
    error: DomainError | None = None,
    issued: IssuedCode | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    page = services.lifecycle.list_users(staff, after)
    return render(
        request,
        "users.html",
        {
            "page": page,
            "roles": [role.value for role in Role],
            "done": done,
            "error": error.detail if error else None,
            "issued": issued,
            # The link is shown in the answer itself, never in an address a browser keeps.
            "enrol_link": f"{str(request.base_url).rstrip('/')}{issued.path}" if issued else "",
            "typed": typed or {},
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/admin")
def admin_home(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    """The administrator's home: the accounts' states and the enrolments waiting."""
    return render(request, "admin_home.html", {"overview": services.lifecycle.overview(staff)})


@router.get("/staff/users")
def users(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    after: Annotated[str | None, Query(max_length=80)] = None,
    done: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    return _users_page(request, services, staff, after, done=done)


@router.post("/staff/users", dependencies=[CsrfChecked])
async def create(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    wanted = [value for value in form.getlist("roles") if isinstance(value, str)]
    typed = {name: value for name, value in form.items() if isinstance(value, str) and name != "csrf_token"}
    try:
        issued = services.enrolment.create_account(
            staff,
            username=typed.get("username", "")[:200],
            display_name=typed.get("display_name", "")[:400],
            roles=wanted,
        )
    except DomainError as error:
        return _users_page(request, services, staff, error=error, typed=typed)
    return _users_page(request, services, staff, issued=issued)


@router.post("/staff/users/{user_id}/second-factor", dependencies=[CsrfChecked])
def reset_second_factor(
    request: Request, user_id: uuid.UUID, staff: PageStaff, services: ServicesDep, form: Form
) -> Response:
    try:
        issued = services.enrolment.reset_second_factor(staff, user_id, form.get("reason", ""))
    except DomainError as error:
        return _users_page(request, services, staff, error=error)
    return _users_page(request, services, staff, issued=issued)


@router.post("/staff/users/{user_id}/disable", dependencies=[CsrfChecked])
def disable(
    request: Request, user_id: uuid.UUID, staff: PageStaff, services: ServicesDep, form: Form
) -> Response:
    try:
        ended = services.lifecycle.disable(staff, user_id, form.get("reason", ""))
    except DomainError as error:
        return _users_page(request, services, staff, error=error)
    return redirect(f"/staff/users?done=Disabled%3B+{ended}+session(s)+ended.")


@router.post("/staff/users/{user_id}/enable", dependencies=[CsrfChecked])
def enable(
    request: Request, user_id: uuid.UUID, staff: PageStaff, services: ServicesDep, form: Form
) -> Response:
    try:
        services.lifecycle.enable(staff, user_id, form.get("reason", ""))
    except DomainError as error:
        return _users_page(request, services, staff, error=error)
    return redirect("/staff/users?done=Enabled.")


@router.post("/staff/users/{user_id}/roles", dependencies=[CsrfChecked])
async def roles(request: Request, user_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    wanted = [value for value in form.getlist("roles") if isinstance(value, str)]
    reason = form.get("reason", "")
    try:
        services.lifecycle.set_roles(staff, user_id, wanted, reason if isinstance(reason, str) else "")
    except DomainError as error:
        return _users_page(request, services, staff, error=error)
    return redirect("/staff/users?done=Roles+changed.")


# --- One's own account -----------------------------------------------------------------------


def _account_page(
    request: Request,
    *,
    done: str = "",
    recovery_key: str = "",
    error: DomainError | None = None,
) -> Response:
    return render(
        request,
        "account.html",
        {"done": done, "recovery_key": recovery_key, "error": error.detail if error else None},
        status_code=error.status if error else 200,
    )


@router.get("/staff/account")
def account(
    request: Request, _staff: PageStaff, done: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    return _account_page(request, done=done)


@router.post("/staff/account/password", dependencies=[CsrfChecked])
def change_password(request: Request, staff: PageStaff, services: ServicesDep, form: Form) -> Response:
    if form.get("new_password", "") != form.get("confirm_password", ""):
        return _account_page(request, error=_Mismatch())
    try:
        ended = services.lifecycle.change_password(
            staff, form.get("current_password", ""), form.get("new_password", "")
        )
    except DomainError as error:
        return _account_page(request, error=error)
    return redirect(f"/staff/account?done=Password+changed%3B+{ended}+other+session(s)+signed+out.")


@router.post("/staff/account/recovery-key", dependencies=[CsrfChecked])
def regenerate_recovery_key(
    request: Request, staff: PageStaff, services: ServicesDep, form: Form
) -> Response:
    try:
        key = services.lifecycle.regenerate_recovery_key(staff, form.get("password", ""))
    except DomainError as error:
        return _account_page(request, error=error)
    # Shown in the answer itself, never in an address that a browser would keep in its history.
    return _account_page(request, recovery_key=key)


def _Mismatch() -> DomainError:  # noqa: N802 (reads as the refusal it builds)
    return InvalidInput("The two new passwords are not the same.", fields={"confirm_password": "differs"})


# --- A forgotten password ----------------------------------------------------------------------


@router.get("/staff/recover")
def recover_page(request: Request) -> Response:
    return render(request, "recover.html", {"username": "", "recovery_key": ""})


@router.post("/staff/recover", dependencies=[CsrfChecked])
def recover(request: Request, services: ServicesDep, form: Form) -> Response:
    username = form.get("username", "")
    if form.get("new_password", "") != form.get("confirm_password", ""):
        error: DomainError = _Mismatch()
    else:
        try:
            key = services.lifecycle.reset_with_recovery_key(
                username, form.get("recovery_key", ""), form.get("new_password", "")
            )
        except DomainError as refused:
            error = refused
        else:
            response = render(request, "recover.html", {"recovery_key": key, "username": username})
            # Whatever session this browser had belongs to the old password: it has ended.
            cookies(request).clear(response, cookies(request).staff)
            return response
    response = render(
        request,
        "recover.html",
        {"username": username, "recovery_key": "", "error": error.detail},
        status_code=error.status,
    )
    if isinstance(error, TooManyAttempts):
        response.headers["retry-after"] = str(error.retry_after_seconds)
    return response


# --- The audit trail -----------------------------------------------------------------------------


@router.get("/staff/audit")
def audit(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    where: AuditFilter,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    try:
        page = services.trail.page(staff, where, before)
    except DomainError as error:
        return render(
            request,
            "audit.html",
            {"page": None, "where": where, "query": "", "error": error.detail},
            status_code=error.status,
        )
    query = urlencode(where.named())
    return render(request, "audit.html", {"page": page, "where": where, "query": query})


@router.get("/staff/audit/export.csv", response_class=StreamingResponse)
def audit_csv(staff: PageStaff, services: ServicesDep, where: AuditFilter) -> StreamingResponse:
    return csv_response(services.trail.export_csv(staff, where))
