"""`upstander escrow-keyd` as its own process, and its HTTP boundary."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from common.clock import FakeClock
from common.escrow import FILING, member
from common.staff import Staff
from upstander import cli
from upstander.config import Settings
from upstander.db import Base, Database
from upstander.patterns.escrow import keys as escrow_keys
from upstander.patterns.escrow import oprf
from upstander.patterns.escrow.client import RemoteEscrowKeyService
from upstander.patterns.escrow.keyd import Ceiling, create_keyd_app
from upstander.patterns.escrow.models import EscrowKeyPin, EscrowStatus
from upstander.reports.models import Report
from upstander.services import build_services

UPSTANDER = Path(sys.executable).with_name("upstander")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def keyd(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A real key service process on a free port, with its own key file outside the app's data dir."""
    home = tmp_path / "keyd"
    home.mkdir()
    key_file, secret_file = home / "escrow-oprf.key", home / "client.secret"
    port = _free_port()
    env = {**os.environ, "UPSTANDER_DATA_DIR": str(home / "unused")}
    process = subprocess.Popen(
        [
            str(UPSTANDER),
            "escrow-keyd",
            "--key-file",
            str(key_file),
            "--client-secret-file",
            str(secret_file),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/v1/public-key", timeout=1):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"escrow-keyd did not start: {process.stderr and process.stderr.read()!r}"
                    ) from None
                time.sleep(0.1)
        yield url, key_file, secret_file
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def test_filing_through_a_real_key_service_process(
    keyd: tuple[str, Path, Path], settings: Settings, database: Database, clock: FakeClock
) -> None:
    url, key_file, secret_file = keyd
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    services = build_services(
        settings.model_copy(
            update={"escrow_key_service_url": url, "escrow_key_service_secret_file": secret_file}
        ),
        database,
        clock,
    )
    assert services.escrow.in_process is False
    staff = Staff(services, clock)
    handler = staff.handler()
    assert (
        staff.services.escrow.file(staff.principal(member(staff, "a")), FILING).status
        is EscrowStatus.ESCROWED
    )
    second = staff.services.escrow.file(staff.principal(member(staff, "b")), FILING)
    assert second.opened_reports == 2
    items = services.handling.inbox(staff.principal(handler)).items
    assert {
        services.handling.open_report(staff.principal(handler), i.report_id).what_happened for i in items
    } == {FILING.what_happened}

    # The app pinned the service's key, and holds no OPRF key of its own anywhere.
    with urllib.request.urlopen(f"{url}/v1/public-key", timeout=5) as response:  # noqa: S310
        public = bytes.fromhex(json.loads(response.read())["public_key"])
    seed = key_file.read_bytes()
    secret_key = oprf.derive_key_pair(seed, escrow_keys.KEY_INFO).secret_key
    with database.transaction() as session:
        assert session.get_one(EscrowKeyPin, 1).public_key == public
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        assert seed not in value
                        assert secret_key not in value
        assert session.scalar(select(Report.id).limit(1)) is not None
    assert not settings.resolved_escrow_key_file.exists()
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert seed not in content
            assert seed.hex().encode() not in content


def test_the_client_refuses_a_wrong_secret(keyd: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _key_file, _secret = keyd
    wrong = tmp_path / "wrong.secret"
    wrong.write_text("cd" * 32)
    client = RemoteEscrowKeyService(url, wrong, 5.0)
    blinded = oprf.VoprfClient(client.public_key).blind(b"someone")
    with pytest.raises(Exception, match="refused this app's client secret") as refused:
        client.evaluate([blinded.blinded_element])
    assert getattr(refused.value, "status", None) == 503


# --- the HTTP boundary in-process ----------------------------------------------------------


def _app(per_minute: int = 100) -> tuple[TestClient, escrow_keys.LocalEscrowKeyService]:
    service = escrow_keys.LocalEscrowKeyService(oprf.generate_key_pair())
    return TestClient(create_keyd_app(service, "ab" * 32, Ceiling(per_minute))), service


def test_an_answer_carries_a_proof_the_app_verifies() -> None:
    client, service = _app()
    voprf = oprf.VoprfClient(service.public_key)
    blinded = voprf.blind(b"input")
    response = client.post(
        "/v1/evaluate",
        json={"blinded_elements": [blinded.blinded_element.hex()]},
        headers={"authorization": "Bearer " + "ab" * 32},
    )
    assert response.status_code == 200
    body = response.json()
    [evaluated] = [oprf.deserialize_element(bytes.fromhex(e)) for e in body["evaluated_elements"]]
    output = voprf.finalize(blinded, evaluated, oprf.Proof.from_bytes(bytes.fromhex(body["proof"])))
    assert output == service._server.evaluate(b"input")


def test_without_the_secret_401_bad_input_422_and_over_the_ceiling_429() -> None:
    client, service = _app(per_minute=2)
    element = oprf.VoprfClient(service.public_key).blind(b"x").blinded_element.hex()
    good = {"authorization": "Bearer " + "ab" * 32}
    assert client.post("/v1/evaluate", json={"blinded_elements": [element]}).status_code == 401
    wrong = client.post(
        "/v1/evaluate", json={"blinded_elements": [element]}, headers={"authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    bad = client.post("/v1/evaluate", json={"blinded_elements": ["zz"]}, headers=good)
    assert bad.status_code == 422
    assert "ristretto255 elements in hex" in bad.json()["detail"]
    assert (
        client.post("/v1/evaluate", json={"blinded_elements": [element] * 17}, headers=good).status_code
        == 422
    )
    assert (
        client.post("/v1/evaluate", json={"blinded_elements": [element, element]}, headers=good).status_code
        == 200
    )
    over = client.post("/v1/evaluate", json={"blinded_elements": [element]}, headers=good)
    assert over.status_code == 429
    assert 1 <= int(over.headers["retry-after"]) <= 60


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        (b"short", 0o600, "must hold exactly 32 bytes"),
        (b"k" * 32, 0o644, "readable by others; restrict it to its owner (chmod 600)"),
    ],
)
def test_escrow_keyd_refuses_a_bad_key_file(tmp_path: Path, content: bytes, mode: int, message: str) -> None:
    key_file = tmp_path / "escrow.key"
    key_file.write_bytes(content)
    key_file.chmod(mode)
    result = CliRunner().invoke(
        cli.app,
        ["escrow-keyd", "--key-file", str(key_file), "--client-secret-file", str(tmp_path / "client.secret")],
        env={"UPSTANDER_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exit_code == 2
    assert "Refusing to start" in result.output
    assert message in " ".join(result.output.split())
