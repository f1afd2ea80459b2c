"""Which language a request is answered in, and the language switch that works without JavaScript.

The switch is a plain link adding `?lang=cy` (or `?lang=en`) to the page's address; the choice is
then kept in a cookie, so it holds on every page after. Without a choice, the browser's
`Accept-Language` decides; without that, English. The cookie holds only the language: it says
nothing about who is reporting.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from upstander.i18n import ENGLISH, LANGUAGES, current_language

QUERY = "lang"
# A year: a language is a lasting preference, not a session.
COOKIE_MAX_AGE = 365 * 24 * 3600


def cookie_name(secure: bool) -> str:
    return f"{'__Host-' if secure else ''}upstander-lang"


def language_link(request: Request, language: str) -> str:
    """The page's own address asking for `language`, its other query parameters kept."""
    query = [(name, value) for name, value in request.query_params.multi_items() if name != QUERY]
    return f"{request.url.path}?{urlencode([*query, (QUERY, language)])}"


def from_accept_language(header: str) -> str | None:
    """The first of our languages the browser asks for, by its quality values (RFC 9110 §12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def choose_language(asked: str | None, kept: str | None, accept_language: str) -> str:
    """A link's choice, then the kept choice, then the browser's, then English."""
    for candidate in (asked, kept):
        if candidate in LANGUAGES:
            return candidate
    return from_accept_language(accept_language) or ENGLISH


class LanguageChoice:
    """Sets the request's language for everything below it (pages, messages, dates), and keeps a
    link's choice in the cookie."""

    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app = app
        self.secure = secure
        self.cookie = cookie_name(secure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        asked_values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(QUERY, [])
        asked = asked_values[0] if asked_values and asked_values[0] in LANGUAGES else None
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            cookie = SimpleCookie()
        kept = cookie[self.cookie].value if self.cookie in cookie else None
        chosen = choose_language(asked, kept, headers.get("accept-language", ""))
        token = current_language.set(chosen)

        async def send_with_choice(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if asked is not None and asked != kept:
                    response_headers.append("set-cookie", self._cookie(asked))
                response_headers.append("vary", "Accept-Language, Cookie")
                response_headers.setdefault("content-language", chosen)
            await send(message)

        try:
            await self.app(scope, receive, send_with_choice)
        finally:
            current_language.reset(token)

    def _cookie(self, chosen: str) -> str:
        parts = [f"{self.cookie}={chosen}", "Path=/", f"Max-Age={COOKIE_MAX_AGE}", "SameSite=Lax", "HttpOnly"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)
