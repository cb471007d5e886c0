"""Whom a message's asks are addressed to by name: "Vicki, please add ...", "Kalen/Dan, please
provide ...", "Don could you send ...", "Guys, can you ...". Pure, on the author's own words in
memory (``rules.text_signals`` calls it; only the resulting addresses are kept, as a flag).

The words are cut into sentences; one that opens with a name (or a greeting and a name) sets
whom the following sentences speak to, until the next such opening. ``named_asks`` gives the
names (lower case) the asking sentences were addressed to, ``GROUP`` for "guys", "all",
"team" and the like (the headers decide then: everyone in To), or None when an ask was
addressed to nobody by name. ``resolve`` matches the names against the recipients by first
name, the first part of the address, or initials ("MKM").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from rules.identity import normalize_address
from syncd.model import Address

GROUP = "*"
_GROUPS = frozenset({"guys", "gentlemen", "all", "team", "folks", "everyone", "everybody",
                     "both", "ladies", "gang"})
_NOT_NAMES = frozenset({
    "thanks", "thank", "regards", "hi", "hello", "hey", "dear", "yes", "no", "ok", "okay",
    "sorry", "also", "please", "fyi", "note", "agreed", "agree", "great", "good", "sure", "well",
    "so", "and", "but", "btw", "ps", "attached", "here", "see", "just", "again", "update", "the",
    "this", "that", "we", "i", "you", "it", "if", "as", "for", "in", "on", "what", "when", "how",
    "why", "where", "who", "can", "could", "would", "will", "do", "did", "are", "is", "let",
    "bottom", "fine", "done", "oh", "ah", "um", "cheers", "best", "congratulations", "congrats",
    "wow", "nice"})
_NAME = r"(?:[A-Z][a-z'’]+|[A-Z]{2,4})"
_OPENING = re.compile(
    rf"^\s*(?:(?:hi|hello|hey|dear)\s+)?({_NAME}(?:\s*(?:/|&|\band\b|,)\s*{_NAME})*)"
    # without a comma only before a request or an inverted question ("Don could you send",
    # "John are you in"), not before a statement about the name ("David is interested")
    r"\s*(?:,|--|-|:|;|\s+(?=(?:please|pls|what|when|where|how|why|let|any)\b"
    r"|(?:can|could|would|will|do|did|are|is|have)\s+(?:you|we|i)\b))", re.IGNORECASE)
# Between two sentences: white space after ".", "!" or "?"; a blank line; a new line that opens
# with a name and a comma or colon; a dash turning to someone mid-sentence ("... fairly quickly
# - Ben and Dave can you lead"). Each begins with a white space, matched first, ahead of the
# alternatives: the scan then passes over the rest of the text at once (twice as fast).
_SENTENCES = re.compile(
    r"\s(?:(?<=[.!?]\s)\s*|(?<=\n)\s*\n|(?<=\n)(?=\s*[A-Z][a-z]+\s*[,:])"
    r"|\s*-{1,2}\s+(?=[A-Z][a-z]+(?:\s*(?:/|&|\band\b|,)\s*[A-Z][a-z]+)*"
    r"\s*(?:,|\s+(?:please|pls|can|could|would|will)\b)))")


def _opening(sentence: str) -> set[str] | None:
    first = sentence.lstrip()[:1]
    if not first.isupper() and first not in ("h", "H", "d", "D"):
        return None  # neither a name's capital nor a greeting ("hi", "dear") opens it
    found = _OPENING.match(sentence)
    if found is None or not found.group(1)[0].isupper():
        return None
    names = {n.casefold() for n in re.split(r"\s*(?:/|&|\band\b|,)\s*", found.group(1)) if n}
    if names & _GROUPS:
        return {GROUP}
    names -= _NOT_NAMES
    return names or None


def named_asks(words: str, asks: Callable[[str], bool]) -> set[str] | None:
    """The names the asking sentences of ``words`` speak to; None when one asks nobody by name."""
    sentences = _SENTENCES.split(words)
    return _named(sentences, [_opening(s) for s in sentences], asks, lambda _: True)


def asked_by_name(words: str, asks: Callable[[str], bool], recipients: Sequence[Address]
                  ) -> frozenset[str] | None:
    """``resolve(named_asks(words, asks), recipients)`` when ``named_asks`` names someone,
    else None. Sentences are judged (``asks``) only when one opens with a name that greets a
    recipient (otherwise whatever the asks name, ``resolve`` finds nobody), and then only those
    spoken to nobody yet, to a group or to a recipient: an ask of someone else by name adds
    nothing ``resolve`` would find."""
    if not recipients:
        return None
    sentences = _SENTENCES.split(words)
    openings = [_opening(s) for s in sentences]
    greeted: set[str] = set()
    for opening in openings:
        if opening is not None and GROUP not in opening:
            greeted |= opening
    handles = frozenset().union(*map(_handles, recipients))
    answered = {name for name in greeted if _greets(name, handles)}  # greet a recipient
    if not answered:
        return None  # greets no recipient: ``resolve`` would find nobody

    def counts(names: set[str]) -> bool:  # can an ask of ``names`` change what resolve finds?
        return GROUP in names or not answered.isdisjoint(names)

    names = _named(sentences, openings, asks, counts)
    return resolve(names, recipients) if names else None


def _named(sentences: list[str], openings: list[set[str] | None], asks: Callable[[str], bool],
           counts: Callable[[set[str]], bool]) -> set[str] | None:
    """``named_asks``, sparing the judging of sentences spoken to names that do not
    ``count``."""
    current: set[str] | None = None
    counting = True  # does ``current`` count?
    named: set[str] = set()
    asked = False
    for sentence, opening in zip(sentences, openings, strict=True):
        if opening is not None:
            current, counting = opening, counts(opening)
        if current is not None and (not counting or (asked and current <= named)):
            continue  # whether it asks changes nothing: spare the judging
        if sentence.strip() and asks(sentence):
            asked = True
            if current is None:
                return None
            named |= current
    return named if asked else None


@lru_cache(maxsize=1024)  # a mailbox writes to the same people message after message
def _handles(a: Address) -> frozenset[str]:
    """The first names, address part and initials a recipient may be greeted by."""
    out = set()
    name = a.name.strip().strip("\"'")
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    tokens = [t.casefold() for t in re.findall(r"[^\W\d_]+", name)]
    if tokens:
        out.add(tokens[0])
        out.add("".join(t[0] for t in tokens))
    local = a.email.split("@", 1)[0]
    parts = [p for p in re.split(r"[._-]+", local.casefold()) if p]
    if parts:
        out.add(parts[0])
        if len(parts) > 1:
            out.add("".join(p[0] for p in parts))
    return frozenset(out)


def resolve(names: set[str], recipients: Sequence[Address]) -> frozenset[str] | None:
    """The recipients' normalised addresses that ``names`` greet; None for a group or when no
    name matches a recipient (the headers decide then)."""
    if GROUP in names:
        return None  # "Guys, ...": those in To, as the headers say (Cc stays a copy)
    greets = _greeter(names)
    found = frozenset(normalize_address(a.email) for a in recipients if greets(a))
    return found or None


# Everyday English short forms that are not the start of the name they stand for.
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "dave": ("david",), "bob": ("robert",), "bobby": ("robert",), "bill": ("william",),
    "billy": ("william",), "mike": ("michael",), "jim": ("james",), "jimmy": ("james",),
    "joe": ("joseph",), "tom": ("thomas",), "tommy": ("thomas",), "dick": ("richard",),
    "rick": ("richard", "frederick"), "steve": ("stephen", "steven"), "chuck": ("charles",),
    "charlie": ("charles",), "liz": ("elizabeth",), "beth": ("elizabeth",),
    "kathy": ("katherine", "kathleen", "kathryn"), "kate": ("katherine", "kathleen"),
    "sue": ("susan", "suzanne"), "peggy": ("margaret",), "meg": ("margaret",),
    "ted": ("edward", "theodore"), "ed": ("edward", "edwin", "edmund"), "jack": ("john",),
    "hank": ("henry",), "harry": ("henry", "harold"), "larry": ("lawrence", "laurence"),
    "jerry": ("gerald", "jerome", "jeremy"), "andy": ("andrew",), "drew": ("andrew",),
    "tony": ("anthony",), "sandy": ("sandra",), "becky": ("rebecca",), "vicki": ("victoria",),
    "vicky": ("victoria",), "terry": ("terrence", "terence", "theresa"), "jenny": ("jennifer",),
    "patty": ("patricia",), "trish": ("patricia",), "nancy": ("ann", "anne"),
}


def _greets(name: str, handles: frozenset[str]) -> bool:
    """Does ``name`` greet the owner of one of ``handles``? (As ``_greeter`` says.)"""
    return (name in handles if len(name) < 2 else any(h.startswith(name) for h in handles)) or (
        not handles.isdisjoint(_NICKNAMES.get(name, ())))


def _greeter(names: set[str]) -> Callable[[Address], bool]:
    """Does one of ``names`` greet this recipient? A name greets a recipient by one of their
    handles (``_handles``), by the start of one, two letters or more ("dan" greets Daniel,
    "jim" Jimmie, "oz" Ozzie), or as an everyday short form of one ("dave" greets David, "bob"
    Robert: ``_NICKNAMES``)."""
    starts = tuple(name for name in names if len(name) >= 2)
    whole = frozenset(name for name in names if len(name) < 2)
    short = frozenset(full for name in names for full in _NICKNAMES.get(name, ()))

    def greets(a: Address) -> bool:
        return any(h.startswith(starts) or h in whole or h in short for h in _handles(a))
    return greets
