"""Every error in one place: RFC 9457 problem+json for the API, a plain message for pages."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from upstander.errors import DatabaseUnavailable, DomainError, InvalidInput, NotSignedIn
from upstander.i18n import gettext, lazy_gettext

log = logging.getLogger("upstander.errors")

PROBLEM_TYPE_BASE = "https://upstander.invalid/problems/"
PLAIN_TITLES = {
    400: lazy_gettext("The request could not be understood"),
    401: lazy_gettext("Please sign in"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Not allowed here"),
    409: lazy_gettext("Conflict"),
    413: lazy_gettext("Too large"),
    415: lazy_gettext("Unsupported format"),
    422: lazy_gettext("Some of what was sent is not valid"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong on our side"),
    503: lazy_gettext("Not available right now"),
}


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def problem_response(
    error: DomainError,
    instance: str,
    extra: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code.replace(":", "/"),
        "title": str(error.title),
        "status": error.status,
        "detail": error.detail,
        "instance": instance,
        "code": error.code,
    }
    if isinstance(error, InvalidInput) and error.fields:
        body["errors"] = [{"field": field, "detail": detail} for field, detail in error.fields.items()]
    if extra:
        body.update(extra)
    sent = dict(headers or {})
    if error.retry_after_seconds is not None:
        sent["retry-after"] = str(error.retry_after_seconds)
    if isinstance(error, NotSignedIn):
        sent["www-authenticate"] = "Bearer"
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json", headers=sent)


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (RFC 9110 §15.5.6 wants them all in `Allow`).

    Starlette names only the methods of the first route whose path matched, but a path such as
    `/api/v1/auth/token` is served by one route per method.
    """
    scope = {**request.scope, "type": "http"}
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        route_methods = route.methods
        if route_methods and route.matches(scope)[0] is not Match.NONE:
            methods |= set(route_methods)
    return ", ".join(sorted(methods))


def page_response(request: Request, error: DomainError, headers: Mapping[str, str] | None = None) -> Response:
    if isinstance(error, NotSignedIn):
        # "Your session has ended" only to someone who had one: a first visit is asked to sign in.
        ended = "ended=1&" if error.code == "session_expired" else ""
        if request.url.path.startswith("/staff"):
            return RedirectResponse(f"/staff/sign-in?{ended}next={quote(request.url.path)}", status_code=303)
        if request.url.path.startswith("/follow-up"):
            return RedirectResponse("/follow-up?ended=1" if ended else "/follow-up", status_code=303)
    from upstander.web.pages import render

    response = render(
        request,
        "error.html",
        {
            "title": str(error.title),
            "detail": error.detail,
            "status": error.status,
            "fields": getattr(error, "fields", {}) or {},
        },
        status_code=error.status,
    )
    if error.retry_after_seconds is not None:
        response.headers["retry-after"] = str(error.retry_after_seconds)
    response.headers.update(headers or {})
    return response


# Never written back into a page: asked for again instead.
SECRET_FIELDS = {
    "password": (lazy_gettext("Your password"), "password"),
    "totp_code": (lazy_gettext("The code from your authenticator app"), "text"),
    "receipt_key": (lazy_gettext("Your receipt key"), "password"),
}
# Carried back unchanged but not worth showing to the person.
UNSHOWN_FIELDS = {"submission_token", "next"}


def note_unavailable(request: Request, error: DatabaseUnavailable) -> None:
    """The one log line an unreachable database leaves per request: what was asked and the
    driver's reason, no traceback (the cause is outside the code) and nothing about the client."""
    log.warning(
        "database unavailable: %s %s answered 503 (%s)", request.method, request.url.path, error.reason
    )


async def unavailable_page(request: Request, error: DatabaseUnavailable) -> Response:
    """A calm "try again in a minute" that keeps what was typed.

    A page's own form cannot be drawn again when drawing it needs the database, so a form post
    comes back as a plain form holding every value sent (shown, so it can be copied), with a
    fresh CSRF token: "Try again" sends it again as it was. Passwords, codes and receipt keys are
    asked for again, never written into the page, and files must be chosen again.
    """
    from upstander.web.pages import render

    kept: list[tuple[str, str]] = []
    asked: list[tuple[str, str, str]] = []
    had_files = False
    if request.method == "POST":
        try:
            form = await request.form()
        except (DomainError, HTTPException, ClientDisconnect):  # the body could not be read: keep nothing
            form = None
        for name, value in form.multi_items() if form is not None else ():
            if isinstance(value, UploadFile):
                had_files = had_files or bool(value.filename)
            elif name in SECRET_FIELDS:
                asked.append((name, *SECRET_FIELDS[name]))
            elif name != "csrf_token":
                kept.append((name, value))
    shown = [
        (name.replace("_", " ").capitalize(), value)
        for name, value in kept
        if value.strip() and name not in UNSHOWN_FIELDS
    ]
    action = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = render(
        request,
        "unavailable.html",
        {
            "title": str(error.title),
            "detail": error.detail,
            "kept": kept,
            "shown": shown,
            "asked": asked,
            "had_files": had_files,
            "action": action,
            "is_form": request.method == "POST",
        },
        status_code=error.status,
    )
    response.headers["retry-after"] = str(error.retry_after_seconds)
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        if isinstance(error, DatabaseUnavailable):
            note_unavailable(request, error)
            if not is_api(request.url.path):
                return await unavailable_page(request, error)
        if is_api(request.url.path):
            return problem_response(error, request.url.path)
        return page_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        fields = {
            ".".join(
                str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "header")
            )
            or "request": str(item.get("msg", "invalid"))
            for item in error.errors()
        }
        domain = InvalidInput(
            gettext("Some of what was sent is missing or not valid."), fields=fields, code="invalid_request"
        )
        if is_api(request.url.path):
            return problem_response(domain, request.url.path)
        return page_response(request, domain)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        title = PLAIN_TITLES.get(error.status_code) or gettext("Error")
        detail = error.detail if isinstance(error.detail, str) else str(title)
        if error.status_code == 404:
            detail = gettext("There is nothing at this address.")
        domain = DomainError(detail, code=f"http_{error.status_code}")
        domain.status = error.status_code
        domain.title = title
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["allow"] = allowed_methods(request)
            headers.pop("Allow", None)
        if is_api(request.url.path):
            return problem_response(domain, request.url.path, headers=headers)
        return page_response(request, domain, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> Response:
        log.error(
            "unhandled error on %s %s: %s",
            request.method,
            request.url.path,
            type(error).__name__,
            exc_info=error,
        )
        domain = DomainError(
            gettext(
                "Something went wrong on our side and nothing was saved. Please try again; if it keeps "
                "happening, contact Professional Standards by phone."
            ),
            code="internal_error",
        )
        domain.status = 500
        domain.title = PLAIN_TITLES[500]
        if is_api(request.url.path):
            return problem_response(domain, request.url.path)
        return page_response(request, domain)
