"""Serving details that uvicorn leaves to the application."""

from __future__ import annotations

import contextlib
import logging
import socket
from asyncio import Transport

from uvicorn.protocols.http.h11_impl import H11Protocol

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class NoDelayH11Protocol(H11Protocol):
    """HTTP/1.1 with Nagle's algorithm off on every connection.

    With several worker processes uvicorn binds the listening socket itself without the TCP
    protocol number, and asyncio then leaves TCP_NODELAY off; each response on a kept-alive
    connection waited about 40 ms for a delayed ACK.
    """

    def connection_made(self, transport: Transport) -> None:  # type: ignore[override]  # as uvicorn declares it
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def configure_logging(level: str) -> None:
    """Once per process (each worker too): our own request log, never client addresses."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=LOG_FORMAT)
    logging.getLogger("upstander").setLevel(level)
