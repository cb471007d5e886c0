"""Idle daemon footprint with the cloud providers: RSS and CPU of `syncd run` with Gmail, Google
Calendar, Outlook and CalDAV accounts (issue 7, section 5: under 120 MB).

The Google and Graph/Entra fakes (tests/fakes) run on loopback in threads of this bench process,
never inside the daemon; Graph is HTTPS with a throwaway trustme CA the daemon trusts through
REQUESTS_CA_BUNDLE / SSL_CERT_FILE. Tokens are set up as the end-to-end tests do: Google token
files written directly, Outlook signed in with `syncd auth` (msal's device-code flow against the
Entra fake). Radicale is the CalDAV account and the follow-up calendar. The daemon starts in a
fresh interpreter with the default poll intervals (Gmail, Google Calendar and Outlook every 3
minutes, CalDAV every 5), so a 5-minute window includes polls of every account. After its first
cycle the bench samples /proc once a second for ``--duration`` seconds.

    python bench/daemon_idle_cloud.py                                # all providers, 10 minutes
    python bench/daemon_idle_cloud.py --providers gmail,google_calendar --duration 300
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
from email import message_from_bytes
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.daemon_idle import cpu_seconds, first_cycle_done, rss_mb  # noqa: E402
from syncd.commands import sample_mailbox  # noqa: E402
from syncd.localservers.caldav import start_caldav_server  # noqa: E402
from tests.fakes.google_server import GoogleServer  # noqa: E402
from tests.fakes.graph_server import GraphServer, start_graph_server  # noqa: E402
from tests.fixtures_google import write_token  # noqa: E402
from tests.fixtures_graph import event_row, message_row  # noqa: E402

PROVIDERS = ("gmail", "google_calendar", "outlook")


def fill_google(server: GoogleServer, now: datetime, extra: int) -> None:
    fake = server.fake
    for m in sample_mailbox.messages(now):
        parsed = message_from_bytes(m.raw)
        labels = ("SENT",) if m.folder == "Sent" else ("INBOX", "CATEGORY_PERSONAL")
        fake.add_message([(k, str(v)) for k, v in parsed.items()], labels=labels,
                         internal_ms=int(m.date.timestamp() * 1000))
    for i in range(extra):
        when = now - timedelta(days=i % 300, hours=1)
        fake.add_message([("From", f"Person {i} <p{i}@gmail-bench.example>"),
                          ("To", "dana@example.org"), ("Subject", f"note {i}"),
                          ("Date", when.strftime("%a, %d %b %Y %H:%M:%S +0000")),
                          ("Message-ID", f"<gbench-{i}@example.org>")],
                         labels=("INBOX", "CATEGORY_PERSONAL"),
                         internal_ms=int(when.timestamp() * 1000))
    fake.calendar("primary", "dana@example.org")
    for i in range(20):
        start = now - timedelta(days=i + 1)
        fake.put_event("primary", {
            "id": f"meet{i}", "summary": f"Coffee {i}", "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
            "organizer": {"email": "dana@example.org", "self": True},
            "attendees": [{"email": "dana@example.org", "self": True,
                           "responseStatus": "accepted"},
                          {"email": f"g{i}@meet.example", "responseStatus": "accepted"}]})


def fill_graph(server: GraphServer, now: datetime, extra: int) -> None:
    for i in range(extra):
        server.fake.add_message("inbox", message_row(i, when=now - timedelta(days=i % 300 + 1)))
    for i in range(20):
        server.fake.add_event(event_row(1000 + i, now - timedelta(days=i + 1)))


def config_text(tmp: Path, providers: list[str], google: GoogleServer | None,
                graph: GraphServer | None, cal: Any) -> str:
    accounts = ""
    for kind, name in (("gmail", "gm"), ("google_calendar", "gcal")):
        if kind in providers and google is not None:
            accounts += f"""
[[accounts]]
name = "{name}"
type = "{kind}"
client_secrets = "{tmp / 'client.json'}"
api_endpoint = "{google.root}"
"""
    if "outlook" in providers and graph is not None:
        accounts += f"""
[[accounts]]
name = "office"
type = "outlook"
client_id = "client-1"
tenant = "tenant-1"
authority = "{graph.authority}"
graph_endpoint = "{graph.base}"
"""
    return f"""
[me]
addresses = ["dana@example.org"]
[store]
path = "{tmp / 'state' / 'syncd.sqlite3'}"
{accounts}
[[accounts]]
name = "cal"
type = "caldav"
url = "{cal.url}"
username = "{cal.user}"
password_env = "BENCH_CAL_PASSWORD"
[followups]
account = "cal"
"""


def measure(duration: float, providers: list[str], messages: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="syncd-bench-") as raw, \
            start_graph_server() as graph, start_caldav_server(Path(raw) / "radicale") as cal:
        tmp = Path(raw)
        google = GoogleServer()
        try:
            fill_google(google, now, messages)
            fill_graph(graph, now, messages)
            cal.create_calendar("Follow-ups")
            state = tmp / "xdg-state"
            env = {**os.environ, "BENCH_CAL_PASSWORD": cal.password,
                   "XDG_STATE_HOME": str(state), "REQUESTS_CA_BUNDLE": str(graph.ca_file),
                   "SSL_CERT_FILE": str(graph.ca_file)}
            for kind, name in (("gmail", "gm"), ("google_calendar", "gcal")):
                if kind in providers:
                    write_token(google, state / "syncd", name)
            config = tmp / "config.toml"
            config.write_text(config_text(tmp, providers, google, graph, cal))
            if "outlook" in providers:
                auth = subprocess.run([sys.executable, "-m", "syncd", "--config", str(config),
                                       "auth", "office"], env=env, capture_output=True,
                                      text=True, timeout=60, check=False)
                if auth.returncode != 0:
                    raise SystemExit(f"syncd auth office failed:\n{auth.stdout}{auth.stderr}")
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
                status = subprocess.run([sys.executable, "-m", "syncd", "--config", str(config),
                                         "status", "--json"], env=env, capture_output=True,
                                        text=True, check=False)
                states = {r["account"] if "account" in r else r["name"]: r["state"]
                          for r in json.loads(status.stdout)} if status.returncode == 0 else {}
            finally:
                daemon.terminate()
                code = daemon.wait(timeout=30)
            requests = {"google": google.fake.http_requests,
                        "graph": len([r for r in graph.fake.requests if "/v1.0" in r])}
        finally:
            google.close()
        return {"accounts": [*providers, "caldav"], "messages_per_mailbox": messages,
                "idle_seconds": round(wall, 1),
                "rss_after_first_cycle_mb": round(rss_start, 1),
                "rss_end_mb": round(rss_end, 1), "rss_peak_mb": round(peak, 1),
                "cpu_seconds": round(cpu, 2), "cpu_percent": round(100 * cpu / wall, 3),
                "account_states": states, "fake_requests": requests,
                "exit_code_on_sigterm": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="idle seconds (600)")
    parser.add_argument("--providers", default=",".join(PROVIDERS),
                        help="comma-separated, from gmail,google_calendar,outlook (all)")
    parser.add_argument("--messages", type=int, default=200, help="messages per mailbox (200)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    providers = [p for p in args.providers.split(",") if p]
    if unknown := set(providers) - set(PROVIDERS):
        parser.error(f"unknown providers: {', '.join(sorted(unknown))}")
    result = measure(args.duration, providers, args.messages)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
