"""Settings, read from UPSTANDER_* environment variables (pydantic-settings).

Defaults give an embedded SQLite database and key files in a local data directory, so a bare
machine runs the app with no configuration at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from upstander.db import DEFAULT_BUSY_TIMEOUT_SECONDS, DEFAULT_CONNECT_TIMEOUT_SECONDS


class KdfCost(BaseModel):
    """Argon2id cost: operations (passes) and memory in KiB."""

    model_config = ConfigDict(frozen=True)

    opslimit: int = Field(ge=1)
    memlimit_kib: int = Field(ge=8)


# Staff passwords guard long-lived private keys and may be weak: a strong setting (RFC 9106's
# second recommendation, 64 MiB and 3 passes) is worth its cost at sign-in.
STRONG_PASSWORD_COST = KdfCost(opslimit=3, memlimit_kib=64 * 1024)
# Only for receipts of reports received before keyed hashing (crypto.RECEIPT_ARGON2ID): a receipt
# key carries 140 random bits, so new receipts need no slow derivation at all.
RECEIPT_COST = KdfCost(opslimit=1, memlimit_kib=8 * 1024)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UPSTANDER_", frozen=True)

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: an SQLite file in the data directory"
    )
    database_connect_timeout_seconds: int = Field(
        default=DEFAULT_CONNECT_TIMEOUT_SECONDS,
        ge=2,
        le=120,
        description="How long to wait for a new PostgreSQL connection before answering 503 (libpq counts "
        "whole seconds, at least 2)",
    )
    database_busy_timeout_seconds: float = Field(
        default=DEFAULT_BUSY_TIMEOUT_SECONDS,
        gt=0,
        le=600,
        description="How long a request waits for SQLite's write lock or a free PostgreSQL pool connection "
        "before answering 503",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="32+ bytes of server secret (CSRF tokens, TOTP secrets at rest); default: a key file "
        "in the data directory, created on first run. Every app process of one deployment needs the same.",
    )
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 seed that signs audit checkpoints; default: data_dir/audit-signing.key",
    )

    password_cost: KdfCost = STRONG_PASSWORD_COST
    receipt_cost: KdfCost = RECEIPT_COST

    cookie_secure: bool = Field(default=True, description="Secure, __Host- prefixed cookies")
    staff_session_idle_minutes: int = 30
    staff_session_max_hours: int = 10
    reporter_session_minutes: int = 20

    max_text_chars: int = 20_000
    max_short_text_chars: int = 300
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_attachments_per_submission: int = 5
    max_subjects_per_report: int = 10
    file_cleaning_slots: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Files decoded or cleaned at once in one app process; each large image needs up to ~400 MB",
    )
    file_cleaning_wait_seconds: float = Field(
        default=20.0,
        ge=0,
        le=120,
        description="How long an upload waits for a cleaning slot before it is answered 503 with Retry-After",
    )
    document_cleaner_command: str | None = Field(
        default=None,
        description="The mat2 program that cleans documents; default: the one `make install` puts in "
        ".venv/mat2, else `mat2` on PATH",
    )
    document_cleaning_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    document_cleaning_memory_mib: int = Field(
        default=1024, ge=256, description="Address-space limit of the process that cleans one document"
    )

    # Per username, known or not; none of them locks the account (see THREAT_MODEL.md).
    sign_in_attempts_without_code_per_hour: int = Field(default=5, ge=1)
    sign_in_wrong_passwords_with_code_per_hour: int = Field(default=5, ge=1)
    sign_in_wrong_codes_per_day: int = Field(default=10, ge=1)
    receipt_failures_per_minute: int = 30
    receipt_failures_per_visitor_per_minute: int = 5

    policies_dir: Path = Field(
        default=Path(__file__).resolve().parents[2] / "policies",
        description="The folder of policy packs (TOML); every installed pack and version stays readable",
    )
    shared_data_dir: Path = Field(
        default=Path(__file__).resolve().parents[3] / "shared" / "data",
        description="Real public records to import (read in place, never copied into the repository)",
    )
    audit_checkpoint_every: int = 100
    log_level: str = "INFO"
    restriction_review_days: int = Field(
        default=28,
        ge=1,
        le=366,
        description="Days from a suspension or restricted duties to its first review",
    )
    detriment_window_days: int = Field(
        default=730,
        ge=1,
        le=3660,
        description="Days after a report during which HR decisions about the reporter raise a detriment alert",
    )

    escrow_key_service_url: str | None = Field(
        default=None,
        description="Base URL of `upstander escrow-keyd` (e.g. http://127.0.0.1:8700); default: an "
        "in-process key service with its key in the data directory, which is weaker (see THREAT_MODEL.md)",
    )
    escrow_key_service_secret_file: Path | None = Field(
        default=None,
        description="The shared client secret (hex) the app sends to the escrow key service; "
        "default: data_dir/escrow-client.secret",
    )
    escrow_key_service_public_key: str | None = Field(
        default=None,
        description="The escrow key service's public key (hex) to pin; default: pinned on first contact",
    )
    escrow_key_file: Path | None = Field(
        default=None, description="The in-process escrow key seed; default: data_dir/escrow-oprf.key"
    )
    escrow_key_service_timeout_seconds: float = 5.0
    escrow_token_requests_per_hour: int = Field(default=10, ge=1, description="Escrow filings per account")
    escrow_key_service_requests_per_minute: int = Field(
        default=120, ge=1, description="The key service's ceiling on evaluations, for all callers together"
    )
    escrow_max_threshold: int = Field(default=5, ge=2, le=5)
    backup_public_key: str | None = Field(
        default=None,
        description="The operator's backup public key (age1…) that `upstander backup` encrypts to; "
        "`upstander backup-key create` makes the pair",
    )

    # Notifications (notify/): content-free messages by e-mail; with no SMTP host they stay in the
    # outbox, held, and a log line says so.
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="The address staff open, for the links in notifications"
    )
    smtp_host: str | None = Field(default=None, description="Mail server for notifications; unset: none sent")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS")
    smtp_from: str = "upstander@localhost"
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    notification_lease_seconds: int = Field(
        default=120,
        ge=1,
        le=3600,
        description="How long a worker may take to send one notification before another may",
    )
    notification_retention_days: int = Field(
        default=90, ge=1, description="Sent notifications are deleted after"
    )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Settings:
        """A copy with `update` applied, whose resolved paths and URL are worked out again: a copy
        would otherwise keep the values this one had cached (its old database URL, say)."""
        copied = super().model_copy(update=update, deep=deep)
        for name, attribute in vars(type(self)).items():
            if isinstance(attribute, cached_property):
                copied.__dict__.pop(name, None)
        return copied

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'upstander.db').resolve()}"

    @cached_property
    def resolved_audit_signing_key_file(self) -> Path:
        return self.audit_signing_key_file or self.data_dir / "audit-signing.key"

    @property
    def server_secret_file(self) -> Path:
        return self.data_dir / "server-secret.key"

    @property
    def resolved_escrow_key_service_secret_file(self) -> Path:
        return self.escrow_key_service_secret_file or self.data_dir / "escrow-client.secret"

    @property
    def resolved_escrow_key_file(self) -> Path:
        return self.escrow_key_file or self.data_dir / "escrow-oprf.key"


def load_settings() -> Settings:
    return Settings()
