"""FastAPI dependencies: the services, who is asking, and the CSRF check for pages.

Pages authenticate with cookies only and the JSON API with bearer tokens only, so a browser's
cookies can never be replayed against the API by another site.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request, Response

from upstander import crypto
from upstander.accounts.service import StaffPrincipal
from upstander.accounts.sessions import ReporterPrincipal, id_hash_of
from upstander.errors import NotSignedIn
from upstander.store import changes
from upstander.web import security

if TYPE_CHECKING:
    from upstander.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


# The composition root hands every route its services at request time; a page or API module
# knows their shape only for type checking, so no domain imports the root that sits above it.
if TYPE_CHECKING:
    ServicesDep = Annotated[Services, Depends(get_services)]
else:
    ServicesDep = Annotated[object, Depends(get_services)]


class Cookies:
    def __init__(self, secure: bool) -> None:
        prefix = "__Host-" if secure else ""
        self.secure = secure
        self.staff = f"{prefix}upstander-staff"
        self.reporter = f"{prefix}upstander-reporter"
        self.visitor = f"{prefix}upstander-visit"

    def set(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/", secure=self.secure, httponly=True, samesite="strict"
        )

    def clear(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="strict")


def cookies(request: Request) -> Cookies:
    names: Cookies = request.app.state.cookies
    return names


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotSignedIn(
            "This needs a bearer token: sign in and send it as 'Authorization: Bearer <token>'."
        )
    return value.strip()


def _signed_in_already(request: Request) -> StaffPrincipal | None:
    """The principal the access gate found for this request, so a route does not sign in twice."""
    principal: StaffPrincipal | None = getattr(request.state, "staff", None)
    return principal


def api_staff(request: Request, services: ServicesDep) -> StaffPrincipal:
    principal = _signed_in_already(request)
    if principal is None:
        principal = services.accounts.authenticate(bearer_token(request))
        request.state.staff = principal
    return principal


def api_reporter(request: Request, services: ServicesDep) -> ReporterPrincipal:
    return services.follow_up.reporter_session(bearer_token(request))


def page_staff(request: Request, services: ServicesDep) -> StaffPrincipal:
    already = _signed_in_already(request)
    if already is not None:
        return already
    bearer = request.cookies.get(cookies(request).staff)
    if not bearer:
        raise NotSignedIn("Please sign in.")
    principal = services.accounts.authenticate(bearer)
    request.state.staff = principal
    return principal


def page_staff_if_signed_in(request: Request, services: ServicesDep) -> StaffPrincipal | None:
    """On a public page: the member of staff signed in, if one is, so the page keeps their menu."""
    if not request.cookies.get(cookies(request).staff):
        return None
    try:
        return page_staff(request, services)
    except NotSignedIn:
        return None


def page_reporter(request: Request, services: ServicesDep) -> ReporterPrincipal:
    bearer = request.cookies.get(cookies(request).reporter)
    if not bearer:
        raise NotSignedIn("Please enter your receipt key.")
    return services.follow_up.reporter_session(bearer)


ApiStaff = Annotated[StaffPrincipal, Depends(api_staff)]
ApiReporter = Annotated[ReporterPrincipal, Depends(api_reporter)]
PageStaff = Annotated[StaffPrincipal, Depends(page_staff)]
PageReporter = Annotated[ReporterPrincipal, Depends(page_reporter)]
MaybePageStaff = Annotated[StaffPrincipal | None, Depends(page_staff_if_signed_in)]


def if_match_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version an API client last saw (its If-Match); None when it sent none, as before."""
    return changes.version_from_if_match(if_match)


IfMatch = Annotated[int | None, Depends(if_match_version)]


def csrf_binding(request: Request) -> str | None:
    """What a page's CSRF token is bound to: the session if there is one, else the visitor cookie."""
    names = cookies(request)
    for name in (names.staff, names.reporter):
        value = request.cookies.get(name)
        if value:
            try:
                return id_hash_of(value)
            except NotSignedIn:
                continue
    visitor = request.cookies.get(names.visitor)
    return crypto.sha256_hex(visitor.encode()) if visitor else None


def page_csrf_token(request: Request) -> str:
    """The token to put in forms; starts a visitor cookie when there is none yet."""
    binding = csrf_binding(request)
    if binding is None:
        visitor = crypto.token()
        request.state.new_visitor = visitor
        binding = crypto.sha256_hex(visitor.encode())
    services: Services = request.app.state.services
    return security.csrf_token(services.secrets.csrf, binding)


async def require_csrf(request: Request) -> AsyncIterator[None]:
    """Check the token, then let the route read the same parsed form; uploads are closed afterwards."""
    services: Services = request.app.state.services
    form = await request.form()
    try:
        await security.verify_csrf(request, services.secrets.csrf, csrf_binding(request), form)
        yield
    finally:
        await form.close()


CsrfChecked = Depends(require_csrf)


def visitor_id(request: Request) -> str | None:
    return request.cookies.get(cookies(request).visitor)
