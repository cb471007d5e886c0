"""``syncd why``: the rule behind each verdict, touch and ledger number (DESIGN.md section 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syncd.commands.why import explain
from syncd.config import Config
from syncd.errors import SyncdError
from syncd.model import Meeting, Message, Page
from syncd.pipeline import compute
from syncd.store import Store
from tests.factories import ME, NOW, config, mail, meeting

JANE, OMAR = "jane@acme.example", "omar@haddad.example"
LIST = (("list-id", "<usrp-users.lists.ettus.com>"), ("precedence", "list"))


def history() -> tuple[list[Message], list[Meeting]]:
    messages = [
        mail(ME, JANE, days_ago=30, subject="Lunch?", mid="a"),
        mail(JANE, ME, days_ago=29, subject="Re: Lunch?", mid="b", reply_to="a",
             name="Jane Roe"),
        mail(ME, JANE, days_ago=20, subject="Budget", mid="c"),  # unanswered: an open ask
        mail(JANE, "usrp-users@lists.ettus.com", days_ago=10, subject="[USRP-users] E320",
             headers=LIST, mid="post"),
        mail(OMAR, ME, cc=[JANE], days_ago=5, subject="Hello", mid="fellow"),
        mail(ME, [f"p{i}@x.example" for i in range(10)] + [JANE], days_ago=4,
             subject="Party", mid="party"),
        mail("news@acme.example", ME, days_ago=3, subject="Weekly", mid="news",
             headers=(("list-unsubscribe", "<mailto:u@acme.example>"),)),
        mail(OMAR, JANE, cc=[ME], days_ago=2, subject="Intro: Jane <> Dana", mid="intro"),
    ]
    meetings = [meeting([JANE], days_ago=15, uid="m-ok"),
                meeting([JANE], days_ago=14, status="CANCELLED", uid="m-cancelled"),
                meeting([JANE], days_ago=-3, uid="m-future")]
    return messages, meetings


def cfg() -> Config:
    return config(cadences=[{"name": "close", "every": "14d", "min_exchanges": 5},
                            {"name": "network", "every": "60d"}])


def why(query: str, c: Config | None = None) -> dict[str, Any]:
    messages, meetings = history()
    c = c or cfg()
    snapshot = compute(c, messages, meetings, NOW)
    return explain(c, snapshot, {}, messages, meetings, query, NOW)


# --- a message -----------------------------------------------------------------------------------

def test_an_inbound_reply_names_its_rule_thread_and_the_person_it_touched() -> None:
    data = why("<b>")
    assert (data["kind"], data["verdict"], data["personal"]) == ("message", "personal", True)
    assert data["rule"] == "no sign of automated mail: a person wrote this"
    assert data["direction"] == "inbound"
    assert data["thread"] == "r:a"
    assert data["thread_rule"] == "the References / In-Reply-To chain from <a> (2 messages in it)"
    assert data["touched"] == [{"person": JANE, "name": "Jane Roe", "direction": "in",
                                "direct": True}]
    assert data["touched_nobody"] is None


def test_a_message_id_is_found_with_or_without_angle_brackets() -> None:
    assert why(" <c> ")["message_id"] == why("c")["message_id"] == "c"


def test_a_subject_thread_says_so() -> None:
    data = why("c")
    assert data["thread"] == "s:c"
    assert data["thread_rule"].startswith("starts a thread by subject 'budget'")
    assert data["direction"] == "outbound"


def test_automated_mail_touches_nobody_and_says_which_rule_decided() -> None:
    data = why("post")
    assert (data["verdict"], data["personal"], data["thread"]) == ("list", False, None)
    assert data["rule"] == "Precedence: list"
    assert data["reasons"] == ["Precedence: list",
                               "List-Id: <usrp-users.lists.ettus.com> (RFC 2919)"]
    assert data["touched"] == []
    assert data["touched_nobody"] == "not personal (list): Precedence: list"
    assert data["direction"] == "bcc"  # the user is neither in To nor in Cc


def test_too_many_recipients_touch_nobody() -> None:
    data = why("party")
    assert data["personal"] is True
    assert data["touched_nobody"] == "11 recipients, more than ignore.max_recipients (10)"


def test_an_introduction_copying_you_is_copied_and_touches_its_sender() -> None:
    data = why("intro")
    assert data["direction"] == "copied"
    assert [(t["person"], t["direct"]) for t in data["touched"]] == [(OMAR, False)]


# --- a person ------------------------------------------------------------------------------------

def test_a_person_lists_what_counts_with_its_ledger_role() -> None:
    data = why(JANE)
    assert (data["kind"], data["person"], data["name"]) == ("person", JANE, "Jane Roe")
    counted = {row["ref"]: row["why"] for row in data["counted"]}
    assert counted == {
        "a": "you wrote to them, asking them (To); initiation by you",
        # an answer in a thread you started: help, not a reply you owe
        "b": "they wrote to you, asking you; reply by them after 24.0 h",
        "c": "you wrote to them, asking them (To); initiation by you; open ask: no reply for 20 "
             "days (reciprocity.nudge_after 5 days)",
        counted_meeting_ref(): "a meeting that happened, with you in it: a meeting and an "
                               "exchange",
    }
    ledger = data["ledger"]
    assert (ledger["messages_out"], ledger["messages_in"], ledger["meetings"]) == (2, 1, 1)
    assert (ledger["initiated_by_me"], ledger["replies_by_them"]) == (2, 1)
    assert (ledger["open_asks"], ledger["owed_replies"]) == (1, 0)


def counted_meeting_ref() -> str:
    _, meetings = history()
    return meetings[0].native_id


def test_a_person_lists_what_does_not_count_and_why() -> None:
    not_counted = {row["ref"]: row["why"] for row in why(JANE)["not_counted"]}
    _, meetings = history()
    assert not_counted == {
        "post": "not personal (list): Precedence: list",
        "fellow": "they were a fellow recipient: mail to you touches only its sender",
        "party": "11 recipients, more than ignore.max_recipients (10)",
        "intro": "they were a fellow recipient: mail to you touches only its sender",
        meetings[1].native_id: "cancelled",
        meetings[2].native_id: f"has not happened yet (ends {meetings[2].end.isoformat()})",
    }


def test_the_cadence_rule_and_why_the_ones_before_it_do_not_apply() -> None:
    cadence = why(JANE)["cadence"]
    assert (cadence["rule"], cadence["every_days"]) == ("network", 60)
    assert cadence["why"] == ("the first [[cadences]] entry that matches: it applies to everyone;"
                              " before it: 'close' needs 5 exchanges (replies or meetings), they "
                              "have 2")
    # A new contact (first exchange 29 days ago): its sequence runs before the cadence does.
    (follow_up,) = why(JANE)["follow_ups"]
    assert follow_up["kind"] == "new_contact"
    assert follow_up["reason"].startswith("step 3 of 3 after your first exchange")


def test_a_sender_of_automated_mail_is_no_contact_and_why_says_so() -> None:
    data = why("News@Acme.Example")
    assert (data["person"], data["ledger"], data["counted"]) == ("news@acme.example", None, [])
    assert data["cadence"]["rule"] is None
    assert [row["why"] for row in data["not_counted"]] == [
        "not personal (bulk): List-Unsubscribe present (RFC 2369)"]


def test_a_person_is_found_by_name() -> None:
    assert why("jane roe")["person"] == JANE


@pytest.mark.parametrize("query", ["nobody@nowhere.example", "Zelda", "<missing@id>", "  "])
def test_nothing_matches_is_a_clear_error_with_a_hint(query: str) -> None:
    with pytest.raises(SyncdError, match="Message-ID") as caught:
        why(query)
    assert "syncd contacts" in str(caught.value)


# --- through the command line --------------------------------------------------------------------

def stored(tmp_path: Path) -> Path:
    db = tmp_path / "state" / "syncd.sqlite3"
    messages, meetings = history()
    with Store.open(db) as store:
        store.ingest("mail", Page(items=(*messages, *meetings), cursor="c1"))
    path = tmp_path / "config.toml"
    path.write_text(f'[me]\naddresses = ["{ME}"]\ntimezone = "Europe/Berlin"\n'
                    f'[store]\npath = "{db}"\n', encoding="utf-8")
    return path


@pytest.mark.usefixtures("pinned_clock")
def test_cli_why_json_for_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from syncd.commands.cli import main

    path = stored(tmp_path)
    assert main(["--config", str(path), "why", "<post>", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["message_id"], data["verdict"]) == ("post", "list")


@pytest.mark.usefixtures("pinned_clock")
def test_cli_why_text_for_a_person(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from syncd.commands.cli import main

    path = stored(tmp_path)
    assert main(["--config", str(path), "why", JANE]) == 0
    text = capsys.readouterr().out
    assert "Jane Roe" in text and "[USRP-users] E320" in text  # markup-like subjects kept
    assert "does not count (6)" in text
    assert main(["--config", str(path), "why", "b"]) == 0
    assert "r:a: the References / In-Reply-To chain" in capsys.readouterr().out  # no :a: emoji


@pytest.mark.usefixtures("pinned_clock")
def test_cli_why_says_why_an_ask_and_a_reply_owed_want_no_reminder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An ask answered where syncd could not see it (the user's later message quotes their
    words from mail never stored), and a reply owed picked up by a new conversation."""
    from dataclasses import replace

    from syncd.commands.cli import main

    db = tmp_path / "state" / "syncd.sqlite3"
    messages = [
        replace(mail(ME, JANE, days_ago=12, subject="Direct deposit", mid="ask"),
                signals=("ask",)),
        replace(mail(ME, JANE, days_ago=11, subject="RE: Confirmation", mid="quoting"),
                signals=("quotes_reply", f"quoted:{JANE}")),
        replace(mail(OMAR, ME, days_ago=9, subject="Quick help", mid="help"), signals=("ask",)),
        replace(mail(ME, OMAR, days_ago=3, subject="Links", mid="links"), signals=()),
    ]
    with Store.open(db) as store:
        store.ingest("mail", Page(items=tuple(messages), cursor="c1"))
    path = tmp_path / "config.toml"
    path.write_text(f'[me]\naddresses = ["{ME}"]\ntimezone = "Europe/Berlin"\n'
                    f'[store]\npath = "{db}"\n', encoding="utf-8")
    assert main(["--config", str(path), "why", JANE]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "no nudge" in text and "they answered you elsewhere" in text
    assert main(["--config", str(path), "why", OMAR, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "afresh" in data["owed_reply"] and data["nudge"] is None
    assert not [f for f in data["follow_ups"] if f["kind"] == "owed_reply"]


def test_cli_why_without_a_match_exits_1_with_the_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from syncd.commands.cli import main

    path = stored(tmp_path)
    assert main(["--config", str(path), "why", "ghost@nowhere.example"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no stored message and no address matches 'ghost@nowhere.example'" in captured.err


@pytest.mark.parametrize(
    ("made", "why_not"),
    [(meeting([JANE], days_ago=3), ""),
     (meeting([JANE], days_ago=3, ours=True), "one of syncd's own follow-up events"),
     (meeting([JANE], days_ago=3, all_day=True), "an all-day event"),
     (meeting([JANE], days_ago=3, partstat="NEEDS-ACTION", organizer=JANE),
      "you neither organised nor accepted it"),
     (meeting([JANE], days_ago=3, partstat="DECLINED"), "you declined it"),
     (meeting([], days_ago=3, rooms=["room1@x.example"]), "nobody but you"),
     (meeting([f"p{i}@x.example" for i in range(8)], days_ago=3),
      "9 people, more than ignore.max_meeting_size (8)")],
)
def test_each_meeting_rule_has_its_reason(made: Meeting, why_not: str) -> None:
    from syncd.interactions import meeting_exclusion
    from syncd.pipeline import directory_for

    c = cfg()
    assert meeting_exclusion(made, c, directory_for(c), NOW) == why_not
    counted = compute(c, [], [made], NOW).derived.interactions
    assert bool(counted) is (why_not == "")
