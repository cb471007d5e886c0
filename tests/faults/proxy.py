"""A TCP fault proxy on 127.0.0.1, between syncd and a local server.

Each accepted connection gets the proxy's current ``fault`` while ``budget`` lasts (then it is
relayed untouched, so a retry or the next run gets through):

- ``delay``: every chunk from the server waits ``delay`` seconds before it is relayed;
- ``drop``: the connection is cut after ``drop_after`` bytes from the server (mid-stream);
- ``refuse``: the connection is closed as soon as it is accepted;
- ``stall``: the connection is accepted and never answered (the client's timeout must end it);
- ``answer``: requests are relayed, but the answer to a request whose first bytes are ``cut_on``
  (``b"PUT "``, ``b"DELETE "``) is cut: the server did the work, the client never hears of it.
  ``budget`` counts the answers cut, on any connection, open or new (plain HTTP only: the proxy
  reads the request line).

``injected`` counts the faults dealt, per kind. Threads are daemons, every socket is tracked, and
``close()`` (or leaving the ``with`` block) closes them all.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from contextlib import suppress
from typing import Literal, Self

Fault = Literal["none", "delay", "drop", "refuse", "stall", "answer"]
KINDS: tuple[Fault, ...] = ("delay", "drop", "refuse", "stall")


class FaultProxy:
    def __init__(self, target_port: int, *, fault: Fault = "none", budget: int = 1,
                 drop_after: int = 1024, delay: float = 0.2, cut_on: bytes = b"PUT ") -> None:
        self.target_port = target_port
        self.fault: Fault = fault
        self.budget = budget  # connections that get the fault; the rest are relayed as they are
        self.drop_after = drop_after
        self.delay = delay
        self.cut_on = cut_on
        self.injected: Counter[str] = Counter()
        self.connections = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def set(self, fault: Fault, *, budget: int = 1, cut_on: bytes | None = None) -> None:
        with self._lock:
            self.fault, self.budget = fault, budget
            self.cut_on = self.cut_on if cut_on is None else cut_on

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            sockets, self._sockets = [self._listener, *self._sockets], []
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                sock.close()
        self._thread.join(timeout=5)

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._sockets += socks

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                fault: Fault = self.fault if self.budget > 0 else "none"
                if fault not in ("none", "answer"):  # an answer is counted when it is cut
                    self.budget -= 1
                    self.injected[fault] += 1
            self._track(client)
            if fault == "refuse":
                with suppress(OSError):
                    client.close()
                continue
            if fault == "stall":
                continue  # held open, never answered, closed with the proxy
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                with suppress(OSError):
                    client.close()
                continue
            upstream.settimeout(None)
            self._track(upstream)
            state = {"bytes": 0, "cut": 0}
            threading.Thread(target=self._pump, args=(client, upstream, fault, state, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, fault, state, False),
                             daemon=True).start()

    def _mark(self, state: dict[str, int]) -> None:
        with self._lock:
            if self.budget > 0:
                self.budget -= 1
                self.injected["answer"] += 1
                state["cut"] = 1

    def _pump(self, source: socket.socket, sink: socket.socket, fault: Fault,
              state: dict[str, int], request: bool) -> None:
        """Relay ``source`` to ``sink``; ``request``: the client-to-server direction (only
        ``answer`` looks at it; the other faults act on the server's bytes)."""
        while not self._closed.is_set():
            try:
                data = source.recv(65536)
            except OSError:
                break
            if not data:
                break
            if request:
                if self.fault == "answer" and data.startswith(self.cut_on):
                    self._mark(state)  # before the request goes out: its answer is cut
            elif state["cut"]:
                break  # the server's answer to the marked request: never relayed
            elif fault == "delay":
                time.sleep(self.delay)
            elif fault == "drop":
                room = self.drop_after - state["bytes"]
                if room <= len(data):
                    with suppress(OSError):
                        sink.sendall(data[:max(room, 0)])
                    break
                state["bytes"] += len(data)
            try:
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                sock.close()
