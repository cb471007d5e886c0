"""Run a command in a real pseudo-terminal and read the screen it leaves, as a person would.

``run_in_terminal`` gives the child a pty of ``cols`` columns (TIOCSWINSZ, what `stty cols`
sets), collects every byte it writes, and ``Screen`` replays them through pyte, a VT100
emulator, on a screen wider and taller than the terminal: a line the program wrote wider than
the terminal shows up as wider, instead of being wrapped away.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyte

from syncd.commands import sample_mailbox
from syncd.commands.demo import demo_config
from syncd.localservers.caldav import CaldavServer
from syncd.localservers.imap import ImapServer

HIDE_CURSOR, SHOW_CURSOR = b"\x1b[?25l", b"\x1b[?25h"


@dataclass(frozen=True)
class Run:
    code: int
    raw: bytes
    cols: int

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")

    def cursor_restored(self) -> bool:
        """Every hide of the cursor is followed by a show."""
        return self.raw.rfind(HIDE_CURSOR) < self.raw.rfind(SHOW_CURSOR) or \
            HIDE_CURSOR not in self.raw

    def screen(self) -> list[str]:
        """The lines left on the screen, right-trimmed, trailing blank lines dropped."""
        screen = pyte.Screen(self.cols * 3, 400)
        screen.set_mode(pyte.modes.LNM)  # the pty turns \n into \r\n already; be safe
        pyte.Stream(screen).feed(self.text)
        lines = [line.rstrip() for line in screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def run_in_terminal(argv: Sequence[str], *, cols: int, env: Mapping[str, str],
                    timeout: float = 120) -> Run:
    """``python -m syncd ARGV`` on a pty ``cols`` wide; its exit code and everything it wrote."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its terminal, stdin, stdout and stderr
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
            os.execve(sys.executable, [sys.executable, "-m", "syncd", *argv], dict(env))
        finally:
            os._exit(127)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        else:
            os.kill(pid, 9)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return Run(os.waitstatus_to_exitcode(status), b"".join(chunks), cols)


def terminal_env(**extra: str) -> dict[str, str]:
    """The environment of a person's terminal: TERM set, no COLUMNS/LINES overriding the pty."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "NO_COLOR", "SYNCD_CONFIG", "PYTEST_CURRENT_TEST")}
    env.update(TERM="xterm-256color", **extra)
    return env


def table_rows(lines: Sequence[str], first_header: str) -> list[list[str]]:
    """The cells of the rich table whose header row starts with ``first_header`` (a row whose
    first cell is blank continues the row above)."""
    start = next(i for i, line in enumerate(lines) if re.match(rf"┃ {first_header}\b", line))
    rows = [[cell.strip() for cell in lines[start].strip("┃").split("┃")]]
    for line in lines[start + 1:]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            if cells[0] or len(rows) == 1:
                rows.append(cells)
            else:  # a wrapped cell goes on below: join it to the row above
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def demo_sample(imap: ImapServer, cal: CaldavServer, tmp: Path, now: str
                ) -> tuple[Path, dict[str, str]]:
    """The demo's mailbox and calendar (as of ``now``) on the test's servers; the demo's config
    for them and the environment variables that carry their passwords."""
    sample_mailbox.fill(imap, cal, datetime.fromisoformat(now))
    config = tmp / "config.toml"
    config.write_text(demo_config(imap.port, cal.url, tmp / "state", imap_user=imap.user,
                                  caldav_user=cal.user, imap_env="T_IMAP", caldav_env="T_CAL"),
                      encoding="utf-8")
    return config, {"T_IMAP": imap.password, "T_CAL": cal.password}
