"""The preview's flags, message by message, from two checkouts against one IMAP server.

    git archive main | tar -x -C DIR
    python bench/preview_equal.py --before DIR --data ../shared/data

The five Enron users' files are loaded into one Dovecot as `imap_backfill.py` loads them
(`--total` as its `--enron-sizes`). Then each checkout, in its own interpreter with only its own
code first on `sys.path`: (1) `ImapSource.pull` with the preview: a digest of (native id,
signals) of every message, and how many texts were fetched and judged; (2) `syncd sync` (not
--dry-run) into a store of its own: a digest of (native id, signals) of the store's locations
joined to their messages. Prints counts and digests, never text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "SYNCD_BENCH_PASSWORD"


def digest(rows: list[tuple[str, object]]) -> str:
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()[:16]


def child_pull(port: int) -> dict[str, Any]:
    """In the checkout's own interpreter: the pull's flags and what it fetched and judged."""
    from connectors import _imap_fetch, _imap_preview
    from connectors.imap import ImapSource
    from syncd.config import ImapAccount

    counts: Counter[str] = Counter()
    fetch, judge = _imap_fetch.fetch, _imap_preview.judge

    def counted_fetch(client: Any, uids: Any, items: Any) -> Any:
        texts = any(i.startswith("BODY.PEEK[") and "HEADER" not in i for i in items)
        counts["texts fetched"] += len(uids) if texts else 0
        return fetch(client, uids, items)

    def counted_judge(*args: Any) -> Any:
        counts["texts judged"] += 1
        return judge(*args)

    _imap_fetch.fetch = counted_fetch  # type: ignore[assignment]
    _imap_preview.judge = counted_judge
    account = ImapAccount(type="imap", name="bench", host="127.0.0.1", port=port,
                          security="none", username="dana", password_env=PASSWORD)
    source = ImapSource(account, os.environ[PASSWORD], chunk=2000, preview=True)
    rows = [(m.native_id, m.signals) for page in source.pull(None) for m in page.items]
    source.close()
    return {"messages": len(rows), "pull digest": digest(rows), **counts}


def store_rows(store: Path) -> list[tuple[str, object]]:
    with sqlite3.connect(store) as db:
        return list(db.execute("SELECT l.native_id, m.signals FROM locations l JOIN messages m "
                               "USING (message_id)"))


def run(code: Path, argv: list[str]) -> str:
    env = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run([sys.executable, *argv], cwd=code, env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{code}: {argv[1:3]} failed:\n{done.stderr[-1500:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="another checkout")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--total", type=int, default=0, help="as imap_backfill --enron-sizes")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child_pull(args.child)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    import imap_backfill as ib

    from syncd.localservers.imap import start_imap_server

    with tempfile.TemporaryDirectory() as tmp, \
            start_imap_server(Path(tmp) / "imap", kind="dovecot") as server:
        os.environ[PASSWORD] = os.environ[ib.PASSWORD_ENV] = server.password
        print("loaded", ib.load(server, args.total, args.data), flush=True)
        owners = tuple(ib.enron_owners(args.data))
        for code in (args.before.resolve(), ROOT):
            pulled = json.loads(run(code, [str(Path(__file__).resolve()), "--before", ".",
                                           "--child", str(server.port)]))
            config = ib.write_config(server.port, Path(tmp), "preview", owners)
            sync = ("import sys; from syncd.commands.cli import main; "
                    f"sys.exit(main(['--config', {str(config)!r}, 'sync']))")
            run(code, ["-c", sync])
            store = next(Path(tmp).glob(f"store-{config.stem.split('-')[1]}.sqlite3"))
            rows = store_rows(store)
            print(f"{code}: {pulled}; store: {len(rows)} locations, "
                  f"digest {digest(rows)}", flush=True)


if __name__ == "__main__":
    main()
