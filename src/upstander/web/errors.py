"""Every error in one place: RFC 9457 problem+json for the API, a plain message for pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from upstander.errors import DomainError, InvalidInput, NotSignedIn, ServiceUnavailable, TooManyAttempts

log = logging.getLogger("upstander.errors")

PROBLEM_TYPE_BASE = "https://upstander.invalid/problems/"
PLAIN_TITLES = {
    400: "The request could not be understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported format",
    422: "Some of what was sent is not valid",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Not available right now",
}


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def problem_response(error: DomainError, instance: str, extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code.replace(":", "/"),
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": instance,
        "code": error.code,
    }
    if isinstance(error, InvalidInput) and error.fields:
        body["errors"] = [{"field": field, "detail": detail} for field, detail in error.fields.items()]
    if extra:
        body.update(extra)
    headers = {}
    if retry_after(error) is not None:
        headers["retry-after"] = str(retry_after(error))
    if isinstance(error, NotSignedIn):
        headers["www-authenticate"] = "Bearer"
    return JSONResponse(
        body, status_code=error.status, media_type="application/problem+json", headers=headers
    )


def page_response(request: Request, error: DomainError) -> Response:
    if isinstance(error, NotSignedIn):
        if request.url.path.startswith("/staff"):
            return RedirectResponse(f"/staff/sign-in?ended=1&next={quote(request.url.path)}", status_code=303)
        if request.url.path.startswith("/follow-up"):
            return RedirectResponse("/follow-up?ended=1", status_code=303)
    from upstander.web.pages import render

    response = render(
        request,
        "error.html",
        {
            "title": error.title,
            "detail": error.detail,
            "status": error.status,
            "fields": getattr(error, "fields", {}) or {},
        },
        status_code=error.status,
    )
    if retry_after(error) is not None:
        response.headers["retry-after"] = str(retry_after(error))
    return response


def retry_after(error: DomainError) -> int | None:
    """Seconds to wait before trying again, for a refusal that passes with time."""
    if isinstance(error, TooManyAttempts | ServiceUnavailable):
        return error.retry_after_seconds
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
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
            "Some of what was sent is missing or not valid.", fields=fields, code="invalid_request"
        )
        if is_api(request.url.path):
            return problem_response(domain, request.url.path)
        return page_response(request, domain)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        title = PLAIN_TITLES.get(error.status_code, "Error")
        detail = error.detail if isinstance(error.detail, str) else title
        if error.status_code == 404:
            detail = "There is nothing at this address."
        domain = DomainError(detail, code=f"http_{error.status_code}")
        domain.status = error.status_code
        domain.title = title
        if is_api(request.url.path):
            return problem_response(domain, request.url.path)
        return page_response(request, domain)

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
            "Something went wrong on our side and nothing was saved. Please try again; if it keeps happening, "
            "contact Professional Standards by phone.",
            code="internal_error",
        )
        domain.status = 500
        domain.title = PLAIN_TITLES[500]
        if is_api(request.url.path):
            return problem_response(domain, request.url.path)
        return page_response(request, domain)
