"""The reporter's pages. They work with JavaScript disabled (Tor Browser "safest")."""

from __future__ import annotations

import contextlib
import uuid
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from upstander import crypto
from upstander.accounts.service import StaffPrincipal
from upstander.accounts.sessions import ReporterPrincipal
from upstander.errors import (
    AlreadySubmitted,
    DatabaseUnavailable,
    InvalidInput,
    NotSignedIn,
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyAttempts,
    TransitionRefused,
)
from upstander.reports import file_kinds, forms
from upstander.reports.models import Channel
from upstander.reports.rules import CATEGORY_LABELS
from upstander.reports.service import SubmissionResult
from upstander.web.deps import CsrfChecked, PageReporter, ServicesDep, cookies, visitor_id
from upstander.web.errors import note_unavailable
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)
CATEGORIES = [(category.value, label) for category, label in CATEGORY_LABELS.items()]


def form_page(
    request: Request,
    report_form: forms.ReportForm,
    *,
    action: str = "/report",
    operator: bool = False,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    had_files: bool = False,
    status_code: int = 200,
    submission_token: str | None = None,
    unavailable: bool = False,
) -> Response:
    context: dict[str, Any] = {
        "form": report_form,
        "categories": CATEGORIES,
        "errors": errors or {},
        "message": message,
        "had_files": had_files,
        "unavailable": unavailable,
        "action": action,
        "operator": operator,
        "channel": report_form.channel,
        # A retried post (double click, reload, flaky network) carries the same token and gets the same receipt.
        "submission_token": submission_token or crypto.token(),
    }
    return render(request, "report_form.html", context, status_code=status_code)


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/privacy")
def privacy(request: Request) -> Response:
    return render(request, "privacy.html")


@router.get("/report")
def report_form(request: Request) -> Response:
    return form_page(request, forms.ReportForm())


async def submit_form(
    request: Request, services: Services, *, action: str, entered_by: StaffPrincipal | None = None
) -> Response:
    form = await request.form()
    report_form = forms.read_report_form(form)
    token = form.get("submission_token")
    token = token if isinstance(token, str) and 20 <= len(token) <= 100 else None
    operator = entered_by is not None
    try:
        files = await forms.read_files(form)
        submission = forms.to_submission(report_form, files)
        channel = (
            Channel(report_form.channel)
            if operator and report_form.channel in ("phone", "in_person")
            else (Channel.PHONE if operator else Channel.ONLINE)
        )
        # In a worker thread: cleaning files decodes images and waits for a cleaning slot, which
        # must not hold up every other request on the event loop.
        result: SubmissionResult = await run_in_threadpool(
            services.reports.submit,
            submission,
            channel=channel,
            entered_by=entered_by,
            idempotency_key=token,
            one_time=True,
        )
    except AlreadySubmitted as error:
        return render(
            request,
            "already_sent.html",
            {"message": error.detail, "operator": operator, "action": action},
            status_code=error.status,
        )
    except DatabaseUnavailable as error:
        # The same submission token goes back in the form: if the first try did land after all,
        # sending it again returns that receipt instead of making a second report.
        note_unavailable(request, error)
        response = form_page(
            request,
            report_form,
            action=action,
            operator=operator,
            had_files=forms.chose_files(form),
            status_code=error.status,
            submission_token=token,
            unavailable=True,
        )
        response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    except (InvalidInput, PayloadTooLarge, ServiceUnavailable) as error:
        fields = getattr(error, "fields", {}) or {"files": error.detail}
        response = form_page(
            request,
            report_form,
            action=action,
            operator=operator,
            errors=fields,
            message=error.detail,
            had_files=forms.chose_files(form),
            status_code=error.status,
            submission_token=token,
        )
        if error.retry_after_seconds is not None:
            response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    return render(
        request,
        "receipt.html",
        {"reference": result.reference, "receipt_key": result.receipt_key, "operator": operator},
        status_code=201,
    )


@router.post("/report", dependencies=[CsrfChecked])
async def submit_report(request: Request, services: ServicesDep) -> Response:
    return await submit_form(request, services, action="/report")


@router.get("/follow-up")
def follow_up(request: Request, ended: int = 0) -> Response:
    return render(request, "follow_up.html", {"ended": bool(ended)})


@router.post("/follow-up", dependencies=[CsrfChecked])
async def follow_up_sign_in(request: Request, services: ServicesDep) -> Response:
    form = await request.form()
    receipt = form.get("receipt_key")
    try:
        issued = services.follow_up.reporter_sign_in(
            receipt if isinstance(receipt, str) else "", visitor=visitor_id(request)
        )
    except (NotSignedIn, TooManyAttempts) as error:
        response = render(request, "follow_up.html", {"error": error.detail}, status_code=error.status)
        if isinstance(error, TooManyAttempts):
            response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    response = redirect("/follow-up/report")
    names = cookies(request)
    names.set(
        response, names.reporter, issued.bearer, max_age=services.settings.reporter_session_minutes * 60
    )
    return response


@router.get("/follow-up/report")
def reporter_report(
    request: Request, reporter: PageReporter, services: ServicesDep, added: int = 0
) -> Response:
    return render(request, "reporter_report.html", _reporter_context(services, reporter, added=added))


@router.post("/follow-up/report/messages", dependencies=[CsrfChecked])
async def reporter_add(request: Request, reporter: PageReporter, services: ServicesDep) -> Response:
    form = await request.form()
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    files = await forms.read_files(form)
    try:
        await run_in_threadpool(services.follow_up.reporter_add, reporter, text, files)
    except (InvalidInput, PayloadTooLarge, ServiceUnavailable) as error:
        response = render(
            request,
            "reporter_report.html",
            _reporter_context(services, reporter, error=error.detail, draft=text),
            status_code=error.status,
        )
        if error.retry_after_seconds is not None:
            response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    return redirect("/follow-up/report?added=1")


@router.post("/follow-up/report/steps/{kind}", dependencies=[CsrfChecked])
async def reporter_step(
    request: Request, kind: str, reporter: PageReporter, services: ServicesDep
) -> Response:
    form = await request.form()
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    if kind not in {"request_review", "request_withdrawal"}:
        raise InvalidInput("A reporter can ask for a review or to withdraw.")
    try:
        services.workflow.act_as_reporter(reporter.report_id, kind, {"grounds": [text], "reasons": [text]})
    except (InvalidInput, TransitionRefused) as error:
        # Beside the step's own box, with what was typed still in it.
        return render(
            request,
            "reporter_report.html",
            _reporter_context(services, reporter, step_error=error.detail, step_kind=kind, step_draft=text),
            status_code=error.status,
        )
    return redirect("/follow-up/report?added=1")


def _reporter_context(services: Services, reporter: ReporterPrincipal, **extra: object) -> dict[str, object]:
    return {
        "view": services.follow_up.reporter_view(reporter),
        "steps": services.workflow.reporter_steps(reporter.report_id),
        **extra,
    }


@router.get("/follow-up/report/files/{attachment_id}")
def reporter_file(attachment_id: uuid.UUID, reporter: PageReporter, services: ServicesDep) -> Response:
    opened = services.follow_up.reporter_download(reporter, attachment_id)
    return file_response(opened.data, opened.filename)


@router.post("/follow-up/sign-out", dependencies=[CsrfChecked])
def reporter_sign_out(request: Request, services: ServicesDep) -> Response:
    names = cookies(request)
    bearer = request.cookies.get(names.reporter)
    if bearer:
        with contextlib.suppress(NotSignedIn):
            services.follow_up.reporter_sign_out(bearer)
    response = redirect("/")
    names.clear(response, names.reporter)
    return response


def file_response(data: bytes, filename: str) -> Response:
    """Always a download, never rendered in the page: an uploaded file is untrusted content.

    The type is decided from the bytes (file_kinds), never from what is stored or was declared,
    so an attachment stored before types were checked still downloads, as a safe type.
    """
    return Response(
        data,
        media_type=file_kinds.served_content_type(data),
        headers={
            "content-disposition": file_kinds.content_disposition(filename),
            "content-security-policy": "default-src 'none'; sandbox",
        },
    )
