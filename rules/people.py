"""Who is who: self, configured people, address books, and one person per other address.

A person's id is a normalised address (for a ``[[people]]`` entry, its first address; for an
address-book person, the first address of its first entry), so it is readable and stable
across runs; follow-up keys are derived from it.

Address books (``syncd.model.Contact``) merge addresses into people: entries that share an
address are one person, named by the entry, tagged with its groups. ``[[people]]`` wins: an
entry sharing an address with a configured person joins that person (the configured name
stands; tags and addresses add up), and an address the config gives one person is never taken
by another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rules.identity import domain_of, name_tokens, normalize_address, same_name
from rules.same_person import local_key, name_key, same_given, spellings
from syncd.model import Address, Contact

# (normalised address, person id, self by the address, self by the address or the name)
AddressFacts = tuple[str, str, bool, bool]


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """A ``[[people]]`` entry, as the rules see it."""

    name: str
    addresses: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class BookPerson:
    """What the address books say about one person (several entries may add up)."""

    name: str = ""
    addresses: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    birthday: tuple[int, int, int | None] | None = None

    def add(self, entry: Contact, addresses: Iterable[str]) -> None:
        self.name = self.name or entry.name.strip()
        self.addresses += [a for a in addresses if a not in self.addresses]
        self.tags += [t for t in entry.tags if t not in self.tags]
        if entry.source not in self.sources:
            self.sources.append(entry.source)
        if entry.birthday is not None and (self.birthday is None or (
                self.birthday[2] is None and entry.birthday[2] is not None)):
            self.birthday = entry.birthday


@dataclass(slots=True)
class Directory:
    """Maps addresses to person ids and names. Build with ``Directory.build``."""

    self_addresses: frozenset[str]
    _alias: dict[str, str] = field(default_factory=dict)  # normalised address -> person id
    _specs: dict[str, PersonSpec] = field(default_factory=dict)  # person id -> configured entry
    _book: dict[str, BookPerson] = field(default_factory=dict)  # person id -> address books
    _names: dict[str, dict[str, int]] = field(default_factory=dict)
    _addresses: dict[str, set[str]] = field(default_factory=dict)
    self_name: frozenset[str] = frozenset()  # name_tokens(me.name)
    # Local parts that spell me.name (drew_fossum, dfossum ...): at one of the user's own
    # domains such an address is the user's too (a second login, a cc to themselves).
    self_forms: frozenset[str] = frozenset()
    self_domains: frozenset[str] = frozenset()
    # The domains of the configured addresses (not of learned ones: a home address at a mail
    # provider does not make the provider the user's organisation).
    own_domains: frozenset[str] = frozenset()
    _facts: dict[Address, AddressFacts] = field(default_factory=dict)  # ``facts``, remembered
    # ``facts_of``, by the identity of a list of addresses (kept with it, so that the identity
    # is never another list's)
    _lists: dict[int, tuple[tuple[Address, ...], tuple[AddressFacts, ...]]] = field(
        default_factory=dict)

    @classmethod
    def build(cls, self_addresses: Iterable[str], people: Iterable[PersonSpec],
              self_name: str = "", book: Iterable[Contact] = (),
              sent_from: Iterable[str] = ()) -> Directory:
        """``sent_from``: the From addresses of mail in the user's sent folders; those that
        carry the user's surname (``w.roe@``, ``jroe2@home.example``) are the user's too."""
        configured = frozenset(normalize_address(a) for a in self_addresses)
        keys = [name_key(self_name)] if self_name else []
        keys += [local_key(a.partition("@")[0]) for a in configured]  # jane.roe@
        names = [key for key in keys if key is not None]
        learned = {a for a in map(normalize_address, sent_from)
                   if a not in configured and _carries_surname(a, names)}
        directory = cls(configured | learned)
        directory.own_domains = frozenset(domain_of(a) for a in configured)
        directory.self_name = name_tokens(self_name)
        if forms := {form for key in names for form in spellings(key)}:
            directory.self_forms = frozenset(forms)
            directory.self_domains = directory.own_domains
        for spec in people:
            if not spec.addresses:
                continue
            pid = normalize_address(spec.addresses[0])
            directory._specs[pid] = spec
            for address in spec.addresses:
                directory._alias[normalize_address(address)] = pid
        for group in _groups(book, directory.self_addresses):
            directory._add_book_person(group)
        return directory

    def _add_book_person(self, group: list[tuple[Contact, list[str]]]) -> None:
        every = [a for _, addresses in group for a in addresses]
        configured = [self._alias[normalize_address(a)] for a in every
                      if normalize_address(a) in self._alias]
        pid = configured[0] if configured else normalize_address(every[0])
        person = self._book.setdefault(pid, BookPerson())
        for entry, addresses in group:
            person.add(entry, addresses)
        for address in every:
            self._alias.setdefault(normalize_address(address), pid)

    def is_self(self, address: str) -> bool:
        """One of ``me.addresses``, or a spelling of the user's name at one of their domains."""
        normal = normalize_address(address)
        if normal in self.self_addresses:
            return True
        local, _, domain = normal.rpartition("@")
        return local in self.self_forms and domain in self.self_domains

    def spells_self(self, address: str) -> bool:
        """Does the local part spell the user's name, at any domain (``dexample2@home``:
        trailing digits aside)?"""
        local = normalize_address(address).rpartition("@")[0].rstrip("0123456789")
        return local in self.self_forms

    def is_self_address(self, a: Address) -> bool:
        """Self by address, or by a display name that is the user's own name (another address
        of the user's: "Dana Example (home)")."""
        return (self._facts.get(a) or self.facts(a))[3]

    def facts(self, a: Address) -> AddressFacts:
        """What is asked of an address as a message names it: (normalised, person id,
        ``is_self`` of the address, ``is_self_address``), worked out once per address
        (a mailbox repeats the same few thousand; a directory does not change once built);
        emptied when it holds 65,536, and by ``forget_facts``."""
        known = self._facts.get(a)
        if known is not None:
            return known
        norm = normalize_address(a.email)
        mine = self.is_self(a.email)
        if len(self._facts) >= 65_536:
            self._facts.clear()
        known = self._facts[a] = (norm, self._alias.get(norm, norm), mine,
                                  mine or same_name(a.name, self.self_name))
        return known

    def facts_of(self, addresses: tuple[Address, ...]) -> tuple[AddressFacts, ...]:
        """``facts`` of each address of a list, remembered per list: a store shares each list
        of recipients it decodes among the messages that repeat it (``syncd.store.codec``),
        and a list looked up by its identity costs one lookup instead of one per address
        (hashing an ``Address`` is a call in Python). Emptied when it holds 65,536 lists, and
        by ``forget_facts``."""
        known = self._lists.get(id(addresses))
        if known is not None and known[0] is addresses:
            return known[1]
        found = tuple(map(self.facts, addresses))
        if len(self._lists) >= 65_536:
            self._lists.clear()
        self._lists[id(addresses)] = (addresses, found)
        return found

    def forget_facts(self) -> None:
        """Drop what ``facts`` and ``facts_of`` remember (after a pass over the mail: nothing
        else reads it)."""
        self._facts.clear()
        self._lists.clear()

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
        known = self._addresses.get(pid)  # no new set or dict a call: 20,000 people a cycle
        if known is None:
            known = self._addresses[pid] = set()
        known.add(address.strip().lower())
        clean = name.strip().strip("'\"")
        if clean and "@" not in clean:
            names = self._names.get(pid)
            if names is None:
                names = self._names[pid] = {}
            names[clean] = names.get(clean, 0) + times

    def name(self, pid: str) -> str:
        """The configured name, else the address book's, else the display name seen most
        often, else the address."""
        if pid in self._specs:
            return self._specs[pid].name
        if pid in self._book and self._book[pid].name:
            return self._book[pid].name
        names = self._names.get(pid)
        if names:
            return max(sorted(names), key=lambda n: names[n])
        return pid

    def names_seen(self, pid: str) -> dict[str, int]:
        """The display names ``pid`` came with, and how often."""
        return dict(self._names.get(pid, {}))

    def addresses(self, pid: str) -> tuple[str, ...]:
        configured = self._specs[pid].addresses if pid in self._specs else ()
        booked = self._book[pid].addresses if pid in self._book else ()
        seen = self._addresses.get(pid, set())
        return tuple(dict.fromkeys([*configured, *booked, *sorted(seen)]))

    def tags(self, pid: str) -> tuple[str, ...]:
        configured = self._specs[pid].tags if pid in self._specs else ()
        booked = self._book[pid].tags if pid in self._book else ()
        return tuple(dict.fromkeys([*configured, *booked]))

    def sources(self, pid: str) -> tuple[str, ...]:
        """The accounts whose address books know ``pid`` (``"config"`` for ``[[people]]``)."""
        booked = self._book[pid].sources if pid in self._book else []
        return tuple(["config"] if pid in self._specs else []) + tuple(sorted(booked))

    def booked(self) -> Iterable[str]:
        """The people the address books know."""
        return self._book.keys()

    def birthday(self, pid: str) -> tuple[int, int, int | None] | None:
        """(month, day, year or None) from the address books, or None."""
        return self._book[pid].birthday if pid in self._book else None

    def domain(self, pid: str) -> str:
        return domain_of(pid)

    def configured(self) -> Iterable[str]:
        return self._specs.keys()

    def identity(self) -> dict[str, str]:
        """Who is who, for the fingerprint of the derived tables: each normalised address that
        belongs to a person of another id. (An address that is its own person changes
        nothing, so a new one-address entry re-derives nothing.)"""
        return {a: pid for a, pid in sorted(self._alias.items()) if a != pid}


def _carries_surname(address: str, names: list[tuple[str, ...]]) -> bool:
    """Does the local part carry one of the user's surnames ("w..roe", "jane.roe", "jroe2"),
    as a word or after one or two initials, and no other given name ("craig.dean" is not
    Clint Dean's: a relative's or a namesake colleague's mail in the same folders)?"""
    words = [w for w in re.split(r"[^a-z]+", address.rpartition("@")[0]) if w]
    for key in names:
        last = key[-1]
        if len(last) >= 3 and any(w == last or (w.endswith(last) and len(w) - len(last) <= 2)
                                  for w in words) and not _other_given(words, key):
            return True
    return False


def _other_given(words: list[str], key: tuple[str, ...]) -> bool:
    """Is a word beside the surname another given name: three letters or more, not a form of
    the user's own (``same_given``: "dave" for David passes)?"""
    if len(key) < 2:
        return False
    given, last = key[0], key[-1]
    return any(len(w) >= 3 and not w.endswith(last) and not same_given(w, given) for w in words)


def _groups(book: Iterable[Contact], self_addresses: frozenset[str]
            ) -> list[list[tuple[Contact, list[str]]]]:
    """Address-book entries joined by shared (normalised) addresses, in a stable order; the
    user's own addresses and entries without an address are left out."""
    entries: list[tuple[Contact, list[str]]] = []
    for entry in sorted(book, key=lambda c: (c.source, c.native_id)):
        addresses = [a.strip() for a in entry.addresses
                     if "@" in a and normalize_address(a) not in self_addresses]
        if addresses:
            entries.append((entry, list(dict.fromkeys(addresses))))
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, (_, addresses) in enumerate(entries):
        for address in addresses:
            j = owner.setdefault(normalize_address(address), i)
            a, b = root(i), root(j)
            parent[max(a, b)] = min(a, b)
    grouped: dict[int, list[tuple[Contact, list[str]]]] = {}
    for i, pair in enumerate(entries):
        grouped.setdefault(root(i), []).append(pair)
    return [grouped[k] for k in sorted(grouped)]
