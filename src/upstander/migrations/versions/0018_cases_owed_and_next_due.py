"""cases owed and next due

What each case waits for, kept on its row from its events (see cases/engine/owed.py): the first
duty's date and label and the roles owed the next step. The dashboards' "owed by you", the case
list's overdue and due-soon filters and its "due" sort read these in SQL; (next_due_on, id) serves
the due sort's keyset pages. Rows stored before this revision are replayed once by `upstander init`
after the upgrade (or by `upstander cases refresh-owed`), so no case reads "nothing due" for want of it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due_on", sa.Date(), server_default="9999-12-31", nullable=False))
        batch_op.add_column(sa.Column("next_due_label", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("owed_by", sa.String(length=200), server_default="", nullable=False))
        batch_op.create_index("ix_cases_next_due_on_id", ["next_due_on", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_next_due_on_id")
        batch_op.drop_column("owed_by")
        batch_op.drop_column("next_due_label")
        batch_op.drop_column("next_due_on")
