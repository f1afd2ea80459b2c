"""Staff sign-in and sign-out pages."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander.accounts.models import Role
from upstander.errors import NotSignedIn, TooManyAttempts
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep, cookies
from upstander.web.pages import redirect, render

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only a path on this site, so the sign-in page cannot be used to send people elsewhere."""
    if value and value.startswith("/staff") and not value.startswith("//") and "\\" not in value:
        return value
    return "/staff"


@router.get("/staff/sign-in")
def sign_in_page(request: Request, ended: int = 0, next: str | None = None) -> Response:
    return render(
        request,
        "sign_in.html",
        {"ended": bool(ended), "sent_here": next is not None, "next": safe_next(next), "username": ""},
    )


@router.post("/staff/sign-in", dependencies=[CsrfChecked])
async def sign_in(request: Request, services: ServicesDep) -> Response:
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    try:
        signed_in = services.accounts.sign_in(text("username"), text("password"), text("totp_code"))
    except (NotSignedIn, TooManyAttempts) as error:
        response = render(
            request,
            "sign_in.html",
            {"error": error.detail, "next": safe_next(text("next")), "username": text("username")},
            status_code=error.status,
        )
        if isinstance(error, TooManyAttempts):
            response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    response = redirect(safe_next(text("next")))
    names = cookies(request)
    names.set(
        response, names.staff, signed_in.bearer, max_age=services.settings.staff_session_max_hours * 3600
    )
    return response


@router.post("/staff/sign-out", dependencies=[CsrfChecked])
def sign_out(request: Request, services: ServicesDep) -> Response:
    names = cookies(request)
    bearer = request.cookies.get(names.staff)
    if bearer:
        with contextlib.suppress(NotSignedIn):
            services.accounts.sign_out(bearer)
    response = redirect("/staff/sign-in")
    names.clear(response, names.staff)
    return response


# Each role lands where its work is: the first row whose roles the person holds.
LANDINGS: tuple[tuple[tuple[Role, ...], str], ...] = (
    ((Role.HANDLER, Role.OVERSEER, Role.DECISION_MAKER), "/staff/inbox"),
    ((Role.OPERATOR,), "/staff/phone-report"),
    ((Role.CUSTODIAN,), "/staff/identities"),
    ((Role.INVESTIGATOR,), "/staff/cases"),
    ((Role.WELFARE,), "/staff/separation-orders"),
    ((Role.VETTING,), "/staff/vetting"),
    ((Role.ADMIN,), "/staff/admin"),
)


@router.get("/staff")
def staff_home(request: Request, staff: PageStaff) -> Response:
    """Each role lands where its work is."""
    for roles, path in LANDINGS:
        if staff.has(*roles):
            return redirect(path)
    return render(request, "staff_home.html")
