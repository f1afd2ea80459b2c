"""legal holds and retention erasures

A decision maker's legal hold keeps a case and its reports from the retention job; the job records
each kind of record it erased from a case, so it never chooses it again; a subject-access export
reads the audit entries by actor.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import upstander.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A subject-access export reads the audit entries of one person's own actions.
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_actor"), ["actor"], unique=False)
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Uuid(), nullable=False),
        sa.Column("set_at", upstander.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", upstander.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Uuid(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_legal_holds_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["users.id"], name=op.f("fk_legal_holds_lifted_by_id_users")
        ),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"], name=op.f("fk_legal_holds_set_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_holds_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_legal_holds_case_id_lifted_at", ["case_id", "lifted_at"], unique=False)

    op.create_table(
        "retention_erasures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("erased_at", upstander.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_retention_erasures_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_erasures")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_retention_erasures_case_id")),
    )
    with op.batch_alter_table("retention_erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_erasures_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retention_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_erasures_case_id"))
    op.drop_table("retention_erasures")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_legal_holds_case_id_lifted_at")
        batch_op.drop_index(batch_op.f("ix_legal_holds_case_id"))
    op.drop_table("legal_holds")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_actor"))
