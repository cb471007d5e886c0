"""A cycle's derivation runs with Python's cyclic collector paused (``syncd.collector``): that
is only safe while the derivation makes no reference cycles, so that everything it drops is
freed by reference counting at once and memory stays what it was with the collector on. These
tests hold it to that on random histories (first derivation and a cycle after more mail), and
the collector's state to what the caller had."""

from __future__ import annotations

import gc
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from syncd import collector
from syncd.model import Meeting, Message, Page
from syncd.pipeline import compute_from_store
from syncd.store import Store
from tests.unit.test_incremental import T0, _config, histories


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_a_derivation_leaves_no_cycles_behind(
        history: tuple[list[Message], list[Meeting], list[int]]) -> None:
    messages, meetings, order = history
    config = _config()
    half = len(order) // 2
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(messages[i] for i in order[:half]), "1"))
        store.ingest("cal", Page(tuple(meetings), "1"))
        gc.collect()
        gc.disable()
        try:
            for step, batch in enumerate((order[half:], [])):
                snapshot = compute_from_store(config, store, T0 + timedelta(days=step + 1))
                assert not gc.isenabled()  # the caller's choice, kept
                del snapshot
                assert gc.collect() == 0  # nothing left for the collector to find
                store.ingest("mail", Page(tuple(messages[i] for i in batch), str(step + 2)))
        finally:
            gc.enable()


def test_the_collector_is_back_on_after_a_derivation_and_after_a_failure() -> None:
    @collector.paused
    def work(fail: bool) -> bool:
        if fail:
            raise ValueError("boom")
        return gc.isenabled()

    assert gc.isenabled()
    assert work(False) is False
    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"):
        work(True)
    assert gc.isenabled()


def test_what_a_derivation_keeps_joins_the_oldest_generation() -> None:
    @collector.paused
    def work() -> list[list[int]]:
        return [[n] for n in range(5_000)]

    kept = work()
    young = {id(o) for o in (*gc.get_objects(generation=0), *gc.get_objects(generation=1))}
    assert id(kept) not in young and not any(id(o) in young for o in kept)
    assert any(o is kept for o in gc.get_objects(generation=2))
