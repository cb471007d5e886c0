"""Passwords from ``password_command`` (argv, no shell), ``password_env`` or
``password_credential`` (a systemd credential: ``$CREDENTIALS_DIRECTORY/<name>``); never logged.

Error messages name the command's first word and its exit status, never its output.

The service's environment file (``environment_file()``, written empty by ``syncd install``) is
how ``password_env`` values reach the systemd unit; ``environment_file_names`` reads which
variables it sets (never their values), for ``check-config`` and ``install`` to compare.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from syncd.errors import AuthError

_ASSIGNMENT = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def environment_file() -> Path:
    """``$XDG_CONFIG_HOME/syncd/environment``: the unit's ``EnvironmentFile=``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "syncd" / "environment"


def environment_file_names(path: Path) -> set[str]:
    """The variables ``path`` assigns (systemd's ``EnvironmentFile=`` syntax); none if absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    names = set()
    for line in text.splitlines():
        if line.lstrip().startswith(("#", ";")):
            continue
        if match := _ASSIGNMENT.match(line):
            names.add(match.group(1))
    return names


def resolve_password(
    account: str, password_command: tuple[str, ...] | None, password_env: str | None,
    credential: str | None = None,
) -> str:
    """The account's password, or "" when none is configured."""
    if credential:
        return read_credential(account, credential)
    if password_command:
        try:
            done = subprocess.run(
                list(password_command), capture_output=True, text=True, timeout=60, check=False
            )
        except FileNotFoundError:
            raise AuthError(
                f"password_command: {password_command[0]!r} not found; check the path in the "
                "config", account=account,
            ) from None
        except subprocess.TimeoutExpired:
            raise AuthError(
                f"password_command {password_command[0]!r} did not finish within 60 s "
                "(is it waiting for a pinentry?)", account=account,
            ) from None
        if done.returncode != 0:
            raise AuthError(
                f"password_command {password_command[0]!r} exited with status {done.returncode}; "
                "run it by hand to see why", account=account,
            )
        lines = done.stdout.splitlines()
        return lines[0] if lines else ""
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise AuthError(
                f"environment variable {password_env} is not set; export it or use "
                "password_command", account=account,
            )
        return value
    return ""


def read_credential(account: str, name: str) -> str:
    """The systemd credential ``name`` (``LoadCredential=`` / ``LoadCredentialEncrypted=`` in
    the unit): its first line."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        raise AuthError(
            f"password_credential {name!r} is a systemd credential, and this process has none "
            "($CREDENTIALS_DIRECTORY is not set); it is loaded only into the syncd service "
            "(`syncd install` sets it up). In a shell, run `systemd-run --user --pipe --wait "
            f"-p LoadCredentialEncrypted={name} syncd sync`, or use password_command",
            account=account)
    try:
        text = (Path(directory) / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuthError(
            f"systemd credential {name!r} is not loaded into the service; add "
            f"LoadCredentialEncrypted={name}:PATH (or LoadCredential=) to the unit, or run "
            "`syncd install` again", account=account) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthError(f"systemd credential {name!r} is unreadable ({type(exc).__name__})",
                        account=account) from None
    lines = text.splitlines()
    return lines[0] if lines else ""
