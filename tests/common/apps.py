"""One app per shape of settings, handed each test's services: building an app is cheap, but
FastAPI works out every route's dependencies again on each new app's first requests, which was a
sixth of a functional test's CPU."""

from __future__ import annotations

from fastapi import FastAPI

from upstander.app import create_app
from upstander.services import Services

_built: dict[tuple[object, ...], FastAPI] = {}


def app_for(services: Services) -> FastAPI:
    settings = services.settings
    # Everything `create_app` reads from the services other than `app.state.services` itself.
    shape = (
        settings.cookie_secure,
        settings.log_level,
        settings.max_attachment_bytes,
        settings.max_attachments_per_submission,
        services.workflow.policies.current().calendar.timezone,
    )
    app = _built.get(shape)
    if app is None:
        app = _built[shape] = create_app(services=services)
    app.state.services = services
    return app
