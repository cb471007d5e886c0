"""What a daemon holds between cycles on a large store (issue 16): the synthetic store of
``bench/ledger_scale.py``, one first derivation and one "nothing new" cycle in this process,
RSS (``VmRSS``) after each and after the daemon's between-cycles release (``Store.shrink``:
SQLite's page cache and the shared decoded records; the address-normalisation cache; gc and
``malloc_trim``, ``syncd.process.release_memory``).

    python bench/cycle_release.py [MESSAGES] [PEOPLE]        # default 100000 20000

Prints figures; asserts nothing (DESIGN.md section 9).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from ledger_scale import NOW, build_store  # noqa: E402

from rules.identity import normalize_address  # noqa: E402
from syncd import config as config_mod  # noqa: E402
from syncd.pipeline import compute_from_store  # noqa: E402
from syncd.process import release_memory  # noqa: E402
from syncd.store import Store  # noqa: E402


def rss() -> float:
    status = Path("/proc/self/status").read_text(encoding="utf-8").splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def main() -> int:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    people = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    with tempfile.TemporaryDirectory(prefix="syncd-release-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        build_store(path, messages, people)
        release_memory()
        config = config_mod.from_dict({"me": {"addresses": ["dana@example.org"],
                                              "timezone": "UTC"}})
        print(f"{messages:,} messages, {people:,} people; RSS of this process")
        with Store.open(path) as store:
            for label in ("first derivation", "nothing new"):
                compute_from_store(config, store, NOW)
                held = rss()
                release_memory()
                trimmed = rss()
                store.shrink()
                normalize_address.cache_clear()
                release_memory()
                print(f"  after the {label} cycle: {held:6.1f} MB; gc + malloc_trim "
                      f"{trimmed:6.1f} MB; the daemon's whole release {rss():6.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
