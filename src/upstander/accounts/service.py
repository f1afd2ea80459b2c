"""Staff accounts: creating users with their key pairs, signing in with TOTP, sessions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from upstander import crypto
from upstander.accounts import ratelimit, rules, sessions
from upstander.accounts.models import Role, User, UserRole, WebSession
from upstander.audit.service import Actor, AuditLog
from upstander.config import Settings
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotSignedIn, TooManyAttempts
from upstander.i18n import lazy_gettext, ngettext
from upstander.store.keyfiles import ServerSecrets

TOTP_STEP_SECONDS = 30
SIGN_IN_REFUSED = lazy_gettext("The username, password or code is not right.")


@dataclass(frozen=True)
class StaffPrincipal:
    """A signed-in member of staff, with their private key unlocked for this request only."""

    user_id: uuid.UUID
    username: str
    display_name: str
    roles: frozenset[Role]
    private_key: bytes
    session_id_hash: str

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def actor(self) -> Actor:
        return Actor.user(self.user_id)


@dataclass(frozen=True)
class CreatedUser:
    user_id: uuid.UUID
    totp_secret: str
    recovery_key: str


@dataclass(frozen=True)
class SignedIn:
    bearer: str
    expires_at: datetime


class AccountService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        secrets: ServerSecrets,
        audit: AuditLog,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._settings = settings
        self._secrets = secrets
        self._audit = audit
        self._clock = clock
        # Checking against these when the username is unknown keeps both answers equally slow.
        self._decoy_hash = crypto.hash_password(crypto.token(), settings.password_cost)
        self._decoy_totp_secret = pyotp.random_base32()
        self._limits = rules.SignInLimits(
            without_code_per_hour=settings.sign_in_attempts_without_code_per_hour,
            wrong_password_with_code_per_hour=settings.sign_in_wrong_passwords_with_code_per_hour,
            wrong_codes_per_day=settings.sign_in_wrong_codes_per_day,
        )

    def create_user(
        self,
        *,
        username: str,
        display_name: str,
        password: str,
        roles: Iterable[Role],
        actor: Actor,
        person_id: uuid.UUID | None = None,
        totp_secret: str | None = None,
        is_demo: bool = False,
    ) -> CreatedUser:
        """A user with a fresh X25519 key pair locked under their password and under a recovery key."""
        username = username.strip().lower()
        if not username or len(username) > 80:
            raise InvalidInput("A username needs between 1 and 80 characters.")
        rules.check_new_password(password, username)
        cost = self._settings.password_cost
        key_pair = crypto.generate_key_pair()
        key_salt, locked = crypto.lock_private_key(key_pair.private, password, cost)
        recovery_key = crypto.new_receipt_key()
        recovery_salt, recovery_locked = crypto.lock_private_key(key_pair.private, recovery_key, cost)
        totp_secret = totp_secret or pyotp.random_base32()
        user = User(
            username=username,
            display_name=display_name.strip() or username,
            person_id=person_id,
            password_hash=crypto.hash_password(password, cost),
            totp_secret_encrypted=crypto.encrypt(self._secrets.totp, totp_secret.encode()),
            public_key=key_pair.public,
            key_salt=key_salt,
            locked_private_key=locked,
            recovery_key_salt=recovery_salt,
            recovery_locked_private_key=recovery_locked,
            is_demo=is_demo,
            enrolled_at=self._clock(),
            role_rows=[UserRole(role=Role(role)) for role in set(roles)],
        )
        with self._db.transaction() as session:
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                raise Conflict(f"The username {username!r} is already taken.")
            session.add(user)
            session.flush()
            self._audit.record(
                session,
                actor,
                "user.created",
                "user",
                user.id,
                {"username": username, "roles": sorted(r.value for r in user.roles)},
                at=self._clock(),
            )
        return CreatedUser(user_id=user.id, totp_secret=totp_secret, recovery_key=recovery_key)

    def totp_secret(self, user: User) -> str:
        return crypto.decrypt(self._secrets.totp, user.totp_secret_encrypted).decode()

    def _matching_counter(self, secret: str, code: str, now: datetime) -> int | None:
        code = code.strip().replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
        current = totp.timecode(now)
        for counter in (current - 1, current, current + 1):
            if crypto.constant_time_equal(totp.generate_otp(counter), code):
                return counter
        return None

    def sign_in(self, username: str, password: str, totp_code: str) -> SignedIn:
        """Password and TOTP, within per-username budgets that never lock the account.

        A stranger who knows a username spends only the budget of attempts without a valid code;
        its owner, who has the code, signs in through another. Known and unknown usernames take
        the same steps and get the same answers (see `rules.SignInBudget`)."""
        username = username.strip().lower()
        now = self._clock()
        cost = self._settings.password_cost
        with self._db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username))
            known = user if user is not None and user.active else None
            counter = self._matching_counter(
                self.totp_secret(known) if known else self._decoy_totp_secret, totp_code, now
            )
            code_ok = (
                known is not None
                and counter is not None
                and rules.totp_counter_is_fresh(known.totp_last_counter, counter)
            )
            if code_ok:
                # Whoever holds the password has had their day's guesses at the code.
                self._refuse_if_spent(session, rules.SignInBudget.WRONG_CODE, username, now)
                budget = rules.SignInBudget.WRONG_PASSWORD_WITH_CODE
            else:
                budget = rules.SignInBudget.WITHOUT_CODE
            self._spend(session, budget, username, now)
            snapshot = (known.id, known.password_hash) if known else None

        # The slow check runs outside any transaction, so it never holds the database.
        password_ok = crypto.verify_password(snapshot[1] if snapshot else self._decoy_hash, password, cost)
        if snapshot is None:
            raise NotSignedIn(str(SIGN_IN_REFUSED), code="sign_in_refused")

        with self._db.transaction() as session:
            user = session.get(User, snapshot[0], with_for_update=True)
            if user is None:
                raise NotSignedIn(str(SIGN_IN_REFUSED), code="sign_in_refused")
            # Checked again under the row lock: a parallel request may have used the code.
            issued = None
            if (
                password_ok
                and code_ok
                and counter is not None
                and rules.totp_counter_is_fresh(user.totp_last_counter, counter)
            ):
                try:
                    private_key = crypto.unlock_private_key(
                        user.locked_private_key, user.key_salt, password, cost
                    )
                except crypto.DecryptionFailed as error:
                    raise NotSignedIn(str(SIGN_IN_REFUSED), code="sign_in_refused") from error
                # Not a wrong password after all: the owner's budget is for their mistakes only.
                limit_key = rules.budget_key(budget, username)
                ratelimit.refund(session, limit_key, self._limits.of(budget)[1], now)
                user.totp_last_counter = counter
                issued = sessions.issue(
                    session,
                    kind=sessions.STAFF,
                    private_key=private_key,
                    now=now,
                    lifetime=timedelta(hours=self._settings.staff_session_max_hours),
                    user_id=user.id,
                )
                self._audit.record(session, Actor.user(user.id), "sign_in", "user", user.id, at=now)
            else:
                if password_ok:
                    # Counted here, refused on the next attempt that carries a code.
                    allowed, window = self._limits.of(rules.SignInBudget.WRONG_CODE)
                    wrong_code_key = rules.budget_key(rules.SignInBudget.WRONG_CODE, username)
                    ratelimit.hit(session, wrong_code_key, allowed, window, now)
                self._audit.record(session, Actor.user(user.id), "sign_in.failed", "user", user.id, at=now)
        if issued is None:
            raise NotSignedIn(str(SIGN_IN_REFUSED), code="sign_in_refused")
        return SignedIn(bearer=issued.bearer, expires_at=issued.expires_at)

    def _spend(self, session: Session, budget: rules.SignInBudget, username: str, now: datetime) -> None:
        allowed, window = self._limits.of(budget)
        if not ratelimit.hit(session, rules.budget_key(budget, username), allowed, window, now):
            raise self._over_budget(window, now)

    def _refuse_if_spent(
        self, session: Session, budget: rules.SignInBudget, username: str, now: datetime
    ) -> None:
        allowed, window = self._limits.of(budget)
        if ratelimit.used(session, rules.budget_key(budget, username), window, now) >= allowed:
            raise self._over_budget(window, now)

    @staticmethod
    def _over_budget(window: int, now: datetime) -> TooManyAttempts:
        wait = ratelimit.seconds_left(now, window)
        return TooManyAttempts(
            ngettext(
                "Too many attempts to sign in with this username. Try again in %(count)s minute.",
                "Too many attempts to sign in with this username. Try again in %(count)s minutes.",
                -(-wait // 60),
            )
            % {"count": -(-wait // 60)},
            retry_after_seconds=wait,
            code="sign_in_budget_spent",
        )

    def authenticate(self, bearer: str) -> StaffPrincipal:
        now = self._clock()
        with self._db.transaction() as session:
            opened = sessions.open_session(
                session,
                bearer,
                kind=sessions.STAFF,
                now=now,
                idle_limit=timedelta(minutes=self._settings.staff_session_idle_minutes),
            )
            user = session.get(User, opened.row.user_id)
            if user is None or not user.active:
                raise NotSignedIn("Your account is not active.")
            return StaffPrincipal(
                user_id=user.id,
                username=user.username,
                display_name=user.display_name,
                roles=user.roles,
                private_key=opened.private_key,
                session_id_hash=opened.row.id_hash,
            )

    def sign_out(self, bearer: str) -> None:
        now = self._clock()
        with self._db.transaction() as session:
            row = session.get(WebSession, sessions.id_hash_of(bearer))
            sessions.revoke(session, bearer, now)
            if row is not None and row.user_id is not None:
                self._audit.record(session, Actor.user(row.user_id), "sign_out", "user", row.user_id, at=now)

    def revoke_all_sessions(self, user_id: uuid.UUID, actor: Actor) -> int:
        now = self._clock()
        with self._db.transaction() as session:
            result = session.execute(
                update(WebSession)
                .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            self._audit.record(session, actor, "sessions.revoked", "user", user_id, at=now)
            return int(result.rowcount)  # type: ignore[attr-defined]

    def current_totp_code(self, username: str) -> str:
        """Demo accounts only: a code for the sign-in page, so a newcomer can try the app."""
        with self._db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username.strip().lower()))
            if user is None or not user.is_demo:
                raise InvalidInput("Codes are printed only for demo accounts.")
            return pyotp.TOTP(self.totp_secret(user), interval=TOTP_STEP_SECONDS).at(self._clock())

    def public_keys_of_roles(self, roles: Iterable[Role]) -> dict[uuid.UUID, bytes]:
        with self._db.transaction() as session:
            return users_with_roles(session, roles)


def lock_holders_of_roles(session: Session, roles: Iterable[Role]) -> None:
    """Lock the rows of the active holders of `roles` FOR SHARE before sealing new content to them.

    A role removal or a disabling holds the account's row FOR NO KEY UPDATE until it commits, so
    this waits for it; the caller then reads the holders in a new statement, which on PostgreSQL
    (read committed) sees the removal, and the removed reader is not sealed to."""
    session.execute(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(list(roles)), User.active.is_(True))
        .with_for_update(read=True, of=User)
    )


def users_with_roles(session: Session, roles: Iterable[Role]) -> dict[uuid.UUID, bytes]:
    """Public keys of the active users holding any of `roles` (to seal new content to them)."""
    rows = session.execute(
        select(User.id, User.public_key)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(list(roles)), User.active.is_(True))
        .distinct()
    ).all()
    return {row.id: row.public_key for row in rows}


def unlock_principal(database: Database, settings: Settings, username: str, password: str) -> StaffPrincipal:
    """A principal for local, trusted tooling (the CLI, the demo): password only, no session.

    Whoever runs it already holds the database and the key files; the password is still needed
    to open the private key, so this grants nothing the password does not.
    """
    with database.transaction() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None or not crypto.verify_password(user.password_hash, password, settings.password_cost):
            raise NotSignedIn(str(SIGN_IN_REFUSED))
        private_key = crypto.unlock_private_key(
            user.locked_private_key, user.key_salt, password, settings.password_cost
        )
        return StaffPrincipal(
            user.id, user.username, user.display_name, user.roles, private_key, session_id_hash=""
        )
