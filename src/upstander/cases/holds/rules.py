"""Legal holds: when one may be set or lifted. A hold keeps a case and its reports from the
retention job for as long as it stands (litigation, a public inquiry, a request under the Data
Protection Act 2018 or the Freedom of Information Act 2000 that is still being answered)."""

from __future__ import annotations

from datetime import datetime

from upstander.errors import Conflict, InvalidInput

REASON_LIMIT = 2000


def check_reason(reason: str | None, field: str = "reason") -> str:
    """A hold is set and lifted with written reasons; they are kept with it."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("Give the reason in words: it is kept with the hold.", fields={field: "required"})
    if len(text) > REASON_LIMIT:
        raise InvalidInput(
            f"The reason is longer than {REASON_LIMIT} characters.", fields={field: "too long"}
        )
    return text


def check_can_set(reference: str, standing_since: datetime | None, standing_by: str | None) -> None:
    """One hold at a time on a case: a second would make lifting the first ambiguous."""
    if standing_since is not None:
        raise Conflict(
            f"Case {reference} is already under a legal hold, set by {standing_by or 'someone'} "
            f"on {standing_since:%d %B %Y at %H:%M} UTC."
        )


def lift_refused(reference: str, lifted_by: str | None, lifted_at: datetime | None) -> Conflict:
    """Only a standing hold can be lifted; when someone lifted it first, say who and when."""
    if lifted_at is not None:
        return Conflict(
            f"The legal hold on case {reference} was already lifted by {lifted_by or 'someone'} "
            f"on {lifted_at:%d %B %Y at %H:%M} UTC."
        )
    return Conflict(f"Case {reference} is not under a legal hold.")
