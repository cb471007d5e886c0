"""Passwords from ``password_command`` (argv, no shell) or ``password_env``; never logged.

Error messages name the command's first word and its exit status, never its output.
"""

from __future__ import annotations

import os
import subprocess

from syncd.errors import AuthError


def resolve_password(
    account: str, password_command: tuple[str, ...] | None, password_env: str | None
) -> str:
    """The account's password, or "" when none is configured."""
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
