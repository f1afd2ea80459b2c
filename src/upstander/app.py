"""The composition root: `create_app(settings)` wires services, routers and middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from upstander import __version__
from upstander.accounts import admin_api, admin_pages, enrol_pages
from upstander.accounts import api as accounts_api
from upstander.accounts import pages as accounts_pages
from upstander.analysis import api as analysis_api
from upstander.analysis import pages as analysis_pages
from upstander.cases import api as cases_api
from upstander.cases import pages as cases_pages
from upstander.cases.holds import api as holds_api
from upstander.cases.holds import pages as holds_pages
from upstander.cases.representation import api as representation_api
from upstander.cases.representation import pages as representation_pages
from upstander.config import Settings, load_settings
from upstander.equality import api as statistics_api
from upstander.equality import pages as statistics_pages
from upstander.notify import api as notify_api
from upstander.notify import pages as notify_pages
from upstander.org import api as org_api
from upstander.org import pages as org_pages
from upstander.org.units import pages as units_pages
from upstander.patterns import api as patterns_api
from upstander.patterns import pages as patterns_pages
from upstander.patterns.escrow import api as escrow_api
from upstander.patterns.escrow import pages as escrow_pages
from upstander.reports import api as reports_api
from upstander.reports import readers_pages, reporter_pages, staff_pages
from upstander.reports.attachments import MAX_IMAGE_PIXELS
from upstander.retention import api as retention_api
from upstander.retention import pages as retention_pages
from upstander.safeguarding import api as safeguarding_api
from upstander.safeguarding import pages as safeguarding_pages
from upstander.safeguarding.conflicts import api as conflicts_api
from upstander.safeguarding.conflicts import pages as conflicts_pages
from upstander.safeguarding.register import api as register_api
from upstander.safeguarding.register import pages as register_pages
from upstander.services import Services, build_services
from upstander.web import api_docs, errors, icons, openapi
from upstander.web.deps import Cookies
from upstander.web.gate import access_gate
from upstander.web.language import LanguageChoice
from upstander.web.security import BodySizeLimit, SecurityHeaders
from upstander.web.server import configure_logging
from upstander.web.templating import build_templates

# Every route of these is in the access table (`access.ROUTES`), enforced by `web/gate.py`.
ROUTERS: tuple[APIRouter, ...] = (
    api_docs.router,
    icons.router,
    reporter_pages.router,
    accounts_pages.router,
    admin_pages.router,
    enrol_pages.router,
    staff_pages.router,
    readers_pages.router,
    cases_pages.router,
    statistics_pages.router,
    analysis_pages.router,
    patterns_pages.router,
    patterns_api.router,
    reports_api.router,
    accounts_api.router,
    admin_api.router,
    cases_api.router,
    org_api.router,
    org_pages.router,
    units_pages.router,
    statistics_api.router,
    analysis_api.router,
    safeguarding_pages.router,
    safeguarding_api.router,
    escrow_pages.router,
    escrow_api.router,
    conflicts_api.router,
    conflicts_pages.router,
    representation_api.router,
    representation_pages.router,
    register_pages.router,
    register_api.router,
    holds_api.router,
    holds_pages.router,
    retention_api.router,
    retention_pages.router,
    notify_pages.router,
    notify_api.router,
)

STATIC = Path(__file__).resolve().parent / "web" / "static"

API_DESCRIPTION = """
Upstander's JSON API. Errors are RFC 9457 `application/problem+json`.

* Reporters submit with `POST /api/v1/reports` (send an `Idempotency-Key` header so a retry is
  safe), then exchange the receipt key for a bearer token at `POST /api/v1/reporter/session`.
* Staff exchange username, password and TOTP code for a bearer token at `POST /api/v1/auth/token`.
"""


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services else load_settings())
    services = services or build_services(settings)
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        yield
        # The services served last: a test harness may hand one app new services between runs.
        served.state.services.database.dispose()

    app = FastAPI(
        title="Upstander",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        swagger_ui_parameters={"syntaxHighlight": False},
        dependencies=[Depends(access_gate)],
    )
    app.state.services = services
    # Dates and times are shown in the zone the policy pack keeps its calendar in.
    app.state.templates = build_templates(services.workflow.policies.current().calendar.timezone)
    app.state.templates.env.globals["max_megapixels"] = MAX_IMAGE_PIXELS // 1_000_000
    app.state.cookies = Cookies(secure=settings.cookie_secure)

    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app)

    body_limit = (
        settings.max_attachment_bytes * settings.max_attachments_per_submission * 4 // 3 + 2 * 1_048_576
    )
    app.add_middleware(BodySizeLimit, limit=body_limit)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(LanguageChoice, secure=settings.cookie_secure)
    return app
