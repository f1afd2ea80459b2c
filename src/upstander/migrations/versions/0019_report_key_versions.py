"""report key versions

A report's key pair has versions: when a reader loses every role that reads reports (or their
account is disabled), the report keys they could open are replaced (reports/rotation.py). Each
sealed item records the version it was sealed with; the older versions stay readable to those
still entitled through `retired_report_keys`. Every row stored before this revision is version 1.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import upstander.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = ("report_messages", "report_notes", "report_attachments")


def upgrade() -> None:
    # Not in batch mode: on SQLite that rebuilds the table, which the rows referring to reports
    # forbid; SQLite adds a column with a constant default in place.
    op.add_column("reports", sa.Column("key_version", sa.Integer(), server_default="1", nullable=False))
    op.add_column(
        "reports",
        sa.Column("disclosed_identity_key_version", sa.Integer(), server_default="1", nullable=False),
    )
    for table in VERSIONED:
        op.add_column(table, sa.Column("key_version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "retired_report_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("retired_at", upstander.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_retired_report_keys_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_retired_report_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_report_keys")),
        sa.UniqueConstraint(
            "report_id",
            "key_version",
            "user_id",
            name=op.f("uq_retired_report_keys_report_id"),
        ),
    )
    op.create_index(
        op.f("ix_retired_report_keys_report_id"), "retired_report_keys", ["report_id"], unique=False
    )
    op.create_index(op.f("ix_retired_report_keys_user_id"), "retired_report_keys", ["user_id"], unique=False)


def downgrade() -> None:
    rotated = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM reports WHERE key_version <> 1"))
    if rotated.scalar_one():
        raise RuntimeError("Some report keys were replaced; the older code would read their items wrongly.")
    op.drop_index(op.f("ix_retired_report_keys_user_id"), table_name="retired_report_keys")
    op.drop_index(op.f("ix_retired_report_keys_report_id"), table_name="retired_report_keys")
    op.drop_table("retired_report_keys")
    # Not in batch mode, for the reason given in upgrade(): SQLite drops a plain column in place.
    for table in (*VERSIONED, "reports"):
        op.drop_column(table, "key_version")
    op.drop_column("reports", "disclosed_identity_key_version")
