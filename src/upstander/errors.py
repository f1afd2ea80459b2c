"""Domain errors: raised by rules and services, turned into problem+json or page messages in one place.

Every message is written for the person who will read it (a reporter, a handler), not for a developer.
"""

from __future__ import annotations

from upstander.i18n import gettext, lazy_gettext


class DomainError(Exception):
    """A refusal or failure the user can understand and act on."""

    status = 400
    title = lazy_gettext("The request could not be completed")
    # When trying again later can work: sent as Retry-After with the answer.
    retry_after_seconds: int | None = None

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or type(self).__name__


class InvalidInput(DomainError):
    status = 422
    title = lazy_gettext("Some of what was sent is not valid")

    def __init__(self, detail: str, *, fields: dict[str, str] | None = None, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.fields = fields or {}


class NotAllowed(DomainError):
    status = 403
    title = lazy_gettext("You are not allowed to do this")


class NotFound(DomainError):
    status = 404
    title = lazy_gettext("Not found")


class Conflict(DomainError):
    status = 409
    title = lazy_gettext("This conflicts with the current state")


class TransitionRefused(Conflict):
    """A workflow step that the rules do not allow now; the detail says why in plain words."""

    title = lazy_gettext("This step is not allowed now")


class AlreadySubmitted(Conflict):
    """A one-time form was sent again after it had done its work (Back, then send, on a shared computer)."""

    title = lazy_gettext("This was already sent")


class NotSignedIn(DomainError):
    status = 401
    title = lazy_gettext("Please sign in")


class TooManyAttempts(DomainError):
    status = 429
    title = lazy_gettext("Too many attempts")
    retry_after_seconds: int

    def __init__(self, detail: str, *, retry_after_seconds: int = 60, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after_seconds = retry_after_seconds


class PayloadTooLarge(DomainError):
    status = 413
    title = lazy_gettext("Too large")


class ServiceUnavailable(DomainError):
    status = 503
    title = lazy_gettext("Not available right now")

    def __init__(
        self, detail: str, *, code: str | None = None, retry_after_seconds: int | None = None
    ) -> None:
        super().__init__(detail, code=code)
        self.retry_after_seconds = retry_after_seconds


class DatabaseUnavailable(ServiceUnavailable):
    """The database could not be reached, or was too busy to answer in time.

    Nothing the request asked for can be relied on to have happened (a commit cut off half-way
    may or may not have landed), so the answer is "try again", never a 500. `reason` is the
    driver's one-line account for the log; it is never shown to the person.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            gettext(
                "The service cannot reach its database just now, so this could not be done. "
                "Please try again in a minute."
            ),
            code="database_unavailable",
            retry_after_seconds=60,
        )
        self.reason = reason
