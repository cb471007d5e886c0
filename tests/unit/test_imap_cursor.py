"""connectors/_imap_cursor.py: the IMAP cursor round-trips and refuses what it did not write."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors._imap_cursor import CursorState, FolderState, loads, uid_chunks

_STATE = st.builds(
    FolderState,
    uidvalidity=st.integers(0, 2**32), last_uid=st.integers(0, 2**32),
    uidnext=st.integers(0, 2**32), highestmodseq=st.none() | st.integers(0, 2**63),
    listing=st.none() | st.text(min_size=1, max_size=16),
)


@given(st.dictionaries(st.text(min_size=1, max_size=20), _STATE, max_size=4),
       st.none() | st.text(max_size=20), st.booleans())
def test_round_trip(folders: dict[str, FolderState], sent: str | None, known: bool) -> None:
    state = CursorState(folders, sent if known else None, known)
    again = loads(state.dumps())
    assert again == state
    assert again.dumps() == state.dumps()  # stable text: same state, same cursor


def test_none_is_a_first_sync() -> None:
    assert loads(None) == CursorState()
    assert loads(None).sent_known is False


def test_the_documented_shape() -> None:
    state = CursorState({"INBOX": FolderState(7, 42, 43, 99)}, "Sent", True)
    assert json.loads(state.dumps()) == {
        "v": 1, "sent": "Sent",
        "folders": {"INBOX": {"uidvalidity": 7, "last_uid": 42, "uidnext": 43,
                              "highestmodseq": 99}}}


@pytest.mark.parametrize("text", [
    "", "{", "[]", '{"v": 2, "folders": {}}', '{"v": 1}', '{"v": 1, "folders": []}',
    '{"v": 1, "folders": {"INBOX": 3}}',
    '{"v": 1, "folders": {"INBOX": {"uidvalidity": 1, "last_uid": 2}}}',
    '{"v": 1, "folders": {"INBOX": {"uidvalidity": -1, "last_uid": 2, "uidnext": 3}}}',
    '{"v": 1, "folders": {"INBOX": {"uidvalidity": "1", "last_uid": 2, "uidnext": 3}}}',
    '{"v": 1, "folders": {"INBOX": {"uidvalidity": true, "last_uid": 2, "uidnext": 3}}}',
    '{"v": 1, "folders": {}, "sent": 5}',
])
def test_refuses_what_it_did_not_write(text: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        loads(text)


def test_uid_chunks() -> None:
    assert uid_chunks([1, 2, 5, 9, 10], 2) == [[1, 2], [5, 9], [10]]
    assert uid_chunks([], 3) == []
