"""Sign-in rules: password policy, lock-out, session lifetime, TOTP replay. Pure, no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta

from upstander.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


def check_new_password(password: str, username: str) -> None:
    """NIST SP 800-63B: length over composition rules; refuse the username itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"A password can have at most {MAX_PASSWORD_LENGTH} characters.")
    if username and username.lower() in password.lower():
        raise InvalidInput("A password must not contain the username.")


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def after_failed_sign_in(
    failures_so_far: int, now: datetime, failures_allowed: int, lockout: timedelta
) -> tuple[int, datetime | None]:
    """Count a failure; the account locks for `lockout` once the allowance is used up."""
    failures = failures_so_far + 1
    if failures >= failures_allowed:
        return 0, now + lockout
    return failures, None


def session_is_live(
    created_at: datetime,
    last_seen_at: datetime,
    expires_at: datetime,
    revoked_at: datetime | None,
    idle_limit: timedelta | None,
    now: datetime,
) -> bool:
    if revoked_at is not None or now >= expires_at or now < created_at:
        return False
    return idle_limit is None or now - last_seen_at <= idle_limit


def totp_counter_is_fresh(last_used_counter: int | None, counter: int) -> bool:
    """RFC 6238 §5.2: a code, once accepted, is never accepted again (no replay)."""
    return last_used_counter is None or counter > last_used_counter
