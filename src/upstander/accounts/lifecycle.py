"""An account's life after it is created: disabling, re-enabling, roles, passwords, recovery keys.

Each use case is one transaction that locks the account's row, so two administrators acting on
the same account at once get one winner and one 409. Each step is written to the audit chain in
that transaction. A password or recovery key is checked against a snapshot taken before the slow
key derivation, and the row is changed only if it still matches that snapshot.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts import ratelimit, rules
from upstander.accounts.models import Role, User, UserRole, WebSession
from upstander.accounts.overview import AccountsOverview, overview
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import Actor, AuditLog
from upstander.config import Settings
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound, NotSignedIn, TooManyAttempts

RECOVERY_REFUSED = "The username or recovery key is not right."
CHANGED_MEANWHILE = "This account changed while you were acting on it; look again and retry."
PAGE_SIZE = 50

# An administrator signed in, or the local command line (whoever runs it holds the database and
# the key files already, as when it creates the first accounts).
By = StaffPrincipal | Actor


def acting(by: By) -> tuple[Actor, uuid.UUID | None]:
    if isinstance(by, StaffPrincipal):
        access.require(by.roles, access.Action.MANAGE_USERS)
        return by.actor, by.user_id
    return by, None


class ReaderRemoval(Protocol):
    """What follows when someone loses every way of reading reports: the report keys they could
    open are replaced (reports/rotation.py answers it; accounts sit below reports, so the
    composition root hands it in). Returns how many report keys were replaced."""

    def remove_reader(self, session: Session, user_id: uuid.UUID, now: datetime) -> int: ...


@dataclass(frozen=True)
class UserRow:
    user_id: uuid.UUID
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    created_at: datetime
    live_sessions: int
    enrolled: bool = True

    @property
    def status(self) -> str:
        if not self.enrolled:
            return "awaiting enrolment"
        return "active" if self.active else "disabled"


@dataclass(frozen=True)
class UserPage:
    users: list[UserRow]
    next_after: str | None


class AccountLifecycle:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        audit: AuditLog,
        reader_removal: ReaderRemoval,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._settings = settings
        self._audit = audit
        self._reader_removal = reader_removal
        self._clock = clock
        self._decoy_lock: tuple[bytes, bytes] | None = None

    def _decoy(self) -> tuple[bytes, bytes]:
        if self._decoy_lock is None:
            salt, locked = crypto.lock_private_key(
                crypto.random_bytes(32), crypto.token(), self._settings.password_cost
            )
            self._decoy_lock = (locked, salt)
        return self._decoy_lock

    # --- The administrator's use cases ------------------------------------------------------

    def list_users(self, by: By, after: str | None = None, limit: int = PAGE_SIZE) -> UserPage:
        """A page of accounts by username, after the one named (keyset, so pages stay cheap)."""
        acting(by)
        limit = max(1, min(limit, 200))
        now = self._clock()
        with self._db.transaction() as session:
            query = select(User).order_by(User.username).limit(limit + 1)
            if after:
                query = query.where(User.username > after)
            users = list(session.scalars(query))
            more = len(users) > limit
            users = users[:limit]
            live = dict(
                session.execute(
                    select(WebSession.user_id, func.count())
                    .where(
                        WebSession.user_id.in_([user.id for user in users]),
                        WebSession.revoked_at.is_(None),
                        WebSession.expires_at > now,
                    )
                    .group_by(WebSession.user_id)
                ).all()
            )
            rows = [
                UserRow(
                    user.id,
                    user.username,
                    user.display_name,
                    tuple(sorted(role.value for role in user.roles)),
                    user.active,
                    user.created_at,
                    int(live.get(user.id, 0)),
                    user.enrolled_at is not None,
                )
                for user in users
            ]
        return UserPage(rows, rows[-1].username if more and rows else None)

    def overview(self, by: By) -> AccountsOverview:
        """The administrator's home: accounts by state, enrolments waiting, recent step counts."""
        acting(by)
        with self._db.transaction() as session:
            return overview(session, self._clock())

    def find_user(self, by: By, user_id: uuid.UUID) -> UserRow:
        acting(by)
        with self._db.transaction() as session:
            user = self._user(session, user_id, lock=False)
            return UserRow(
                user.id,
                user.username,
                user.display_name,
                tuple(sorted(role.value for role in user.roles)),
                user.active,
                user.created_at,
                0,
                user.enrolled_at is not None,
            )

    def find_by_username(self, username: str) -> uuid.UUID | None:
        with self._db.transaction() as session:
            return session.scalar(select(User.id).where(User.username == username.strip().lower()))

    def disable(self, by: By, user_id: uuid.UUID, reason: str) -> int:
        """Disable an account and end every session and token it has, at once; its history stays.

        Returns how many live sessions were ended."""
        actor, actor_id = acting(by)
        reason = rules.check_reason(reason)
        now = self._clock()
        with self._db.transaction() as session:
            user = self._user(session, user_id, lock=True)
            rules.check_disable(actor_id, user.id, user.active)
            user.active = False
            ended = revoke_sessions(session, user.id, now)
            replaced = self._replace_keys_if_reading_lost(session, user, user.roles, now, active_before=True)
            self._audit.record(
                session,
                actor,
                "user.disabled",
                "user",
                user.id,
                {
                    "username": user.username,
                    "reason": reason,
                    "sessions_ended": ended,
                    "report_keys_replaced": replaced,
                },
                at=now,
            )
        return ended

    def enable(self, by: By, user_id: uuid.UUID, reason: str) -> None:
        actor, _ = acting(by)
        reason = rules.check_reason(reason)
        now = self._clock()
        with self._db.transaction() as session:
            user = self._user(session, user_id, lock=True)
            rules.check_enable(user.active, user.enrolled_at is not None)
            user.active = True
            self._audit.record(
                session,
                actor,
                "user.enabled",
                "user",
                user.id,
                {"username": user.username, "reason": reason},
                at=now,
            )

    def set_roles(
        self, by: By, user_id: uuid.UUID, roles: Iterable[Role | str], reason: str
    ) -> rules.RoleChange:
        """Replace an account's roles. A role granted reaches content sealed from now on (new
        reports and cases are sealed to the holders of their reading roles when they arrive); losing
        the last reading role replaces the keys of the reports the account could open."""
        actor, actor_id = acting(by)
        reason = rules.check_reason(reason)
        try:
            wanted = frozenset(Role(role) for role in roles)
        except ValueError as error:
            raise InvalidInput(f"Unknown role: {error}", fields={"roles": "unknown"}) from error
        now = self._clock()
        with self._db.transaction() as session:
            user = self._user(session, user_id, lock=True)
            change = rules.check_role_change(
                actor_id,
                user.id,
                frozenset(role.value for role in user.roles),
                frozenset(role.value for role in wanted),
            )
            before = user.roles
            user.role_rows = [row for row in user.role_rows if row.role in wanted]
            user.role_rows.extend(UserRole(role=Role(role)) for role in sorted(change.granted))
            replaced = self._replace_keys_if_reading_lost(
                session, user, before, now, active_before=user.active
            )
            self._audit.record(
                session,
                actor,
                "user.roles_changed",
                "user",
                user.id,
                {
                    "username": user.username,
                    "granted": sorted(change.granted),
                    "removed": sorted(change.removed),
                    "reason": reason,
                    "report_keys_replaced": replaced,
                },
                at=now,
            )
        return change

    # --- Each person's own use cases -------------------------------------------------------

    def change_password(self, me: StaffPrincipal, current_password: str, new_password: str) -> int:
        """Re-wrap one's private key under a new password and end every other session.

        Returns how many other sessions were ended."""
        cost = self._settings.password_cost
        with self._db.transaction() as session:
            user = self._user(session, me.user_id, lock=False)
            rules.check_password_change(current_password, new_password, user.username)
            snapshot = (user.password_hash, user.locked_private_key, user.key_salt)
        # The slow derivations run outside any transaction, so they never hold the database.
        try:
            private_key = crypto.unlock_private_key(snapshot[1], snapshot[2], current_password, cost)
        except crypto.DecryptionFailed as error:
            raise InvalidInput(
                "The current password is not right.", fields={"current_password": "wrong"}
            ) from error
        key_salt, locked = crypto.lock_private_key(private_key, new_password, cost)
        password_hash = crypto.hash_password(new_password, cost)
        now = self._clock()
        with self._db.transaction() as session:
            user = self._user(session, me.user_id, lock=True)
            if user.password_hash != snapshot[0] or not user.active:
                raise Conflict(CHANGED_MEANWHILE, code="account_changed")
            user.password_hash, user.key_salt, user.locked_private_key = password_hash, key_salt, locked
            ended = revoke_sessions(session, user.id, now, keep=me.session_id_hash)
            self._audit.record(
                session, me.actor, "user.password_changed", "user", user.id, {"sessions_ended": ended}, at=now
            )
        return ended

    def regenerate_recovery_key(self, me: StaffPrincipal, password: str) -> str:
        """A new recovery key, shown once; the old one opens nothing from now on."""
        cost = self._settings.password_cost
        with self._db.transaction() as session:
            user = self._user(session, me.user_id, lock=False)
            snapshot = (user.password_hash, user.locked_private_key, user.key_salt, user.recovery_key_salt)
        try:
            private_key = crypto.unlock_private_key(snapshot[1], snapshot[2], password, cost)
        except crypto.DecryptionFailed as error:
            raise InvalidInput("The password is not right.", fields={"password": "wrong"}) from error
        recovery_key = crypto.new_receipt_key()
        recovery_salt, recovery_locked = crypto.lock_private_key(private_key, recovery_key, cost)
        now = self._clock()
        with self._db.transaction() as session:
            user = self._user(session, me.user_id, lock=True)
            if user.password_hash != snapshot[0] or user.recovery_key_salt != snapshot[3]:
                raise Conflict(CHANGED_MEANWHILE, code="account_changed")
            user.recovery_key_salt, user.recovery_locked_private_key = recovery_salt, recovery_locked
            self._audit.record(session, me.actor, "user.recovery_key_regenerated", "user", user.id, at=now)
        return recovery_key

    def reset_with_recovery_key(self, username: str, recovery_key: str, new_password: str) -> str:
        """A forgotten password: the recovery key opens the private key, which is re-wrapped under
        the new password and under a new recovery key (returned, to be shown once). Every session
        ends. A wrong key changes nothing but the attempt count; the answer never says whether the
        username exists."""
        username = username.strip().lower()
        cost = self._settings.password_cost
        now = self._clock()
        rules.check_new_password(new_password, username)
        limit_key = f"recovery:{hashlib.sha256(username.encode()).hexdigest()}"
        with self._db.transaction() as session:
            within_budget = ratelimit.hit(session, limit_key, rules.RECOVERY_ATTEMPTS_PER_HOUR, 3600, now)
            user = session.scalar(select(User).where(User.username == username))
            known = user is not None and user.active and within_budget
            snapshot = (
                (user.id, user.recovery_locked_private_key, user.recovery_key_salt)
                if user is not None and known
                else None
            )
        # The attempt is counted (committed above) before anything is refused.
        if not within_budget:
            wait = ratelimit.seconds_left(now, 3600)
            raise TooManyAttempts(
                f"Too many recovery attempts for this username. Try again in {-(-wait // 60)} minutes.",
                retry_after_seconds=wait,
                code="recovery_budget_spent",
            )
        typed = crypto.normalise_receipt_key(recovery_key)
        locked_key, salt = snapshot[1:] if snapshot else self._decoy()
        try:
            # Known and unknown usernames take the same slow step, so the answer's timing tells nothing.
            private_key = crypto.unlock_private_key(locked_key, salt, typed or recovery_key, cost)
            if snapshot is None or typed is None:
                raise crypto.DecryptionFailed
        except crypto.DecryptionFailed as error:
            if snapshot is not None:
                with self._db.transaction() as session:
                    self._audit.record(
                        session,
                        Actor.user(snapshot[0]),
                        "user.password_reset.failed",
                        "user",
                        snapshot[0],
                        at=now,
                    )
            raise NotSignedIn(RECOVERY_REFUSED, code="recovery_refused") from error
        user_id = snapshot[0]
        key_salt, locked = crypto.lock_private_key(private_key, new_password, cost)
        new_recovery_key = crypto.new_receipt_key()
        recovery_salt, recovery_locked = crypto.lock_private_key(private_key, new_recovery_key, cost)
        password_hash = crypto.hash_password(new_password, cost)
        with self._db.transaction() as session:
            user = self._user(session, user_id, lock=True)
            if user.recovery_key_salt != snapshot[2] or not user.active:
                raise Conflict(CHANGED_MEANWHILE, code="account_changed")
            user.password_hash, user.key_salt, user.locked_private_key = password_hash, key_salt, locked
            user.recovery_key_salt, user.recovery_locked_private_key = recovery_salt, recovery_locked
            ended = revoke_sessions(session, user.id, now)
            self._audit.record(
                session,
                Actor.user(user.id),
                "user.password_reset",
                "user",
                user.id,
                {"sessions_ended": ended},
                at=now,
            )
        return new_recovery_key

    def _replace_keys_if_reading_lost(
        self, session: Session, user: User, before: frozenset[Role], now: datetime, *, active_before: bool
    ) -> int:
        """When this change takes away the account's last way of reading, replace the report keys
        it held, in this transaction, so what is written afterwards is sealed to a key it never held."""
        if not rules.loses_reading(before, user.roles, active_before=active_before, active_after=user.active):
            return 0
        session.flush()
        return self._reader_removal.remove_reader(session, user.id, now)

    @staticmethod
    def _user(session: Session, user_id: uuid.UUID, *, lock: bool) -> User:
        # FOR NO KEY UPDATE: a new report's intake locks its readers' rows FOR SHARE before it seals
        # to them, so a removal and an intake never both act on what the other has not committed.
        user = session.get(User, user_id, with_for_update={"key_share": True} if lock else False)
        if user is None:
            raise NotFound("There is no such account.")
        return user


def revoke_sessions(session: Session, user_id: uuid.UUID, now: datetime, keep: str | None = None) -> int:
    """End every live session of one account (pages and API tokens alike), but `keep`."""
    query = update(WebSession).where(
        WebSession.user_id == user_id, WebSession.revoked_at.is_(None), WebSession.expires_at > now
    )
    if keep:
        query = query.where(WebSession.id_hash != keep)
    return int(session.execute(query.values(revoked_at=now)).rowcount)  # type: ignore[attr-defined]
