"""`upstander serve --workers 2` comes up and answers, even when each worker is slow to start."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# Longer than uvicorn's default worker health check (5 s): the supervisor used to kill each worker
# before it could answer, start another, and kill that one too.
SLOW_START_SECONDS = 8
# A bound on waiting for the server, not a time the test expects: the loop ends as soon as it answers.
READY_DEADLINE_SECONDS = 120

# Runs at the start of every Python process given this folder on PYTHONPATH; uvicorn starts its
# workers with multiprocessing's "spawn", whose children carry `--multiprocessing-fork`.
SLOW_WORKER = f"""
import sys, time
if "--multiprocessing-fork" in sys.argv:
    time.sleep({SLOW_START_SECONDS})
"""


def upstander() -> str:
    return str(Path(sys.executable).parent / "upstander")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def environment(data_dir: Path, database_url: str, tmp_path: Path) -> dict[str, str]:
    slow = tmp_path / "slow_start"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_WORKER)
    paths = [str(slow), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        **os.environ,
        "UPSTANDER_DATA_DIR": str(data_dir),
        "UPSTANDER_DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join(paths),
    }


@pytest.fixture
def two_workers(environment: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    subprocess.run([upstander(), "init"], env=environment, check=True, capture_output=True)
    port = free_port()
    log_file = tmp_path / "server.log"
    with log_file.open("wb") as log:
        server = subprocess.Popen(
            [upstander(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}", log_file
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def first_answer(base_url: str, log_file: Path) -> httpx.Response:
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            return httpx.get(f"{base_url}/", timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"serve --workers 2 never answered; its log:\n{log_file.read_text()}")


def test_two_slow_starting_workers_come_up_and_answer(two_workers: tuple[str, Path]) -> None:
    base_url, log_file = two_workers
    assert first_answer(base_url, log_file).status_code == 200
    # Fresh connections, so the kernel spreads them over both workers' accepts.
    answers = [httpx.get(f"{base_url}/", timeout=10).status_code for _ in range(20)]
    assert answers == [200] * 20
    # The first worker up may answer all of them while the second is still starting (both slept
    # 8 s; on a loaded machine one may take seconds longer): wait, bounded, for both to say so.
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while len(started := set(re.findall(r"Started server process \[(\d+)\]", log_file.read_text()))) < 2:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    log = log_file.read_text()
    assert len(started) == 2, log
    assert "died" not in log
    assert "Terminated child process" not in log
