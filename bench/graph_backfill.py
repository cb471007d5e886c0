"""Microsoft Graph backfill benchmark (issue 6): requests per 1,000 backfilled messages, requests
per idle poll, peak RSS of the source while it stores 100,000 messages.

The local Graph fake (tests/fakes/graph_server.py, HTTPS on 127.0.0.1 with a throwaway CA) runs
in a child process with a generated mailbox (90% Inbox, 10% Sent Items); this process runs
``OutlookSource.pull`` with the configured page size into a fresh store, then polls once more
with nothing new. Tokens come from a static provider (no msal). Peak RSS is this process's
VmHWM, so it counts the source, the parse and the store, not the fake.

    python bench/graph_backfill.py                        # 10,000 and 100,000 messages
    python bench/graph_backfill.py --sizes 5000 --page-size 100
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def serve(count: int, queue: Any, stop: Any) -> None:
    from tests.fakes.graph_server import start_graph_server
    from tests.fixtures_graph import message_row

    now = datetime.now(UTC)
    with start_graph_server() as server:
        for n in range(count):
            folder = "sentitems" if n % 10 == 0 else "inbox"
            row = message_row(n % 500, when=now - timedelta(minutes=n))
            row["internetMessageId"] = f"<bench-{n}@example.org>"
            server.fake.add_message(folder, row)
        queue.put((server.base, str(server.ca_file)))
        stop.wait()


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(count: int, page_size: int) -> dict[str, float]:
    queue: Any = mp.Queue()
    stop = mp.Event()
    child = mp.Process(target=serve, args=(count, queue, stop), daemon=True)
    child.start()
    base, ca = queue.get(timeout=600)
    os.environ["REQUESTS_CA_BUNDLE"] = ca
    from connectors._graph_http import Budget, GraphClient
    from connectors.outlook import OutlookSource
    from syncd.config import OutlookAccount
    from syncd.store import Store
    from tests.fixtures_graph import StaticTokens

    account = OutlookAccount(name="bench", type="outlook", client_id="c", tenant="t",
                             authority=base, graph_endpoint=base, page_size=page_size)
    try:
        with tempfile.TemporaryDirectory() as tmp, \
                Store.open(Path(tmp) / "s.sqlite3") as store:
            client = GraphClient("bench", base, StaticTokens(), timeout=120, budget=Budget(None))
            source = OutlookSource(account, now=lambda: datetime.now(UTC), client=client)
            started = time.perf_counter()
            cursor = None
            stored = 0
            for page in source.pull(None):
                store.ingest("bench", page)
                cursor = page.cursor
                stored += len(page.items)
            elapsed = time.perf_counter() - started
            backfill = client.requests
            for page in source.pull(cursor):
                store.ingest("bench", page)
            idle = client.requests - backfill
            source.close()
    finally:
        stop.set()
        child.join(timeout=30)
    return {"messages": stored, "requests": backfill, "per_1000": backfill / stored * 1000,
            "idle": idle, "seconds": elapsed, "rss": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--page-size", type=int, default=999)
    args = parser.parse_args()
    print(f"page size {args.page_size}; folders: Inbox, Sent Items (+ the calendar view)")
    print("| messages | backfill requests | per 1,000 messages | idle poll requests "
          "| backfill time | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        mp_ctx = measure(size, args.page_size)
        print(f"| {mp_ctx['messages']:,} | {mp_ctx['requests']} | {mp_ctx['per_1000']:.2f} "
              f"| {mp_ctx['idle']} | {mp_ctx['seconds']:.1f} s | {mp_ctx['rss']:.0f} MB |",
              flush=True)


if __name__ == "__main__":
    main()
