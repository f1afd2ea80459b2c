"""receipts by keyed hash

A receipt key carries 140 random bits, so new reports derive their receipt hash and reporter key
pair with one keyed BLAKE2b instead of Argon2id. Each report records which derivation it used:
every report already stored used Argon2id and keeps it, since its reporter key pair can only be
derived again from the receipt key, which the server never keeps.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("receipt_scheme", sa.String(length=16), server_default="blake2b", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_reports_receipt_scheme"), ["receipt_scheme"], unique=False)
    op.execute("UPDATE reports SET receipt_scheme = 'argon2id'")


def downgrade() -> None:
    # Reports received under keyed hashing cannot be opened by the older code: refuse to lose them.
    keyed = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM reports WHERE receipt_scheme = 'blake2b'"))
    if keyed.scalar_one():
        raise RuntimeError(
            "Reports received with keyed receipt hashes exist; the older code cannot open them."
        )
    # Not in batch mode: on SQLite that rebuilds the table, which the rows referring to reports
    # forbid; SQLite drops a column in place since 3.35.
    op.drop_index(op.f("ix_reports_receipt_scheme"), table_name="reports")
    op.drop_column("reports", "receipt_scheme")
