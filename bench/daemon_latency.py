"""New-mail latency of an idle daemon (issue 7: new mail reaches the ledger within 2 seconds).

`syncd run` in a fresh interpreter with one IMAP account on a local Dovecot (pymap without
Dovecot), waiting in IDLE, and a Radicale CalDAV account as the follow-up calendar; both poll
intervals are 1h, so only IDLE can bring new mail in. After the first cycle the bench appends
one message at a time over its own IMAP connection and reads the daemon's SQLite store
read-only every 5 ms until that message's row is there. Latency is measured from the moment
the APPEND is sent (and, second figure, from its tagged OK) to the row being visible; between
rounds it waits ``--gap`` seconds so the daemon is back in IDLE.

    python bench/daemon_latency.py               # 10 rounds
    python bench/daemon_latency.py --rounds 20 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.daemon_idle import first_cycle_done, mail  # noqa: E402
from syncd.localservers.caldav import start_caldav_server  # noqa: E402
from syncd.localservers.imap import available_kinds, start_imap_server  # noqa: E402

POLL = 0.005
DEADLINE = 30.0


def new_mail(i: int) -> tuple[bytes, str]:
    mid = f"latency-{i}-{time.time_ns()}@example.org"
    raw = (f"From: Sender {i} <s{i}@latency.example>\r\nTo: Dana <dana@example.org>\r\n"
           f"Subject: hello {i}\r\nDate: {format_datetime(datetime.now(UTC))}\r\n"
           f"Message-ID: <{mid}>\r\n\r\nbody\r\n").encode()
    return raw, mid


def config_text(tmp: Path, imap_port: int, imap_user: str, cal: Any) -> str:
    return f"""
[me]
addresses = ["dana@example.org"]
[store]
path = "{tmp / 'state' / 'syncd.sqlite3'}"
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{imap_user}"
password_env = "BENCH_IMAP_PASSWORD"
folders = ["INBOX"]
[[accounts]]
name = "cal"
type = "caldav"
url = "{cal.url}"
username = "{cal.user}"
password_env = "BENCH_CAL_PASSWORD"
[followups]
account = "cal"
[daemon]
poll_imap = "1h"
poll_caldav = "1h"
"""


def stored(db: Path, mid: str) -> bool:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
    try:
        row = conn.execute("SELECT 1 FROM messages WHERE message_id IN (?, ?)",
                           (mid, f"<{mid}>")).fetchone()
        return row is not None
    except sqlite3.OperationalError:  # busy or not there yet: try again
        return False
    finally:
        conn.close()


def measure(rounds: int, gap: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="syncd-bench-") as raw:
        tmp = Path(raw)
        kind: Literal["dovecot", "pymap"] = ("dovecot" if "dovecot" in available_kinds()
                                              else "pymap")
        with start_imap_server(tmp / "imap", kind=kind) as imap, \
                start_caldav_server(tmp / "radicale") as cal:
            imap.append_many("INBOX", [mail(i) for i in range(20)])
            cal.create_calendar("Follow-ups")
            config = tmp / "config.toml"
            config.write_text(config_text(tmp, imap.port, imap.user, cal))
            db = tmp / "state" / "syncd.sqlite3"
            env = {**os.environ, "BENCH_IMAP_PASSWORD": imap.password,
                   "BENCH_CAL_PASSWORD": cal.password}
            with (tmp / "daemon.log").open("wb") as log:
                daemon = subprocess.Popen([sys.executable, "-m", "syncd", "--config",
                                           str(config), "run"], env=env, stdout=log, stderr=log)
            from_send: list[float] = []
            from_ok: list[float] = []
            try:
                first_cycle_done(config, env)
                time.sleep(gap)  # the watcher thread is in IDLE
                client = imap.client()
                try:
                    for i in range(rounds):
                        body, mid = new_mail(i)
                        sent = time.monotonic()
                        client.append("INBOX", body, (), datetime.now(UTC))
                        ok = time.monotonic()
                        while not stored(db, mid):
                            if time.monotonic() - sent > DEADLINE:
                                raise SystemExit(f"message {i} not stored within {DEADLINE} s\n"
                                                 + (tmp / "daemon.log").read_text())
                            if daemon.poll() is not None:
                                raise SystemExit((tmp / "daemon.log").read_text())
                            time.sleep(POLL)
                        seen = time.monotonic()
                        from_send.append(seen - sent)
                        from_ok.append(seen - ok)
                        time.sleep(gap)
                finally:
                    client.logout()
            finally:
                daemon.terminate()
                code = daemon.wait(timeout=30)

            def summary(values: list[float]) -> dict[str, float]:
                return {"min": round(min(values), 3), "median": round(statistics.median(values), 3),
                        "max": round(max(values), 3)}

            return {"imap_server": kind, "rounds": rounds, "gap_seconds": gap,
                    "poll_imap": "1h", "latency_from_append_sent_s": summary(from_send),
                    "latency_from_append_ok_s": summary(from_ok),
                    "each_from_append_sent_s": [round(v, 3) for v in from_send],
                    "exit_code_on_sigterm": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="messages appended (10)")
    parser.add_argument("--gap", type=float, default=5.0, help="seconds between rounds (5)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.rounds, args.gap)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
