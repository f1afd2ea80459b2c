"""The enrolment pages: open the one-time code, scan the authenticator's QR code, choose a
password (a new account) or prove it (a second-factor reset), and see the recovery key once.

They work without JavaScript: the QR code is inline SVG drawn on the server by segno."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from upstander.accounts.admin_pages import Form
from upstander.accounts.enrolment import EnrolmentStep
from upstander.accounts.models import EnrolmentPurpose
from upstander.errors import DomainError, InvalidInput, TooManyAttempts
from upstander.web.deps import CsrfChecked, ServicesDep
from upstander.web.pages import render

router = APIRouter(include_in_schema=False)


def qr_svg(step: EnrolmentStep) -> Markup:
    """The otpauth URI as an inline SVG QR code (no script, no style: the CSP stays strict)."""
    drawn = segno.make(step.otpauth_uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title="Scan this with your authenticator app"
    )
    return Markup(drawn)  # noqa: S704 (segno's own SVG, from a URI we built; nothing typed is in it)


def _step_page(
    request: Request, code: str, step: EnrolmentStep, error: DomainError | None = None
) -> Response:
    response = render(
        request,
        "enrol.html",
        {
            "code": code,
            "step": step,
            "qr": qr_svg(step),
            "new_account": step.purpose is EnrolmentPurpose.ACCOUNT,
            "error": error.detail if error else None,
        },
        status_code=error.status if error else 200,
    )
    if isinstance(error, TooManyAttempts):
        response.headers["retry-after"] = str(error.retry_after_seconds)
    return response


def _code_page(request: Request, code: str = "", error: DomainError | None = None) -> Response:
    return render(
        request,
        "enrol.html",
        {"code": code, "step": None, "error": error.detail if error else None},
        status_code=error.status if error else 200,
    )


@router.get("/staff/enrol")
def enrol_start(request: Request, code: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The link's landing page: the code is only checked when the person presses Continue, so a
    link previewed by a mail scanner uses nothing up."""
    return _code_page(request, code)


@router.post("/staff/enrol", dependencies=[CsrfChecked])
def enrol_open(request: Request, services: ServicesDep, form: Form) -> Response:
    code = form.get("code", "")[:200]
    try:
        step = services.enrolment.open(code)
    except DomainError as error:
        return _code_page(request, code, error)
    return _step_page(request, code, step)


@router.post("/staff/enrol/finish", dependencies=[CsrfChecked])
def enrol_finish(request: Request, services: ServicesDep, form: Form) -> Response:
    code = form.get("code", "")[:200]
    try:
        step = services.enrolment.open(code)
    except DomainError as error:
        return _code_page(request, code, error)
    new_account = step.purpose is EnrolmentPurpose.ACCOUNT
    if new_account and form.get("password", "") != form.get("confirm_password", ""):
        return _step_page(
            request,
            code,
            step,
            InvalidInput("The two passwords are not the same.", fields={"confirm_password": "differs"}),
        )
    try:
        enrolled = services.enrolment.finish(code, form.get("password", ""), form.get("totp_code", ""))
    except DomainError as error:
        return _step_page(request, code, step, error)
    return render(request, "enrolled.html", {"enrolled": enrolled})
