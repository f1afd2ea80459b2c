"""key fingerprints and sealed free text

The fingerprints of the key files a database is made with; free text people type (reasons,
notes, details) sealed under the server's free-text key, existing rows included. On SQLite the old
plain cells are zeroed (secure_delete); on PostgreSQL the old row versions stay in the table files
until `VACUUM FULL` of the tables in SEALED_COLUMNS rewrites them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import base64
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import upstander.db
from upstander import crypto
from upstander.config import load_settings
from upstander.db import SEALED_PREFIX
from upstander.store.keyfiles import ServerSecrets, read_key_file

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_fingerprints",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", upstander.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_key_fingerprints")),
    )
    # Sealed, 200 characters no longer fit in 200.
    with op.batch_alter_table("separation_orders", schema=None) as batch_op:
        batch_op.alter_column(
            "end_condition", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False
        )
    _seal_existing_rows()


# Every column a person types into, as the models mark them `SealedText`.
SEALED_COLUMNS = {
    "separation_orders": ("reasons", "end_condition", "end_reason"),
    "posting_changes": ("override_reasons",),
    "restrictions": ("reasons", "redeployment_considered", "end_reason"),
    "restriction_reviews": ("reasons",),
    "relationship_declarations": ("note",),
    "assignment_overrides": ("reasons",),
    "hr_events": ("details",),
    "subject_links": ("reasons",),
    "intervention_flags": ("reasons",),
}


def _seal_existing_rows() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        # Overwrite the plain text's old cells with zeros instead of leaving them in free space.
        connection.exec_driver_sql("PRAGMA secure_delete = ON")
    key: bytes | None = None
    for name, columns in SEALED_COLUMNS.items():
        table = sa.table(name, sa.column("id", sa.Uuid()), *(sa.column(c, sa.Text()) for c in columns))
        for row in connection.execute(sa.select(table)).mappings().all():
            plain = {
                c: row[c] for c in columns if row[c] is not None and not row[c].startswith(SEALED_PREFIX)
            }
            if not plain:
                continue
            key = key or _free_text_key()
            sealed = {
                c: SEALED_PREFIX + base64.b64encode(crypto.encrypt(key, v.encode())).decode()
                for c, v in plain.items()
            }
            connection.execute(sa.update(table).where(table.c.id == row["id"]).values(**sealed))


def _free_text_key() -> bytes:
    """The server's free-text key, from the key file this database already has (never a new one)."""
    settings = load_settings()
    if settings.secret_key is None and read_key_file(settings.server_secret_file) is None:
        raise RuntimeError(
            f"Key file {settings.server_secret_file} is missing, but this database has free text to seal "
            "with it. Restore it from the backup that goes with this database, then upgrade again."
        )
    return ServerSecrets.load(settings).free_text


def downgrade() -> None:
    # Sealed text stays sealed: opening it needs the application's key, not the schema's.
    with op.batch_alter_table("separation_orders", schema=None) as batch_op:
        batch_op.alter_column(
            "end_condition", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=False
        )
    op.drop_table("key_fingerprints")
