"""list keyset indexes and read markers

Each reader's last opening of a report (report_reads): what a reporter adds after it is unread.

The lists page by keyset (sort column, then id): a composite index serves the first page and a
deep page alike. Cases newest first; reports by receipt (the inbox's deadline order follows it).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import upstander.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_reads",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", upstander.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_reads_report_id_reports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_report_reads_user_id_users")),
        sa.PrimaryKeyConstraint("report_id", "user_id", name=op.f("pk_report_reads")),
    )
    op.create_index("ix_cases_opened_at_id", "cases", ["opened_at", "id"])
    op.create_index("ix_reports_received_at_id", "reports", ["received_at", "id"])


def downgrade() -> None:
    op.drop_table("report_reads")
    op.drop_index("ix_reports_received_at_id", table_name="reports")
    op.drop_index("ix_cases_opened_at_id", table_name="cases")
