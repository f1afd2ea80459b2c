"""A real SMTP server (aiosmtpd) on a free local port, keeping every message it receives."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    port: int = 0
    received: list[Message] = field(default_factory=list)
    # When set, the server holds the first message's DATA until `release` is set, then refuses it.
    hold: threading.Event | None = None
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.hold is not None and not self.hold.is_set():
            self.hold.set()
            self.release.wait(30)
            return "451 try again later"
        with self._lock:
            self.received.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self.received)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages() if m["To"] == address]


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port, server_hostname="localhost")
    controller.start()
    try:
        yield mailbox
    finally:
        mailbox.release.set()
        controller.stop()


def assert_content_free(messages: Iterable[Message], forbidden: Iterable[str]) -> None:
    """No message carries any of ``forbidden`` (case text, names, categories, references)."""
    words = [w for w in forbidden if w]
    for message in messages:
        text = f"{message['Subject']}\n{body(message)}".lower()
        leaked = [w for w in words if w.lower() in text]
        assert not leaked, f"a notification carries {leaked}: {text!r}"
