"""Idle daemon footprint (DESIGN.md section 9): RSS and CPU of `syncd run` doing nothing.

Three accounts on loopback: two IMAP accounts on a local Dovecot (pymap without Dovecot), each
holding an IDLE connection, and a CalDAV account on Radicale that is also the follow-up calendar.
The daemon starts in a fresh interpreter with the default poll intervals; after its first cycle
the bench samples /proc once a second for ``--duration`` seconds and prints the daemon's RSS
(after the first cycle, at the end, and the peak) and its CPU use over the idle window.

    python bench/daemon_idle.py                 # 10 minutes
    python bench/daemon_idle.py --duration 60   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from syncd.localservers.caldav import start_caldav_server  # noqa: E402
from syncd.localservers.imap import available_kinds, start_imap_server  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / TICKS  # utime, stime


def mail(i: int) -> bytes:
    when = datetime.now(UTC) - timedelta(days=i)
    return (f"From: Person {i} <p{i}@acme.example>\r\nTo: Dana <dana@example.org>\r\n"
            f"Subject: note {i}\r\nDate: {format_datetime(when)}\r\n"
            f"Message-ID: <bench-{i}@example.org>\r\n\r\nbody\r\n").encode()


def config_text(tmp: Path, imap_port: int, imap_user: str, cal: Any) -> str:
    imap = "".join(f"""
[[accounts]]
name = "{name}"
type = "imap"
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{imap_user}"
password_env = "BENCH_IMAP_PASSWORD"
folders = ["{folder}"]
""" for name, folder in (("mail", "INBOX"), ("mail2", "Sent")))
    return f"""
[me]
addresses = ["dana@example.org"]
[store]
path = "{tmp / 'state' / 'syncd.sqlite3'}"
{imap}
[[accounts]]
name = "cal"
type = "caldav"
url = "{cal.url}"
username = "{cal.user}"
password_env = "BENCH_CAL_PASSWORD"
[followups]
account = "cal"
"""


def first_cycle_done(config: Path, env: dict[str, str], deadline: float = 180.0) -> None:
    """Wait for every account's first cycle: ``syncd status`` every 2 s (each a new interpreter
    that competes with the daemon for the CPU: asked twice a second on a busy machine, it made
    the first cycle miss a 60 s limit)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        out = subprocess.run([sys.executable, "-m", "syncd", "--config", str(config), "status",
                              "--json"], env=env, capture_output=True, text=True, check=False)
        if out.returncode == 0 and all(r.get("next_run") for r in json.loads(out.stdout)):
            return
        time.sleep(2.0)
    raise SystemExit(f"the daemon did not finish its first cycle within {deadline:.0f} s")


def measure(duration: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="syncd-bench-") as raw:
        tmp = Path(raw)
        kind = "dovecot" if "dovecot" in available_kinds() else "pymap"
        with start_imap_server(tmp / "imap", kind=kind) as imap, \
                start_caldav_server(tmp / "radicale") as cal:
            imap.append_many("INBOX", [mail(i) for i in range(200)])
            cal.create_calendar("Follow-ups")
            config = tmp / "config.toml"
            config.write_text(config_text(tmp, imap.port, imap.user, cal))
            env = {**os.environ, "BENCH_IMAP_PASSWORD": imap.password,
                   "BENCH_CAL_PASSWORD": cal.password}
            with (tmp / "daemon.log").open("wb") as log:
                daemon = subprocess.Popen([sys.executable, "-m", "syncd", "--config",
                                           str(config), "run"], env=env, stdout=log, stderr=log)
            try:
                first_cycle_done(config, env)
                rss_start, _ = rss_mb(daemon.pid)
                cpu_start, wall_start = cpu_seconds(daemon.pid), time.monotonic()
                while time.monotonic() - wall_start < duration:
                    time.sleep(1.0)
                    if daemon.poll() is not None:
                        raise SystemExit((tmp / "daemon.log").read_text())
                cpu = cpu_seconds(daemon.pid) - cpu_start
                wall = time.monotonic() - wall_start
                rss_end, peak = rss_mb(daemon.pid)
            finally:
                daemon.terminate()
                code = daemon.wait(timeout=30)
            return {"imap_server": kind, "accounts": 3, "idle_seconds": round(wall, 1),
                    "rss_after_first_cycle_mb": round(rss_start, 1),
                    "rss_end_mb": round(rss_end, 1), "rss_peak_mb": round(peak, 1),
                    "cpu_seconds": round(cpu, 2), "cpu_percent": round(100 * cpu / wall, 3),
                    "exit_code_on_sigterm": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="idle seconds (600)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.duration)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
