"""enrolment codes and closed units

An account is created without a password: the person opens a one-time enrolment code, chooses
their password and enrols their second factor, and their key pair is made then. Codes are kept
only as keyed hashes. Every account that exists already was enrolled when it was created.
An organisational unit can be closed: it keeps its history but takes no one new.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import upstander.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", upstander.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", upstander.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", upstander.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", upstander.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("totp_secret_encrypted", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrolments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrolments_code_hash")),
    )
    op.create_index(op.f("ix_enrolments_user_id"), "enrolments", ["user_id"], unique=False)
    # Not in batch mode: on SQLite that rebuilds the table, which the rows referring to users
    # forbid; SQLite adds a nullable column in place.
    op.add_column("users", sa.Column("enrolled_at", upstander.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET enrolled_at = created_at")
    op.add_column("org_units", sa.Column("closed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    pending = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM users WHERE enrolled_at IS NULL"))
    if pending.scalar_one():
        raise RuntimeError("Accounts awaiting enrolment exist; the older code cannot tell them apart.")
    op.drop_column("org_units", "closed_on")
    op.drop_column("users", "enrolled_at")
    op.drop_index(op.f("ix_enrolments_user_id"), table_name="enrolments")
    op.drop_table("enrolments")
