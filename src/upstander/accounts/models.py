from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Enum, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from upstander.db import Base, utcnow


class Role(StrEnum):
    OPERATOR = "operator"
    HANDLER = "handler"
    INVESTIGATOR = "investigator"
    DECISION_MAKER = "decision_maker"
    CUSTODIAN = "custodian"
    OVERSEER = "overseer"
    REPRESENTATIVE = "representative"
    WELFARE = "welfare"
    ANALYST = "analyst"
    ADMIN = "admin"
    VETTING = "vetting"
    HR = "hr"
    # A member of staff with no other role: may file escrow reports and follow their own, nothing else.
    STAFF = "staff"


def enum_column(enum: type[StrEnum], length: int = 40) -> Enum:
    """Enums are stored by value as plain strings, identical on SQLite and PostgreSQL."""
    return Enum(
        enum, values_callable=lambda members: [m.value for m in members], native_enum=False, length=length
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None until the person has opened their enrolment link, chosen a password and enrolled their
    # second factor: until then the account is inactive and holds no key pair (the key columns
    # are empty), so nothing is ever sealed to it.
    enrolled_at: Mapped[datetime | None]

    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]

    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    locked_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    recovery_key_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    recovery_locked_private_key: Mapped[bytes] = mapped_column(LargeBinary)

    # Demo accounts let `upstander demo-code` print a current TOTP code; real accounts never do.
    is_demo: Mapped[bool] = mapped_column(default=False)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class WebSession(Base):
    """A server-side, revocable session of a staff member or of a reporter holding a receipt.

    The bearer (cookie or API token) is `<id>.<key>`: the database keeps only a hash of the id and
    the signed-in private key encrypted under `key`, which exists only on the client.
    """

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)


class EnrolmentPurpose(StrEnum):
    ACCOUNT = "account"  # a new account: password, second factor and key pair are made on enrolment
    SECOND_FACTOR = "second_factor"  # the second factor was reset: only a new one is enrolled


class Enrolment(Base):
    """A one-time enrolment code. Only its keyed hash is kept; it expires and is used once.

    The authenticator secret offered while enrolling is kept here, encrypted at rest, until the
    person proves they scanned it with a first code."""

    __tablename__ = "enrolments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[EnrolmentPurpose] = mapped_column(enum_column(EnrolmentPurpose, 16))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # A newer code for the same account ends this one.
    superseded_at: Mapped[datetime | None]
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)


class RateLimitWindow(Base):
    """Fixed-window counters keyed on an account, a receipt visitor or a global budget — never an IP."""

    __tablename__ = "rate_limit_windows"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class OrgKey(Base):
    """A key pair held by a function rather than a person (the custodian of reporter identities)."""

    __tablename__ = "org_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrgKeyGrant(Base):
    __tablename__ = "org_key_grants"

    name: Mapped[str] = mapped_column(ForeignKey("org_keys.name"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
