"""A loopback TCP proxy the tests can cut, to take a real database away and give it back.

`TcpProxy(("127.0.0.1", 5432))` listens on a free port of 127.0.0.1 and forwards every
connection to the upstream address, one thread per direction. `cut()` is the database stopped:
new connections are refused (nothing listens on the port) and open ones are reset. `hang()` is a
host that stopped answering: new connections are accepted and never answered, open ones reset.
`restore()` listens and forwards again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType


def _reset(sock: socket.socket) -> None:
    """Close with RST, as a crashed or stopped server's host does, and wake any reader."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._hanging = False

    def __enter__(self) -> TcpProxy:
        self._listen()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stop_listening()
        self._drop_open()

    def cut(self) -> None:
        """Refuse new connections and reset every open one."""
        self._stop_listening()
        self._drop_open()

    def hang(self) -> None:
        """Accept new connections but never answer them; reset every open one."""
        with self._lock:
            self._hanging = True
        self._drop_open()

    def restore(self) -> None:
        with self._lock:
            self._hanging = False
            listening = self._listener is not None
        self._drop_open()  # the connections accepted while hanging
        if not listening:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _stop_listening(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown wakes the thread blocked in accept(); close frees the port at once.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _drop_open(self) -> None:
        with self._lock:
            dropped, self._open = self._open, set()
        for sock in dropped:
            _reset(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._listener is not listener:  # cut between accept() and here
                    _reset(client)
                    return
                hanging = self._hanging
                self._open.add(client)
            if hanging:
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                if self._forget(client):
                    _reset(client)
                continue
            server.settimeout(None)
            with self._lock:
                dropped = client not in self._open  # cut while the upstream was connecting
                if not dropped:
                    self._open.add(server)
            if dropped:
                _reset(server)
                continue
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        # One side ended: end both, as the database's host would.
        for sock in (source, target):
            if self._forget(sock):
                _reset(sock)

    def _forget(self, sock: socket.socket) -> bool:
        with self._lock:
            if sock in self._open:
                self._open.discard(sock)
                return True
            return False
