"""`upstander escrow-keyd`: the escrow key service as its own process, run by the overseer.

It holds the VOPRF key (its own key file, mode 0600, created on first start) and answers only
blinded elements, each answer with a proof (RFC 9497 Section 2.2), to callers holding the
shared client secret. A global ceiling on evaluations per minute bounds how fast anyone who
takes over the app could test names through it. It keeps no log of what it evaluated.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from upstander.patterns.escrow import oprf
from upstander.patterns.escrow.keys import MAX_ELEMENTS_PER_REQUEST, LocalEscrowKeyService
from upstander.store.keyfiles import load_or_create_key_file

MAX_BODY_BYTES = 4096


class Ceiling:
    """A fixed one-minute window shared by every caller; thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._count = 0

    def take(self, amount: int) -> int | None:
        """Count `amount` evaluations; None if allowed, else the seconds until the next window."""
        now = self._clock()
        with self._lock:
            window = int(now // 60)
            if window != self._window:
                self._window, self._count = window, 0
            if self._count + amount > self._per_minute:
                return max(1, 60 - int(now % 60))
            self._count += amount
            return None


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": status, "detail": detail}, status_code=status, headers=headers)


def create_keyd_app(service: LocalEscrowKeyService, client_secret: str, ceiling: Ceiling) -> Starlette:
    expected = f"Bearer {client_secret}".encode()

    async def public_key(_request: Request) -> JSONResponse:
        return JSONResponse(
            {"suite": oprf.IDENTIFIER.decode(), "mode": "VOPRF", "public_key": service.public_key.hex()}
        )

    async def evaluate(request: Request) -> JSONResponse:
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return _problem(401, "A valid client secret is required.")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _problem(413, "The request is too large.")
        try:
            items = json.loads(body)["blinded_elements"]
            if not isinstance(items, list) or not 1 <= len(items) <= MAX_ELEMENTS_PER_REQUEST:
                raise ValueError
            blinded = [oprf.deserialize_element(bytes.fromhex(item)) for item in items]
        except (KeyError, TypeError, ValueError, oprf.OprfError):
            return _problem(
                422, f"Send 'blinded_elements': 1 to {MAX_ELEMENTS_PER_REQUEST} ristretto255 elements in hex."
            )
        wait = ceiling.take(len(blinded))
        if wait is not None:
            return _problem(429, "Too many evaluations this minute.", {"retry-after": str(wait)})
        evaluated, proof = service.evaluate(blinded)
        return JSONResponse(
            {"evaluated_elements": [e.hex() for e in evaluated], "proof": proof.to_bytes().hex()}
        )

    return Starlette(
        routes=[
            Route("/v1/public-key", public_key, methods=["GET"]),
            Route("/v1/evaluate", evaluate, methods=["POST"]),
        ]
    )


def load_keyd(key_file: Path, secret_file: Path, per_minute: int) -> tuple[Starlette, LocalEscrowKeyService]:
    """The service's app from its key file and client secret file (each created on first start).

    Raises escrow_keys.KeyFileError for a key file that is malformed or open to others.
    """
    service = LocalEscrowKeyService.from_key_file(key_file)
    secret = load_or_create_key_file(secret_file).hex()
    return create_keyd_app(service, secret, Ceiling(per_minute)), service
