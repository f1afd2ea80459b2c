"""Sign-in rules: password policy, sign-in budgets, session lifetime, TOTP replay. Pure, no I/O."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from upstander import access
from upstander.accounts.models import Role
from upstander.errors import Conflict, InvalidInput

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


class SignInBudget(StrEnum):
    """The separate budgets of sign-in attempts for one username.

    No budget locks the account: a stranger who knows only a username spends the first, and the
    owner, who holds the second factor, signs in through the second. Each is kept for known and
    unknown usernames alike, so the answers never tell which usernames exist."""

    # Attempts carrying no valid code: everything a stranger can send.
    WITHOUT_CODE = "without-code"
    # Wrong passwords sent with a valid code: only the owner (or whoever has their device).
    WRONG_PASSWORD_WITH_CODE = "wrong-password-with-code"  # noqa: S105 (a budget's name)
    # Wrong codes sent with the right password: someone holding the password, guessing codes.
    WRONG_CODE = "wrong-code"


@dataclass(frozen=True)
class SignInLimits:
    without_code_per_hour: int = 5
    wrong_password_with_code_per_hour: int = 5
    wrong_codes_per_day: int = 10

    def of(self, budget: SignInBudget) -> tuple[int, int]:
        """(attempts allowed, window in seconds) for one budget."""
        if budget is SignInBudget.WITHOUT_CODE:
            return self.without_code_per_hour, 3600
        if budget is SignInBudget.WRONG_PASSWORD_WITH_CODE:
            return self.wrong_password_with_code_per_hour, 3600
        return self.wrong_codes_per_day, 86_400


def budget_key(budget: SignInBudget, username: str) -> str:
    """The rate-limit key of one budget of one typed username (known or not; any length)."""
    return f"sign-in:{budget.value}:{hashlib.sha256(username.encode()).hexdigest()}"


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


# --- The account lifecycle ---------------------------------------------------------------------

MAX_REASON_LENGTH = 500
# A forgotten-password reset costs a slow key derivation: a few tries per username per hour.
RECOVERY_ATTEMPTS_PER_HOUR = 5


def check_reason(reason: str) -> str:
    """Disabling, re-enabling and changing roles are explained: the overseer reads why in the trail."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise InvalidInput("Give a reason: it is kept in the audit trail.", fields={"reason": "required"})
    if len(cleaned) > MAX_REASON_LENGTH:
        raise InvalidInput(f"A reason can have at most {MAX_REASON_LENGTH} characters.")
    return cleaned


def check_disable(actor_id: object, target_id: object, target_active: bool) -> None:
    if actor_id == target_id:
        raise InvalidInput("You cannot disable your own account; ask another administrator.")
    if not target_active:
        raise Conflict("This account is already disabled.", code="already_disabled")


def check_enable(target_active: bool, enrolled: bool = True) -> None:
    if target_active:
        raise Conflict("This account is already active.", code="already_active")
    if not enrolled:
        raise Conflict(
            "This account has not been enrolled yet: it becomes active when its holder enrols.",
            code="not_enrolled",
        )


@dataclass(frozen=True)
class RoleChange:
    granted: frozenset[str]
    removed: frozenset[str]


def check_role_change(
    actor_id: object, target_id: object, current: frozenset[str], wanted: frozenset[str]
) -> RoleChange:
    """Nobody changes their own roles (an administrator must not grant themselves a reading role);
    an account keeps at least one role; a change must change something."""
    if actor_id == target_id:
        raise InvalidInput("You cannot change your own roles; ask another administrator.")
    if not wanted:
        raise InvalidInput(
            "An account needs at least one role; disable it instead.", fields={"roles": "required"}
        )
    if wanted == current:
        raise InvalidInput("These are the roles the account already has.")
    return RoleChange(granted=wanted - current, removed=current - wanted)


def reads_reports(roles: Iterable[Role | str], active: bool = True) -> bool:
    """Whether an account's roles let it read report content (access.READ_REPORT); a disabled
    account reads nothing, whatever its roles."""
    return active and access.allowed(_as_roles(roles), access.Action.READ_REPORT)


def loses_reading(
    before_roles: Iterable[Role | str],
    after_roles: Iterable[Role | str],
    *,
    active_before: bool = True,
    active_after: bool = True,
) -> bool:
    """Whether a change takes away the last way an account had of reading reports: every reading
    role removed, or the account disabled. Then the report keys it could open are replaced, so what
    is written afterwards is sealed to a key version it never held (THREAT_MODEL.md, "Removing a
    reader"). Swapping one reading role for another (handler to investigator) loses nothing."""
    return reads_reports(before_roles, active_before) and not reads_reports(after_roles, active_after)


def _as_roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    return frozenset(Role(role) for role in roles)


def check_password_change(current_password: str, new_password: str, username: str) -> None:
    if crypto_equal(current_password, new_password):
        raise InvalidInput("The new password must differ from the current one.")
    check_new_password(new_password, username)


def crypto_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


# --- Enrolment ---------------------------------------------------------------------------------

# Long enough for a new starter's first week to begin on a Monday after a Friday invitation.
ENROLMENT_LIFETIME = timedelta(hours=96)
# Finishing a second-factor enrolment checks the password with a slow derivation: a few tries an hour.
ENROLMENT_ATTEMPTS_PER_HOUR = 5
ENROLMENT_REFUSED = "This enrolment code is not valid: it may be mistyped, used, replaced or expired."


def check_enrolment_open(
    expires_at: datetime, used_at: datetime | None, superseded_at: datetime | None, now: datetime
) -> None:
    """An enrolment code works once, until it expires, and only while it is the account's newest.

    Every refusal reads the same, so the answer never says which codes once existed."""
    if used_at is not None or superseded_at is not None or now >= expires_at:
        raise InvalidInput(ENROLMENT_REFUSED, fields={"code": "not valid"})


def check_reenrolment(enrolled: bool, active: bool) -> None:
    """A second factor is reset only on an enrolled, active account; an account still awaiting its
    first enrolment simply gets a new code (which ends the old one)."""
    if enrolled and not active:
        raise Conflict(
            "This account is disabled; enable it before resetting its second factor.",
            code="account_disabled",
        )
