"""Rendering pages: every template gets its CSRF token and knows who is signed in."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from upstander.web.deps import cookies, page_csrf_token


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    token = page_csrf_token(request)
    full_context = {
        "csrf_token": token,
        "staff": getattr(request.state, "staff", None),
        "settings": request.app.state.services.settings,
        "now": request.app.state.services.clock,
        **(context or {}),
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, name, full_context, status_code=status_code
    )
    new_visitor = getattr(request.state, "new_visitor", None)
    if new_visitor:
        cookies(request).set(response, cookies(request).visitor, new_visitor)
    return response


def redirect(url: str) -> RedirectResponse:
    """After a successful form post: see-other, so a reload never sends the form twice."""
    return RedirectResponse(url, status_code=303)
