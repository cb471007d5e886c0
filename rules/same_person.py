"""Likely same-person groups the user has not merged (``syncd people --suggest``): pure.

Nothing here merges anyone: only ``[[people]]`` in the config (or an address book) says who is
who. This module finds the groups worth asking about, each with its evidence:

- **same name**: one display name (at least a first and a last name, compared without case,
  accents, initials or "Last, First" order) seen at several addresses; the same local part at
  two domains says so too;
- **related addresses**: two addresses at one domain whose local parts are both spellings of one
  name seen on either (``jroe@`` and ``jane.roe@`` for "Jane Roe": first.last, f.last, flast,
  first_last, last.first ...).

A group holding two ``[[people]]`` entries is left out (the config keeps them apart), and so is
a name shared by more than ``MAX_GROUP`` people (a team or a role, not a person).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_GROUP = 5
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class Known:
    """One person as syncd knows them now: id, addresses, display names seen (with how often),
    and the ``[[people]]`` name when the config has an entry for them."""

    person: str
    addresses: tuple[str, ...]
    names: Mapping[str, int]
    configured: str | None = None
    weight: int = 0  # how much history they have (the busiest address leads a group)


@dataclass(frozen=True, slots=True)
class Group:
    """A suggested ``[[people]]`` entry."""

    name: str
    addresses: tuple[str, ...]
    people: tuple[str, ...]  # the person ids it would merge
    evidence: tuple[str, ...]
    replaces: str | None = None  # the name of the [[people]] entry it would grow


def name_key(name: str) -> tuple[str, ...] | None:
    """``"Roe, Jane Q."`` and ``"jane roe"`` -> ``("jane", "roe")``; None for fewer than two
    words (a first name alone names too many people)."""
    if "@" in name:
        return None
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    words = tuple(w for w in _WORD.findall(text) if len(w) > 1)
    return words if len(words) >= 2 else None


def same_given(one: str, other: str) -> bool:
    """An initial and the name it starts ("D" and "Drew"), or two forms of one name that share
    their first two letters ("Dave" and "David"): brothers Clint and Craig are two people."""
    if min(len(one), len(other)) == 1:
        return one[0] == other[0]
    return one[:2] == other[:2]


def spellings(key: tuple[str, ...]) -> frozenset[str]:
    """The local parts people build from a name (first and last word)."""
    first, last = key[0], key[-1]
    f = first[0]
    return frozenset({f"{f}{last}"[:8],  # eight-character logins (mpetroch@)
        f"{first}.{last}", f"{first}_{last}", f"{first}-{last}", f"{first}{last}",
        f"{f}{last}", f"{f}.{last}", f"{f}_{last}", f"{last}.{first}", f"{last}_{first}",
        f"{last}{first}", f"{last}{f}", f"{first}.{last[0]}", f"{first}{last[0]}"})


def _split(address: str) -> tuple[str, str]:
    local, _, domain = address.lower().rpartition("@")
    return local, domain


def _keys(known: Known, own: tuple[str, ...] | None) -> set[tuple[str, ...]]:
    names = [*known.names, *([known.configured] if known.configured else [])]
    return {key for n in names if (key := name_key(n)) is not None and key != own}


def _display(known: Known) -> str:
    """The configured name, the display name seen most, or the name its addresses spell."""
    if known.configured:
        return known.configured
    if known.names:
        return max(sorted(known.names), key=lambda n: known.names[n])
    for address in known.addresses:
        if (key := local_key(_split(address)[0])) is not None:
            return " ".join(w.capitalize() for w in key)
    return known.person


def suggest(people: Iterable[Known], self_name: str = "") -> list[Group]:
    """The groups worth asking about, largest evidence first."""
    everyone = {k.person: k for k in people}
    own = name_key(self_name) if self_name else None
    links: dict[frozenset[str], list[str]] = defaultdict(list)
    by_name: dict[tuple[str, ...], list[str]] = defaultdict(list)
    by_address: dict[tuple[str, str], str] = {}
    for k in everyone.values():
        for key in _keys(k, own):
            by_name[key].append(k.person)
        for address in k.addresses:
            by_address.setdefault(_split(address), k.person)
    for key, pids in by_name.items():
        if not 1 < len(pids) <= MAX_GROUP:
            continue
        shown = " ".join(w.capitalize() for w in key)
        for n, a in enumerate(pids):
            for b in pids[n + 1:]:
                links[frozenset((a, b))].append(_same_name(shown, everyone[a], everyone[b]))
    _related(everyone, own, links)
    return _groups(everyone, links)


def _related(everyone: Mapping[str, Known], own: tuple[str, ...] | None,
             links: dict[frozenset[str], list[str]]) -> None:
    """Link addresses at one domain that spell one name. A name comes from a display name or
    from a local part that spells it whole (``jane.roe``, ``jane_roe``); it counts for an
    address only when that address is one of its spellings. A spelling that several names
    claim (``d.smith@``: Dana or Doug?) links nobody."""
    claims: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)
    owners: dict[tuple[str, tuple[str, ...]], set[str]] = defaultdict(set)
    for k in everyone.values():
        keys = _keys(k, own) | {key for a in k.addresses
                                if (key := local_key(_split(a)[0])) is not None and key != own}
        for address in k.addresses:
            local, domain = _split(address)
            for key in keys:
                forms = spellings(key)
                if local in forms or local_key(local) == key:
                    owners[(domain, key)].add(k.person)
                    for form in forms:
                        claims[(domain, form)].add(key)
    for k in everyone.values():
        for address in k.addresses:
            local, domain = _split(address)
            keys = claims.get((domain, local), set())
            if len(keys) != 1:
                continue
            [key] = keys
            for other in sorted(owners[(domain, key)] - {k.person}):
                theirs = sorted(_split(a)[0] for a in everyone[other].addresses
                                if _split(a)[1] == domain)
                shown = " ".join(w.capitalize() for w in key)
                links[frozenset((k.person, other))].append(
                    f"{' and '.join(f'{x}@' for x in sorted({local, *theirs}))} at {domain}: "
                    f"spellings of one name, {shown}")


def local_key(local: str) -> tuple[str, ...] | None:
    """The name a local part spells whole: ``jane.roe`` / ``jane_roe`` / ``jane-roe`` /
    ``jane.q.roe`` -> ``("jane", "roe")``; None for anything else (``jroe``, ``info``,
    ``j.roe``)."""
    words = [w for w in re.split(r"[._-]", local) if w]
    if len(words) == 3 and len(words[1]) == 1:
        words = [words[0], words[2]]  # a middle initial
    if len(words) == 2 and all(w.isalpha() and len(w) > 1 for w in words):
        return tuple(words)
    return None


def _same_name(shown: str, a: Known, b: Known) -> str:
    locals_a = {_split(x)[0] for x in a.addresses}
    same_local = sorted(locals_a & {_split(x)[0] for x in b.addresses})
    tail = f" (the same local part {same_local[0]}@)" if same_local else ""
    return f"the name {shown} at {a.addresses[0]} and {b.addresses[0]}{tail}"


def _groups(everyone: Mapping[str, Known], links: Mapping[frozenset[str], list[str]]
            ) -> list[Group]:
    parent = {p: p for pair in links for p in pair}

    def root(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for pair in links:
        a, b = sorted(pair)
        parent[root(b)] = root(a)
    members: dict[str, list[str]] = defaultdict(list)
    for p in parent:
        members[root(p)].append(p)
    out: list[Group] = []
    for pids in members.values():
        group = [everyone[p] for p in sorted(pids)]
        if sum(1 for k in group if k.configured) > 1 or len(group) > MAX_GROUP:
            continue
        # The configured entry first (its id stays the person's id), then the busiest address.
        group.sort(key=lambda k: (k.configured is None, -k.weight, k.person))
        evidence = sorted({e for pair, found in links.items() if pair <= set(pids)
                           for e in found})
        addresses = tuple(dict.fromkeys(a.lower() for k in group for a in k.addresses))
        named = [n for k in group if not (n := _display(k)).count("@")]
        out.append(Group(named[0] if named else group[0].person, addresses,
                         tuple(k.person for k in group), tuple(evidence), group[0].configured))
    out.sort(key=lambda g: (-len(g.evidence), g.name))
    return out


def toml_entry(group: Group, tags: Iterable[str] = ()) -> str:
    """The group as a ``[[people]]`` entry, its evidence as comments, ready to paste."""
    lines = [f"# {e}" for e in group.evidence]
    if group.replaces:
        lines.append(f"# replaces your [[people]] entry {group.replaces!r}")
    lines += ["[[people]]", f"name = {_quote(group.name)}",
              "addresses = [" + ", ".join(_quote(a) for a in group.addresses) + "]"]
    tags = list(tags)
    if tags:
        lines.append("tags = [" + ", ".join(_quote(t) for t in tags) + "]")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def own_aliases(people: Iterable[Known], self_name: str, self_addresses: Iterable[str]
                ) -> tuple[str, ...]:
    """Addresses that look like the user's own: the user's name as their display name, or a
    spelling of it as the local part at one of the user's own domains."""
    own = name_key(self_name) if self_name else None
    if own is None:
        return ()
    domains = {_split(a)[1] for a in self_addresses}
    forms = spellings(own)
    found = []
    for k in people:
        names = {name_key(n) for n in k.names}
        for address in k.addresses:
            local, domain = _split(address)
            if own in names or (domain in domains and local in forms):
                found.append(address.lower())
    return tuple(sorted(set(found)))
