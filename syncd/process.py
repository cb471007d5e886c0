"""The daemon's process plumbing: log lines for journald or a terminal, the one-per-store lock,
signal handlers that only set flags, and the self-pipe the loop sleeps on."""

from __future__ import annotations

import ctypes
import fcntl
import gc
import logging
import os
import select
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType
from typing import IO

from syncd.errors import SyncdError

_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
             logging.CRITICAL: 2}


class _JournalFormatter(logging.Formatter):
    """``<4>syncd.engine: ...``: journald reads the priority from the prefix."""

    def format(self, record: logging.LogRecord) -> str:
        return f"<{_PRIORITY.get(record.levelno, 6)}>{super().format(record)}"


def log_formatter(journald: bool) -> logging.Formatter:
    """Under journald (``JOURNAL_STREAM`` set) the journal stamps each line and reads the
    priority prefix; anywhere else (a terminal, a log file, a container) a line carries its own
    local time with the UTC offset."""
    if journald:
        return _JournalFormatter("%(name)s: %(message)s")
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                             datefmt="%Y-%m-%dT%H:%M:%S%z")


def setup_logging(debug: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(log_formatter(bool(os.environ.get("JOURNAL_STREAM"))))
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, handlers=[handler],
                        force=True)


def acquire_lock(path: Path) -> IO[str]:
    """Hold an exclusive flock on ``path`` (with our pid in it) for as long as the file is open."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = handle.read().strip() or "?"
        handle.close()
        raise SyncdError(
            f"another `syncd run` is already running (pid {pid}, lock {path}); stop it first "
            "(`systemctl --user stop syncd`); status, contacts, due and ledger work beside it"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


class Wakeup:
    """A self-pipe: signal handlers and watcher threads poke it; the loop sleeps on it."""

    def __init__(self) -> None:
        self._r, self._w = socket.socketpair()
        self._r.setblocking(False)
        self._w.setblocking(False)

    def poke(self) -> None:
        with suppress(OSError):  # full (already poked) or closed
            self._w.send(b"\0")

    def wait(self, timeout: float) -> None:
        ready, _, _ = select.select([self._r], [], [], max(timeout, 0.0))
        if ready:
            with suppress(OSError):
                while self._r.recv(512):
                    pass

    def close(self) -> None:
        self._r.close()
        self._w.close()


@dataclass
class Flags:
    stop: bool = False
    reload: bool = False


@contextmanager
def signals(flags: Flags, wakeup: Wakeup) -> Iterator[None]:
    def stop(signum: int, frame: FrameType | None) -> None:
        flags.stop = True
        wakeup.poke()

    def reload(signum: int, frame: FrameType | None) -> None:
        flags.reload = True
        wakeup.poke()

    previous = {s: signal.signal(s, h) for s, h in
                ((signal.SIGTERM, stop), (signal.SIGINT, stop), (signal.SIGHUP, reload))}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_M_ARENA_MAX = -8  # glibc mallopt parameter


@cache
def _libc() -> ctypes.CDLL | None:
    """The C library this interpreter runs on, if it is glibc (looked up once, no subprocess)."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def few_arenas() -> None:
    """Let the IDLE threads share glibc's malloc arenas instead of reserving one each."""
    if (libc := _libc()) is not None:
        libc.mallopt(_M_ARENA_MAX, 2)


def release_memory() -> None:
    """After a cycle: collect cycles, hand freed heap pages back to the system (glibc)."""
    gc.collect()
    give_back_heap()


def give_back_heap() -> None:
    """Hand the heap's free pages back to the system (glibc), without a collection."""
    if (libc := _libc()) is not None:
        libc.malloc_trim(0)
