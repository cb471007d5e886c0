"""Issue 16 (d1): the config the program holds is plain frozen dataclasses generated from the
pydantic schema, and ``syncd run`` has it validated in a child process, so the daemon never
imports pydantic."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest

from syncd import config
from syncd.config import generate, isolated, plain
from syncd.config.schema import Config as Model
from syncd.errors import ConfigError

RICH = """
[me]
addresses = ["dana@example.org"]
timezone = "Europe/Berlin"
[store]
path = "/tmp/x.sqlite3"
[[accounts]]
name = "mail"
type = "imap"
host = "127.0.0.1"
security = "none"
password_env = "X"
folders = ["INBOX", "Sent"]
message_text = "none"
[[accounts]]
name = "cal"
type = "caldav"
url = "http://127.0.0.1:5232/"
window_past = "30d"
[[accounts]]
name = "gm"
type = "gmail"
client_secrets = "/dev/null"
message_text = "preview"
[[accounts]]
name = "office"
type = "outlook"
client_id = "c"
[followups]
account = "cal"
time = "08:30"
alarm = "10m"
working_days = ["mon", "wed"]
[[people]]
name = "Jane"
addresses = ["jane@acme.example"]
birthday = "--03-15"
[[cadences]]
name = "monthly"
every = "4w"
tags = ["team"]
[new_contacts]
steps = ["2d", "1w"]
[ignore]
patterns = ["^noreply"]
[daemon]
poll_imap = "2m"
"""


def test_plain_py_is_what_the_generator_writes_from_the_schema() -> None:
    assert plain.__file__ is not None
    text = Path(plain.__file__).read_text(encoding="utf-8")
    assert text == generate.render(), "run `python -m syncd.config.generate`"


def test_the_plain_classes_have_the_models_fields_and_defaults() -> None:
    for model in generate.models():
        kind = getattr(plain, model.__name__)
        assert [f.name for f in dataclasses.fields(kind)] == list(model.model_fields)
        assert getattr(kind, "__dataclass_params__").frozen  # noqa: B009
    assert plain.Config() == config.from_dict({})  # every default, validated or not


def _plainly(value: object) -> object:
    """A model or a plain tree as comparable data: class name, then the fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: _plainly(getattr(value, f.name))
                                       for f in dataclasses.fields(value)})
    if fields := getattr(type(value), "model_fields", None):
        return (type(value).__name__, {k: _plainly(getattr(value, k)) for k in fields})
    if isinstance(value, tuple):
        return tuple(_plainly(v) for v in value)
    return value


def test_load_returns_the_validated_values_in_plain_classes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(RICH, encoding="utf-8")
    loaded = config.load(path)
    assert type(loaded) is plain.Config
    assert _plainly(loaded) == _plainly(Model(**config.read_raw(path)))
    imap, cal, gmail, office = loaded.accounts
    assert isinstance(imap, plain.ImapAccount) and imap.folders == ("INBOX", "Sent")
    assert isinstance(cal, plain.CaldavAccount) and cal.window_past == timedelta(days=30)
    assert isinstance(gmail, plain.GoogleAccount) and gmail.reads_text
    assert isinstance(office, plain.OutlookAccount) and office.tenant == "common"
    assert loaded.followups.time == time(8, 30) and loaded.followups.alarm == timedelta(minutes=10)
    assert loaded.new_contacts.steps == (timedelta(days=2), timedelta(weeks=1))
    assert loaded.people[0].birthday == "--03-15" and loaded.cadences[0].every.days == 28
    assert [loaded.message_text(n) for n in ("mail", "gm", "office")] == ["none", "preview",
                                                                          "preview"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.me.name = "x"  # type: ignore[misc]
    # the store's fingerprint of [ignore] reads as pydantic's JSON dump of it did
    model = Model(**config.read_raw(path))
    assert json.dumps(dataclasses.asdict(loaded.ignore), sort_keys=True) == \
        json.dumps(model.ignore.model_dump(mode="json"), sort_keys=True)


def test_the_child_validates_as_load_does(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(RICH, encoding="utf-8")
    assert isolated.load(path) == config.load(path)
    path.write_text(RICH.replace('poll_imap = "2m"', 'poll_imap = "soon"\ncolour = "red"'),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        isolated.load(path)
    with pytest.raises(ConfigError) as direct:
        config.load(path)
    assert caught.value.problems == direct.value.problems and caught.value.source == str(path)
    assert "daemon.poll_imap" in str(caught.value) and "daemon.colour" in str(caught.value)
    with pytest.raises(ConfigError, match="no config file"):
        isolated.load(tmp_path / "missing.toml")


def test_the_daemon_validates_without_importing_pydantic(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(RICH, encoding="utf-8")
    code = ("import sys\nfrom pathlib import Path\n"
            "import syncd.daemon, syncd.engine, connectors.registry, connectors.imap\n"
            "from syncd.config import isolated\n"
            f"loaded = isolated.load(Path({str(path)!r}))\n"
            "assert loaded.accounts[0].name == 'mail'\n"
            "print(sorted({'pydantic', 'pydantic_core', 'annotated_types'}\n"
            "             & {m.split('.')[0] for m in sys.modules}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
