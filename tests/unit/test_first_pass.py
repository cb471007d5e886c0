"""A first derivation threads the personal mail in one pass in date order (``syncd.first_pass``):
its thread keys, touches and memberships are those of ``rules.threads.assign_threads`` over all
of it at once, marked all at once (what a first derivation did, closure by closure), whatever
the batches, ties of date across them, references either way in time, provider thread ids and
subject threads."""

from __future__ import annotations

import gc
import tempfile
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.people import Directory
from rules.text_signals import ASK, FORWARD, QUOTES_REPLY, RESENDS
from rules.threads import Roots, SubjectThreads, assign_threads
from syncd import incremental
from syncd.first_held import Holder, people_of
from syncd.first_pass import derive_all
from syncd.interactions import intro_people, is_outbound, message_touches, participants
from syncd.model import Message, Page
from syncd.pipeline import directory_for
from syncd.store import Store
from syncd.touch_rows import marking
from tests.unit.test_incremental import ME, PEOPLE, SUBJECTS, T0, _config

# Few distinct times: ties of date, across the batches too; 31 days: out of the subject window.
HOURS = [0.0, 0.0, 1.0, 5.0, 24.0 * 31, 24.0 * 31 + 1]


@st.composite
def mailboxes(draw: st.DrawFn) -> list[Message]:
    count = draw(st.integers(1, 24))
    messages: list[Message] = []
    for n in range(count):
        outbound = draw(st.booleans())
        other = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2, unique=True))
        refs = draw(st.lists(st.integers(-1, count - 1), max_size=3))  # any time; -1 unknown
        messages.append(Message(
            "mail", f"INBOX/1/{n}", f"m{draw(st.integers(0, 99))}-{n}@x.example",
            T0 + timedelta(hours=draw(st.sampled_from(HOURS))),
            ME if outbound else other[0], tuple(other) if outbound else (ME, *other[1:]),
            subject=draw(st.sampled_from([*SUBJECTS, "RE:"])),
            thread_id=draw(st.sampled_from([None, None, None, "g1", "g2"])),
            in_reply_to=draw(st.sampled_from([None, *(f"-{r}" for r in refs)])),
            references=tuple(f"-{r}" for r in refs),
            headers=(("precedence", "bulk"),) if draw(st.integers(0, 6)) == 0 else (),
            labels=("\\Sent",) if outbound else (),
            signals=draw(st.sampled_from([None, (), (QUOTES_REPLY,), (RESENDS,), (ASK,),
                                          (QUOTES_REPLY, FORWARD)]))))
    ids = {f"-{n}": m.message_id for n, m in enumerate(messages)}
    ids["--1"] = "elsewhere@x.example"
    return [Message(m.account, m.native_id, m.message_id, m.date, m.sender, m.to, m.cc,
                    m.subject, m.thread_id, ids.get(m.in_reply_to or ""),
                    tuple(ids[r] for r in m.references), m.headers, m.labels,
                    signals=m.signals) for m in messages]


def _whole(store: Store, directory: Directory) -> tuple[dict[str, str], list[object],
                                                          list[object]]:
    """Thread keys, touches and memberships of all personal mail threaded and marked at once."""
    config = _config()
    tables = store.derived
    personal = tables.personal_among(m.message_id for m in store.messages())
    messages = store.messages_by_id(personal, headers=False)
    threads = assign_threads(messages, lambda m: participants(m, directory))
    people_of, sender_of = intro_people(config, directory)
    touched, members = [], []
    for m in messages:
        thread = threads[m.message_id]
        touched.extend(message_touches(m, thread, config, directory))
        everyone = people_of(m) if is_outbound(m, directory) else [sender_of(m), *people_of(m)]
        members.extend((m.message_id, thread, p, m.date.timestamp()) for p in everyone)
    return threads, sorted(marking(touched), key=repr), sorted(members)


def _stored(store: Store) -> tuple[dict[str, str], list[object], list[object]]:
    db = store.derived._db  # the tables it checks
    threads = dict(db.execute("SELECT message_id, thread FROM facts WHERE personal"))
    touches = list(db.execute("SELECT ref, ts, person, direction, thread, subject, direct, "
                              "address, name, first, prev, gap, last, mine, company, answered "
                              "FROM touches WHERE direction IN ('in', 'out')"))
    return threads, sorted(touches, key=repr), sorted(db.execute("SELECT * FROM members"))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mailboxes(), st.integers(1, 5))
def test_one_pass_in_batches_threads_and_marks_as_all_at_once(messages: list[Message],
                                                             batch: int) -> None:
    config = _config()
    now = T0 + timedelta(days=40)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(messages), "c"))
        directory = directory_for(config)
        incremental.refresh(config, directory, store, now)  # the first: derive_all, BATCH
        assert _stored(store) == _whole(store, directory)
        tables, db = store.derived, store.derived._db
        with tables.transaction():  # again in batches of a few, on the same facts
            tables.touches.rewrite(list(db.execute(
                "SELECT rowid, * FROM touches WHERE direction IN ('in', 'out')")), ())
            db.execute("DELETE FROM members")
            db.execute("UPDATE facts SET thread = NULL")
            derive_all(tables, config, directory, batch=batch)
        assert _stored(store) == _whole(store, directory)


def test_messages_of_one_date_come_in_message_id_order_across_batches() -> None:
    ann = PEOPLE[0]
    mail = tuple(Message("mail", f"INBOX/1/{n}", f"{name}@x.example", T0, ann, (ME,),
                         subject="Lunch") for n, name in enumerate("gcaefdb"))
    late = Message("mail", "INBOX/1/9", "a@y.example", T0 + timedelta(seconds=1), ann, (ME,),
                   subject="Lunch")
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page((*mail, late), "c"))
        config = _config()
        directory = directory_for(config)
        incremental.refresh(config, directory, store, T0 + timedelta(days=1))
        streamed = store.derived.streamed
        streamed.start()
        holder = Holder(streamed, config, directory)
        for part in streamed.personal(3):
            holder.hold(part)
        got = [[row[1] for row in part] for part in streamed.narrow_in_order(3)]
    assert got == [["a@x.example", "b@x.example", "c@x.example"],
                   ["d@x.example", "e@x.example", "f@x.example"],
                   ["g@x.example", "a@y.example"]]


# ``assign_threads``'s references as they were threaded before ``Roots``: a union-find over the
# Message-IDs themselves (subject threading: ``tests/unit/test_threads_window.py``).
def _strings(messages: list[Message], people: Callable[[Message], frozenset[str]]
             ) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    known = {m.message_id for m in messages}
    linked: set[str] = set()
    for m in messages:
        for ref in (*m.references, *([m.in_reply_to] if m.in_reply_to else [])):
            if ref in known and ref != m.message_id:
                ra, rb = find(ref), find(m.message_id)
                if ra != rb:
                    parent[rb] = ra
                linked.update((ref, m.message_id))
    subjects = SubjectThreads()
    return {m.message_id: "t:" + m.thread_id if m.thread_id else
            "r:" + find(m.message_id) if m.message_id in linked else
            subjects.key(m, people(m)) for m in messages}


@settings(max_examples=300, deadline=None)
@given(mailboxes())
def test_roots_thread_as_a_union_find_of_message_ids(messages: list[Message]) -> None:
    def people(m: Message) -> frozenset[str]:
        return frozenset(a.email for a in (*m.to, *m.cc, *([m.sender] if m.sender else []))
                         if a != ME)

    ordered = sorted(messages, key=lambda m: (m.date, m.message_id))
    assert assign_threads(ordered, people) == _strings(ordered, people)


def test_a_root_is_the_referenced_sets_whatever_came_first() -> None:
    roots = Roots(4)
    roots.link(0, 1)  # 1 answers 0
    roots.link(3, 2)  # 2 answers 3, a message dated later (a skewed clock)
    roots.link(3, 1)  # 1 answers 3 too: 0's set joins 3's
    assert [roots.find(n) for n in range(4)] == [3, 3, 3, 3]
    assert list(roots.linked) == [1, 1, 1, 1]


def _one_closure(count: int) -> list[Message]:
    """Threads of ten replies, their subjects three that never pause: one closure of all."""
    return [Message("mail", f"INBOX/1/{k}", f"c{k}@x.example", T0 + timedelta(minutes=17 * k),
                    ME if k % 5 == 0 else PEOPLE[k % 4], (PEOPLE[k % 4],) if k % 5 == 0 else (ME,),
                    subject=("Re: " if k % 10 else "") + ["Lunch", "Report", "Plans"][k % 3],
                    in_reply_to=f"c{k - 1}@x.example" if k % 10 else None,
                    labels=("\\Sent",) if k % 5 == 0 else ()) for k in range(count)]


def _peak(count: int, batch: int) -> int:
    """The most Python memory the one pass over ``_one_closure(count)`` held at once."""
    config = _config()
    directory = directory_for(config)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(tuple(_one_closure(count)), "c"))
        incremental.refresh(config, directory, store, T0 + timedelta(days=400))
        tables, db = store.derived, store.derived._db
        with tables.transaction():
            tables.touches.rewrite(list(db.execute(
                "SELECT rowid, * FROM touches WHERE direction IN ('in', 'out')")), ())
            db.execute("DELETE FROM members")
            gc.collect()  # what earlier tests left is not this pass's
            tracemalloc.start()
            try:
                derive_all(tables, config, directory, batch=batch)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()


def test_a_closure_three_times_as_large_costs_a_few_bytes_a_message_more() -> None:
    """What grows with the mailbox is ``Roots`` and a count per root (17 bytes a message);
    a closure held whole costs far more (a batch as large as the mailbox: 1.5 KB a message)."""
    small, large = _peak(2000, 500), _peak(6000, 500)
    assert large - small < 4000 * 40
    assert _peak(6000, 6000) - large > 4000 * 100  # the measure tells the two apart


def test_a_first_derivation_holds_mail_that_turns_personal_once_all_is_classified() -> None:
    """A role address's mail is personal only once the user writes to it (``written_to``),
    known after every message is classified: it must be held while classified all the same."""
    shop = PEOPLE[2]  # info@...: a role address, personal only once written to
    mail = (Message("mail", "INBOX/1/1", "ask@x.example", T0, shop, (ME,), subject="Order"),
            Message("mail", "Sent/1/2", "answer@x.example", T0 + timedelta(hours=1), ME,
                    (shop,), subject="Re: Order", labels=("\\Sent",)))
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite3") as store:
        store.ingest("mail", Page(mail, "c"))
        config = _config()
        incremental.refresh(config, directory_for(config), store, T0 + timedelta(days=1))
        db = store.derived._db
        soft = db.execute("SELECT verdict, soft FROM facts WHERE message_id = 'ask@x.example'")
        assert soft.fetchone()[0] != "personal"  # personal through written_to only
        touched = sorted(db.execute("SELECT ref, direction, thread FROM touches"))
        members = sorted(db.execute("SELECT message_id, person FROM members"))
    assert touched == [("answer@x.example", "out", "s:ask@x.example"),
                       ("ask@x.example", "in", "s:ask@x.example")]
    assert members == [("answer@x.example", "info@smallshop.example"),
                       ("ask@x.example", "info@smallshop.example")]


def test_held_people_read_back_as_they_were() -> None:
    for people in (frozenset(), frozenset({""}), frozenset({"a@x", "b c"})):
        assert people_of("".join("\x00" + p for p in people)) == people
