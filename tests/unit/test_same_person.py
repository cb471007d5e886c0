"""`syncd people --suggest`: likely same-person groups with their evidence (pure), through the
command line, and on a real Enron mailbox."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors._imap_parse import parse_headers
from rules.same_person import Known, local_key, name_key, own_aliases, suggest, toml_entry
from syncd import config as config_mod
from syncd.commands.cli import main
from syncd.commands.people import suggestions
from syncd.model import Address, Message, Page
from syncd.pipeline import compute
from syncd.store import Store

# ../shared/data beside the checkout (/work/main) or beside the worktrees' folder (/work/wt/x)
ENRON = next((p / "shared" / "data" for p in Path(__file__).resolve().parents
              if (p / "shared" / "data").is_dir()), Path("shared/data")) / "enron-maildir" / \
    "maildir"


def known(person: str, *names: str, addresses: tuple[str, ...] = (), configured: str | None = None,
          weight: int = 0) -> Known:
    return Known(person, addresses or (person,), {n: 1 for n in names}, configured, weight)


def test_names_compare_without_case_accents_initials_or_order() -> None:
    assert name_key("Roe, Jane Q.") == name_key("jane roe") == name_key("Jäne ROE") == (
        "jane", "roe")
    assert name_key("Jane") is None and name_key("jane@acme.example") is None
    assert local_key("jane.roe") == local_key("jane_q_roe") == ("jane", "roe")
    assert local_key("jroe") is None and local_key("j.roe") is None and local_key("info") is None


def test_one_display_name_at_several_addresses_is_one_group_with_its_evidence() -> None:
    [group] = suggest([known("jane@acme.example", "Jane Roe", weight=9),
                       known("jroe@gmail.com", "Roe, Jane"),
                       known("jane@other.example", "Jane Smith")])
    assert group.name == "Jane Roe"
    assert group.addresses == ("jane@acme.example", "jroe@gmail.com")  # busiest first
    assert group.evidence == ("the name Jane Roe at jane@acme.example and jroe@gmail.com",)


def test_the_same_local_part_at_two_domains_is_named_in_the_evidence() -> None:
    [group] = suggest([known("jroe@acme.example", "Jane Roe"), known("jroe@gmail.com", "Jane Roe")])
    assert "(the same local part jroe@)" in group.evidence[0]


def test_related_spellings_at_one_domain_need_a_name_but_no_display_name() -> None:
    [group] = suggest([known("jane.roe@acme.example"), known("jroe@acme.example"),
                       known("jroe@elsewhere.example")])  # another domain: another person
    assert set(group.addresses) == {"jane.roe@acme.example", "jroe@acme.example"}
    assert group.name == "Jane Roe"
    assert group.evidence == (
        "jane.roe@ and jroe@ at acme.example: spellings of one name, Jane Roe",)
    # a display name gives the name too, where its own address spells it (jr@ does not)
    [named] = suggest([known("jroe@acme.example", "Jane Roe"), known("j.roe@acme.example")])
    assert set(named.addresses) == {"jroe@acme.example", "j.roe@acme.example"}
    assert suggest([known("jr@acme.example", "Jane Roe"), known("j.roe@acme.example")]) == []


def test_an_ambiguous_spelling_links_nobody_and_nobody_is_a_group_alone() -> None:
    people = [known("dana.smith@acme.example"), known("doug.smith@acme.example"),
              known("d.smith@acme.example")]
    assert suggest(people) == []  # d.smith: Dana or Doug?
    assert suggest([known("jane.roe@acme.example"), known("bob.stone@acme.example")]) == []


def test_the_users_own_name_is_not_a_group_but_a_hint_for_me_addresses() -> None:
    people = [known("dfossum@enron.com"), known("drew_fossum@enron.com"),
              known("fossum@gmail.com", "Drew Fossum")]
    assert suggest(people, "Drew Fossum") == []
    assert own_aliases(people, "Drew Fossum", ["drew.fossum@enron.com"]) == (
        "dfossum@enron.com", "drew_fossum@enron.com", "fossum@gmail.com")


def test_a_configured_entry_grows_two_configured_entries_stay_apart() -> None:
    [group] = suggest([known("jane@acme.example", configured="Jane Roe", weight=1),
                       known("jroe@gmail.com", "Jane Roe", weight=50)])
    assert group.addresses[0] == "jane@acme.example" and group.replaces == "Jane Roe"
    entry = toml_entry(group, ("inner-circle",))
    assert "# replaces your [[people]] entry 'Jane Roe'" in entry
    assert tomllib.loads(entry)["people"] == [{"name": "Jane Roe", "addresses": [
        "jane@acme.example", "jroe@gmail.com"], "tags": ["inner-circle"]}]
    assert suggest([known("jane@acme.example", configured="Jane Roe"),
                    known("jroe@gmail.com", configured="Jane Roe")]) == []


def test_the_entry_is_valid_toml_that_the_config_accepts() -> None:
    [group] = suggest([known("o.brien@acme.example", 'Pat "PJ" O\'Brien'),
                       known("pat@gmail.com", 'Pat "PJ" O\'Brien')])
    raw = tomllib.loads(toml_entry(group))
    config = config_mod.from_dict({"people": raw["people"]})
    assert config.people[0].addresses == group.addresses


# -- the command line --------------------------------------------------------------------------

def test_people_suggest_through_the_command_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    me = Address("dana@example.org", "Dana")
    now = datetime(2026, 11, 20, tzinfo=UTC)
    mail = [Message("mail", f"INBOX/{n}", f"m{n}@x", now - timedelta(days=n), sender, (me,),
                    subject="Hello")
            for n, sender in enumerate([Address("jane.roe@acme.example"),
                                        Address("jroe@acme.example", "Jane Roe"),
                                        Address("omar@haddad.example", "Omar Haddad")], 1)]
    store = tmp_path / "s.sqlite3"
    with Store.open(store) as s:
        s.ingest("mail", Page(tuple(mail), "1"))
    path = tmp_path / "c.toml"
    path.write_text(f'[me]\naddresses = ["{me.email}"]\n[store]\npath = "{store}"\n')

    def run(*args: str) -> Any:
        code = main(["--config", str(path), "people", *args])
        text = capsys.readouterr()
        return code, text.out, text.err

    code, out, _ = run("--suggest", "--json")
    [row] = json.loads(out)
    assert code == 0 and row["addresses"] == ["jane.roe@acme.example", "jroe@acme.example"]
    assert row["name"] == "Jane Roe" and row["evidence"] and row["self"] is False
    code, out, _ = run("--suggest")
    assert code == 0 and tomllib.loads(out)["people"][0]["name"] == "Jane Roe"
    code, _, err = run()
    assert code == 1 and "syncd people --suggest" in err


# -- a real mailbox ----------------------------------------------------------------------------

@pytest.mark.corpus
def test_fossum_d_suggests_the_spellings_of_one_name_and_the_users_own_aliases() -> None:
    root = ENRON / "fossum-d"
    if not root.is_dir():
        pytest.skip(f"the Enron maildirs are not at {ENRON} (the shared data folder is absent)")
    messages: dict[str, Message] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        head = raw[:raw.find(b"\n\n")] if b"\n\n" in raw else raw
        sent = path.relative_to(root).parts[0] in ("sent", "_sent_mail", "sent_items")
        m = parse_headers(head, account="enron", native_id=str(path), internaldate=None,
                          labels=("\\Sent",) if sent else (), scope="")
        messages.setdefault(m.message_id, m)
    config = config_mod.from_dict({"me": {"name": "Drew Fossum",
                                          "addresses": ["drew.fossum@enron.com"]}})
    snapshot = compute(config, list(messages.values()), [], datetime(2002, 1, 1, tzinfo=UTC))
    rows = {tuple(sorted(r["addresses"])): r for r in suggestions(config, snapshot)}
    assert {("britt.davis@enron.com", "britt_davis@enron.com"),
            ("mark.schroeder@enron.com", "mschroeder@enron.com"),
            ("rkilmer@enron.com", "robert.kilmer@enron.com")} <= set(rows)
    # his other logins spell his name at his own domain: they are him, never suggested
    assert [r for r in rows.values() if r["self"]] == []
    contacts = {a for pid in snapshot.ledgers for a in snapshot.directory.addresses(pid)}
    assert not {"dfossum@enron.com", "drew_fossum@enron.com"} & contacts
    assert snapshot.directory.is_self("drew_fossum@enron.com")
    assert len(rows) <= 6  # a few, each worth asking about; not every Smith at Enron
