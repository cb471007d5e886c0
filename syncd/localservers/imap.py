"""A throwaway real IMAP server on 127.0.0.1, for the tests, the benchmarks and `syncd demo`.

``start_imap_server(workdir)`` runs Dovecot when it is installed (DESIGN.md section 8: its own
config via ``dovecot -F -c FILE``, ``ssl = no``, a passwd-file with ``{PLAIN}`` passwords, a static
userdb, ``maildir:~/Maildir``, Sent with ``special_use = \\Sent``, ``mail_fsync = never``), else
pymap, the pure-Python server that comes with pip. pymap runs its in-memory ``dict`` backend
(the maildir one wants hashed passwords from its own tooling): it has IDLE and MULTIAPPEND but
no SPECIAL-USE, NAMESPACE or CONDSTORE; its Sent folder is a plain folder named ``Sent``, which
clients find by name (imapclient's ``find_special_folder`` falls back to common names).

Startup waits until a login works (about 15 s at most) and fails with the server's log tail; the
server process is stopped when the context exits, whatever happened inside it, and at
interpreter exit as a last resort.
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from imapclient import IMAPClient

from syncd.localservers._dovecot import DovecotLayout, ServerStartError, find_dovecot

Kind = Literal["auto", "dovecot", "pymap"]
STARTUP_TIMEOUT = 15.0
_RUNNING: set[ImapServer] = set()
__all__ = ["ImapServer", "ServerStartError", "available_kinds", "launch", "start_imap_server"]


@dataclass(eq=False)
class ImapServer:
    """A running local server: where it listens, who may log in, and helpers to fill it."""

    host: str
    port: int
    user: str
    password: str
    kind: Literal["dovecot", "pymap"]
    sent_folder: str
    workdir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    dovecot: DovecotLayout | None = None
    tls_port: int | None = None  # implicit TLS (Dovecot started with tls=...)
    _sequence: int = field(default=0, repr=False)

    def client(self) -> IMAPClient:
        """A logged-in imapclient connection (the caller logs out)."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=30)
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.login(self.user, self.password)
        client.normalise_times = False
        return client

    def create_folder(self, folder: str) -> None:
        with _session(self) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
                client.subscribe_folder(folder)
            client.folder_status(folder, [b"MESSAGES"])  # Dovecot creates auto folders on use

    def append(self, folder: str, raw: bytes, flags: Iterable[bytes | str] = (),
               when: datetime | None = None) -> None:
        """APPEND one message (creating the folder if needed)."""
        self.create_folder(folder)
        with _session(self) as client:
            client.append(folder, raw, tuple(flags), when or datetime.now(UTC))

    def append_many(self, folder: str, messages: Iterable[bytes | tuple[bytes, datetime | None]],
                    when: datetime | None = None) -> int:
        """Load many messages fast; returns how many. Dovecot: maildir files written directly.

        Each message is raw bytes, or ``(raw, internaldate)``; ``when`` is the INTERNALDATE of
        those without one (default: now).
        """
        self.create_folder(folder)
        default = when or datetime.now(UTC)
        dated = ((m, default) if isinstance(m, bytes) else (m[0], m[1] or default)
                 for m in messages)
        if self.dovecot is not None:
            count, self._sequence = self.dovecot.write(self.user, folder, dated, self._sequence)
            with _session(self) as client:
                client.folder_status(folder, [b"MESSAGES"])  # lets Dovecot index the new files
            return count
        count = 0
        batch: list[dict[str, object]] = []
        with _session(self) as client:
            for raw, stamp in dated:
                batch.append({"msg": raw, "date": stamp})
                if len(batch) == 500:
                    client.multiappend(folder, batch)
                    count, batch = count + len(batch), []
            if batch:
                client.multiappend(folder, batch)
        return count + len(batch)

    def recreate_folder(self, folder: str) -> None:
        """Delete ``folder`` and create it again with the same messages: a new UIDVALIDITY."""
        with _session(self) as client:
            client.select_folder(folder)
            uids = client.search(["ALL"])
            saved = client.fetch(uids, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]) if uids else {}
            client.close_folder()
            if folder.upper() != "INBOX":
                client.delete_folder(folder)
                client.create_folder(folder)
                client.subscribe_folder(folder)
            elif self.dovecot is not None:  # Dovecot cannot delete or rename INBOX
                validity = client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
                client.select_folder(folder)
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
                client.close_folder()
                self.dovecot.set_uidvalidity(self.user, folder, int(validity) + 1)
            else:  # pymap: renaming INBOX leaves a new, empty INBOX behind
                client.rename_folder(folder, "syncd-recreate-tmp")
                client.delete_folder("syncd-recreate-tmp")
            for uid in sorted(saved):
                item = saved[uid]
                flags = tuple(f for f in item[b"FLAGS"] if f.lower() != b"\\recent")
                client.append(folder, item[b"BODY[]"], flags, item[b"INTERNALDATE"])

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server process (safe to call twice)."""
        _RUNNING.discard(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.dovecot is not None:
            self.dovecot.cleanup()


@contextmanager
def start_imap_server(workdir: Path, *, user: str = "dana", password: str | None = None,
                      kind: Kind = "auto", sent_folder: str = "Sent",
                      tls: tuple[Path, Path] | None = None) -> Iterator[ImapServer]:
    """Run a local IMAP server for the duration of the ``with`` block.

    ``password`` defaults to a random one (``server.password``). ``kind="auto"`` takes Dovecot
    when it is installed and starts, else pymap. ``sent_folder`` names the Sent folder (Dovecot
    marks it ``\\Sent`` by SPECIAL-USE; pymap just creates it). ``tls=(cert, key)`` (Dovecot
    only) adds STARTTLS on ``port`` and implicit TLS on ``tls_port``.
    """
    server = launch(workdir, user=user, password=password, kind=kind, sent_folder=sent_folder,
                    tls=tls)
    try:
        yield server
    finally:
        server.stop()


def launch(workdir: Path, *, user: str = "dana", password: str | None = None,
           kind: Kind = "auto", sent_folder: str = "Sent",
           tls: tuple[Path, Path] | None = None) -> ImapServer:
    """Start a server; the caller must ``stop()`` it (``start_imap_server`` does)."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = _Spec(user, password or secrets.token_urlsafe(12), sent_folder, tls)
    if kind == "pymap" or (kind == "auto" and not find_dovecot()):
        return _start(workdir, spec, "pymap")
    try:
        return _start(workdir, spec, "dovecot")
    except ServerStartError:
        if kind == "dovecot" or tls is not None:
            raise
        return _start(workdir, spec, "pymap")  # auto: Dovecot is there but unusable


def available_kinds() -> tuple[Literal["dovecot", "pymap"], ...]:
    """The server kinds this machine can run (pymap is a dependency, so always there)."""
    return ("dovecot", "pymap") if find_dovecot() else ("pymap",)


@dataclass(frozen=True)
class _Spec:
    user: str
    password: str
    sent_folder: str
    tls: tuple[Path, Path] | None


def _start(workdir: Path, spec: _Spec, kind: Literal["dovecot", "pymap"]) -> ImapServer:
    if kind == "pymap" and spec.tls is not None:
        raise ServerStartError("TLS is only set up for Dovecot here; pymap runs plaintext")
    problems: list[str] = []
    for _attempt in range(3):  # a free port can be taken between probing and binding
        port, tls_port = _free_port(), (_free_port() if spec.tls else None)
        log_path = workdir / f"{kind}-{port}.log"
        layout: DovecotLayout | None = None
        if kind == "dovecot":
            layout = DovecotLayout.create(Path(tempfile.mkdtemp(prefix="syncd-dovecot-")))
            argv = layout.configure(port=port, user=spec.user, password=spec.password,
                                    log_path=log_path, sent=spec.sent_folder, tls=spec.tls,
                                    tls_port=tls_port)
            env = dict(os.environ)
        else:
            argv = _pymap_argv(workdir, port, spec.user, spec.password)
            env = dict(os.environ, FQDN="localhost")  # no DNS lookup for the greeting
        with log_path.open("ab") as log:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, env=env)
        server = ImapServer("127.0.0.1", port, spec.user, spec.password, kind, spec.sent_folder,
                            workdir, log_path, process, layout, tls_port)
        atexit.unregister(_stop_leftovers)  # registered once, as a last resort
        atexit.register(_stop_leftovers)
        _RUNNING.add(server)
        try:
            _wait_until_ready(server)
        except ServerStartError as exc:
            server.stop()
            problems.append(str(exc))
            continue
        return server
    raise ServerStartError(problems[-1])


def _pymap_argv(workdir: Path, port: int, user: str, password: str) -> list[str]:
    # Arguments go in a private @file (pymap reads one) so the password is not in `ps`.
    args_file = workdir / f"pymap-{port}.args"
    fd = os.open(args_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    lines = ["--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict",
             f"--demo-user={user}", f"--demo-password={password}"]  # "=": values may start with -
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("".join(f"{line}\n" for line in lines).replace("$", "$$"))
    return [sys.executable, "-c", "from pymap.main import main; main()", f"@{args_file}"]


def _wait_until_ready(server: ImapServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    problem = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            problem = f"the process exited with status {server.process.returncode}"
            break
        try:
            with _session(server) as client:
                if server.kind == "pymap" and not client.folder_exists(server.sent_folder):
                    client.create_folder(server.sent_folder)
                    client.subscribe_folder(server.sent_folder)
            return
        except (OSError, IMAPClient.Error) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            time.sleep(0.1)
    raise ServerStartError(
        f"the local {server.kind} IMAP server on 127.0.0.1:{server.port} did not come up within "
        f"{STARTUP_TIMEOUT:.0f} s ({problem}). Log tail:\n{server.log_tail()}")


@contextmanager
def _session(server: ImapServer) -> Iterator[IMAPClient]:
    client = server.client()
    try:
        yield client
    finally:
        with suppress(OSError, IMAPClient.Error):
            client.logout()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop_leftovers() -> None:
    for server in list(_RUNNING):
        server.stop()
