"""Enrolment: an account is created with a one-time code, never a password someone else knows.

The administrator creates the account and hands its holder a code (or the link carrying it). The
holder opens it, is offered an authenticator secret (as a QR code), chooses a password and proves
the authenticator with a first code; only then is their key pair made, locked under that password
and under a recovery key shown once. A second-factor reset ends the old authenticator and issues
a code of the same kind, which re-enrols a new one for whoever also knows the password.

A code is 140 random bits, kept only as a keyed hash; it expires, is used once, and a newer code
for the same account ends the older one. Each step is one audited transaction; finishing locks
the enrolment's row, so of two finishing at once one wins and the other gets a 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from upstander import crypto
from upstander.accounts import ratelimit, rules
from upstander.accounts.lifecycle import By, acting, revoke_sessions
from upstander.accounts.models import Enrolment, EnrolmentPurpose, Role, User, UserRole
from upstander.accounts.service import TOTP_STEP_SECONDS
from upstander.audit.service import Actor, AuditLog
from upstander.config import Settings
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from upstander.store.keyfiles import ServerSecrets

ENROL_PATH = "/staff/enrol"
ISSUER = "Upstander"
USED_MEANWHILE = "This enrolment code was used meanwhile; sign in, or ask for a new code."


@dataclass(frozen=True)
class IssuedCode:
    user_id: uuid.UUID
    username: str
    code: str
    expires_at: datetime
    purpose: EnrolmentPurpose

    @property
    def path(self) -> str:
        """The enrolment link's path; the code rides in it, so the link is as secret as the code."""
        return f"{ENROL_PATH}?code={self.code}"


@dataclass(frozen=True)
class EnrolmentStep:
    """What the person enrolling is shown: who they enrol as, and the authenticator to scan."""

    username: str
    display_name: str
    purpose: EnrolmentPurpose
    totp_secret: str
    expires_at: datetime

    @property
    def otpauth_uri(self) -> str:
        return pyotp.TOTP(self.totp_secret, interval=TOTP_STEP_SECONDS).provisioning_uri(
            name=self.username, issuer_name=ISSUER
        )


@dataclass(frozen=True)
class Enrolled:
    username: str
    purpose: EnrolmentPurpose
    # Only for a new account: shown once, never kept.
    recovery_key: str | None


# The key columns of an account awaiting enrolment: it has no key pair, so nothing can be sealed to it.
NO_KEY = b""


class EnrolmentService:
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

    def _hash(self, code: str) -> str | None:
        normal = crypto.normalise_receipt_key(code)
        return crypto.mac(self._secrets.enrolment, normal.encode()) if normal else None

    def _seal_totp(self, secret: str) -> bytes:
        return crypto.encrypt(self._secrets.totp, secret.encode())

    # --- The administrator's use cases ------------------------------------------------------

    def create_account(
        self,
        by: By,
        *,
        username: str,
        display_name: str,
        roles: Iterable[Role | str],
        person_id: uuid.UUID | None = None,
    ) -> IssuedCode:
        """A new account awaiting enrolment: inactive, with no password and no key pair yet."""
        actor, _ = acting(by)
        username = username.strip().lower()
        if not username or len(username) > 80 or any(ch.isspace() for ch in username):
            raise InvalidInput(
                "A username needs between 1 and 80 characters and no spaces.", fields={"username": "invalid"}
            )
        display_name = " ".join(display_name.split())
        if len(display_name) > 200:
            raise InvalidInput("A name can have at most 200 characters.", fields={"display_name": "too long"})
        try:
            wanted = sorted({Role(role) for role in roles})
        except ValueError as error:
            raise InvalidInput(f"Unknown role: {error}", fields={"roles": "unknown"}) from error
        if not wanted:
            raise InvalidInput("An account needs at least one role.", fields={"roles": "required"})
        now = self._clock()
        with self._db.transaction() as session:
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                raise Conflict(f"The username {username!r} is already taken.", code="username_taken")
            user = User(
                username=username,
                display_name=display_name or username,
                person_id=person_id,
                active=False,
                created_at=now,
                enrolled_at=None,
                password_hash="",
                # A secret nobody is given: the account has no second factor until it enrols one.
                totp_secret_encrypted=self._seal_totp(pyotp.random_base32()),
                public_key=NO_KEY,
                key_salt=NO_KEY,
                locked_private_key=NO_KEY,
                recovery_key_salt=NO_KEY,
                recovery_locked_private_key=NO_KEY,
                role_rows=[UserRole(role=role) for role in wanted],
            )
            session.add(user)
            session.flush()
            issued = self._issue(session, user, EnrolmentPurpose.ACCOUNT, now)
            self._audit.record(
                session,
                actor,
                "user.created",
                "user",
                user.id,
                {
                    "username": username,
                    "roles": [role.value for role in wanted],
                    "enrolment_expires_at": issued.expires_at.isoformat(),
                },
                at=now,
            )
        return issued

    def reset_second_factor(self, by: By, user_id: uuid.UUID, reason: str) -> IssuedCode:
        """End an account's authenticator and every session, and issue a code to enrol a new one.

        For an account still awaiting enrolment, a fresh enrolment code replaces the old one."""
        actor, actor_id = acting(by)
        reason = rules.check_reason(reason)
        if actor_id == user_id:
            raise InvalidInput("You cannot reset your own second factor; ask another administrator.")
        now = self._clock()
        with self._db.transaction() as session:
            user = session.get(User, user_id, with_for_update=True)
            if user is None:
                raise NotFound("There is no such account.")
            enrolled = user.enrolled_at is not None
            rules.check_reenrolment(enrolled, user.active)
            ended = 0
            if enrolled:
                user.totp_secret_encrypted = self._seal_totp(pyotp.random_base32())
                user.totp_last_counter = None
                ended = revoke_sessions(session, user.id, now)
            purpose = EnrolmentPurpose.SECOND_FACTOR if enrolled else EnrolmentPurpose.ACCOUNT
            issued = self._issue(session, user, purpose, now)
            self._audit.record(
                session,
                actor,
                "user.second_factor_reset" if enrolled else "user.enrolment_reissued",
                "user",
                user.id,
                {
                    "username": user.username,
                    "reason": reason,
                    "sessions_ended": ended,
                    "enrolment_expires_at": issued.expires_at.isoformat(),
                },
                at=now,
            )
        return issued

    def _issue(self, session: Session, user: User, purpose: EnrolmentPurpose, now: datetime) -> IssuedCode:
        session.execute(
            update(Enrolment)
            .where(
                Enrolment.user_id == user.id, Enrolment.used_at.is_(None), Enrolment.superseded_at.is_(None)
            )
            .values(superseded_at=now)
        )
        code = crypto.new_receipt_key()
        code_hash = self._hash(code)
        assert code_hash is not None  # a fresh code is always well formed
        expires_at = now + rules.ENROLMENT_LIFETIME
        session.add(
            Enrolment(
                user_id=user.id,
                purpose=purpose,
                code_hash=code_hash,
                created_at=now,
                expires_at=expires_at,
            )
        )
        return IssuedCode(user.id, user.username, code, expires_at, purpose)

    # --- The person enrolling ------------------------------------------------------------------

    def open(self, code: str) -> EnrolmentStep:
        """Check a code and offer the authenticator secret to scan (the same one each time it is
        opened, so a reload does not undo a scan)."""
        now = self._clock()
        with self._db.transaction() as session:
            enrolment, user = self._open(session, code, now, lock=True)
            if enrolment.totp_secret_encrypted is None:
                enrolment.totp_secret_encrypted = self._seal_totp(pyotp.random_base32())
                self._audit.record(
                    session,
                    Actor.user(user.id),
                    "user.enrolment_opened",
                    "user",
                    user.id,
                    {"purpose": enrolment.purpose.value},
                    at=now,
                )
            secret = crypto.decrypt(self._secrets.totp, enrolment.totp_secret_encrypted).decode()
            return EnrolmentStep(
                user.username, user.display_name, enrolment.purpose, secret, enrolment.expires_at
            )

    def finish(self, code: str, password: str, totp_code: str) -> Enrolled:
        """Complete an enrolment.

        A new account: `password` is the one chosen now; the key pair is made and locked under it
        and under a new recovery key, and the account becomes active. A second-factor reset:
        `password` is the account's own, proved by opening its private key."""
        now = self._clock()
        cost = self._settings.password_cost
        with self._db.transaction() as session:
            enrolment, user = self._open(session, code, now, lock=False, finishing=True)
            if enrolment.totp_secret_encrypted is None:
                raise InvalidInput(
                    "Open the enrolment link first, and scan its code.", fields={"code": "unopened"}
                )
            purpose, enrolment_id, user_id = enrolment.purpose, enrolment.id, user.id
            username = user.username
            secret = crypto.decrypt(self._secrets.totp, enrolment.totp_secret_encrypted).decode()
            if purpose is EnrolmentPurpose.SECOND_FACTOR:
                within_budget = ratelimit.hit(
                    session, f"enrolment:{enrolment_id}", rules.ENROLMENT_ATTEMPTS_PER_HOUR, 3600, now
                )
                snapshot = (user.password_hash, user.locked_private_key, user.key_salt)
            else:
                within_budget, snapshot = True, None
        if not within_budget:
            wait = ratelimit.seconds_left(now, 3600)
            raise TooManyAttempts(
                f"Too many attempts with this enrolment code. Try again in {-(-wait // 60)} minutes.",
                retry_after_seconds=wait,
                code="enrolment_budget_spent",
            )
        counter = _matching_counter(secret, totp_code, now)
        if counter is None:
            raise InvalidInput(
                "That code is not the one your authenticator app shows now; scan the QR code and try again.",
                fields={"totp_code": "wrong"},
            )
        # The slow derivations run outside any transaction, so they never hold the database.
        changes: dict[str, object] = {}
        recovery_key: str | None = None
        if snapshot is not None:
            try:
                crypto.unlock_private_key(snapshot[1], snapshot[2], password, cost)
            except crypto.DecryptionFailed as error:
                raise InvalidInput("The password is not right.", fields={"password": "wrong"}) from error
        else:
            rules.check_new_password(password, username)
            key_pair = crypto.generate_key_pair()
            key_salt, locked = crypto.lock_private_key(key_pair.private, password, cost)
            recovery_key = crypto.new_receipt_key()
            recovery_salt, recovery_locked = crypto.lock_private_key(key_pair.private, recovery_key, cost)
            changes = {
                "password_hash": crypto.hash_password(password, cost),
                "public_key": key_pair.public,
                "key_salt": key_salt,
                "locked_private_key": locked,
                "recovery_key_salt": recovery_salt,
                "recovery_locked_private_key": recovery_locked,
                "active": True,
                "enrolled_at": now,
            }
        with self._db.transaction() as session:
            locked_user = session.get(User, user_id, with_for_update=True)
            claimed = session.execute(
                update(Enrolment)
                .where(
                    Enrolment.id == enrolment_id,
                    Enrolment.used_at.is_(None),
                    Enrolment.superseded_at.is_(None),
                )
                .values(used_at=now)
            ).rowcount  # type: ignore[attr-defined]
            if locked_user is None or claimed != 1:
                raise Conflict(USED_MEANWHILE, code="enrolment_used")
            user = locked_user
            if snapshot is not None and (user.password_hash != snapshot[0] or not user.active):
                raise Conflict(
                    "This account changed while you were enrolling; ask for a new code.",
                    code="account_changed",
                )
            for name, value in changes.items():
                setattr(user, name, value)
            user.totp_secret_encrypted = self._seal_totp(secret)
            user.totp_last_counter = counter
            self._audit.record(
                session,
                Actor.user(user.id),
                "user.enrolled" if snapshot is None else "user.second_factor_enrolled",
                "user",
                user.id,
                {"username": username},
                at=now,
            )
        return Enrolled(username, purpose, recovery_key)

    def _open(
        self, session: Session, code: str, now: datetime, *, lock: bool, finishing: bool = False
    ) -> tuple[Enrolment, User]:
        code_hash = self._hash(code)
        query = select(Enrolment).where(Enrolment.code_hash == (code_hash or ""))
        enrolment = session.scalar(query.with_for_update() if lock else query)
        if enrolment is None:
            raise InvalidInput(rules.ENROLMENT_REFUSED, fields={"code": "not valid"})
        if finishing and enrolment.used_at is not None:
            # Whoever finishes second holds the same code: they hear that it was used, as a 409,
            # whether their request began before the winner's committed or just after.
            raise Conflict(USED_MEANWHILE, code="enrolment_used")
        rules.check_enrolment_open(enrolment.expires_at, enrolment.used_at, enrolment.superseded_at, now)
        user = session.get(User, enrolment.user_id)
        if user is None:
            raise InvalidInput(rules.ENROLMENT_REFUSED, fields={"code": "not valid"})
        return enrolment, user


def _matching_counter(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
    current = totp.timecode(now)
    for counter in (current - 1, current, current + 1):
        if crypto.constant_time_equal(totp.generate_otp(counter), code):
            return counter
    return None
