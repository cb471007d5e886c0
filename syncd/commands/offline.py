"""The view the read-only commands share: computed from the store alone, no network, so they
work beside a running daemon and on a laptop without a connection."""

from __future__ import annotations

from datetime import datetime

from rules.plan import LIVE
from syncd.commands.common import err
from syncd.commands.progress import derive_bar
from syncd.config import Config
from syncd.engine import placement
from syncd.model import Remote, Written
from syncd.pipeline import Snapshot, compute_from_store
from syncd.store import Store


def offline_view(config: Config, store: Store, now: datetime
                 ) -> tuple[Snapshot, dict[str, datetime], dict[str, Written]]:
    """The snapshot, where each wanted follow-up stands, and our calendar writes, from the
    stored ledgers (``compute_from_store``, which brings them up to date first: a bar on a
    terminal when that derives a big store afresh)."""
    with derive_bar(err()) as progress:  # (drawn only when it derives a big store afresh)
        snapshot = compute_from_store(config, store, now, progress)
    written = store.written()
    # Without the calendar at hand, take our records as what stands there.
    remote = {w.key: Remote(w.key, w.remote_id, w.etag, w.start)
              for w in written.values() if w.state in LIVE}
    return snapshot, placement(config, snapshot, written, remote, now), written
