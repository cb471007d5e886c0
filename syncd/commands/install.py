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

from syncd.errors import SyncdError

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


def service_text(command: str) -> str:
    return SERVICE.format(exec_start=command, hardening=HARDENING)


def timer_units(command: str) -> dict[str, str]:
    """The oneshot + timer pair, for those who prefer a cycle every 10 minutes to a daemon."""
    return {"syncd-sync.service": ONESHOT.format(exec_start=command, hardening=HARDENING),
            "syncd-sync.timer": TIMER}


def unit_dir() -> Path:
    if override := os.environ.get("SYNCD_SYSTEMD_DIR"):
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def plan(*, timer: bool, config: Path | None) -> tuple[dict[Path, str], list[list[str]]]:
    """The files to write and the commands to run."""
    command = exec_start(config)
    directory = unit_dir()
    if timer:
        files = {directory / n: t for n, t in timer_units(command).items()}
        start = "syncd-sync.timer"
    else:
        files = {directory / "syncd.service": service_text(command)}
        start = "syncd.service"
    commands = [["systemctl", "--user", "daemon-reload"],
                ["systemctl", "--user", "enable", "--now", start]]
    return files, commands


def install(*, timer: bool, config: Path | None, dry_run: bool) -> list[str]:
    """Write the units and start them (or, with ``dry_run``, only say so); the lines to show."""
    files, commands = plan(timer=timer, config=config)
    said = []
    for path, text in files.items():
        said.append(f"{'would write' if dry_run else 'wrote'} {path}")
        if not dry_run:
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
    return said
