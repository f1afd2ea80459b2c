"""Security middleware and the CSRF check for HTML forms.

- Headers: a strict Content-Security-Policy with no third-party origin, no framing, no referrer,
  no caching of pages that may show case content.
- Request log: method, path, status and duration only. No client address and no user agent is
  logged for anyone, so nothing can identify an anonymous reporter (uvicorn's own access log
  is switched off in `upstander serve`).
- Body size: uploads are refused past the configured limit before they are parsed.
- CSRF: a synchronizer token, HMAC of the server secret and the visitor's session (or, before
  sign-in, of a random visitor cookie), sent as a form field or X-CSRF-Token, plus an Origin check.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upstander import crypto
from upstander.errors import DomainError, PayloadTooLarge

log = logging.getLogger("upstander.http")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


# Outside /static/ but holding nothing of anyone's: the icon browsers fetch on their own, which
# would otherwise be asked for again on every page.
CACHEABLE_PATHS = frozenset({"/favicon.ico"})


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not scope["path"].startswith("/static/") and scope["path"] not in CACHEABLE_PATHS:
                    headers["cache-control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "%s %s %s %.0fms",
                scope["method"],
                scope["path"],
                status["code"],
                (time.perf_counter() - started) * 1000,
            )


class BodySizeLimit:
    """Refuse a request body over `limit` bytes, whether or not it declares its length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(scope, receive, send, self.limit)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise PayloadTooLarge(_too_large_text(self.limit))
            return message

        await self.app(scope, counting_receive, send)


def _too_large_text(limit: int) -> str:
    return f"What was sent is larger than the {limit / 1_048_576:.0f} MB this service accepts at once."


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    from upstander.web.errors import problem_response

    response = problem_response(PayloadTooLarge(_too_large_text(limit)), str(scope.get("path", "")))
    await response(scope, receive, send)


# --- CSRF ------------------------------------------------------------------------------------

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class CsrfFailed(DomainError):
    status = 403
    title = "This form has expired"


def csrf_token(key: bytes, binding: str) -> str:
    return crypto.mac(key, f"csrf:{binding}".encode())


def same_origin(request: Request) -> bool:
    """Fetch metadata first (every current browser sends it); else the Origin header, if any.

    With `Referrer-Policy: no-referrer` browsers send `Origin: null` even for same-origin posts,
    so a null origin is left to the token check, which is the real protection.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    return origin.split("://", 1)[-1] == request.headers.get("host", "")


async def verify_csrf(request: Request, key: bytes, binding: str | None, form: FormData) -> None:
    if not same_origin(request):
        raise CsrfFailed("This form was sent from another site, so it was refused. Nothing was changed.")
    if binding is None:
        raise CsrfFailed(
            "Your browser did not send back this site's security cookie. Please allow cookies for this site, "
            "go back, reload the page and try again. Nothing was changed."
        )
    sent: Any = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not crypto.constant_time_equal(sent, csrf_token(key, binding)):
        raise CsrfFailed(
            "This form is out of date or did not come from this site. Go back, reload the page and send it "
            "again. Nothing was changed."
        )
