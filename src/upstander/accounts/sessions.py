"""Server-side sessions whose bearer carries the key to the signed-in private key.

Shared by staff sign-in and reporter follow-up: the database alone can neither impersonate a
session (it holds a hash of the id) nor open the private key (it is encrypted under a key that
exists only in the cookie or API token).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from upstander import crypto
from upstander.accounts import rules
from upstander.accounts.models import WebSession
from upstander.audit.service import Actor
from upstander.errors import NotSignedIn

STAFF = "staff"
REPORTER = "reporter"


@dataclass(frozen=True)
class IssuedSession:
    bearer: str
    id_hash: str
    expires_at: datetime


@dataclass(frozen=True)
class OpenedSession:
    row: WebSession
    private_key: bytes


def _split(bearer: str) -> tuple[bytes, bytes]:
    session_part, _, key_part = bearer.partition(".")
    try:
        return crypto.decode_token(session_part), crypto.decode_token(key_part)
    except crypto.DecryptionFailed as error:
        raise NotSignedIn("Your session is not valid. Please sign in again.") from error


def id_hash_of(bearer: str) -> str:
    session_id, _ = _split(bearer)
    return crypto.fingerprint(session_id)


def issue(
    session: Session,
    *,
    kind: str,
    private_key: bytes,
    now: datetime,
    lifetime: timedelta,
    user_id: uuid.UUID | None = None,
    report_id: uuid.UUID | None = None,
) -> IssuedSession:
    session_token, key_token = crypto.token(), crypto.token()
    id_hash = crypto.fingerprint(crypto.decode_token(session_token))
    row = WebSession(
        id_hash=id_hash,
        kind=kind,
        user_id=user_id,
        report_id=report_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        revoked_at=None,
        wrapped_private_key=crypto.encrypt(crypto.decode_token(key_token), private_key),
    )
    session.add(row)
    return IssuedSession(bearer=f"{session_token}.{key_token}", id_hash=id_hash, expires_at=row.expires_at)


def open_session(
    session: Session, bearer: str, *, kind: str, now: datetime, idle_limit: timedelta | None
) -> OpenedSession:
    """The live session behind a bearer, with its private key unwrapped; NotSignedIn otherwise."""
    session_id, key = _split(bearer)
    row = session.get(WebSession, crypto.fingerprint(session_id))
    expired = NotSignedIn("Your session has ended. Please sign in again.", code="session_expired")
    if row is None or row.kind != kind:
        raise expired
    if not rules.session_is_live(
        row.created_at, row.last_seen_at, row.expires_at, row.revoked_at, idle_limit, now
    ):
        raise expired
    try:
        private_key = crypto.decrypt(key, row.wrapped_private_key)
    except crypto.DecryptionFailed as error:
        raise expired from error
    row.last_seen_at = now
    return OpenedSession(row=row, private_key=private_key)


def revoke(session: Session, bearer: str, now: datetime) -> None:
    row = session.get(WebSession, id_hash_of(bearer))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


@dataclass(frozen=True)
class ReporterPrincipal:
    report_id: uuid.UUID
    private_key: bytes
    session_id_hash: str

    @property
    def actor(self) -> Actor:
        return Actor.reporter(self.report_id)
