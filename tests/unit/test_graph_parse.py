"""Pure Graph mapping: partial rows, merges that never null a value, the docs' own samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors._graph_parse import (
    is_partial,
    merge,
    parse_event,
    parse_message,
    remote_from_event,
)
from syncd.errors import ProtocolError

DOCS = Path(__file__).parents[2] / ".." / "shared" / "data" / "msgraph-docs" / "extracted-json"


def test_graph_partial_row_merge_never_overwrites_with_null() -> None:
    full = {"id": "1", "from": {"emailAddress": {"address": "a@x.example"}},
            "receivedDateTime": "2026-01-02T03:04:05Z", "inferenceClassification": "focused"}
    partial = {"id": "1", "isRead": True, "from": None, "inferenceClassification": "other"}
    assert is_partial(partial) and not is_partial(full)
    merged = merge(full, partial)
    assert merged["from"] == full["from"] and merged["inferenceClassification"] == "other"
    message = parse_message(merged, account="o", folder="inbox", labels=())
    assert message.labels == ("inference:other",)
    assert message.sender is not None and message.sender.email == "a@x.example"


def test_graph_message_without_internet_message_id_gets_a_stable_synthetic_one() -> None:
    row = {"id": "AAMk1", "receivedDateTime": "2026-01-02T03:04:05.1234567Z"}
    one = parse_message(row, account="o", folder="inbox", labels=())
    assert one.message_id == parse_message(row, account="o", folder="x", labels=()).message_id
    assert one.date == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    with pytest.raises(ProtocolError):
        parse_message({"id": "AAMk2"}, account="o", folder="inbox", labels=())


@pytest.mark.corpus
def test_graph_event_from_the_docs_sample_response() -> None:
    sample = DOCS / "api-reference__v1.0__api__user-post-events__resp1.json.txt"
    if not sample.exists():
        pytest.skip("../shared/data is absent")
    row = json.loads(sample.read_text().split("\n\n", 1)[1])
    row["start"]["timeZone"] = row["end"]["timeZone"] = "UTC"  # as Prefer: outlook.timezone
    meeting = parse_event(row, account="o", me="danas@contoso.onmicrosoft.com")
    assert meeting.organizer is not None and meeting.organizer.email.startswith("danas@")
    assert meeting.attendees[0].partstat == "NEEDS-ACTION"
    assert meeting.start == datetime(2017, 4, 15, 11, 0, tzinfo=UTC)
    assert meeting.status == "CONFIRMED" and not meeting.ours
    assert remote_from_event(row) is None  # not one of ours: no key property
