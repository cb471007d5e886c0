"""``syncd classify``: message files, Maildirs, mboxes and folders, through ``main``."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from syncd.commands.classify import HeaderBlock, header_blocks
from syncd.commands.cli import main

FIELDS = {"path", "message_id", "personal", "verdict", "reasons"}
PERSON = (b"From: Jane Roe <jane@acme.example>\nTo: dana@example.org\nSubject: Lunch?\n"
          b"Date: Tue, 6 Jan 2026 10:12:00 +0100\nMessage-ID: <lunch-1@acme.example>\n")
NEWSLETTER = (b"Return-Path: <express-errors@motleyfool.com>\n"
              b"From: The Motley Fool <Fool@motleyfool.com>\nTo: dana@example.org\n"
              b"Subject: Personal Finance\nDate: Wed, 02 Jan 2002 13:55:00 -0500\n"
              b"Message-Id: <200201021855.g02It1l02955@mx6-w.mail.home.com>\n")
BODY = b"\nHello,\n\nFrom here on, this is the body; a header line in it never counts:\n" \
       b"List-Id: <not.a.header>\n"


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SYNCD_CONFIG", str(tmp_path / "absent.toml"))


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]],
                                                                       str]:
    code = main(["classify", "--json", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_an_eml_file_gives_one_json_line_with_exactly_the_contract_fields(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eml = write(tmp_path / "lunch.eml", PERSON + BODY)
    code, rows, err = run_json(capsys, str(eml))
    assert (code, err) == (0, "")
    assert rows == [{"path": str(eml), "message_id": "lunch-1@acme.example", "personal": True,
                     "verdict": "personal",
                     "reasons": ["no sign of automated mail: a person wrote this"]}]
    assert set(rows[0]) == FIELDS


def test_reasons_are_a_list_and_personal_a_bool(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    eml = write(tmp_path / "fool.eml", NEWSLETTER + BODY)
    _, (row,), _ = run_json(capsys, str(eml))
    assert row["personal"] is False
    assert row["verdict"] == "bulk"
    assert isinstance(row["reasons"], list) and len(row["reasons"]) == 2
    assert "bounce-handling address" in row["reasons"][0]


def test_a_maildir_reads_cur_and_new_and_maildirplus_folders_but_not_tmp(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = tmp_path / "Maildir"
    write(box / "cur" / "1700000000.M1P1.host,S=1:2,S", PERSON + BODY)
    write(box / "new" / "1700000001.M2P1.host", NEWSLETTER + BODY)
    write(box / "tmp" / "1700000002.M3P1.host", PERSON + BODY)  # being delivered: skipped
    write(box / ".Sent" / "cur" / "1700000003.M4P1.host:2,S", PERSON.replace(b"lunch-1", b"s"))
    write(box / "dovecot-uidlist", b"3 V1700000000 N4 G0123\n1 :1700000000.M1P1.host\n")
    write(box / ".hidden.eml", PERSON)
    code, rows, err = run_json(capsys, str(box))
    assert (code, err) == (0, "")
    assert [Path(r["path"]).relative_to(box).parts[:2] for r in rows] == [
        (".Sent", "cur"), ("cur", "1700000000.M1P1.host,S=1:2,S"),
        ("new", "1700000001.M2P1.host")]
    assert [r["verdict"] for r in rows] == ["personal", "personal", "bulk"]


def test_enron_style_folders_of_files_without_extension_are_walked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "maildir" / "cuilla-m"
    write(root / "inbox" / "1", PERSON + BODY)
    write(root / "sent" / "12_", NEWSLETTER + BODY)
    write(root / "inbox" / "notes.txt", b"Just some notes: not mail.\n")
    write(root / "inbox" / "invite.ics", b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    code, rows, _ = run_json(capsys, str(tmp_path / "maildir"))
    assert code == 0
    assert [Path(r["path"]).name for r in rows] == ["1", "12_"]


ESCAPED = BODY.replace(b"\nFrom ", b"\n>From ")  # as an mboxrd writer stores the body
MBOX = (b"From jane@acme.example Tue Jan  6 09:12:00 2026\n" + PERSON + ESCAPED
        + b">>From twice escaped\n\n"
        + b"From MAILER-DAEMON Wed Jan  2 18:55:00 2002\n" + NEWSLETTER + ESCAPED)


def test_an_mbox_is_split_at_its_own_from_lines_and_not_at_escaped_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = write(tmp_path / "archive.mbox", MBOX)
    code, rows, _ = run_json(capsys, str(box))
    assert code == 0
    assert [(r["path"], r["verdict"]) for r in rows] == [
        (f"{box}#1", "personal"), (f"{box}#2", "bulk")]


def test_an_mbox_without_an_extension_is_recognised_by_its_first_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "folder" / "Sent", MBOX)
    write(tmp_path / "folder" / "single", b"From jane@acme.example Tue Jan  6 09:12:00 2026\n"
          + PERSON + ESCAPED)
    _, rows, _ = run_json(capsys, str(tmp_path / "folder"))
    names = [Path(r["path"]).name for r in rows]
    assert names == ["Sent#1", "Sent#2", "single"]  # a one-message mbox keeps its plain name


def test_the_mbox_separator_date_stands_in_for_a_broken_date(tmp_path: Path) -> None:
    box = write(tmp_path / "a.mbox", b"From jane@acme.example Tue Jan  6 09:12:00 2026\n"
                b"From: jane@acme.example\nTo: dana@example.org\nDate: 29-04-2017 23:34\n\nhi\n")
    (block,) = header_blocks([box])
    assert isinstance(block, HeaderBlock)
    assert block.received == datetime(2026, 1, 6, 9, 12, tzinfo=UTC)
    assert b"Date: 29-04-2017" in block.raw and b"hi" not in block.raw


def test_only_the_header_section_is_read(tmp_path: Path) -> None:
    eml = write(tmp_path / "big.eml", PERSON + b"\n" + b"x" * 5_000_000)
    (block,) = header_blocks([eml])
    assert isinstance(block, HeaderBlock)
    assert block.raw == PERSON


def test_unreadable_and_unparsable_files_print_an_error_and_the_rest_go_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    write(folder / "a.eml", PERSON)
    (folder / "b.eml").symlink_to(folder / "gone.eml")  # dangling: cannot be read
    write(folder / "c.eml", NEWSLETTER)
    garbage = write(tmp_path / "garbage.eml", b"Subject: no sender, no id\n\nbody\n")
    code, rows, err = run_json(capsys, str(folder), str(garbage), str(tmp_path / "missing"))
    assert code == 1
    assert [Path(r["path"]).name for r in rows] == ["a.eml", "c.eml"]
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"syncd: classify: {folder / 'b.eml'}: ")
    assert lines[1].startswith(f"syncd: classify: {garbage}: not a usable mail header")
    assert lines[2] == f"syncd: classify: {tmp_path / 'missing'}: no such file or directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_an_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    eml = write(tmp_path / "secret.eml", PERSON)
    eml.chmod(0)
    code, rows, err = run_json(capsys, str(eml))
    assert (code, rows) == (1, [])
    assert "Permission denied" in err


def test_the_table_shows_each_verdict_and_a_summary_count(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "m" / "a.eml", PERSON)
    write(tmp_path / "m" / "b.eml", NEWSLETTER)
    write(tmp_path / "m" / "c.eml", NEWSLETTER.replace(b"200201021855", b"200201021856"))
    assert main(["classify", str(tmp_path / "m")]) == 0
    text = capsys.readouterr().out
    assert "bounce-handling" in text
    assert text.strip().splitlines()[-1] == "3 messages: 2 bulk, 1 personal (33.3% personal)"


def test_the_config_supplies_self_addresses_and_ignore_lists(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write(tmp_path / "config.toml", b'[me]\naddresses = ["jane@acme.example"]\n'
                b'[ignore]\ndomains = ["motleyfool.com"]\n')
    files = [write(tmp_path / "a.eml", PERSON), write(tmp_path / "b.eml", NEWSLETTER)]
    assert main(["--config", str(cfg), "classify", "--json", *map(str, files)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["verdict"], r["reasons"][0]) for r in rows] == [
        ("personal", "sent by you to dana@example.org"),
        ("ignored", "ignored: fool@motleyfool.com is under ignore.domains entry motleyfool.com")]


def test_a_named_config_that_is_broken_is_a_config_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write(tmp_path / "config.toml", b"[me]\naddresses = [\n")
    eml = write(tmp_path / "a.eml", PERSON)
    assert main(["--config", str(cfg), "classify", str(eml)]) == 78
    assert capsys.readouterr().out == ""


UNUSABLE = b"Subject: no sender, no id\n\nbody\n"


@pytest.mark.parametrize("container", ["file", "mbox", "mbox in a folder"])
def test_one_exit_code_rule_for_unusable_mail_whatever_holds_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], container: str) -> None:
    if container == "file":
        target = path = write(tmp_path / "bad.eml", UNUSABLE)
    else:
        path = write(tmp_path / "box" / "archive.mbox", b"From jane@acme.example Tue Jan  6 "
                     b"09:12:00 2026\n" + PERSON + b"\nhi\n\nFrom x@y Tue Jan  6 10:00:00 2026\n"
                     + UNUSABLE)
        target = path.parent if container == "mbox in a folder" else path
    code, rows, err = run_json(capsys, str(target))
    assert code == 1
    assert len(rows) == (0 if container == "file" else 1)
    assert "not a usable mail header" in err and str(path) in err


def test_a_folder_that_cannot_be_listed_is_an_error_like_an_unreadable_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "mail" / "a.eml", PERSON)
    locked = tmp_path / "mail" / "locked"
    write(locked / "b.eml", PERSON)
    scandir = os.scandir

    def refuse(path: Any = ".") -> Any:  # the OS refusing, as chmod 000 does for a user
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    code, rows, err = run_json(capsys, str(tmp_path / "mail"))
    assert code == 1
    assert [Path(r["path"]).name for r in rows] == ["a.eml"]
    assert err.strip() == f"syncd: classify: {locked}: Permission denied"
    assert main(["classify", str(tmp_path / "mail")]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        "1 message: 1 personal (100.0% personal); 1 could not be read (errors above), "
        "exit code 1")
