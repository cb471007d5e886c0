"""Is this message a real human interaction? (DESIGN.md section 3, "Automated mail is not an
interaction"). Pure: a ``Message`` and a ``ClassifyContext`` in, a ``Verdict`` with reasons out.

The rules, in the order they decide:

1. ``allow`` wins over everything: mail from (outbound: to) an allowed address is personal.
2. ``ignore_addresses`` / ``ignore_domains`` (subdomains included) make mail ``ignored``;
   outbound mail only when every recipient but the user is ignored.
3. Outbound mail (sender in ``self_addresses``, or labelled ``\\Sent`` / ``SENT``) to nobody but
   the user is ``self``.
4. HARD signals say how the message was made. Only ``allow`` overrides them, not ``written_to``
   (a person's out-of-office reply or list post is no conversation with you), and they apply
   to outbound mail too (your server's auto-reply, your post as the list delivers it):
   multipart/report, Auto-Submitted other than ``no`` (RFC 3834), X-Autoreply, X-Autorespond,
   Exchange rule headers, Precedence bulk/list/junk/auto_reply, List-Id, List-Post,
   List-Unsubscribe(-Post), ``Return-Path: <>``, out-of-office and calendar subjects, a
   text/calendar body (the meeting counts through the calendar), and MACHINE senders (``!``
   lines of ``data/role_localparts.txt``: mailer-daemon, postmaster, noreply ...). The most
   specific names the verdict; all are listed as reasons.
5. SOFT signals, inbound only, yield to ``written_to`` (a sender the user has written to
   personally is a person whatever its local part): ROLE senders (info@, support@ ...) and
   Gmail's CATEGORY_PROMOTIONS / SOCIAL / UPDATES / FORUMS.
6. ESP headers (``data/esp_headers.txt``: Feedback-ID, X-SES-*, X-SG-EID, X-Mailgun-* ...)
   alone change nothing: helpdesks and small firms send written mail through the same
   providers. With a role sender they make the mail ``bulk``, a HARD signal (having written to
   info@ once does not make its provider-sent mailings personal); with List-Unsubscribe the
   mail is bulk already and the header is one more reason.
7. Anything else is ``personal``. Rule data: ``rules/data/*.txt``, loaded once on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from rules.identity import domain_of, normalize_address
from syncd.model import Message

VERDICTS = frozenset({"personal", "automated", "bulk", "list", "bounce", "auto_reply", "calendar",
                      "role_sender", "ignored", "self"})
SENT_LABELS = frozenset({"\\sent", "sent"})
GMAIL_CATEGORIES = {"CATEGORY_PROMOTIONS": "bulk", "CATEGORY_SOCIAL": "automated",
                    "CATEGORY_UPDATES": "automated", "CATEGORY_FORUMS": "list"}
# Hard findings are ranked: the lowest rank names the verdict.
_REPORT, _AUTO_REPLY, _NULL_PATH, _CALENDAR, _LIST, _BULK, _AUTOMATED, _MACHINE, _NOTE = range(9)
_Finding = tuple[int, str, str]  # (rank, verdict, reason)


@dataclass(frozen=True, slots=True)
class ClassifyContext:
    """What the classifier knows about the user. Addresses normalised (``normalize_address``),
    domains lower case; ``build`` normalises for you."""

    self_addresses: frozenset[str] = frozenset()
    written_to: frozenset[str] = frozenset()  # the user has sent personal mail to these
    ignore_addresses: frozenset[str] = frozenset()
    ignore_domains: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()
    # More role_localparts.txt lines (regex, full match on the local part; "!" = machine sender).
    extra_role_patterns: tuple[str, ...] = ()

    @classmethod
    def build(cls, *, self_addresses: Iterable[str] = (), written_to: Iterable[str] = (),
              ignore_addresses: Iterable[str] = (), ignore_domains: Iterable[str] = (),
              allow: Iterable[str] = (), extra_role_patterns: Iterable[str] = ()
              ) -> ClassifyContext:
        """A context from raw config values: addresses normalised, domains lower case."""
        def norm(items: Iterable[str]) -> frozenset[str]:
            return frozenset(normalize_address(a) for a in items if a.strip())
        return cls(norm(self_addresses), norm(written_to), norm(ignore_addresses),
                   frozenset(d.strip().lstrip("@.").lower() for d in ignore_domains if d.strip()),
                   norm(allow), tuple(extra_role_patterns))


@dataclass(frozen=True, slots=True)
class Verdict:
    personal: bool
    verdict: str  # one of VERDICTS
    reasons: tuple[str, ...]  # at least one, most decisive first

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS or not self.reasons:
            raise ValueError(f"bad verdict {self.verdict!r} with reasons {self.reasons!r}")


def classify_message(message: Message, context: ClassifyContext) -> Verdict:
    """The verdict on ``message``: personal (a human interaction) or why not."""
    sender, outbound, others = _parties(message, context)
    for address in others:
        if address in context.allow:
            return Verdict(True, "personal", (f"allowed: {address} is in ignore.allow",))
    ignored = [_ignore_reason(address, context) for address in others]
    if others and all(ignored):
        return Verdict(False, "ignored", tuple(ignored[:3]))
    if outbound and not others:
        return Verdict(False, "self", ("sent by you to nobody but yourself",))

    hard = _header_findings(message) + _subject_findings(message.subject)
    machine, role = (_role_match(sender, context.extra_role_patterns) if sender and not outbound
                     else (False, False))
    if machine:
        hard.append((_MACHINE, "role_sender",
                     f"sender {sender} is a role address (a machine mailbox, never a person)"))
    esp = _esp_header(message)
    if esp and role:
        hard.append((_BULK, "bulk", f"{esp} (email service provider) from role sender {sender}"))
    elif esp and hard:  # one more reason, never the deciding one
        hard.append((_NOTE, "bulk", f"{esp}: sent through an email service provider"))
    if hard:
        hard.sort(key=lambda finding: finding[0])
        return Verdict(False, hard[0][1], tuple(dict.fromkeys(reason for _, _, reason in hard)))
    if outbound:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        return Verdict(True, "personal", (f"sent by you to {shown}",))
    if not sender:
        return Verdict(False, "automated", ("no sender address",))
    return _soft_verdict(message, sender, role, esp, context)


def _parties(message: Message, context: ClassifyContext) -> tuple[str, bool, tuple[str, ...]]:
    """(normalised sender, outbound?, the other side: the sender, or recipients but self)."""
    sender = normalize_address(message.sender.email) if message.sender else ""
    outbound = (bool(sender) and sender in context.self_addresses) or any(
        label.lower() in SENT_LABELS for label in message.labels)
    if not outbound:
        return sender, False, (sender,) if sender else ()
    recipients = (normalize_address(a.email) for a in (*message.to, *message.cc))
    return sender, True, tuple(dict.fromkeys(
        r for r in recipients if r and r not in context.self_addresses))


def _soft_verdict(message: Message, sender: str, role: bool, esp: str,
                  context: ClassifyContext) -> Verdict:
    """Inbound mail with no hard signal: role sender and Gmail category yield to written_to."""
    soft = [("role_sender", f"sender {sender} is a role address")] if role else []
    for label in message.labels:
        if (category := GMAIL_CATEGORIES.get(label.upper())) is not None:
            soft.append((category, f"Gmail label {label.upper()}"))
    if soft and sender in context.written_to:
        overridden = tuple(f"overrides: {reason}" for _, reason in soft)
        return Verdict(True, "personal", (f"allowed: you have written to {sender}", *overridden))
    if soft:
        return Verdict(False, soft[0][0], tuple(reason for _, reason in soft))
    reasons = ["no sign of automated mail: a person wrote this"]
    if esp:
        reasons.append(f"{esp} (email service provider) alone is only a soft signal")
    return Verdict(True, "personal", tuple(reasons))


def _ignore_reason(address: str, context: ClassifyContext) -> str:
    if address in context.ignore_addresses:
        return f"ignored: {address} is in ignore.addresses"
    labels = domain_of(address).split(".")
    for i in range(len(labels)):  # the domain itself, then each parent: a.b.example, b.example ...
        if (entry := ".".join(labels[i:])) in context.ignore_domains:
            return f"ignored: {address} is under ignore.domains entry {entry}"
    return ""


def _header_findings(message: Message) -> list[_Finding]:
    """Reports, auto-replies and generated mail; then lists and bulk mail."""
    found: list[_Finding] = []

    def add(rank: int, verdict: str, reason: str) -> None:
        found.append((rank, verdict, reason))

    content_type = _clean(message.header("content-type") or "").lower()
    mime_type = content_type.split(";", 1)[0].strip()
    if mime_type == "multipart/report":
        match = re.search(r'report-type\s*=\s*"?([\w-]+)', content_type)
        kind = match.group(1) if match else "?"
        if kind == "delivery-status":
            add(_REPORT, "bounce", "Content-Type: multipart/report; report-type=delivery-status "
                "(a delivery status notification)")
        else:
            what = {"disposition-notification": " (a read receipt)",
                    "feedback-report": " (an abuse feedback report)"}.get(kind, "")
            add(_AUTOMATED, "automated", f"multipart/report; report-type={kind}{what}")
    elif mime_type == "text/calendar":
        add(_CALENDAR, "calendar", "Content-Type: text/calendar (a calendar message)")

    auto = _token(message.header("auto-submitted"))
    if auto == "auto-replied":
        add(_AUTO_REPLY, "auto_reply", "Auto-Submitted: auto-replied (RFC 3834)")
    elif auto and auto != "no":
        add(_AUTOMATED, "automated", f"Auto-Submitted: {auto} (RFC 3834)")
    for name in ("x-autoreply", "x-autorespond"):
        value = message.header(name)
        if value is not None and _token(value) not in {"no", "false", "0"}:
            add(_AUTO_REPLY, "auto_reply", f"{_title(name)}: {_short(value)}")
    if (source := message.header("x-ms-exchange-generated-message-source")) is not None:
        shown = f"X-MS-Exchange-Generated-Message-Source: {_short(source)}"
        if "mailbox rules" in source.lower():
            add(_AUTO_REPLY, "auto_reply", f"{shown} (an Exchange automatic reply)")
        else:
            add(_AUTOMATED, "automated", f"{shown} (generated by Exchange)")
    if message.header("x-ms-exchange-inbox-rules-loop") is not None:
        if message.header("x-auto-response-suppress") is not None:
            add(_AUTO_REPLY, "auto_reply", "X-MS-Exchange-Inbox-Rules-Loop with "
                "X-Auto-Response-Suppress (an Exchange out-of-office reply)")
        else:
            add(_AUTOMATED, "automated",
                "X-MS-Exchange-Inbox-Rules-Loop (sent by an Exchange inbox rule)")

    precedence = _token(message.header("precedence"))
    ranked = {"bulk": (_BULK, "bulk"), "junk": (_BULK, "bulk"), "list": (_LIST, "list"),
              "auto_reply": (_AUTO_REPLY, "auto_reply")}
    if precedence in ranked:
        add(*ranked[precedence], f"Precedence: {precedence}")
    if (value := message.header("list-id")) is not None:
        add(_LIST, "list", f"List-Id: {_short(value)} (RFC 2919)")
    if message.header("list-post") is not None:
        add(_LIST, "list", "List-Post present (RFC 2369)")
    if message.header("list-unsubscribe") is not None:
        add(_BULK, "bulk", "List-Unsubscribe present (RFC 2369)")
    if (value := message.header("list-unsubscribe-post")) is not None:
        add(_BULK, "bulk", f"List-Unsubscribe-Post: {_short(value)} (RFC 8058)")
    if re.sub(r"\s+", "", message.header("return-path") or "") == "<>":
        add(_NULL_PATH, "bounce", "Return-Path: <> (null sender: a bounce or automatic message)")
    return found


def _subject_findings(subject: str | None) -> list[_Finding]:
    if not subject:
        return []
    text = _clean(subject)
    if _subject_pattern("ooo_subjects.txt").search(text):
        return [(_AUTO_REPLY, "auto_reply", f"subject {_short(text)!r} is an automatic reply")]
    if _subject_pattern("calendar_subjects.txt").search(text):
        reason = f"subject {_short(text)!r} is a calendar message (the meeting counts there)"
        return [(_CALENDAR, "calendar", reason)]
    return []


def _role_match(sender: str, extra: tuple[str, ...]) -> tuple[bool, bool]:
    """(machine, role) for the local part of the normalised ``sender``."""
    local = sender.rpartition("@")[0] or sender
    for kind, (local_pattern, address_pattern) in enumerate(_role_patterns(extra)):
        if (local_pattern and local_pattern.fullmatch(local)) or (
                address_pattern and address_pattern.fullmatch(sender)):
            return kind == 0, kind == 1
    return False, False


def _esp_header(message: Message) -> str:
    names, prefixes = _esp_names()
    for name, _ in message.headers:
        if name in names or name.startswith(prefixes):
            return _title(name)
    return ""


@cache
def _data_lines(name: str) -> tuple[str, ...]:
    text = (files("rules") / "data" / name).read_text(encoding="utf-8")
    return tuple(s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#"))


def _alternation(patterns: Iterable[str]) -> re.Pattern[str] | None:
    parts = [f"(?:{p})" for p in patterns]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@cache
def _subject_pattern(name: str) -> re.Pattern[str]:
    return _alternation(_data_lines(name)) or re.compile(r"(?!)")


_Patterns = tuple[re.Pattern[str] | None, re.Pattern[str] | None]  # (local part, whole address)


@lru_cache(maxsize=16)
def _role_patterns(extra: tuple[str, ...]) -> tuple[_Patterns, _Patterns]:
    """(machine, role) patterns from role_localparts.txt plus the config's extra lines."""
    lines = (*_data_lines("role_localparts.txt"), *(p.strip() for p in extra if p.strip()))
    kinds = ([ln[1:] for ln in lines if ln.startswith("!")],
             [ln for ln in lines if not ln.startswith("!")])
    machine, role = ((_alternation(p for p in kind if "@" not in p),
                      _alternation(p for p in kind if "@" in p)) for kind in kinds)
    return machine, role


@cache
def _esp_names() -> tuple[frozenset[str], tuple[str, ...]]:
    lines = [line.lower() for line in _data_lines("esp_headers.txt")]
    return (frozenset(line for line in lines if not line.endswith("*")),
            tuple(line[:-1] for line in lines if line.endswith("*")))


def _token(value: str | None) -> str:
    """The first word of a header value, lower case: ``"Bulk; x"`` -> ``"bulk"``."""
    match = re.match(r"\s*([\w-]+)", value or "")
    return match.group(1).lower() if match else ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _short(text: str, limit: int = 80) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(name: str) -> str:
    acronyms = {"id", "ses", "sg", "eid", "sid", "mc", "pm"}
    return "-".join(p.upper() if p in acronyms else p.capitalize() for p in name.split("-"))
