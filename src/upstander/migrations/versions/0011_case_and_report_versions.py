"""case and report versions

Every case and report carries a version that moves on with each change, so two people acting
at once are told what changed instead of overwriting each other (ETag/If-Match on the API, a
hidden version on the forms). Existing rows start at 1.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("cases", "reports"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in ("reports", "cases"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
