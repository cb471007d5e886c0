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
   personally is a person whatever its local part): ROLE senders (info@, support@ ...); an
   ENVELOPE that is not the sender (a Return-Path at a bounce-handling address, a VERP tracking
   address, a bulk-mail host or an email service provider's domain: how lists and bulk mailers
   send; forwarders' SRS and BATV-signed paths say nothing); a sender at an email service
   provider's own domain (``data/bulk_domains.txt``); a VERP tracking token or a domain as the
   sender's local part (``shop.com@lists.example``: relayed by a list host); a display name
   that names a mailing
   (``data/sender_names.txt``: "The ISO17799 Newsletter", "Apple Store eNews"); Gmail's
   CATEGORY_PROMOTIONS / SOCIAL / UPDATES / FORUMS. The envelope signal is HARD when the user
   is in neither To nor Cc (self addresses known): a distribution, not mail to them.
6. ESP headers (``data/esp_headers.txt``: Feedback-ID, X-SES-*, X-SG-EID, X-Mailgun-* ...)
   alone change nothing: helpdesks and small firms send written mail through the same
   providers. With a role sender they make the mail ``bulk``, a HARD signal (having written to
   info@ once does not make its provider-sent mailings personal); with List-Unsubscribe the
   mail is bulk already and the header is one more reason.
7. Anything else is ``personal``. Rule data: ``rules/data/*.txt``, loaded once on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rules._signals import (
    BULK,
    MACHINE,
    NOTE,
    bulk_domain,
    envelope_reason,
    esp_header,
    header_findings,
    name_reason,
    relay_sender,
    role_match,
    subject_findings,
    subject_found,
    verp_sender,
)
from rules.identity import domain_of, normalize_address
from syncd.model import Message

VERDICTS = frozenset({"personal", "automated", "bulk", "list", "bounce", "auto_reply", "calendar",
                      "role_sender", "ignored", "self"})
SENT_LABELS = frozenset({"\\sent", "sent"})
# Graph's inferenceClassification, as the Outlook connector passes it in ``Message.labels``.
INFERENCE_OTHER = "inference:other"
GMAIL_CATEGORIES = {"CATEGORY_PROMOTIONS": "bulk", "CATEGORY_SOCIAL": "automated",
                    "CATEGORY_UPDATES": "automated", "CATEGORY_FORUMS": "list"}


def in_sent_folder(message: Message) -> bool:
    """Was it found in the user's sent folder (IMAP's ``\\Sent``, Gmail's and Outlook's
    ``SENT``)? Then the user sent it, whatever its From says."""
    return _sent_labels(message.labels)


@lru_cache(maxsize=1024)  # a mailbox has a handful of label sets (asked four times a message)
def _sent_labels(labels: tuple[str, ...]) -> bool:
    return any(label.lower() in SENT_LABELS for label in labels)


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
    found = _judge(message, context)
    if isinstance(found, Verdict):
        return found
    return _soft_verdict(message, *found, written=found[0] in context.written_to)


def classify_soft(message: Message, context: ClassifyContext
                  ) -> tuple[Verdict, Verdict | None]:
    """``classify_message``, and the verdict the message would get were its sender in
    ``written_to`` when that differs: inbound mail whose soft signals yield to it. One
    judgement for both (``written_to`` decides nothing before the soft signals)."""
    found = _judge(message, context)
    if isinstance(found, Verdict):
        return found, None
    if found[0] in context.written_to:
        return _soft_verdict(message, *found, written=True), None
    verdict = _soft_verdict(message, *found, written=False)
    other = _soft_verdict(message, *found, written=True)
    return verdict, (None if other.verdict == verdict.verdict else other)


def shape(message: Message, outbound: bool) -> tuple[object, ...]:
    """Everything of ``message`` that ``classify_message`` and ``classify_soft`` read, as a
    key: two messages of one shape get the same verdicts under the same context, so a pass
    over many messages may judge each shape once (``syncd.verdicts``). ``outbound``: sent by
    the user by any test at least as broad as this module's (``syncd.interactions.
    is_outbound``); mail that is not reads its recipients only for the envelope signal, which
    needs a header, so inbound mail without headers leaves them out of its shape (more mail
    shares one). The subject counts by what it is found to say (mostly nothing)."""
    subject = message.subject
    return shape_of(message, outbound, subject_found(subject) if subject else ())


def shape_of(message: Message, outbound: bool, findings: tuple[object, ...]
             ) -> tuple[object, ...]:
    """``shape`` given what the subject is found to say (``rules._signals.subject_found``)."""
    sender = message.sender
    return (None if sender is None else sender.email, None if sender is None else sender.name,
            message.labels, message.headers, findings,
            tuple([a.email for a in message.to + message.cc])
            if outbound or message.headers else None)


_Soft = tuple[str, list[tuple[str, str]], str]  # inbound, no hard signal: (sender, soft, esp)


def _judge(message: Message, context: ClassifyContext) -> Verdict | _Soft:
    """The verdict, or for inbound mail without a hard signal what the soft rules weigh."""
    sender, outbound, others = _parties(message, context)
    for address in others:
        if address in context.allow:
            return Verdict(True, "personal", (f"allowed: {address} is in ignore.allow",))
    ignored = [_ignore_reason(address, context) for address in others]
    if others and all(ignored):
        return Verdict(False, "ignored", tuple(ignored[:3]))
    if outbound and not others:
        return Verdict(False, "self", ("sent by you to nobody but yourself",))

    hard = header_findings(message) + subject_findings(message.subject)
    inbound = bool(sender) and not outbound
    machine, role = (role_match(sender, context.extra_role_patterns) if inbound
                     else (False, False))
    if machine:
        hard.append((MACHINE, "role_sender",
                     f"sender {sender} is a role address (a machine mailbox, never a person)"))
    esp = esp_header(message)
    if esp and role:
        hard.append((BULK, "bulk", f"{esp} (email service provider) from role sender {sender}"))
    elif esp and hard:  # one more reason, never the deciding one
        hard.append((NOTE, "bulk", f"{esp}: sent through an email service provider"))
    envelope = envelope_reason(message, sender, context.extra_role_patterns) if inbound else ""
    if envelope and context.self_addresses and not _addressed_to_user(message, context):
        hard.append((BULK, "bulk", f"{envelope}; and you are not in To or Cc (a distribution)"))
    if hard:
        hard.sort(key=lambda finding: finding[0])
        return Verdict(False, hard[0][1], tuple(dict.fromkeys(reason for _, _, reason in hard)))
    if outbound:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        return Verdict(True, "personal", (f"sent by you to {shown}",))
    if not sender:
        return Verdict(False, "automated", ("no sender address",))
    return sender, _soft_signals(message, sender, role, envelope), esp


def _parties(message: Message, context: ClassifyContext) -> tuple[str, bool, tuple[str, ...]]:
    """(normalised sender, outbound?, the other side: the sender, or recipients but self)."""
    sender = normalize_address(message.sender.email) if message.sender else ""
    outbound = (bool(sender) and sender in context.self_addresses) or in_sent_folder(message)
    if not outbound:
        return sender, False, (sender,) if sender else ()
    recipients = (normalize_address(a.email) for a in (*message.to, *message.cc))
    return sender, True, tuple(dict.fromkeys(
        r for r in recipients if r and r not in context.self_addresses))


def _addressed_to_user(message: Message, context: ClassifyContext) -> bool:
    return any(normalize_address(a.email) in context.self_addresses
               for a in (*message.to, *message.cc))


def _soft_signals(message: Message, sender: str, role: bool, envelope: str
                  ) -> list[tuple[str, str]]:
    """(verdict, reason) for each SOFT signal of inbound mail, the one naming the verdict first."""
    soft = [("role_sender", f"sender {sender} is a role address")] if role else []
    if envelope:
        soft.append(("bulk", envelope))
    if entry := bulk_domain(sender, labels=False):
        soft.append(("bulk", f"sender {sender}: {entry}"))
    if verp_sender(sender):
        reason = f"sender {sender}: a per-recipient tracking address (VERP: bulk mail)"
        soft.append(("bulk", reason))
    if relay_sender(sender):
        soft.append(("bulk", f"sender {sender}: a mailing relayed under its sender's domain"))
    if name := name_reason(message):
        soft.append(("bulk", name))
    for label in message.labels:
        if (category := GMAIL_CATEGORIES.get(label.upper())) is not None:
            soft.append((category, f"Gmail label {label.upper()}"))
        elif label.lower() == INFERENCE_OTHER:
            soft.append(("bulk", "Outlook sorted it into Other (inferenceClassification)"))
    return soft


def _soft_verdict(message: Message, sender: str, soft: list[tuple[str, str]], esp: str, *,
                  written: bool) -> Verdict:
    """Inbound mail with no hard signal: the soft signals yield to written_to (``written``:
    the sender is in it)."""
    if soft and written:
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
