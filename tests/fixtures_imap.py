"""IMAP server fixtures (a pytest plugin, registered in tests/conftest.py).

``imap_server`` starts a fresh real server in ``tmp_path`` for each test, once per kind this
machine can run: Dovecot (when installed) and pymap. ``SYNCD_TEST_IMAP=dovecot`` or ``=pymap``
restricts the run to one kind. A kind this machine lacks is skipped with the reason; one that is
installed but does not start fails with the server's log tail.

``LoopbackProxy`` sits between a client and the server on 127.0.0.1: it records the commands
the client sends and can cut the connection after a number of bytes from the server.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from syncd.config import ImapAccount
from syncd.localservers.imap import ImapServer, ServerStartError, available_kinds, launch

PASSWORD_ENV = "SYNCD_TEST_IMAP_PASSWORD"


def _kinds() -> list[str]:
    wanted = os.environ.get("SYNCD_TEST_IMAP", "").strip().lower()
    if wanted in ("dovecot", "pymap"):
        return [wanted]
    return list(available_kinds())


def start_server(tmp_path: Path, kind: str, *, sent_folder: str = "Sent",
                 tls: tuple[Path, Path] | None = None) -> ImapServer:
    """Start a server of ``kind``; skip when this machine cannot run that kind at all.

    A kind that is there but does not start fails the test (with the server's log tail): that
    is a bug in ``syncd.localservers.imap`` or a broken install, not something to skip.
    """
    if kind == "dovecot" and "dovecot" not in available_kinds():
        pytest.skip("Dovecot is not installed (apt install dovecot-imapd)")
    if kind == "pymap" and importlib.util.find_spec("pymap") is None:
        pytest.skip("pymap is not installed (pip install pymap)")
    try:
        return launch(tmp_path / f"imap-{kind}", kind=kind,  # type: ignore[arg-type]
                      sent_folder=sent_folder, tls=tls)
    except ServerStartError as exc:
        hint = " (SYNCD_TEST_IMAP=pymap runs the suite without Dovecot)" if kind == "dovecot" \
            else ""
        pytest.fail(f"the local {kind} IMAP server did not start{hint}: {exc}")


@pytest.fixture(params=_kinds())
def imap_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def imap_server(tmp_path: Path, imap_kind: str) -> Iterator[ImapServer]:
    """A fresh local IMAP server (INBOX and Sent, user ``dana``), stopped after the test."""
    server = start_server(tmp_path, imap_kind)
    try:
        yield server
    finally:
        server.stop()


def account_for(server: ImapServer, *, name: str = "local", port: int | None = None,
                folders: tuple[str, ...] = (), since: str | None = None) -> ImapAccount:
    """A plaintext-to-loopback account for ``server``; the password comes from PASSWORD_ENV."""
    return ImapAccount(type="imap", name=name, host=server.host, port=port or server.port,
                       security="none", username=server.user, password_env=PASSWORD_ENV,
                       folders=folders, since=since, timeout=20)


@pytest.fixture
def imap_account(imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch) -> ImapAccount:
    monkeypatch.setenv(PASSWORD_ENV, imap_server.password)
    return account_for(imap_server)


class LoopbackProxy:
    """A TCP relay on 127.0.0.1 that records client commands and can drop the connection."""

    def __init__(self, target_port: int, *, drop_after: int | None = None) -> None:
        self.target_port = target_port
        self.drop_after = drop_after  # bytes from the server before both sides are closed
        self.server_bytes = 0
        self.dropped = False
        self._sent = bytearray()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def commands(self) -> list[str]:
        """The client's commands in order, e.g. ``["LOGIN", "STATUS", "UID FETCH"]``."""
        with self._lock:
            lines = bytes(self._sent).split(b"\r\n")
        names: list[str] = []
        for line in lines:
            words = line.split()
            if len(words) < 2 or not words[0][:1].isalnum() or words[0] == b"DONE":
                continue
            verb = words[1].decode("ascii", "replace").upper()
            if verb == "UID" and len(words) > 2:
                verb += " " + words[2].decode("ascii", "replace").upper()
            names.append(verb)
        return names

    def cut(self) -> None:
        """Close the open connections (as a NAT box forgetting them would); keep listening."""
        for sock in self._sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._sockets.clear()

    def close(self) -> None:
        self._closed = True
        for sock in [self._listener, *self._sockets]:
            with suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if from_server and self.drop_after is not None:
                room = self.drop_after - self.server_bytes
                if room <= len(data):
                    with suppress(OSError):
                        sink.sendall(data[:max(room, 0)])
                    self.server_bytes += max(room, 0)
                    self.dropped = True
                    break
            if from_server:
                self.server_bytes += len(data)
            else:
                with self._lock:
                    self._sent += data
            try:
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                sock.close()


@pytest.fixture
def loopback_proxy() -> Iterator[type[LoopbackProxy]]:
    """Make proxies with ``loopback_proxy(port, drop_after=...)``; all closed after the test."""
    made: list[LoopbackProxy] = []

    class _Tracked(LoopbackProxy):
        def __init__(self, target_port: int, *, drop_after: int | None = None) -> None:
            super().__init__(target_port, drop_after=drop_after)
            made.append(self)

    yield _Tracked
    for proxy in made:
        proxy.close()


def self_signed_ca_and_cert(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for localhost / 127.0.0.1: (ca, cert, key)."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:
        pytest.skip("the cryptography package is needed to make a test certificate")
    import ipaddress
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)

    def build(subject: str, issuer: x509.Name | None, signer: ec.EllipticCurvePrivateKey | None,
              key: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(hours=1))
                   .not_valid_after(now + timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
        else:
            builder = builder.add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        signing_key = signer or key
        if issuer is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
                critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca_cert = build("syncd test CA", None, None, ca_key, ca=True)
    cert = build("localhost", ca_cert.subject, ca_key, server_key, ca=False)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return paths
