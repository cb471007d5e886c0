"""``syncd why`` from the store (issue 16): the stored interactions and the asked-about messages
only, with the answers of one full pass over the mailbox (``syncd.commands.why.explain``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rules.text_signals import ASK, THANKS
from syncd.commands.views import json_rows
from syncd.commands.why import explain
from syncd.commands.why_stored import explain_stored, like_patterns
from syncd.engine import placement
from syncd.errors import SyncdError
from syncd.model import Contact, LoggedTouch, Message, Page
from syncd.pipeline import compute
from syncd.store import Store
from tests.factories import ME, NOW, mail
from tests.unit.test_why import JANE, OMAR, cfg, history

OTHERS = [
    mail("J.Doe+news@GoogleMail.com", ME, days_ago=8, subject="From a variant", mid="variant"),
    mail(ME, "jdoe@gmail.com", days_ago=7, subject="Re: From a variant", mid="variant-re",
         reply_to="variant"),
    mail("odd_one%@x.example", ME, days_ago=6, subject="Odd", mid="odd"),
    mail("oddXone@x.example", ME, days_ago=6, subject="Not odd", mid="not-odd"),
    mail("maryjane@acme.example", ME, days_ago=9, subject="Jane's namesake", mid="namesake"),
    # a role address is a person once the user has written to it (the written_to set)
    mail(ME, "info@shop.example", days_ago=12, subject="Order 17", mid="to-shop"),
    mail("info@shop.example", ME, days_ago=11, subject="Re: Order 17", mid="shop-re",
         reply_to="to-shop"),
    mail("info@other.example", ME, days_ago=11, subject="Order 18", mid="other-shop"),
    # text signals (store schema 5): an ask in the words, thanks that ask nothing
    replace(mail(ME, "kim@kim.example", days_ago=9, subject="Quick one", mid="kim-ask"),
            signals=(ASK,)),
    replace(mail(ME, "kim@kim.example", days_ago=8, subject="Thanks!", mid="kim-thanks"),
            signals=(THANKS,)),
    replace(mail("kim@home.example", ME, days_ago=7, subject="Question", mid="kim-q"),
            signals=(ASK,)),
    mail("lee@lee.example", ME, days_ago=40, subject="Met at the fair", mid="lee-1"),
]
# an address book merges Kim's two addresses into one person with a tag (schema 6)
BOOK = [Contact("book", "kim.vcf", "Kim Park", ("kim@kim.example", "kim@home.example"),
                ("friends",))]
# touches the user logged (schema 7): a call Kim answered, a meeting with Lee, one with a
# person syncd never saw in mail
LOGGED = [(("kim@kim.example", NOW - timedelta(days=6)), "call", "caught up", True),
          (("lee@lee.example", NOW - timedelta(days=38)), "meeting", "", False),
          (("sam@sam.example", NOW - timedelta(days=2)), "other", "coffee", False)]
QUERIES = ["a", "<b>", "c", "post", "fellow", "party", "news", "intro", "variant", "odd",
           JANE, OMAR, "JANE@ACME.EXAMPLE", "Jane Roe", "news@acme.example", "p3@x.example",
           "jdoe@gmail.com", "j.doe@googlemail.com", "odd_one%@x.example", "oddxone@x.example",
           "m-ok",
           "namesake", "maryjane@acme.example", "to-shop", "shop-re", "info@shop.example",
           "other-shop", "info@other.example",
           "kim-ask", "kim-thanks", "kim-q", "kim@kim.example", "kim@home.example", "Kim Park",
           "lee@lee.example", "lee-1", "sam@sam.example", ME]


def logged() -> list[LoggedTouch]:
    return [LoggedTouch(i, person, at, via, note, answered)
            for i, ((person, at), via, note, answered) in enumerate(LOGGED, 1)]


def pure(query: str, messages: list[Message]) -> dict[str, Any]:
    c = cfg()
    _, meetings = history()
    snapshot = compute(c, messages, meetings, NOW, book=BOOK, logged=logged())
    placed = placement(c, snapshot, {}, {}, NOW)
    return explain(c, snapshot, placed, messages, meetings, query, NOW)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    messages, meetings = history()
    with Store.open(tmp_path / "s.sqlite3") as s:
        s.ingest("mail", Page(items=(*messages, *OTHERS, *meetings), cursor="c1"))
        s.ingest("book", Page(items=tuple(BOOK), cursor="b1"))
        for t in logged():
            s.logged.add(t.person, t.at, via=t.via, note=t.note, answered=t.answered)
        yield s


@pytest.mark.parametrize("query", QUERIES)
def test_the_stored_answer_is_the_full_pass_answer(store: Store, query: str) -> None:
    messages = sorted([*history()[0], *OTHERS], key=lambda m: (m.date, m.message_id))
    try:
        expected: dict[str, Any] | str = pure(query, messages)
    except SyncdError as exc:
        expected = str(exc)
    try:
        got: dict[str, Any] | str = explain_stored(cfg(), store, query, NOW)
    except SyncdError as exc:
        got = str(exc)
    assert got == expected


def test_mail_that_arrives_after_a_cycle_is_found_as_the_first_mail_is(tmp_path: Path) -> None:
    """The index of the addresses each message names is kept by the cycles too (the second
    page is classified by a cycle, not by a first derivation)."""
    messages, meetings = history()
    queries = ["kim@kim.example", "Kim Park", JANE, "info@shop.example", "odd_one%@x.example",
               "jdoe@gmail.com", "kim-q", ME]
    full = sorted([*messages, *OTHERS], key=lambda m: (m.date, m.message_id))
    with Store.open(tmp_path / "s.sqlite3") as s:
        s.ingest("mail", Page(items=(*messages, *meetings), cursor="c1"))
        s.ingest("book", Page(items=tuple(BOOK), cursor="b1"))
        for t in logged():
            s.logged.add(t.person, t.at, via=t.via, note=t.note, answered=t.answered)
        explain_stored(cfg(), s, JANE, NOW)  # the first derivation, without OTHERS
        s.ingest("mail", Page(items=tuple(OTHERS), cursor="c2"))
        s.ingest("mail", Page(items=tuple(OTHERS[:3]), cursor="c3"))  # stored again: re-read
        for query in queries:
            assert explain_stored(cfg(), s, query, NOW) == pure(query, full), query


@pytest.mark.parametrize("query", ["nobody@nowhere.example", "Nobody At All", "  "])
def test_no_match_is_the_same_error(store: Store, query: str) -> None:
    with pytest.raises(SyncdError) as stored:
        explain_stored(cfg(), store, query, NOW)
    messages = sorted([*history()[0], *OTHERS], key=lambda m: (m.date, m.message_id))
    with pytest.raises(SyncdError) as full:
        pure(query, messages)
    assert str(stored.value) == str(full.value)


def test_an_address_variant_is_found_and_wildcards_are_literal(store: Store) -> None:
    data = explain_stored(cfg(), store, "jdoe@gmail.com", NOW)
    assert {row["ref"] for row in data["counted"]} == {"variant", "variant-re"}
    odd = explain_stored(cfg(), store, "odd_one%@x.example", NOW)
    assert [row["ref"] for row in odd["counted"] + odd["not_counted"]] == ["odd"]
    jane = explain_stored(cfg(), store, JANE, NOW)
    assert "namesake" not in {row["ref"] for row in jane["counted"] + jane["not_counted"]}
    shop = explain_stored(cfg(), store, "shop-re", NOW)
    other = explain_stored(cfg(), store, "other-shop", NOW)
    assert (shop["personal"], other["personal"]) == (True, False)


def test_patterns_fall_back_to_everything_for_what_json_escapes() -> None:
    assert like_patterns({"jane@acme.example"}) == ["%jane%@acme.example%"]
    assert like_patterns({"jdoe@gmail.com"}) == ["%j%d%o%e%@gmail.com%",
                                                 "%j%d%o%e%@googlemail.com%"]
    assert like_patterns({"jörg@x.example"}) == ["%"]
    assert like_patterns({'"q"@x.example'}) == ["%"]


def test_why_json_is_the_same_json_a_row_a_line(store: Store) -> None:
    data = explain_stored(cfg(), store, "Kim Park", NOW)
    text = json_rows(data)
    assert json.loads(text) == json.loads(json.dumps(data))
    lines = text.splitlines()
    assert len(lines) < len(json.dumps(data, indent=2).splitlines())
    assert sum(1 for line in lines if line.startswith('    {"at": ')) == len(data["counted"])
    message = explain_stored(cfg(), store, "kim-q", NOW)
    assert json.loads(json_rows(message)) == message
    assert json_rows({}) == "{}"
    odd = {"ünï": ["a\nb"], "n": None, "rows": [{"x": "é"}], "empty": []}
    assert json.loads(json_rows(odd)) == odd
    assert '"é"' in json_rows(odd)
