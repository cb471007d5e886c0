"""The Dovecot half of ``syncd.localservers.imap``: config, maildir files, doveadm.

Written for Dovecot 2.3 (and the 2.2 syntax it keeps); 2.4 renamed most of these settings
(``mail_location``, ``disable_plaintext_auth``, passdb/userdb blocks), so it is refused with a
clear message and ``kind="auto"`` falls back to pymap. The config is checked with
``dovecot -n`` before the server starts, so a key this version does not know fails early.

Everything the mail processes touch lives in a fresh ``mkdtemp`` directory made 0755: as root
the mail runs as ``nobody``, which must traverse to the home directory (pytest's own temp
directories are 0700), and unix socket paths under ``base_dir`` must stay short.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syncd.errors import SyncdError

SUPPORTED = ((2, 2), (2, 3))

_CONFIG = """\
# syncd throwaway test instance (syncd/localservers/_dovecot.py)
base_dir = {root}/run
state_dir = {root}/state
instance_name = syncd-{port}
listen = 127.0.0.1
protocols = imap
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {log}
mail_location = maildir:~/Maildir
mail_fsync = never
default_internal_user = {internal_user}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{sent}" {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
{login_chroot}}}
{extra}"""

# Maildir info flags for IMAP system flags.
_FLAGS = {b"\\draft": "D", b"\\flagged": "F", b"\\answered": "R", b"\\seen": "S",
          b"\\deleted": "T"}


def find_dovecot() -> str | None:
    """The dovecot binary: /usr/sbin/dovecot, else on PATH."""
    if os.access("/usr/sbin/dovecot", os.X_OK):
        return "/usr/sbin/dovecot"
    return shutil.which("dovecot")


def dovecot_version(binary: str) -> tuple[int, int]:
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30,
                          check=False)
    match = re.match(r"(\d+)\.(\d+)", done.stdout.strip())
    if done.returncode != 0 or match is None:
        raise _error(f"`{binary} --version` failed: {done.stdout or done.stderr}".strip())
    return int(match.group(1)), int(match.group(2))


class ServerStartError(SyncdError):
    """The local IMAP server did not come up; the message says why (with its log tail)."""


def _error(message: str) -> ServerStartError:
    return ServerStartError(message)


@dataclass
class DovecotLayout:
    """One Dovecot instance's directory: config, passwd, sockets, the users' maildirs."""

    root: Path
    binary: str
    mail_uid: int
    mail_gid: int
    config: Path

    @classmethod
    def create(cls, root: Path) -> DovecotLayout:
        binary = find_dovecot()
        if binary is None:
            shutil.rmtree(root, ignore_errors=True)
            raise _error("dovecot is not installed (Debian/Ubuntu: apt install dovecot-imapd)")
        version = dovecot_version(binary)
        if version[:2] not in SUPPORTED:
            shutil.rmtree(root, ignore_errors=True)
            raise _error(f"Dovecot {version[0]}.{version[1]} is installed; this helper writes "
                         "2.3 config syntax (2.4 renamed its settings). Use kind='pymap'.")
        if os.geteuid() == 0:  # Dovecot refuses uid 0 for mail
            entry = pwd.getpwnam("nobody")
            uid, gid = entry.pw_uid, entry.pw_gid
        else:
            uid, gid = os.geteuid(), os.getegid()
        for sub in ("", "run", "state", "home"):
            (root / sub).mkdir(exist_ok=True)
            (root / sub).chmod(0o755)
        return cls(root, binary, uid, gid, root / "dovecot.conf")

    def configure(self, *, port: int, user: str, password: str, log_path: Path,
                  sent: str = "Sent", tls: tuple[Path, Path] | None = None,
                  tls_port: int | None = None) -> list[str]:
        """Write config and passwd, check the config with ``dovecot -n``; the argv to run."""
        if os.geteuid() == 0:
            internal, login, chroot, extra = "dovecot", "dovenull", "", ""
        else:  # unprivileged: every service runs as us, and nothing can chroot
            internal = login = pwd.getpwuid(os.geteuid()).pw_name
            chroot, extra = "  chroot =\n", "service anvil {\n  chroot =\n}\n"
        self.config.write_text(_CONFIG.format(
            root=self.root, port=port, log=log_path, internal_user=internal, login_user=login,
            mail_uid=self.mail_uid, mail_gid=self.mail_gid, login_chroot=chroot, extra=extra,
            sent=sent.replace("\\", "").replace('"', ""), tls_port=tls_port or 0,
            ssl="ssl = no" if tls is None else f"ssl = yes\nssl_cert = <{tls[0]}\n"
                                                f"ssl_key = <{tls[1]}"),
            encoding="utf-8")
        if any(c in value for value in (user, password) for c in ":\r\n"):
            raise _error("user and password must not contain ':' or line breaks (passwd-file)")
        passwd = self.root / "passwd"
        passwd.write_text(f"{user}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
        passwd.chmod(0o644)  # read by the auth process (user dovecot); the dir is throwaway
        home = self.root / "home" / user
        home.mkdir(exist_ok=True)
        os.chown(home, self.mail_uid, self.mail_gid)
        check = subprocess.run([self.binary, "-c", str(self.config), "-n"], capture_output=True,
                               text=True, timeout=30, check=False)
        if check.returncode != 0:
            raise _error(f"Dovecot rejected the generated config: {check.stderr.strip()}")
        return [self.binary, "-F", "-c", str(self.config)]

    def folder_dir(self, user: str, folder: str) -> Path:
        """Maildir++ layout: INBOX is the root, ``A/B`` is ``.A.B``."""
        base = self.root / "home" / user / "Maildir"
        return base if folder.upper() == "INBOX" else base / ("." + folder.replace("/", "."))

    def write(self, user: str, folder: str, messages: Iterable[tuple[bytes, datetime]],
              sequence: int) -> tuple[int, int]:
        """Write messages as maildir files (UIDs follow the order); (count, last sequence)."""
        target = self.folder_dir(user, folder) / "cur"
        pid = os.getpid()
        owner = os.geteuid() == 0  # files must belong to the mail uid
        count = 0
        for raw, when in messages:
            sequence += 1
            # Dovecot gives new files UIDs in file-name order: a rising time prefix keeps ours.
            name = f"{1_000_000_000 + sequence}.M{sequence}P{pid}.syncd,S={len(raw)}:2,"
            fd = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, raw)
                if owner:
                    os.fchown(fd, self.mail_uid, self.mail_gid)
                stamp = when.timestamp()
                os.utime(fd, (stamp, stamp))  # the mtime is the INTERNALDATE
            finally:
                os.close(fd)
            count += 1
        return count, sequence

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        doveadm = shutil.which("doveadm") or str(Path(self.binary).with_name("doveadm"))
        done = subprocess.run(
            [doveadm, "-c", str(self.config), "mailbox", "update", "-u", user,
             "--uid-validity", str(value), folder],
            capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise _error(f"doveadm mailbox update failed: {done.stderr.strip()}")

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
