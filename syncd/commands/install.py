"""``syncd install [--dry-run] [--timer]``: the systemd user unit for this installation.

Writes ``syncd.service`` (the daemon, Type=notify) or, with ``--timer``, the oneshot
``syncd-sync.service`` plus ``syncd-sync.timer``, into ``$SYNCD_SYSTEMD_DIR`` or
``$XDG_CONFIG_HOME/systemd/user``; then ``systemctl --user daemon-reload`` and
``enable --now``. ``ExecStart`` is this very installation: the running ``syncd`` script, or
``python -m syncd`` of this interpreter.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from syncd.commands.install_secrets import SHIPPED_ENV_FILE, secrets_text, service_secrets
from syncd.errors import SyncdError
from syncd.files import write_private

ENV_FILE_TEXT = """\
# Environment of the syncd service (systemd EnvironmentFile=, read when the service starts).
# One NAME=value line for each account's password_env, without the leading '#'.
# Keep this file private (mode 0600). After a change: systemctl --user restart syncd
"""

HARDENING = """\
NoNewPrivileges=yes
PrivateTmp=yes
# Home stays writable: the store lives there, and password_command tools (pass, gpg) need it.
ProtectSystem=strict
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictRealtime=yes
SystemCallArchitectures=native
"""

SERVICE = """\
# The syncd daemon as a systemd user service. `syncd install` writes it with the ExecStart of
# your installation; by hand: copy it to ~/.config/systemd/user/, then
#   systemctl --user daemon-reload && systemctl --user enable --now syncd
# Logs: journalctl --user -u syncd    Reload the config: systemctl --user reload syncd
[Unit]
Description=syncd: follow-up reminders from your mail and meetings
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
ExecStart={exec_start} run
{secrets}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=30
# 78 = the config is wrong: restarting will not fix it.
RestartPreventExitStatus=78
WatchdogSec=5min
TimeoutStopSec=30
Nice=10
{hardening}
[Install]
WantedBy=default.target
"""


ONESHOT = """\
# One syncd cycle as a oneshot user service; started by syncd-sync.timer (the alternative to
# the syncd.service daemon: `syncd install --timer` writes both). By hand: copy both files to
# ~/.config/systemd/user/, then
#   systemctl --user daemon-reload && systemctl --user enable --now syncd-sync.timer
# Logs: journalctl --user -u syncd-sync
[Unit]
Description=syncd: one cycle (mail and calendars in, follow-up events out)
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart={exec_start} sync
{secrets}
# 75 = an account failed transiently: the next timer run retries it.
SuccessExitStatus=75
Nice=10
{hardening}"""

TIMER = """\
# Runs syncd-sync.service every 10 minutes, and soon after boot.
[Unit]
Description=syncd: run a cycle every 10 minutes

[Timer]
OnBootSec=2min
OnUnitActiveSec=10min
RandomizedDelaySec=60
Persistent=true

[Install]
WantedBy=timers.target
"""


def exec_start(config: Path | None = None) -> str:
    """The command line of this installation (with ``--config`` when one was given)."""
    script = Path(sys.argv[0])
    if script.name == "syncd" and script.exists():
        argv = [str(script.resolve())]
    else:
        argv = [sys.executable, "-m", "syncd"]
    if config is not None:
        argv += ["--config", str(config.expanduser().resolve())]
    return shlex.join(argv)


def service_text(command: str, secrets: str = "") -> str:
    return SERVICE.format(exec_start=command, hardening=HARDENING,
                          secrets=secrets or secrets_text(SHIPPED_ENV_FILE))


def timer_units(command: str, secrets: str = "") -> dict[str, str]:
    """The oneshot + timer pair, for those who prefer a cycle every 10 minutes to a daemon."""
    return {"syncd-sync.service": ONESHOT.format(exec_start=command, hardening=HARDENING,
                                                 secrets=secrets or secrets_text(SHIPPED_ENV_FILE)),
            "syncd-sync.timer": TIMER}


def unit_dir() -> Path:
    if override := os.environ.get("SYNCD_SYSTEMD_DIR"):
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def plan(*, timer: bool, config: Path | None, secrets: str = "",
         ) -> tuple[dict[Path, str], list[list[str]]]:
    """The files to write and the commands to run."""
    command = exec_start(config)
    directory = unit_dir()
    if timer:
        files = {directory / n: t for n, t in timer_units(command, secrets).items()}
        start = "syncd-sync.timer"
    else:
        files = {directory / "syncd.service": service_text(command, secrets)}
        start = "syncd.service"
    commands = [["systemctl", "--user", "daemon-reload"],
                ["systemctl", "--user", "enable", "--now", start]]
    return files, commands


def install(*, timer: bool, config: Path | None, dry_run: bool) -> list[str]:
    """Write the units and start them (or, with ``dry_run``, only say so and show the units);
    the lines to show, warnings about secrets that would not reach the service last."""
    found = service_secrets(config)
    files, commands = plan(timer=timer, config=config, secrets=found.unit_lines)
    said = []
    env_file = found.env_file
    if not env_file.exists():
        said.append(f"{'would create' if dry_run else 'created'} {env_file} (mode 0600): put "
                    "NAME=value lines there for password_env variables")
        if not dry_run:
            write_private(env_file, ENV_FILE_TEXT + "".join(
                f"# {variable}=\n" for variable in found.variables))
    elif env_file.stat().st_mode & 0o077:
        said.append(f"warning: {env_file} can be read by others; run `chmod 600 {env_file}`")
    for path, text in files.items():
        said.append(f"{'would write' if dry_run else 'wrote'} {path}")
        if dry_run:
            said += [f"  {line}".rstrip() for line in text.splitlines()]
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for argv in commands:
        said.append(f"{'would run' if dry_run else 'ran'} {shlex.join(argv)}")
        if not dry_run:
            try:
                subprocess.run(argv, check=True)
            except (OSError, subprocess.CalledProcessError) as exc:
                raise SyncdError(f"`{shlex.join(argv)}` failed ({exc}); the unit is written, "
                                 "so the command can be run by hand") from None
    return said + [f"warning: {w}" for w in found.warnings]
