"""list keyset indexes

The lists page by keyset (sort column, then id): a composite index serves the first page and a
deep page alike. Cases newest first; reports by receipt (the inbox's deadline order follows it).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_opened_at_id", "cases", ["opened_at", "id"])
    op.create_index("ix_reports_received_at_id", "reports", ["received_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_received_at_id", table_name="reports")
    op.drop_index("ix_cases_opened_at_id", table_name="cases")
