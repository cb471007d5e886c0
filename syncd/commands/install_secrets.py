"""How the secrets of the config reach the systemd service `syncd install` writes.

A service does not see the shell's environment. Two systemd mechanisms carry secrets in:

- ``EnvironmentFile=`` (``$XDG_CONFIG_HOME/syncd/environment``, 0600): ``NAME=value`` lines for
  the accounts' ``password_env``;
- credentials (``password_credential = "NAME"``): ``LoadCredentialEncrypted=NAME:PATH`` for a
  file made by ``systemd-creds encrypt`` (``NAME.cred`` in ``$XDG_CONFIG_HOME/syncd/
  credentials/``), or ``LoadCredential=NAME:PATH`` for a plain 0600 file there; syncd reads
  ``$CREDENTIALS_DIRECTORY/NAME``.

``service_secrets`` builds the unit's lines and warns about every secret that would not arrive
(the daemon would otherwise retry ``needs_auth`` for ever).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from syncd import config as config_mod
from syncd.auth.secrets import environment_file, environment_file_names
from syncd.config import CaldavAccount, ImapAccount

# The shipped units (systemd/) expect the default place; `install` writes the real path.
SHIPPED_ENV_FILE = "%h/.config/syncd/environment"


def secrets_text(env_file: str, credentials: Sequence[str] = ()) -> str:
    """The unit's lines that bring secrets in: the environment file and each credential line
    (``LoadCredentialEncrypted=NAME:PATH`` or ``LoadCredential=NAME:PATH``)."""
    lines = ["# password_env values: NAME=value lines in this file (mode 0600).",
             "# password_credential values: systemd credentials (README: Secrets for the service).",
             f"EnvironmentFile=-{env_file}", *credentials]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ServiceSecrets:
    env_file: Path
    unit_lines: str  # the [Service] lines: EnvironmentFile=, LoadCredential*=
    warnings: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)  # the config's password_env names


def credential_store() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "syncd" / "credentials"


def service_secrets(config: Path | None) -> ServiceSecrets:
    """The unit lines for the config at ``config`` (default path when None), and warnings.
    A config with problems raises ``ConfigError``: a service on it would exit 78 at once."""
    env_file = environment_file()
    path = config or config_mod.default_config_path()
    if not path.exists():
        missing = (f"no config at {path} yet: write it (`syncd init`), then run `syncd "
                   "install` again so that its secrets are checked and the credentials loaded")
        return ServiceSecrets(env_file, secrets_text(str(env_file)), [missing])
    loaded = config_mod.load(path)
    in_file = environment_file_names(env_file)
    store = credential_store()
    lines: list[str] = []
    warnings: list[str] = []
    variables: list[str] = []
    for account in loaded.accounts:
        if not isinstance(account, ImapAccount | CaldavAccount):
            continue  # OAuth accounts: tokens in the state directory reach the service as they are
        variable = account.password_env
        if variable:
            variables.append(variable)
        if variable and variable not in in_file:
            warnings.append(
                f"{account.name}: password_env {variable} is not in {env_file}, so the service "
                f"will not have it; add a line `{variable}=...` there, then `systemctl --user "
                "restart syncd`")
        name = account.password_credential
        if not name:
            continue
        encrypted, plain = store / f"{name}.cred", store / name
        if plain.exists() and not encrypted.exists():
            line = f"LoadCredential={name}:{plain}"
            if plain.stat().st_mode & 0o077:
                warnings.append(f"{account.name}: {plain} can be read by others; run "
                                f"`chmod 600 {plain}`")
        else:
            line = f"LoadCredentialEncrypted={name}:{encrypted}"
            if not encrypted.exists():
                warnings.append(
                    f"{account.name}: credential {name!r} is not at {encrypted}, so the "
                    f"service will not have it; create it with `systemd-ask-password -n | "
                    f"systemd-creds encrypt --user --name={name} - {encrypted}` (systemd 256 "
                    f"or newer; older: put the password in {plain}, mode 0600), then run "
                    "`syncd install` again")
        if line not in lines:
            lines.append(line)
    return ServiceSecrets(env_file, secrets_text(str(env_file), lines), warnings,
                          sorted(set(variables)))
