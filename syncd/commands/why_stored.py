"""``syncd why`` on a store of any size: the stored interactions explain, and only the messages
the answer is about are read and classified again (the asked-about message, or the messages
that name the person, found through the index of the addresses each message names), so a
million stored messages cost seconds, not a full pass. What counts for a person is read from
the stored interactions a row at a time (``why_history``).

The answers are those of ``syncd.commands.why.explain`` over the whole mailbox (a test holds the
two equal): the verdict of a message comes from the same classifier with the same context (the
stored ``written_to`` set for mail to the user), its thread and interactions from the derived
tables that ``compute_from_store`` has just brought up to date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from rules.classify import classify_message
from rules.identity import normalize_address
from rules.people import Directory
from syncd.commands.offline import offline_view
from syncd.commands.report import find_person
from syncd.commands.times import zone
from syncd.commands.why import HINT, explain_message, explain_person, person_of
from syncd.commands.why_history import StoredHistory
from syncd.config import Config
from syncd.errors import SyncdError
from syncd.interactions import Derived, classify_context, is_outbound
from syncd.model import Message
from syncd.pipeline import Snapshot
from syncd.store import Store
from syncd.touch_rows import interaction

_GMAIL = ("gmail.com", "googlemail.com")


def explain_stored(config: Config, store: Store, query: str, now: datetime, *,
                   lazy: bool = False) -> dict[str, Any]:
    """Explain ``query`` (a Message-ID, an address or a name) from the store. ``lazy``: a
    person's ``counted`` rows as a ``StoredHistory``, read when iterated (while ``store`` is
    open), not a list."""
    wanted = query.strip().strip("<>").strip()
    if not wanted:
        raise SyncdError(f"nothing to explain; {HINT}")
    snapshot, placed, _ = offline_view(config, store, now)
    message = store.message(wanted)
    if message is not None:
        thread = store.derived.thread_of(message.message_id)
        members = [*store.derived.thread_members(thread), message.message_id] if thread else []
        view = _view(config, store, snapshot, [message], dict.fromkeys(members, thread))
        return explain_message(config, view, message, now)
    directory = snapshot.directory
    if "@" in wanted:
        pid = directory.person_id(wanted)
    else:
        try:
            pid = find_person(snapshot, wanted)
        except SyncdError:
            pid = ""  # ``person_of`` below raises the error ``explain`` raises
    # what counts is explained from the stored interactions; only the rest is read again
    messages = [m for m in _naming(store, directory, pid) if _names(directory, m, pid)]
    meetings = list(store.meetings())
    pid = person_of(snapshot, messages, meetings, wanted)
    view = _view(config, store, snapshot, messages, {})
    counted = StoredHistory(config, store, pid, now, zone(config))
    data = explain_person(config, view, placed, messages, meetings, pid, now, counted)
    if not lazy:
        data["counted"] = list(counted)
    return data


def _view(config: Config, store: Store, snapshot: Snapshot, messages: list[Message],
          threads: dict[str, str]) -> Snapshot:
    """``snapshot`` with the verdicts and interactions of ``messages`` and the thread keys in
    ``threads``, as the one-pass derivation has them."""
    directory = snapshot.directory
    base = classify_context(config, directory.self_addresses)
    inbound = replace(base, written_to=frozenset(store.derived.written_to()))
    verdicts = {m.message_id: classify_message(m, base if is_outbound(m, directory) else inbound)
                for m in messages}
    touches = store.derived.touches.touches_of_refs([m.message_id for m in messages])
    interactions = tuple(interaction(t) for t in touches)
    derived = Derived(interactions, verdicts, threads, snapshot.derived.intros_given,
                      snapshot.derived.intros_received)
    return replace(snapshot, derived=derived)


def _naming(store: Store, directory: Directory, pid: str) -> list[Message]:
    """At least the messages naming ``pid`` that are none of their interactions: through the
    index of the addresses each message names (``syncd.store.named``), which leaves the user's
    own addresses out; for those, by matching every stored message (``like_patterns``)."""
    if not pid:
        return []
    norms = _norms(directory, pid)
    if norms & directory.self_addresses:
        return store.messages_like(like_patterns(norms), untouched=pid)
    return store.messages_by_id(store.derived.named.messages_naming(norms, untouched=pid))


def _norms(directory: Directory, pid: str) -> set[str]:
    return {pid, *(normalize_address(a) for a in directory.addresses(pid))}


def _names(directory: Directory, m: Message, pid: str) -> bool:
    """Whether ``m`` names ``pid`` as its sender or a recipient."""
    return any(directory.person_id(a.email) == pid
               for a in (*([m.sender] if m.sender else []), *m.to, *m.cc))


def like_patterns(norms: set[str]) -> list[str]:
    """SQL ``LIKE`` patterns (escape ``\\``) that every stored address normalising to one of
    ``norms`` matches: a superset, checked exactly afterwards. An address that JSON would
    escape (not printable ASCII, a quote or backslash) matches everything."""
    out: list[str] = []
    for norm in sorted(norms):
        if not norm.isascii() or not norm.isprintable() or any(c in norm for c in '"\\'):
            return ["%"]
        local, at, domain = norm.rpartition("@")
        if not at:
            out.append(f"%{_escape(norm)}%")
        elif domain == "gmail.com":  # dots anywhere in the local part, googlemail too
            spread = "%".join(_escape(c) for c in local)
            out.extend(f"%{spread}%@{d}%" for d in _GMAIL)
        else:  # local+tag@domain
            out.append(f"%{_escape(local)}%@{_escape(domain)}%")
    return out


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
