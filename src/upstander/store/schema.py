"""Creating and upgrading the database schema with Alembic, from code (used by `upstander init`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from upstander.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["url"] = url
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for a database with no schema yet."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def crossed(before: str | None, revision: str) -> bool:
    """Whether an upgrade from `before` went through `revision` (revisions are numbered in order);
    a database made from nothing never needs what an upgrade of old rows does."""
    return before is not None and int(before) < int(revision)


def check(url: str) -> None:
    """Raise if the models and the migrations disagree (`alembic check`)."""
    command.check(alembic_config(url))


def known_revisions() -> frozenset[str]:
    """Every schema revision this version's migrations know (a restored database may be at any of
    them, and `upgrade` brings it to the head)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(script.revision for script in scripts.walk_revisions())
