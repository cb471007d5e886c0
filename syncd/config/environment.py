"""`syncd check-config`'s look at this machine: what a valid file still needs to work here.

The schema says whether the file is well formed; these checks say whether it will run: the
files it names exist, the secrets it points at can be found (``password_env`` set here or in
the service's environment file, ``password_command``'s program on PATH, a systemd credential
loaded when syncd runs under systemd), and the values are not the placeholders `syncd init`
writes. No network: `check-config --online` tries the logins (``connectors/probe.py``).

The checks read the raw TOML tables, so they run even when the schema found problems, and the
user sees every problem at once.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from syncd.auth.secrets import environment_file, environment_file_names
from syncd.config.schema import followups_target
from syncd.errors import Problem
from syncd.net import host_of

PLACEHOLDER_CLIENT_ID = re.compile(r"0{8}-0{4}-0{4}-0{4}-0{12}")
# RFC 2606 / 6761 names: never a real server (the sample's imap.example.org, caldav.example.org)
_RESERVED = re.compile(r"(^|\.)(example\.(org|com|net)|example|invalid)\.?$", re.IGNORECASE)


def environment_problems(raw: Mapping[str, Any], env: Mapping[str, str] | None = None,
                         env_file: Path | None = None) -> list[Problem]:
    """Everything in ``raw`` (the parsed TOML) that would fail on this machine."""
    env = os.environ if env is None else env
    env_file = environment_file() if env_file is None else env_file
    in_file = environment_file_names(env_file)
    problems: list[Problem] = []
    me = raw.get("me")
    addresses = me.get("addresses") if isinstance(me, dict) else None
    for address in addresses if isinstance(addresses, list) else []:
        if isinstance(address, str) and _RESERVED.search(address.rpartition("@")[2]):
            problems.append(Problem("me.addresses", f"{address} is a placeholder (from `syncd "
                                    "init`'s sample)", "list your own addresses"))
    tables = raw.get("accounts")
    tables = tables if isinstance(tables, list) else []
    accounts = [a for a in tables if isinstance(a, dict)]
    for i, account in enumerate(tables):
        if isinstance(account, dict):
            problems += _account(f"accounts[{i}]", account, env, env_file, in_file)
    followups = raw.get("followups")
    target = followups.get("account") if isinstance(followups, dict) else None
    if isinstance(target, str):  # said here too: the schema's cross-checks wait for a valid file
        problems += followups_target(target, {str(a.get("name")): str(a.get("type"))
                                              for a in accounts})
    return problems


def _account(where: str, account: Mapping[str, Any], env: Mapping[str, str], env_file: Path,
             in_file: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    variable = account.get("password_env")
    if isinstance(variable, str) and variable and variable not in env \
            and variable not in in_file:
        problems.append(Problem(
            f"{where}.password_env", f"environment variable {variable} is not set here, nor in "
            f"{env_file}",
            f"export it for `syncd sync`, and add {variable}=... to {env_file} for the service "
            "(`syncd install` creates that file, mode 0600)"))
    command = account.get("password_command")
    if isinstance(command, list) and command and isinstance(command[0], str) \
            and shutil.which(command[0], path=env.get("PATH")) is None:
        problems.append(Problem(
            f"{where}.password_command", f"program {command[0]!r} is not on PATH",
            "install it, or give its full path (the service's PATH may be shorter than your "
            "shell's)"))
    credential = account.get("password_credential")
    directory = env.get("CREDENTIALS_DIRECTORY")
    if isinstance(credential, str) and credential and directory \
            and not (Path(directory) / credential).exists():
        problems.append(Problem(
            f"{where}.password_credential", f"systemd credential {credential!r} is not loaded "
            "into this service", f"add LoadCredentialEncrypted={credential} to the unit"))
    secrets = account.get("client_secrets")
    if isinstance(secrets, str) and secrets:
        path = Path(os.path.expandvars(secrets)).expanduser()
        if not path.is_file():
            problems.append(Problem(
                f"{where}.client_secrets", f"no file at {path}",
                "download your OAuth client's JSON from the Google Cloud console (README: Gmail "
                "and Google Calendar) and save it there"))
    for key in ("host", "url"):
        value = account.get(key)
        if isinstance(value, str) and value:
            host = host_of(value) if key == "url" else value
            if _RESERVED.search(host):
                problems.append(Problem(
                    f"{where}.{key}", f"{host} is a placeholder (from `syncd init`'s sample)",
                    "put your own server here, or remove this account"))
    client_id = account.get("client_id")
    if isinstance(client_id, str) and PLACEHOLDER_CLIENT_ID.fullmatch(client_id):
        problems.append(Problem(
            f"{where}.client_id", "the all-zero client id is a placeholder",
            "register an app in Microsoft Entra (README: Outlook) and put its application "
            "(client) id here, or remove this account"))
    return problems
