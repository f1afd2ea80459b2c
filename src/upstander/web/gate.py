"""The access table, enforced before any route runs.

Every route is looked up in `access.ROUTES` by its method and path template. A route with no row
is refused; a staff route signs the person in (reusing the same principal for the route), checks
the row's action against their roles (403 with the reason), and, for a route about one case or
report, checks their tie to it (404). Only then does the route read its input, so what a person
may not do is refused the same way whatever they send.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from fastapi import Request

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.errors import NotAllowed, NotFound
from upstander.web.deps import api_staff, get_services, page_staff
from upstander.web.errors import is_api

if TYPE_CHECKING:
    from upstander.services import Services


def access_gate(request: Request) -> None:
    route = request.scope.get("route")
    path = str(getattr(route, "path", ""))
    rule = access.route_rule(request.method, path)
    if rule is None:
        raise NotAllowed(access.NOT_IN_TABLE, code="not_in_access_table")
    services = get_services(request)
    if rule.audience is access.Audience.PUBLIC and rule.action is not None and _presents_a_token(request):
        # Open to all, but someone who signs in must hold the action (they are shown more).
        access.require(api_staff(request, services).roles, rule.action)
    if rule.audience is not access.Audience.STAFF:
        return
    principal = api_staff(request, services) if is_api(path) else page_staff(request, services)
    if rule.action is not None:
        access.require(principal.roles, rule.action)
    if rule.scope is not access.Scope.NONE:
        _require_tie(services, principal, rule.scope, request.path_params.get(rule.scope.parameter))


def _presents_a_token(request: Request) -> bool:
    return bool(request.headers.get("authorization"))


def _require_tie(services: Services, principal: StaffPrincipal, scope: access.Scope, raw_id: object) -> None:
    try:
        object_id = uuid.UUID(str(raw_id))
    except ValueError:
        raise NotFound(access.NOT_TIED[scope]) from None
    if not services.relationships.tied(principal, scope, object_id):
        raise NotFound(access.NOT_TIED[scope], code=f"not_found:{scope.value}")
