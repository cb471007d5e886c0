"""`syncd people --suggest`: likely same-person groups, as ``[[people]]`` entries to paste.

Nothing is merged here: the user pastes what they agree with into the config (or merges the
entries in their address book)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rules.same_person import Group, Known, own_aliases, suggest, toml_entry
from syncd import clock
from syncd import config as config_mod
from syncd.commands.common import load_config, out
from syncd.config import Config
from syncd.errors import SyncdError
from syncd.pipeline import Snapshot
from syncd.store import Store


def suggestions(config: Config, snapshot: Snapshot) -> list[dict[str, Any]]:
    """Every suggested group as a JSON-ready dict, its ``[[people]]`` entry in ``toml``."""
    directory = snapshot.directory
    configured = set(directory.configured())
    known = [Known(pid, directory.addresses(pid) or (pid,), directory.names_seen(pid),
                   directory.name(pid) if pid in configured else None,
                   led.messages_in + led.messages_out + led.meetings)
             for pid, led in sorted(snapshot.ledgers.items())]
    rows = [_row(g, directory.tags(g.people[0]) if g.replaces else ())
            for g in suggest(known, config.me.name)]
    mine = own_aliases(known, config.me.name, directory.self_addresses)
    if mine:
        everything = list(dict.fromkeys([*config.me.addresses, *mine]))
        rows.append({"name": config.me.name, "addresses": list(mine), "people": list(mine),
                     "evidence": [(f"your name, {config.me.name}, or a spelling of it at "
                                   "your own domain")], "replaces": None, "self": True,
                     "toml": "# These look like your own addresses: add them to [me] "
                             "addresses (not to [[people]]):\n# [me]\n# addresses = ["
                             + ", ".join(f'"{a}"' for a in everything) + "]\n"})
    return rows


def _row(group: Group, tags: tuple[str, ...]) -> dict[str, Any]:
    return {"name": group.name, "addresses": list(group.addresses),
            "people": list(group.people), "evidence": list(group.evidence),
            "replaces": group.replaces, "self": False, "toml": toml_entry(group, tags)}


def cmd_people(args: argparse.Namespace) -> int:
    from syncd.commands.offline import offline_view

    if not args.suggest:
        raise SyncdError("`syncd people` only suggests for now: run `syncd people --suggest`; "
                         "`syncd contacts` lists everyone")
    config = load_config(args)
    with Store.open(config_mod.store_path(config), keep_subjects=config.store.subjects) as store:
        snapshot, _placed, _written = offline_view(config, store, clock.now())
    rows = suggestions(config, snapshot)
    if args.json:
        out().print(json.dumps(rows, indent=2, ensure_ascii=False), markup=False, emoji=False)
        return 0
    if not rows:
        out().print("No likely same-person groups: nothing to suggest.", markup=False)
        return 0
    out().print(f"# {len(rows)} likely same-person group(s). Nothing is merged until you paste "
                "an entry into the config (or merge them in your address book).\n", markup=False)
    for r in rows:
        out().print(r["toml"], markup=False, soft_wrap=True)
    return 0
