"""Report submissions per second over HTTP, against the key derivation each one must do.

One run measures, on the same machine and in the same minute:

1. ``POST /api/v1/reports`` on loopback with 1 and with 8 concurrent clients: submissions per
   second, p50 and p99 latency, and how many failed (any non-2xx answer or transport error);
2. the bare receipt-key derivation the server does once per submission (one keyed BLAKE2b), and
   the older Argon2id one at the configured receipt cost, on 1 and on 2 threads;
3. what the reference platform's design would allow here: two 128 MiB Argon2id derivations per
   submission, serialised behind one process-wide lock, driven by 8 threads.

It prints the figures and their ratios and asserts nothing about time: a ratio against a
baseline measured in the same run means something on any machine, a number of milliseconds
does not. The exit status is non-zero only when the setup failed.

With ``--before DIR`` (a checkout of another version) that version's HTTP figures are measured
first, in the same run, and each level's before → after ratio printed.

    .venv/bin/python bench/intake.py [--requests N] [--database sqlite|postgresql] [--workers W]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger

from upstander import crypto
from upstander.config import KdfCost, Settings

CLIENT_LEVELS = (1, 8)
KDF_THREADS = (1, 2)
# The figure for the reference platform on this machine, with 8 concurrent clients.
REPORTED_REFERENCE_RATE = 0.55
REFERENCE_COST = KdfCost(opslimit=3, memlimit_kib=128 * 1024)
REFERENCE_DERIVATIONS_PER_SUBMISSION = 2
REFERENCE_CLIENTS = 8
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
REQUEST_TIMEOUT_SECONDS = 120.0

console = Console()


class SetupFailed(Exception):
    """The app could not be prepared or started; no figure from this run would mean anything."""


# --- the deployment under test ------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    base_url: str
    log_file: Path


def upstander_command(source: Path | None) -> list[str]:
    """This checkout's entry point, or the CLI of another version's `src/` (for a before and after)."""
    if source is not None:
        return [sys.executable, "-m", "upstander.cli"]
    # The venv's own entry point, so the server runs exactly the code this interpreter imports.
    executable = Path(sys.executable).parent / "upstander"
    if not executable.exists():
        raise SetupFailed(f"{executable} not found: run this with the project's venv Python.")
    return [str(executable)]


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def temporary_postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh, empty database for this run only, dropped at the end; yields its SQLAlchemy URL."""
    name = f"upstander_bench_{secrets.token_hex(6)}"
    admin = make_url(admin_url).set(drivername="postgresql")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise SetupFailed(f"Could not create a PostgreSQL database at {admin_url}: {error}") from error
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
            # FORCE: a worker that is still shutting down must not keep the database alive.
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def app_environment(data_dir: Path, database_url: str | None, source: Path | None) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "UPSTANDER_DATABASE_URL"}
    if source is not None:
        # Ahead of the venv's editable install, so the other version's package is the one imported.
        environment["PYTHONPATH"] = str(source / "src")
    environment["UPSTANDER_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        environment["UPSTANDER_DATABASE_URL"] = database_url
    return environment


def run_command(arguments: Sequence[str], environment: dict[str, str], log_file: Path) -> None:
    # S603: the arguments are our own venv's executable and fixed words, never outside input.
    try:
        with log_file.open("ab") as log:
            subprocess.run(arguments, check=True, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    except subprocess.CalledProcessError as error:
        raise SetupFailed(f"`{' '.join(arguments)}` failed:\n{tail(log_file)}") from error


def wait_until_ready(server: subprocess.Popen[bytes], base_url: str, log_file: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupFailed(f"The server exited with status {server.returncode}:\n{tail(log_file)}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"{base_url}/", timeout=2.0)
            return
        time.sleep(0.2)
    raise SetupFailed(f"The server did not answer within {READY_TIMEOUT_SECONDS:.0f} s:\n{tail(log_file)}")


def stop(server: subprocess.Popen[bytes]) -> None:
    # SIGTERM lets uvicorn's supervisor stop its worker processes too; SIGKILL only if it hangs.
    server.terminate()
    try:
        server.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextlib.contextmanager
def running_app(
    data_dir: Path, database_url: str | None, workers: int, source: Path | None = None
) -> Iterator[Deployment]:
    """Initialise, seed and serve the app; the server is stopped however the block ends."""
    command = upstander_command(source)
    environment = app_environment(data_dir, database_url, source)
    log_file = data_dir / "server.log"
    # The demo force supplies the handler and overseer every new report is sealed to.
    run_command([*command, "init"], environment, log_file)
    run_command([*command, "demo"], environment, log_file)
    port = free_loopback_port()
    base_url = f"http://127.0.0.1:{port}"
    serve = [*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log_file.open("ab") as log:
        server = subprocess.Popen(serve, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_until_ready(server, base_url, log_file)
        yield Deployment(base_url, log_file)
    finally:
        stop(server)


def tail(log_file: Path, lines: int = 40) -> str:
    if not log_file.exists():
        return "(no output)"
    return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])


# --- load over HTTP -----------------------------------------------------------------------------


@dataclass
class LoadResult:
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def submissions(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.submissions / self.seconds

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: always a latency that was actually observed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def report_body(label: str) -> dict[str, str]:
    # Distinct text per submission, so nothing downstream can serve a repeat from a cache.
    return {
        "category": "bullying",
        "what_happened": f"Benchmark submission {label}: a sergeant belittled a colleague at a briefing.",
        "relation": "witness",
    }


def submit_one(client: httpx.Client, label: str) -> tuple[float, str | None]:
    """Latency in seconds, and what went wrong if anything did."""
    # A careful client always sends an idempotency key so it can retry safely; so does this one.
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    started = time.perf_counter()
    try:
        response = client.post("/api/v1/reports", json=report_body(label), headers=headers)
    except httpx.HTTPError as error:
        return time.perf_counter() - started, f"{type(error).__name__}: {error}"
    latency = time.perf_counter() - started
    if response.is_success:
        return latency, None
    return latency, f"HTTP {response.status_code}: {response.text[:300]}"


def run_client(base_url: str, labels: Sequence[str], result: LoadResult, lock: threading.Lock) -> None:
    # One connection per client, kept alive, as a browser or an integration would.
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        for label in labels:
            latency, error = submit_one(client, label)
            with lock:
                result.latencies.append(latency)
                if error is not None:
                    result.errors[error] += 1


def run_load(base_url: str, clients: int, requests: int, phase: str = "measured") -> LoadResult:
    result = LoadResult(clients)
    lock = threading.Lock()
    shares = [
        [f"{phase} {clients}-{index}" for index in range(worker, requests, clients)]
        for worker in range(clients)
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(run_client, base_url, share, result, lock) for share in shares]
        for future in futures:
            future.result()  # a bug in the client must stop the run, not pass for a quiet server
    result.seconds = time.perf_counter() - started
    return result


def warm_up(base_url: str, submissions: int) -> None:
    """Imports, connection pools and each worker's first request are start-up cost, not throughput."""
    run_load(base_url, clients=submissions, requests=submissions, phase="warm-up")


# --- key derivation baselines -------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    threads: int
    operations: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds


def run_threads(threads: int, work: Callable[[], int]) -> Rate:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(work) for _ in range(threads)]
        operations = sum(future.result() for future in futures)
    return Rate(threads, operations, time.perf_counter() - started)


def bare_receipt_derivations(threads: int, seconds: float, cost: KdfCost | None) -> Rate:
    """Exactly the derivation a submission does (keyed BLAKE2b), or with a cost the older Argon2id."""
    salt = crypto.random_bytes(crypto.SALT_BYTES)
    deadline = time.perf_counter() + seconds

    def derive(receipt_key: str) -> crypto.ReceiptSecrets:
        if cost is None:
            return crypto.derive_receipt_secrets(receipt_key, salt)
        return crypto.derive_argon2id_receipt_secrets(receipt_key, salt, cost)

    def derive_until_deadline() -> int:
        count = 0
        while time.perf_counter() < deadline:
            derive(crypto.new_receipt_key())
            count += 1
        return count

    return run_threads(threads, derive_until_deadline)


def reference_design(submissions: int) -> Rate:
    """Two 128 MiB derivations per submission behind one process-wide lock, 8 clients at once."""
    lock = threading.Lock()
    salt = crypto.random_bytes(crypto.SALT_BYTES)

    def submit(_: int) -> None:
        for _ in range(REFERENCE_DERIVATIONS_PER_SUBMISSION):
            with lock:
                crypto.derive_key(crypto.random_bytes(crypto.KEY_BYTES), salt, REFERENCE_COST)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=REFERENCE_CLIENTS) as pool:
        list(pool.map(submit, range(submissions)))
    return Rate(REFERENCE_CLIENTS, submissions, time.perf_counter() - started)


# --- output -------------------------------------------------------------------------------------


def describe(cost: KdfCost) -> str:
    return (
        f"Argon2id, {cost.memlimit_kib // 1024} MiB, {cost.opslimit} pass{'es' if cost.opslimit > 1 else ''}"
    )


def load_table(loads: Sequence[LoadResult], title: str) -> Table:
    table = Table(title=title)
    for heading in ("clients", "submissions", "seconds", "submissions/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(heading, justify="right")
    for load in loads:
        table.add_row(
            str(load.clients),
            str(load.submissions),
            f"{load.seconds:.2f}",
            f"{load.rate:.1f}",
            f"{percentile(load.latencies, 50) * 1000:.1f}",
            f"{percentile(load.latencies, 99) * 1000:.1f}",
            str(load.error_count),
        )
    return table


def rate_table(rates: Sequence[Rate], title: str, unit: str) -> Table:
    table = Table(title=title)
    for heading in ("threads", unit, "seconds", f"{unit}/s"):
        table.add_column(heading, justify="right")
    for rate in rates:
        table.add_row(
            str(rate.threads), str(rate.operations), f"{rate.seconds:.2f}", f"{rate.per_second:.1f}"
        )
    return table


def kdf_bound(kdf: Sequence[Rate], clients: int) -> Rate:
    # N clients can keep at most N derivations busy: compare with the widest run that fits.
    return max((rate for rate in kdf if rate.threads <= clients), key=lambda rate: rate.threads)


def ratio_table(loads: Sequence[LoadResult], kdf: Sequence[Rate], reference: Rate) -> Table:
    table = Table(title="Ratios (our submissions/s over each baseline)")
    table.add_column("clients", justify="right")
    table.add_column("÷ bare derivations/s\n(threads ≤ clients)", justify="right")
    table.add_column(f"÷ {REPORTED_REFERENCE_RATE} reported\nfor the reference", justify="right")
    table.add_column("÷ reference design\nmeasured here", justify="right")
    for load in loads:
        bound = kdf_bound(kdf, load.clients)
        table.add_row(
            str(load.clients),
            f"{load.rate / bound.per_second:.2f} (vs {bound.threads} thread{'s' if bound.threads > 1 else ''})",
            f"{load.rate / REPORTED_REFERENCE_RATE:.0f}×",
            f"{load.rate / reference.per_second:.0f}×",
        )
    return table


def print_errors(loads: Sequence[LoadResult], log_file: Path) -> None:
    errors = sum((load.errors for load in loads), Counter[str]())
    if not errors:
        return
    console.print("[bold red]Failed submissions[/] (most common first):")
    for message, count in errors.most_common(5):
        console.print(f"  {count} × {message}", markup=False)
    console.print("Server log (last lines):", markup=False)
    console.print(tail(log_file), markup=False, highlight=False)


# --- the run ------------------------------------------------------------------------------------


def measure_http(
    arguments: argparse.Namespace, source: Path | None = None, workers: int | None = None
) -> list[LoadResult]:
    workers = workers or arguments.workers
    data_dir = Path(tempfile.mkdtemp(prefix="upstander-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            database_url = None
            if arguments.database == "postgresql":
                database_url = stack.enter_context(temporary_postgres_database(arguments.postgres_admin_url))
            deployment = stack.enter_context(running_app(data_dir, database_url, workers, source))
            warm_up(deployment.base_url, submissions=2 * workers)
            loads = [run_load(deployment.base_url, clients, arguments.requests) for clients in CLIENT_LEVELS]
            # Read the log now: the data directory it lives in is about to go.
            print_errors(loads, deployment.log_file)
            return loads
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=200, help="submissions per concurrency level")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--postgres-admin-url", default=DEFAULT_POSTGRES_ADMIN_URL)
    parser.add_argument("--kdf-seconds", type=float, default=2.0, help="duration of each bare KDF run")
    parser.add_argument(
        "--reference-submissions", type=int, default=8, help="submissions through the reference design"
    )
    parser.add_argument(
        "--compare-workers",
        type=int,
        help="also measure with this many worker processes, in the same run, and print the ratio",
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of another version (its src/ is used): its HTTP figures are measured first, "
        "in the same run, and each level's ratio printed",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    # Other work on the machine skews every figure: say how busy it was.
    load_at_start = os.getloadavg()[0]
    # The same setting the server reads, so both sides derive at the same cost.
    receipt_cost = Settings().receipt_cost
    try:
        before = measure_http(arguments, arguments.before) if arguments.before else []
        loads = measure_http(arguments)
        compared = (
            measure_http(arguments, workers=arguments.compare_workers) if arguments.compare_workers else []
        )
    except SetupFailed as error:
        console.print(f"[bold red]Setup failed:[/] {error}", highlight=False)
        return 1
    # Measured after the server has stopped, so nothing else competes for the cores.
    kdf = [bare_receipt_derivations(threads, arguments.kdf_seconds, None) for threads in KDF_THREADS]
    argon2id = [
        bare_receipt_derivations(threads, arguments.kdf_seconds, receipt_cost) for threads in KDF_THREADS
    ]
    reference = reference_design(arguments.reference_submissions)

    workers = f"{arguments.workers} worker process{'es' if arguments.workers > 1 else ''}"
    console.print(load_table(loads, f"HTTP submissions on loopback ({arguments.database}, {workers})"))
    console.print(rate_table(kdf, "Bare receipt derivation (keyed BLAKE2b)", "derivations"))
    console.print(
        rate_table(argon2id, f"The older receipt derivation ({describe(receipt_cost)})", "derivations")
    )
    console.print(
        rate_table(
            [reference],
            f"Reference design: {REFERENCE_DERIVATIONS_PER_SUBMISSION} × {describe(REFERENCE_COST)} "
            f"per submission, one lock, {REFERENCE_CLIENTS} threads",
            "submissions",
        )
    )
    console.print(ratio_table(loads, kdf, reference))
    if before:
        console.print(load_table(before, f"Before: HTTP submissions, code from {arguments.before}"))
        for old, new in zip(before, loads, strict=True):
            console.print(
                f"{new.clients} client{'s' if new.clients > 1 else ''}: {old.rate:.1f} → {new.rate:.1f} "
                f"submissions/s ({new.rate / old.rate:.2f}×), errors {old.error_count} → {new.error_count}"
            )
    if compared:
        console.print(
            load_table(compared, f"HTTP submissions with {arguments.compare_workers} worker processes")
        )
        for ours, theirs in zip(loads, compared, strict=True):
            console.print(
                f"{ours.clients} client{'s' if ours.clients > 1 else ''}: {arguments.compare_workers} workers "
                f"{theirs.rate:.1f}/s ÷ {arguments.workers} {ours.rate:.1f}/s = {theirs.rate / ours.rate:.2f}×"
            )
            ledger.record(
                "intake",
                f"submissions/s, {theirs.clients} clients, {arguments.database}, "
                f"{arguments.compare_workers} workers",
                round(theirs.rate, 2),
                "submissions/s",
                round(ours.rate, 2),
                f"{arguments.workers} workers in the same run",
                round(theirs.rate / ours.rate, 4),
                errors=theirs.error_count,
                p50_ms=round(percentile(theirs.latencies, 50) * 1000, 1),
                p99_ms=round(percentile(theirs.latencies, 99) * 1000, 1),
            )
    for load in loads:
        old_rate = next((old.rate for old in before if old.clients == load.clients), None)
        bound = kdf_bound(kdf, load.clients)
        ledger.record(
            "intake",
            f"submissions/s, {load.clients} clients, {arguments.database}, {arguments.workers} workers",
            round(load.rate, 2),
            "submissions/s",
            round(old_rate if old_rate else bound.per_second, 2),
            "the version given by --before" if old_rate else "bare keyed receipt derivations/s",
            round(load.rate / (old_rate or bound.per_second), 4),
            errors=load.error_count,
            p50_ms=round(percentile(load.latencies, 50) * 1000, 1),
            p99_ms=round(percentile(load.latencies, 99) * 1000, 1),
        )
    console.print(
        f"Machine: {os.cpu_count()} CPUs; 1-minute load average {load_at_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
