"""The shortcuts of a first sync give exactly what they replace (issue 16).

- ``syncd.model.build_message`` / ``with_signals``: the record ``Message(...)`` /
  ``dataclasses.replace`` would build, still frozen, its parameters the fields in order;
- ``syncd.store.codec._dumps``: ``json.dumps`` text for every value a stored row holds;
- ``syncd.verdicts._subject_facts``: the normalised subject, introduction flag and the
  classifier's subject findings of ``rules``, remembered per subject in a dict that never
  holds more than ``SUBJECTS_KEPT`` and is empty after a classification pass.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import FrozenInstanceError, fields, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import _imap_parse
from rules._signals import subject_findings
from rules.introductions import is_intro_subject
from rules.people import Directory
from rules.threads import normalize_subject, thread_subject
from syncd import config as config_mod
from syncd import verdicts
from syncd.config import Config
from syncd.interactions import classify_context, participants
from syncd.model import Address, Message, Page, build_message, with_signals
from syncd.pipeline import compute_from_store
from syncd.store import Store, codec

_TEXT = st.text(max_size=12)
_ADDRESS = st.builds(Address, _TEXT, _TEXT)
_MESSAGES = st.builds(
    Message, account=_TEXT, native_id=_TEXT, message_id=_TEXT,
    date=st.datetimes(timezones=st.just(UTC)), sender=st.none() | _ADDRESS,
    to=st.tuples(_ADDRESS) | st.just(()), cc=st.lists(_ADDRESS, max_size=2).map(tuple),
    subject=st.none() | st.sampled_from(["", "Re:", "Lunch", "RE: Fwd: lunch", "Intro: A <> B",
                                         "Connecting you two", "Re: Intro: A <> B"]) | _TEXT,
    thread_id=st.none() | _TEXT, in_reply_to=st.none() | _TEXT,
    references=st.lists(_TEXT, max_size=3).map(tuple),
    headers=st.lists(st.tuples(_TEXT, _TEXT), max_size=2).map(tuple),
    labels=st.lists(_TEXT, max_size=2).map(tuple), scope=_TEXT,
    signals=st.none() | st.lists(_TEXT, max_size=2).map(tuple))


def test_build_message_takes_the_fields_in_order() -> None:
    assert list(inspect.signature(build_message).parameters) == [f.name for f in
                                                                  fields(Message)]


@settings(max_examples=200)
@given(_MESSAGES, st.none() | st.lists(_TEXT, max_size=2).map(tuple))
def test_built_messages_are_the_dataclass_records(m: Message,
                                                  signals: tuple[str, ...] | None) -> None:
    built = build_message(*(getattr(m, f.name) for f in fields(Message)))
    assert built == m
    assert hash(built) == hash(m)
    assert with_signals(m, signals) == replace(m, signals=signals)
    with pytest.raises(FrozenInstanceError):
        built.subject = "changed"  # type: ignore[misc]


_JSON = st.recursive(st.none() | st.text() | st.booleans() | st.integers(),
                     lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
                     max_leaves=8)


@settings(max_examples=300)
@given(_JSON)
def test_stored_json_is_json_dumps(value: object) -> None:
    assert codec._dumps(value) == json.dumps(value)


@given(st.none() | st.text(max_size=30) | st.sampled_from(["Intro: Ann <> Bo", "Re: Lunch",
                                                           "Connecting you two", ""]))
def test_subject_facts_are_the_rules(subject: str | None) -> None:
    expected = (normalize_subject(subject), int(is_intro_subject(subject)),
                tuple(subject_findings(subject)))
    assert verdicts._subject_facts(subject) == expected
    assert verdicts._subject_facts(subject) == expected  # remembered: the same answer


def test_the_subject_memory_is_bounded() -> None:
    verdicts._SUBJECTS.clear()
    for n in range(verdicts.SUBJECTS_KEPT * 2 + 5):
        verdicts._subject_facts(f"subject {n}")
        assert len(verdicts._SUBJECTS) <= verdicts.SUBJECTS_KEPT
    verdicts._SUBJECTS.clear()


@settings(max_examples=200)
@given(_MESSAGES)
def test_a_fact_threads_by_what_thread_subject_says(m: Message) -> None:
    directory = Directory.build(["dana@example.org"], [], self_name="Dana")
    fact = verdicts.make_fact(m, directory, classify_context(_config(), ["dana@example.org"]))
    assert fact[6] == thread_subject(m, participants(m, directory))
    assert fact[7] == int(is_intro_subject(m.subject))


def _config() -> Config:
    return config_mod.from_dict({"me": {"addresses": ["dana@example.org"]}})


def test_a_classification_pass_keeps_no_subjects(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ingest("a", Page((Message("a", "1", "m1@x", datetime(2026, 1, 1, tzinfo=UTC),
                                        Address("ann@acme.example"),
                                        (Address("dana@example.org"),), subject="Lunch"),),
                               cursor="c"))
        compute_from_store(_config(), store, datetime(2026, 2, 1, tzinfo=UTC))
    assert verdicts._SUBJECTS == {}


@given(st.none() | st.text(max_size=40) | st.sampled_from(
    ["Dana Example <dana@example.org>", '"Roe, Jane" <jane@acme.example>, bob@example.com',
     "=?utf-8?q?J=C3=B6rg?= <joerg@example.de>", "undisclosed-recipients:;"]))
def test_address_lists_are_the_parse(value: str | None) -> None:
    expected = tuple(_imap_parse._addresses(value))
    assert _imap_parse.address_list(value) == expected
    assert _imap_parse.address_list(value) == expected  # remembered: the same answer


def test_the_address_lists_are_bounded_and_forgotten() -> None:
    _imap_parse.forget()
    for n in range(_imap_parse.ADDRESS_LISTS_KEPT + 10):
        _imap_parse.address_list(f"p{n} <p{n}@example.org>")
        assert len(_imap_parse._ADDRESS_LISTS) <= _imap_parse.ADDRESS_LISTS_KEPT
    _imap_parse.forget()
    assert _imap_parse._ADDRESS_LISTS == {}
