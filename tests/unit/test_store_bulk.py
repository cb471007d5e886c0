"""The store's paths for large amounts at once (a first derivation): ``IN`` lists longer than
``sql.LARGE`` go in padded chunks of one length, a scan reads every message in batches, and
decoding a row gives back the stored message whether its columns were seen before or not."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from syncd.model import Address, Message, Page
from syncd.store import Store, codec, sql
from syncd.store.schema import connect
from tests.factories import ME, mail


def _fill(store: Store, count: int) -> list[Message]:
    messages = [mail(f"p{n % 7}@example.org", ME, days_ago=n / 100, mid=f"b{n}@x",
                     cc=[f"c{n % 3}@example.org"] if n % 2 else None,
                     headers=(("list-id", "<l.example>"),) if n % 5 == 0 else (),
                     labels=("\\Inbox",))
                for n in range(count)]
    for start in range(0, count, 1000):
        store.ingest("mail", Page(tuple(messages[start:start + 1000]), str(start)))
    return messages


def test_a_long_in_list_is_padded_chunks_of_one_length(tmp_path: Path) -> None:
    db = connect(tmp_path / "store.sqlite3")
    values = [f"v{n}" for n in range(sql.LARGE * 2 + 7)]
    chunks = list(sql.chunks(values, db))
    assert {len(c) for c in chunks} == {sql.LARGE}
    assert [v for c in chunks for v in dict.fromkeys(c)] == values  # padding repeats, in order
    short = list(sql.chunks(values[:sql.LARGE], db))
    assert [len(c) for c in short] == [sql.CHUNK] * (sql.LARGE // sql.CHUNK)
    db.close()


def test_a_sqlite_with_a_low_variable_limit_gets_chunks_it_accepts(tmp_path: Path) -> None:
    db = connect(tmp_path / "store.sqlite3")
    db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    chunks = list(sql.chunks([str(n) for n in range(5000)], db))
    assert {len(c) for c in chunks} == {999}
    db.close()


def test_messages_by_id_and_the_scan_read_the_same_messages(tmp_path: Path) -> None:
    count = sql.LARGE + 321
    with Store.open(tmp_path / "store.sqlite3") as store:
        _check_reads(store, _fill(store, count), count)


def _check_reads(store: Store, messages: list[Message], count: int) -> None:
    ids = [m.message_id for m in messages]
    by_id = store.messages_by_id(ids)
    assert len(by_id) == count
    assert [m.message_id for m in by_id] == [m.message_id for m in store.messages()]
    batches = list(store.message_batches(1000))
    assert [len(b) for b in batches] == [1000, 1000, count - 2000]
    scanned = [m for b in batches for m in b]
    assert [m.message_id for m in scanned] == ids  # the order they were stored
    assert sorted(scanned, key=lambda m: (m.date, m.message_id)) == by_id
    derived = store.derived
    with derived.transaction():
        derived.add_pending(ids)
        derived.done_pending(ids[:-5])
    assert sorted(derived.next_pending(100)) == sorted(ids[-5:])


def test_decoding_twice_gives_the_stored_message(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store.sqlite3") as store:
        messages = _fill(store, 50)
        codec.forget_shared()
        first = store.messages_by_id(m.message_id for m in messages)
        again = store.messages_by_id(m.message_id for m in messages)  # columns seen before
    expected = sorted((replace(m, native_id="", scope="") for m in messages),
                      key=lambda m: (m.date, m.message_id))
    assert first == again == expected
    assert first[0].to == (Address(ME),)


def test_a_first_derivation_writes_every_address_each_message_names(tmp_path: Path) -> None:
    """The rows a first derivation holds back and writes at once (``Named.put_held``) are those
    a cycle writes message by message: each message's sender, To and Cc, normalised, the
    user's own left out; the table is keyed by address (what ``messages_naming`` reads) and
    nothing is left held."""
    from syncd import incremental
    from syncd.pipeline import directory_for
    from tests.factories import NOW
    from tests.unit.test_incremental import _config

    config = _config()
    with Store.open(tmp_path / "store.sqlite3") as store:
        messages = _fill(store, 2500)  # more than one batch of the classification stage
        directory = directory_for(config)
        assert incremental.refresh(config, directory, store, NOW).full
        db = store.derived._db
        stored = set(db.execute("SELECT message_id, address FROM named"))
        plan = " ".join(row[-1] for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT message_id FROM named WHERE address = ?", (ME,)))
        held = db.execute("SELECT count(*) FROM sqlite_temp_master WHERE name = 'named_held'"
                          ).fetchone()[0]
    expected = {(m.message_id, a.email.lower()) for m in messages
                for a in (*([m.sender] if m.sender else []), *m.to, *m.cc)
                if a.email.lower() != ME}
    assert stored == expected
    assert len({mid for mid, _ in stored}) == 2500
    assert "USING PRIMARY KEY (address=?)" in plan, plan
    assert held == 0


def test_a_cycle_writes_the_named_rows_a_first_derivation_would(tmp_path: Path) -> None:
    """A message classified again (a label changed) and new mail, in a cycle: the table holds
    the rows a first derivation of everything gives (``Named.put`` adds, and a message's rows
    never change)."""
    from syncd import incremental
    from syncd.pipeline import directory_for
    from tests.factories import NOW
    from tests.unit.test_incremental import _config

    config = _config()
    directory = directory_for(config)
    with Store.open(tmp_path / "store.sqlite3") as store:
        messages = _fill(store, 300)
        assert incremental.refresh(config, directory, store, NOW).full
        again = [replace(m, labels=("\\Inbox", "work")) for m in messages[:40]]
        later = [mail("new@example.org", ME, cc=["c1@example.org", ME], mid=f"n{n}@x",
                      days_ago=0.5) for n in range(3)]
        store.ingest("mail", Page((*again, *later), "later"))
        refreshed = incremental.refresh(config, directory, store, NOW)
        assert not refreshed.full and refreshed.classified == 43
        db = store.derived._db
        after_cycle = sorted(db.execute("SELECT message_id, address FROM named"))
        store.derived.set_meta("fingerprint", "")  # everything again, from scratch
        assert incremental.refresh(config, directory, store, NOW).full
        from_scratch = sorted(db.execute("SELECT message_id, address FROM named"))
    assert after_cycle == from_scratch
    assert ("n2@x", "new@example.org") in after_cycle and ("n2@x", ME) not in after_cycle


def test_long_recipient_lists_decode_the_same_kept_or_not(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists over 200 characters are kept apart within a budget of characters (emptied when it
    would be passed): decoded again, kept or dropped, they give the stored message."""
    monkeypatch.setattr(codec, "_LONG_KEPT", 3000)
    team = [f"member{n}@corp.example" for n in range(12)]
    messages = [mail(f"p{n % 3}@corp.example", team[n % 4:], days_ago=n, mid=f"l{n}@x",
                     cc=team[:n % 5]) for n in range(40)]
    with Store.open(tmp_path / "store.sqlite3") as store:
        store.ingest("mail", Page(tuple(messages), "c"))
        codec.forget_shared()
        first = store.messages_by_id(m.message_id for m in messages)
        kept = codec._LONG_CHARS[0]
        again = store.messages_by_id(m.message_id for m in messages)
    expected = sorted((replace(m, native_id="", scope="") for m in messages),
                      key=lambda m: (m.date, m.message_id))
    assert first == again == expected
    assert 200 < kept <= 3000 and len(codec._LONG) >= 2
    codec.forget_shared()
    assert not codec._LONG and codec._LONG_CHARS[0] == 0
