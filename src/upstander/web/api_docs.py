"""`/docs`: the API documentation served from this site's own copy of Swagger UI.

FastAPI's default page loads Swagger UI from a public CDN and starts it with an inline script;
both are refused by the Content-Security-Policy, and a force's network may not reach the CDN.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_docs(request: Request) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(request, "api_docs.html", {})
    return response
