"""`upstander audit verify` against hashing the same bytes, in one run.

1. writes a chain of N entries (default 200,000) into a fresh database, built by the audit rules
   exactly as `AuditLog.record` builds them, with a signed checkpoint every 1,000 entries;
2. the baseline: SHA-256 of every entry's canonical bytes, already in memory (the hashing that
   verifying cannot avoid), best of 3;
3. `audit.service.verify` over the whole chain: reading it from the database in keyset batches,
   re-encoding each entry, hashing it, checking links and checkpoints; best of 3;
4. reading the same rows alone (the same keyset batches, nothing checked), for the split of the
   time between the database and the checking.

It prints entries/s and MB/s of each and verify ÷ hashing (higher is better; 1.0 would be
verifying at the speed of hashing), asserts nothing about time, and exits non-zero only when the
setup failed.

    .venv/bin/python bench/audit_verify.py [--entries N] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger

from upstander import crypto
from upstander.audit import rules, service
from upstander.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from upstander.db import Database
from upstander.store import schema

T = TypeVar("T")
console = Console()
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CHECKPOINT_EVERY = 1_000
INSERT_BATCH = 5_000
START = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)


@contextlib.contextmanager
def database_url(kind: str, folder: Path, admin_url: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    name = f"upstander_bench_{secrets.token_hex(6)}"
    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield (
            make_url(admin_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def entry_details(seq: int) -> dict[str, object]:
    """Shaped like the log's real entries: a reference, a reason or a count, now and then more."""
    details: dict[str, object] = {"reference": f"R-{seq:08d}"}
    if seq % 3 == 0:
        details["reason"] = "Opened to prepare the severity assessment"
    if seq % 7 == 0:
        details["fields"] = ["status", "handler_id"]
    return details


def write_chain(database: Database, entries: int, signing_seed: bytes) -> tuple[list[bytes], str]:
    """The chain, written in batches; returns every entry's canonical bytes and the public key."""
    signing_key = crypto.signing_key_from_seed(signing_seed)
    public_key = crypto.public_signing_key(signing_key).hex()
    encoded_entries: list[bytes] = []
    prev_hash = rules.GENESIS_HASH
    rows: list[dict[str, object]] = []
    checkpoints: list[dict[str, object]] = []
    actions = ("report.read", "report.received", "case.opened", "sign_in", "flag.raised")

    def flush() -> None:
        with database.transaction() as session:
            if rows:
                session.execute(insert(AuditEntry), rows)
            if checkpoints:
                session.execute(insert(AuditCheckpoint), checkpoints)
        rows.clear()
        checkpoints.clear()

    for seq in range(1, entries + 1):
        fields = rules.EntryFields(
            seq=seq,
            at=START + timedelta(seconds=seq * 3, microseconds=seq % 1_000_000),
            actor=f"user:{seq % 997:08x}-0000-4000-8000-000000000000",
            action=actions[seq % len(actions)],
            subject_type="report",
            subject_id=f"{seq:08x}-1111-4111-8111-111111111111",
            details=entry_details(seq),
            prev_hash=prev_hash,
        )
        encoded = rules.canonical(fields)
        encoded_entries.append(encoded)
        entry_hash = hashlib.sha256(encoded).hexdigest()
        rows.append({**fields.__dict__, "entry_hash": entry_hash})
        if seq % CHECKPOINT_EVERY == 0:
            message = rules.checkpoint_message(seq, entry_hash)
            checkpoints.append(
                {
                    "seq": seq,
                    "entry_hash": entry_hash,
                    "signed_at": fields.at,
                    "public_key": public_key,
                    "signature": crypto.sign(signing_key, message).hex(),
                }
            )
        prev_hash = entry_hash
        if len(rows) >= INSERT_BATCH:
            flush()
    flush()
    with database.transaction() as session:
        session.add(AuditHead(id=service.HEAD_ID, last_seq=entries, last_hash=prev_hash))
    return encoded_entries, public_key


def best_of(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    best = float("inf")
    result: T
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def hash_alone(encoded_entries: list[bytes]) -> int:
    sha256 = hashlib.sha256
    for encoded in encoded_entries:
        sha256(encoded).hexdigest()
    return len(encoded_entries)


def read_alone(database: Database, batch: int) -> int:
    """The same keyset batches `verify` reads, with nothing checked."""
    columns = (
        AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.subject_type,
        AuditEntry.subject_id, AuditEntry.details, AuditEntry.prev_hash, AuditEntry.entry_hash,
    )  # fmt: skip
    count = 0
    with database.transaction() as session:
        last = 0
        while True:
            rows = session.execute(
                select(*columns).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
            ).all()
            if not rows:
                return count
            count += len(rows)
            last = rows[-1][0]


BEFORE_VERIFY = """
import sys, time
from upstander.audit import service
from upstander.db import Database
database = Database.from_url(sys.argv[1])
best = float("inf")
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    verdict = service.verify(database, sys.argv[2])
    best = min(best, time.perf_counter() - started)
print(best if verdict.ok else "broken")
"""


def verify_by_another_version(source: Path, url: str, public_key: str, repeat: int) -> float:
    """`verify` as another checkout's code does it, over the same database, in a child process."""
    environment = {**os.environ, "PYTHONPATH": str(source / "src")}
    result = subprocess.run(  # noqa: S603 - this interpreter and our own script
        [sys.executable, "-c", BEFORE_VERIFY, url, public_key, str(repeat)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip())


def peak_verify_memory(database: Database, public_key: str) -> int:
    """Python's peak allocation during one verify, in bytes: flat in the chain's length if streamed."""
    tracemalloc.start()
    try:
        service.verify(database, public_key)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-admin-url", default=DEFAULT_POSTGRES_ADMIN_URL)
    parser.add_argument(
        "--before", type=Path, help="a checkout of another version: its verify is timed on the same chain"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="upstander-bench-") as folder:
        try:
            context = database_url(args.database, Path(folder), args.postgres_admin_url)
            url = context.__enter__()
        except Exception as error:
            console.print(f"[bold red]Setup failed: {error!r}[/]")
            return 2
        try:
            schema.upgrade(url)
            database = Database.from_url(url)
            started = time.perf_counter()
            encoded_entries, public_key = write_chain(database, args.entries, crypto.random_bytes(32))
            console.print(f"Setup: {args.entries:,} entries written in {time.perf_counter() - started:.1f} s")
            total_bytes = sum(len(encoded) for encoded in encoded_entries)
            hash_seconds, _ = best_of(3, lambda: hash_alone(encoded_entries))
            read_seconds, _ = best_of(3, lambda: read_alone(database, service.VERIFY_BATCH))
            verify_seconds, verdict = best_of(3, lambda: service.verify(database, public_key))
            peak = peak_verify_memory(database, public_key)
            before_seconds = (
                verify_by_another_version(args.before, url, public_key, 3) if args.before else None
            )
            database.dispose()
        finally:
            context.__exit__(None, None, None)
    if not verdict.ok or verdict.entries_checked != args.entries:
        console.print(f"[bold red]Setup failed: the chain did not verify: {verdict.describe()}[/]")
        return 2
    megabytes = total_bytes / 1e6
    table = Table(
        title=f"audit verify, {args.entries:,} entries ({megabytes:.1f} MB canonical), {args.database}"
    )
    for column in ("step", "seconds", "entries/s", "MB/s", "÷ hashing"):
        table.add_column(column, justify="right")
    steps = [
        ("SHA-256 of the canonical bytes, in memory", hash_seconds),
        ("read the rows alone (keyset batches)", read_seconds),
        ("audit verify", verify_seconds),
    ]
    if before_seconds is not None:
        steps.append((f"audit verify, code from {args.before}", before_seconds))
    for label, seconds in steps:
        table.add_row(
            label,
            f"{seconds:.3f}",
            f"{args.entries / seconds:,.0f}",
            f"{megabytes / seconds:.1f}",
            f"{hash_seconds / seconds:.3f}",
        )
    console.print(table)
    ratio = hash_seconds / verify_seconds
    console.print(
        f"verify runs at {ratio:.3f} × the speed of hashing the same bytes "
        f"({verify_seconds / read_seconds:.2f} × the time of reading the rows alone); "
        f"{verdict.checkpoints_checked:,} checkpoints verified; Python peak memory during verify "
        f"{peak / 1e6:.1f} MB"
    )
    ledger.record(
        "audit_verify",
        f"audit verify, {args.database}",
        round(args.entries / verify_seconds, 1),
        "entries/s",
        round(args.entries / hash_seconds, 1),
        "SHA-256 of the same canonical bytes in memory",
        round(ratio, 4),
        entries=args.entries,
        database=args.database,
        read_alone_entries_per_second=round(args.entries / read_seconds, 1),
        peak_python_memory_mb=round(peak / 1e6, 2),
        before_entries_per_second=round(args.entries / before_seconds, 1) if before_seconds else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
