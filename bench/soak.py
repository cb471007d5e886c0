"""Soak: `syncd run` for a while through the fault proxy, then compared with a fresh reference.

Dovecot (pymap without it) and Radicale on loopback, each behind a ``FaultProxy``
(tests/faults/proxy.py). While the daemon runs, people write (questions: owed replies), the
user answers some of them (the reminders must go), and meetings come and go in the "Work"
calendar; every few seconds the proxies deal a fault: the answer to a calendar PUT or DELETE
cut after the server carried it out, a connection dropped mid-stream, refused, or delayed.

At the end the faults stop, the daemon gets one clean cycle and is stopped, and a fresh
reference `syncd sync` (new store, new calendar, no proxy) runs over the same mail and meetings.
Printed figures, over the follow-up events from now on (past ones are history):

- lost: follow-ups (base keys) the reference has and the soak's calendar does not;
- extra: follow-ups in the soak's calendar the reference does not have (orphans);
- doubled: follow-ups standing in more than one calendar object (any generations);
- stuck: uncertain writes left in the store, live records without their event, events without
  a live record, and ``dismissed`` records (nobody deletes a reminder here);
- shifted: same follow-up, another start (placement history: informational); newer_generation:
  follow-ups cancelled and wanted again during the soak (informational);
- the daemon's RSS, sampled every 10 s (a line a minute).

    python bench/soak.py --minutes 30
    python bench/soak.py --minutes 2 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import icalendar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.daemon_idle import rss_mb  # noqa: E402
from rules.reconcile import split_key  # noqa: E402
from syncd.localservers.caldav import CaldavServer, start_caldav_server  # noqa: E402
from syncd.localservers.imap import ImapServer, available_kinds, start_imap_server  # noqa: E402
from tests.faults.proxy import FaultProxy  # noqa: E402

PEOPLE = 40
ME = "dana@example.org"


def message(mid: str, sender: str, to: str, subject: str, when: datetime,
            reply_to: str | None = None) -> bytes:
    refs = f"In-Reply-To: <{reply_to}>\r\nReferences: <{reply_to}>\r\n" if reply_to else ""
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: {format_datetime(when)}\r\nMessage-ID: <{mid}>\r\n{refs}\r\nbody\r\n"
            ).encode()


def person(n: int) -> str:
    return f"Person {n} <p{n}@soak{n}.example>"


def meeting(uid: str, who: int, start: datetime) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//syncd soak//EN", "BEGIN:VEVENT",
        f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART:{start.strftime(stamp)}",
        f"DTEND:{(start + timedelta(hours=1)).strftime(stamp)}", "SUMMARY:Meeting",
        f"ORGANIZER:mailto:{ME}", f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ME}",
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:p{who}@soak{who}.example",
        "END:VEVENT", "END:VCALENDAR", ""])


def config_text(store: Path, imap: ImapServer, imap_port: int, cal: CaldavServer,
                cal_url: str, calendar: str) -> str:
    return f"""
[me]
name = "Dana"
addresses = ["{ME}"]
timezone = "Europe/Berlin"
[store]
path = "{store}"
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{imap.user}"
password_env = "SOAK_IMAP_PASSWORD"
folders = ["INBOX", "Sent"]
timeout = 5
[[accounts]]
name = "cal"
type = "caldav"
url = "{cal_url}"
username = "{cal.user}"
password_env = "SOAK_CAL_PASSWORD"
calendars = ["Work"]
timeout = 5
[followups]
account = "cal"
calendar = "{calendar}"
horizon = "30d"
max_per_day = 20
[daemon]
poll_imap = "15s"
poll_caldav = "15s"
plan_every = "1m"
backoff_initial = "5s"
backoff_max = "30s"
"""


class World:
    """The people and the user at work: mail on IMAP, meetings on CalDAV."""

    def __init__(self, imap: ImapServer, cal: CaldavServer, rng: random.Random) -> None:
        self.imap, self.cal, self.rng = imap, cal, rng
        self.open: list[tuple[int, str]] = []  # (person, Message-ID) of unanswered questions
        self.meetings: list[str] = []
        self.n = 0
        self.counts: dict[str, int] = {"questions": 0, "answers": 0, "meetings": 0,
                                       "meetings_removed": 0}

    def seed(self, now: datetime) -> None:
        inbox, sent = [], []
        for p in range(PEOPLE):
            when = now - timedelta(days=1 + p % 20)
            if p % 2:
                mid = self._mid()
                inbox.append(message(mid, person(p), ME, f"Question {p}", when))
                self.open.append((p, mid))
            else:
                mid = self._mid()
                sent.append(message(mid, ME, person(p), f"Hello {p}", when))
                inbox.append(message(self._mid(), person(p), ME, f"Re: Hello {p}",
                                     when + timedelta(hours=3), reply_to=mid))
        self.imap.append_many("INBOX", inbox)
        self.imap.append_many("Sent", sent)

    def _mid(self) -> str:
        self.n += 1
        return f"soak-{self.n}@example.org"

    def step(self) -> None:
        now, roll = datetime.now(UTC), self.rng.random()
        if roll < 0.4 or not self.open:
            p = self.rng.randrange(PEOPLE)
            mid = self._mid()
            self.imap.append("INBOX", message(mid, person(p), ME, f"Question {mid}", now))
            self.open.append((p, mid))
            self.counts["questions"] += 1
        elif roll < 0.7:
            p, mid = self.open.pop(self.rng.randrange(len(self.open)))
            self.imap.append("Sent", message(self._mid(), ME, person(p), "Re: your question",
                                             now, reply_to=mid))
            self.counts["answers"] += 1
        elif roll < 0.85 or not self.meetings:
            uid = f"m{self._mid()}"
            start = now - timedelta(days=self.rng.uniform(0.1, 3))
            self.cal.put_event("Work", f"{uid}.ics", meeting(uid, self.rng.randrange(PEOPLE),
                                                             start))
            self.meetings.append(uid)
            self.counts["meetings"] += 1
        else:
            uid = self.meetings.pop(self.rng.randrange(len(self.meetings)))
            self.cal.delete_event("Work", f"{uid}.ics")
            self.counts["meetings_removed"] += 1


def deal_fault(rng: random.Random, cal: FaultProxy, mail: FaultProxy) -> None:
    roll = rng.random()
    if roll < 0.5:
        cal.set("answer", budget=rng.randint(1, 3), cut_on=rng.choice([b"PUT ", b"DELETE "]))
    elif roll < 0.65:
        cal.drop_after = rng.randint(100, 4000)
        cal.set("drop", budget=1)
    elif roll < 0.75:
        cal.set("refuse", budget=1)
    elif roll < 0.85:
        cal.set("delay", budget=2)
    else:
        mail.drop_after = rng.randint(100, 4000)
        mail.set(rng.choice(["drop", "refuse"]), budget=1)


def events(cal: CaldavServer, calendar: str, since: datetime) -> list[tuple[str, datetime]]:
    """(key, start) of every event of ours from ``since`` on, duplicates kept."""
    found = []
    for text in cal.events(calendar).values():
        for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
            start = event.decoded("DTSTART")
            if isinstance(start, datetime) and start >= since and "X-SYNCD-KEY" in event:
                found.append((str(event["X-SYNCD-KEY"]), start))
    return found


def records(store: Path) -> tuple[dict[str, tuple[str, str]], int]:
    """Newest record per base key as key -> (state, start), and uncertain writes left."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        newest: dict[str, tuple[str, str, str]] = {}
        for key, base, state, start in conn.execute(
                "SELECT key, base_key, state, start FROM writes ORDER BY generation"):
            newest[base] = (key, state, start)
        left = int(conn.execute("SELECT count(*) FROM uncertain").fetchone()[0])
    finally:
        conn.close()
    return {k: (s, t) for k, s, t in newest.values()}, left


def compare(cal: CaldavServer, soak_store: Path, since: datetime) -> dict[str, Any]:
    """The figures, by follow-up (base key): after a cancel, a follow-up wanted again stands at
    a new generation (``<base>g<N>``) where a fresh reference has generation 0."""
    soak = [(split_key(k)[0], k, start) for k, start in events(cal, "Follow-ups", since)]
    ref = {split_key(k)[0]: start for k, start in events(cal, "Reference", since)}
    bases = [b for b, _, _ in soak]
    standing = {b: start for b, _, start in soak}
    recorded, left = records(soak_store)
    live = {k for k, (state, start) in recorded.items() if state in ("live", "snoozed")
            and datetime.fromisoformat(start) >= since}
    keys = {k for _, k, _ in soak}
    return {
        "reference_events": len(ref), "soak_events": len(soak),
        "lost": sorted(set(ref) - set(standing)),
        "extra": sorted(set(standing) - set(ref)),
        "doubled": sorted({b for b in bases if bases.count(b) > 1}),
        "stuck": {"uncertain_left": left,
                  "live_record_without_event": sorted(live - keys),
                  "event_without_live_record": sorted(
                      k for k in keys if recorded.get(k, ("", ""))[0]
                      not in ("live", "snoozed")),
                  "dismissed": sorted(k for k, (s, _) in recorded.items() if s == "dismissed")},
        "newer_generation": sum(1 for _, k, _ in soak if split_key(k)[1] > 0),
        "shifted": sum(1 for b in set(ref) & set(standing) if ref[b] != standing[b]),
    }


def sync(config: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "syncd", "--config", str(config), "sync",
                           "--json"], env=env, capture_output=True, text=True, check=False,
                          timeout=600)
    if done.returncode not in (0, 75):
        raise SystemExit(f"syncd sync failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def soak(minutes: float, seed: int, every: float) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="syncd-soak-") as raw:
        tmp = Path(raw)
        kind = "dovecot" if "dovecot" in available_kinds() else "pymap"
        with start_imap_server(tmp / "imap", kind=kind) as imap, \
                start_caldav_server(tmp / "radicale") as cal, \
                FaultProxy(imap.port) as mail_proxy, \
                FaultProxy(int(cal.url.rsplit(":", 1)[1].strip("/"))) as cal_proxy:
            world = World(imap, cal, rng)
            world.seed(datetime.now(UTC))
            cal.create_calendar("Work")
            env = {**os.environ, "SOAK_IMAP_PASSWORD": imap.password,
                   "SOAK_CAL_PASSWORD": cal.password}
            env.pop("JOURNAL_STREAM", None)
            config, store = tmp / "soak.toml", tmp / "soak" / "syncd.sqlite3"
            config.write_text(config_text(store, imap, mail_proxy.port, cal,
                                          f"http://127.0.0.1:{cal_proxy.port}/", "Follow-ups"))
            log_path = tmp / "daemon.log"
            with log_path.open("wb") as log:
                daemon = subprocess.Popen([sys.executable, "-m", "syncd", "--config",
                                           str(config), "run"], env=env, stdout=log, stderr=log)
            rss: list[tuple[float, float]] = []
            started = time.monotonic()
            end = started + minutes * 60
            next_step = next_fault = next_sample = started
            try:
                while (now := time.monotonic()) < end:
                    if daemon.poll() is not None:
                        raise SystemExit(log_path.read_text()[-4000:])
                    if now >= next_sample:
                        rss.append((round((now - started) / 60, 2), rss_mb(daemon.pid)[0]))
                        next_sample += 10
                    if now >= next_step:
                        world.step()
                        next_step += every
                    if now >= next_fault:
                        deal_fault(rng, cal_proxy, mail_proxy)
                        next_fault += rng.uniform(5, 20)
                    time.sleep(0.2)
                injected = dict(cal_proxy.injected + mail_proxy.injected)
                for proxy in (cal_proxy, mail_proxy):
                    proxy.set("none", budget=0)
                time.sleep(45)  # one clean cycle of the daemon (polls every 15 s)
                rss.append((round((time.monotonic() - started) / 60, 2), rss_mb(daemon.pid)[0]))
            finally:
                daemon.send_signal(signal.SIGTERM)
                code = daemon.wait(timeout=60)
            final = sync(config, env)  # the same cycle once more, no fault: what was left
            ref_config = tmp / "reference.toml"
            ref_config.write_text(config_text(tmp / "ref" / "syncd.sqlite3", imap, imap.port,
                                              cal, cal.url, "Reference"))
            sync(ref_config, env)
            figures = compare(cal, store, datetime.now(UTC))
            log_text = log_path.read_text()
            return {
                "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
                           f"Python {platform.python_version()}, imap {kind}",
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "minutes": minutes, "seed": seed, "world": world.counts,
                "faults": injected, "daemon_exit_on_sigterm": code,
                "daemon_warnings": log_text.count(" WARNING "),
                "final_sync_actions": len(final.get("plan") or []),
                **figures,
                "rss_mb": rss,
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--every", type=float, default=4.0,
                        help="seconds between two changes in the world (4)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = soak(args.minutes, args.seed, args.every)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    curve = result.pop("rss_mb")
    for key, value in result.items():
        shown = len(value) if isinstance(value, list) and key != "rss_mb" else value
        print(f"{key:24} {shown}")
    for key in ("lost", "extra", "doubled"):
        if result[key]:
            print(f"{key} keys: {result[key]}")
    print("rss_mb (minute, MB):", [p for i, p in enumerate(curve)
                                   if i % 6 == 0 or i == len(curve) - 1])


if __name__ == "__main__":
    main()
