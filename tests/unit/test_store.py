from __future__ import annotations

import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from syncd.errors import SchemaTooNew
from syncd.model import Page, Written
from syncd.store import SCHEMA_VERSION, Store
from tests.factories import ME, NOW, mail, meeting


def test_files_are_private_and_the_schema_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "state" / "syncd" / "db.sqlite3"
    with Store.open(path) as store:
        store.ingest("mail", Page((mail(ME, "a@x.example", days_ago=1),), "c1"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_from_a_newer_syncd_is_refused_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with Store.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer syncd"), Store.open(path):
        pass
    assert path.read_bytes() == before


def test_page_and_cursor_commit_together_or_not_at_all(tmp_path: Path) -> None:
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.ingest("mail", Page((mail(ME, "a@x.example", days_ago=2),), "c1"))
        bad = mail(ME, "b@x.example", days_ago=1)
        poison = mail(ME, "c@x.example", days_ago=1,
                      headers=(("x-bad", object()),))  # type: ignore[arg-type]
        with pytest.raises(TypeError):  # fails halfway through the page
            store.ingest("mail", Page((bad, poison), "c2"))
        assert store.cursor("mail") == "c1"
        assert store.counts()["messages"] == 1


def test_the_same_message_in_two_folders_is_one_message_with_both_labels(tmp_path: Path) -> None:
    inbox = mail(ME, ME, days_ago=1, mid="self@x")
    sent = mail(ME, ME, days_ago=1, mid="self@x", labels=("\\Sent",))
    sent = type(sent)(**{**{f: getattr(sent, f) for f in sent.__slots__},  # type: ignore[attr-defined]
                         "native_id": "Sent/1/9", "scope": "Sent"})
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.ingest("mail", Page((inbox,), "c1"))
        store.ingest("mail", Page((sent,), "c2"))
        assert store.counts()["messages"] == 1 and store.counts()["locations"] == 2
        (stored,) = store.messages()
        assert stored.labels == ("\\Sent",)


def test_full_listing_sweeps_what_it_did_not_see_and_keeps_the_rest(tmp_path: Path) -> None:
    old = meeting(["a@x.example"], days_ago=3, uid="old")
    kept = meeting(["b@x.example"], days_ago=2, uid="kept")
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.ingest("cal", Page((old, kept), "t1", scope="/cal/"))
        store.ingest("cal", Page((kept,), "t2", scope="/cal/", listing="L1"))
        assert {m.uid for m in store.meetings()} == {"old", "kept"}  # not yet complete
        store.ingest("cal", Page((), "t3", scope="/cal/", listing="L1", listing_complete=True))
        assert {m.uid for m in store.meetings()} == {"kept"}


def test_removing_a_resource_removes_all_its_occurrences(tmp_path: Path) -> None:
    weekly = [meeting(["a@x.example"], days_ago=d, uid="w") for d in (7, 14)]
    weekly = [type(m)(**{**{f: getattr(m, f) for f in m.__slots__},  # type: ignore[attr-defined]
                         "native_id": f"/cal/w.ics#{m.start.isoformat()}"}) for m in weekly]
    other = meeting(["a@x.example"], days_ago=1, uid="w2")
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.ingest("cal", Page((*weekly, other), "t1", scope="/cal/"))
        store.ingest("cal", Page((), "t2", removed=("/cal/w.ics",)))
        assert [m.uid for m in store.meetings()] == ["w2"]


def test_deleted_mail_still_counts_as_a_touch(tmp_path: Path) -> None:
    m = mail(ME, "a@x.example", days_ago=1)
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.ingest("mail", Page((m,), "c1"))
        store.ingest("mail", Page((), "c2", removed=(m.native_id,)))
        assert store.counts()["locations"] == 0 and store.counts()["messages"] == 1


def test_subjects_are_not_kept_when_the_config_says_so(tmp_path: Path) -> None:
    with Store.open(tmp_path / "db.sqlite3", keep_subjects=False) as store:
        store.ingest("mail", Page((mail(ME, "a@x.example", days_ago=1, subject="Secret"),), "c"))
        assert [m.subject for m in store.messages()] == [None]


def test_write_records_keep_the_newest_generation(tmp_path: Path) -> None:
    w0 = Written("k", "k", "k.ics", '"1"', NOW, "a1", "cadence", "p", "dismissed", 0)
    w1 = Written("kg1", "k", "kg1.ics", '"2"', NOW + timedelta(days=1), "a2", "cadence", "p",
                 "live", 1)
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.record_write(w0, sink="cal")
        store.record_write(w1, sink="cal")
        assert store.written() == {"k": w1}


def test_a_version_1_store_migrates_and_keeps_its_account_status(tmp_path: Path) -> None:
    from syncd.store.schema import _MIGRATIONS

    path = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(f"BEGIN; {_MIGRATIONS[1]} PRAGMA user_version = 1; COMMIT;")
    conn.execute("INSERT INTO account_status VALUES ('mail', 'ok', '2026-01-01', NULL, 0, 'x')")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert store.statuses()["mail"] == {"state": "ok", "last_success": "2026-01-01",
                                            "last_error": None, "next_run": None}
        store.set_next_run("mail", NOW + timedelta(minutes=5))
        store.set_status("mail", "backoff", error="server down")
        status = store.statuses()["mail"]
    assert status["next_run"] == (NOW + timedelta(minutes=5)).isoformat(timespec="seconds")
    assert (status["state"], status["last_error"]) == ("backoff", "server down")
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_listing_that_suddenly_sees_nothing_sweeps_nothing(tmp_path: Path) -> None:
    many = [meeting(["a@x.example"], days_ago=d, uid=f"m{d}") for d in range(1, 8)]
    with Store.open(tmp_path / "db.sqlite3") as store:
        store.ingest("cal", Page(tuple(many), "t1", scope="/cal/"))
        # the provider's full listing comes back empty: a glitch, not seven deletions
        store.ingest("cal", Page((), "t2", scope="/cal/", listing="L9", listing_complete=True))
        assert len(list(store.meetings())) == 7
        # deletions reported one by one still apply
        store.ingest("cal", Page((), "t3", removed=(many[0].native_id,)))
        assert len(list(store.meetings())) == 6
        # a listing that saw some of them sweeps the rest
        store.ingest("cal", Page((many[1],), "t4", scope="/cal/", listing="L10",
                                 listing_complete=True))
        assert [m.uid for m in store.meetings()] == [many[1].uid]


def test_a_version_9_store_learns_who_its_sent_mail_was_from(tmp_path: Path) -> None:
    """Migration 10 fills ``own_senders`` from the messages already stored."""
    path = tmp_path / "db.sqlite3"
    with Store.open(path) as store:
        store.ingest("mail", Page((mail("d.w.example@example.org", "a@x.example", days_ago=1,
                                        labels=("\\Sent",)),
                                   mail("b@x.example", ME, days_ago=1)), "c1"))
    conn = sqlite3.connect(path)
    conn.executescript("BEGIN; DROP TABLE own_senders; DROP TRIGGER own_senders_insert; "
                       "DROP TRIGGER own_senders_update; PRAGMA user_version = 9; COMMIT;")
    conn.close()
    with Store.open(path) as store:
        assert store.own_senders() == ["d.w.example@example.org"]


def test_a_new_store_has_16k_pages_and_an_older_one_keeps_its_own(tmp_path: Path) -> None:
    fresh = tmp_path / "new.sqlite3"
    with Store.open(fresh) as store:
        store.ingest("mail", Page((mail(ME, "jane@acme.example", days_ago=1),), "c1"))
        store._db.execute("CREATE TEMP TABLE scratch (x)")  # its sorts and temporary tables:
        assert store._db.execute("PRAGMA temp.page_size").fetchone() == (4_096,)  # SQLite's
    with sqlite3.connect(fresh) as db:
        assert db.execute("PRAGMA page_size").fetchone() == (16_384,)
    older = tmp_path / "old.sqlite3"
    with sqlite3.connect(older) as db:  # made by an earlier syncd: 4 KiB pages, WAL
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE probe (x)")
    with Store.open(older) as store:  # migrated in place, its pages left as they are
        store.ingest("mail", Page((mail(ME, "jane@acme.example", days_ago=1),), "c1"))
        assert store.counts()["messages"] == 1
    with sqlite3.connect(older) as db:
        assert db.execute("PRAGMA page_size").fetchone() == (4_096,)
