"""Reaching the escrow key service: over HTTP (`upstander escrow-keyd`), or in-process for the demo.

The wire format is small JSON with hex strings: `GET /v1/public-key` and `POST /v1/evaluate`
(bearer: the shared client secret). Every failure becomes a plain ServiceUnavailable (or
TooManyAttempts when the service's own ceiling is reached), raised before anything is stored.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from upstander.config import Settings
from upstander.errors import ServiceUnavailable, TooManyAttempts
from upstander.patterns.escrow import oprf
from upstander.patterns.escrow.keyd import Ceiling
from upstander.patterns.escrow.keys import EscrowKeyService, KeyFileError, LocalEscrowKeyService
from upstander.patterns.escrow.ristretto import Element

UNREACHABLE = (
    "The escrow key service cannot be reached right now, so nothing was stored. "
    "Please try again in a few minutes; if it keeps happening, tell the overseer's office."
)
BUSY = "The escrow key service is busy. Nothing was stored; please try again in a minute."
MAX_RESPONSE_BYTES = 16_384


class KeyServiceError(ServiceUnavailable):
    """The key service did not answer, or answered with something unusable."""

    def __init__(self, detail: str = UNREACHABLE, *, code: str = "escrow_key_service_unavailable") -> None:
        super().__init__(detail, code=code)


def read_client_secret(path: Path) -> str:
    """The shared client secret (hex) from its file; a missing or empty file is a setup error."""
    try:
        secret = path.read_text().strip()
    except OSError as error:
        raise KeyServiceError(
            f"{UNREACHABLE} (The app has no client secret for the escrow key service at {path}.)",
            code="escrow_client_secret_missing",
        ) from error
    if len(secret) < 32:
        raise KeyServiceError(f"{UNREACHABLE} (The client secret file {path} is too short.)")
    return secret


class RemoteEscrowKeyService:
    """An EscrowKeyService answered by `upstander escrow-keyd` over HTTP."""

    def __init__(self, base_url: str, secret_file: Path, timeout_seconds: float) -> None:
        self._base = base_url.rstrip("/")
        self._secret_file = secret_file
        self._timeout = timeout_seconds

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            headers["authorization"] = f"Bearer {read_client_secret(self._secret_file)}"
            headers["content-type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self._base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                payload = json.loads(response.read(MAX_RESPONSE_BYTES))
        except urllib.error.HTTPError as error:
            error.close()  # its body is unread; leave no socket behind
            if error.code == 429:
                raise TooManyAttempts(
                    BUSY,
                    retry_after_seconds=int(error.headers.get("retry-after") or 60),
                    code="escrow_key_service_busy",
                ) from error
            if error.code == 401:
                raise KeyServiceError(
                    f"{UNREACHABLE} (The escrow key service refused this app's client secret.)",
                    code="escrow_client_secret_refused",
                ) from error
            raise KeyServiceError() from error
        except (OSError, ValueError) as error:  # URLError, timeouts, refused connections, bad JSON
            raise KeyServiceError() from error
        if not isinstance(payload, dict):
            raise KeyServiceError()
        return payload

    @property
    def public_key(self) -> Element:
        payload = self._call("GET", "/v1/public-key")
        try:
            return oprf.deserialize_element(bytes.fromhex(str(payload["public_key"])))
        except (KeyError, ValueError, oprf.OprfError) as error:
            raise KeyServiceError() from error

    def evaluate(self, blinded_elements: Sequence[Element]) -> tuple[list[Element], oprf.Proof]:
        payload = self._call(
            "POST", "/v1/evaluate", {"blinded_elements": [e.hex() for e in blinded_elements]}
        )
        try:
            evaluated = [
                oprf.deserialize_element(bytes.fromhex(str(e))) for e in payload["evaluated_elements"]
            ]
            proof = oprf.Proof.from_bytes(bytes.fromhex(str(payload["proof"])))
        except (KeyError, TypeError, ValueError, oprf.OprfError) as error:
            raise KeyServiceError() from error
        if len(evaluated) != len(blinded_elements):
            raise KeyServiceError()
        return evaluated, proof


class LazyLocalKeyService:
    """The demo's in-process key service, its key file read (or created) on first use.

    It keeps the separate service's per-process ceiling on evaluations, so the two modes behave alike.
    """

    def __init__(self, key_file: Path, per_minute: int) -> None:
        self._key_file = key_file
        self._service: LocalEscrowKeyService | None = None
        self._ceiling = Ceiling(per_minute)

    def _loaded(self) -> LocalEscrowKeyService:
        if self._service is None:
            try:
                self._service = LocalEscrowKeyService.from_key_file(self._key_file)
            except KeyFileError as error:
                raise KeyServiceError(f"{UNREACHABLE} ({error})", code="escrow_key_file_invalid") from error
        return self._service

    @property
    def public_key(self) -> Element:
        return self._loaded().public_key

    def evaluate(self, blinded_elements: Sequence[Element]) -> tuple[list[Element], oprf.Proof]:
        wait = self._ceiling.take(len(blinded_elements))
        if wait is not None:
            raise TooManyAttempts(BUSY, retry_after_seconds=wait, code="escrow_key_service_busy")
        return self._loaded().evaluate(blinded_elements)


def key_service_from_settings(settings: Settings) -> EscrowKeyService:
    """The key service the settings name; without a URL, one inside the app (the weaker mode)."""
    if settings.escrow_key_service_url:
        return RemoteEscrowKeyService(
            settings.escrow_key_service_url,
            settings.resolved_escrow_key_service_secret_file,
            settings.escrow_key_service_timeout_seconds,
        )
    return LazyLocalKeyService(
        settings.resolved_escrow_key_file, settings.escrow_key_service_requests_per_minute
    )
