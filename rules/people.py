"""Who is who: self, configured people, and one person per other normalised address.

A person's id is a normalised address (for a ``[[people]]`` entry, its first address), so it is
readable and stable across runs; follow-up keys are derived from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rules.identity import domain_of, normalize_address


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """A ``[[people]]`` entry, as the rules see it."""

    name: str
    addresses: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class Directory:
    """Maps addresses to person ids and names. Build with ``Directory.build``."""

    self_addresses: frozenset[str]
    _alias: dict[str, str] = field(default_factory=dict)  # normalised address -> person id
    _specs: dict[str, PersonSpec] = field(default_factory=dict)  # person id -> configured entry
    _names: dict[str, Counter[str]] = field(default_factory=dict)
    _addresses: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, self_addresses: Iterable[str], people: Iterable[PersonSpec]) -> Directory:
        directory = cls(frozenset(normalize_address(a) for a in self_addresses))
        for spec in people:
            if not spec.addresses:
                continue
            pid = normalize_address(spec.addresses[0])
            directory._specs[pid] = spec
            for address in spec.addresses:
                directory._alias[normalize_address(address)] = pid
        return directory

    def is_self(self, address: str) -> bool:
        return normalize_address(address) in self.self_addresses

    def person_id(self, address: str) -> str:
        norm = normalize_address(address)
        return self._alias.get(norm, norm)

    def see(self, address: str, name: str) -> str:
        """Note an address (and the display name it came with); return its person id."""
        pid = self.person_id(address)
        self.note(pid, address, name)
        return pid

    def note(self, pid: str, address: str, name: str, times: int = 1) -> None:
        """Note that ``pid`` was seen (``times`` times) as ``address`` with display name
        ``name``."""
        self._addresses.setdefault(pid, set()).add(address.strip().lower())
        clean = name.strip().strip("'\"")
        if clean and "@" not in clean:
            self._names.setdefault(pid, Counter())[clean] += times

    def name(self, pid: str) -> str:
        """The configured name, else the display name seen most often, else the address."""
        if pid in self._specs:
            return self._specs[pid].name
        names = self._names.get(pid)
        if names:
            return max(sorted(names), key=lambda n: names[n])
        return pid

    def names_seen(self, pid: str) -> dict[str, int]:
        """The display names ``pid`` came with, and how often."""
        return dict(self._names.get(pid, {}))

    def addresses(self, pid: str) -> tuple[str, ...]:
        configured = self._specs[pid].addresses if pid in self._specs else ()
        seen = self._addresses.get(pid, set())
        return tuple(dict.fromkeys([*configured, *sorted(seen)]))

    def tags(self, pid: str) -> tuple[str, ...]:
        return self._specs[pid].tags if pid in self._specs else ()

    def domain(self, pid: str) -> str:
        return domain_of(pid)

    def configured(self) -> Iterable[str]:
        return self._specs.keys()
