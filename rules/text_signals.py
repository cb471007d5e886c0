"""Text signals: the start of a message's text in, a few flags out (DESIGN.md section 3).

Pure: the text is judged in memory and dropped; only the flags are kept (``Message.signals``).

- ``ask``: the author's own words ask something of the reader: a question, a request ("please",
  "could you", "let me know", "get back to me"), a deadline ("by Friday", "asap").
- ``thanks``: thanks or congratulations and nothing asked.
- ``forward``: a forward or a quoted message with nothing (or next to nothing) added above it.
- ``quotes_reply``: the author's text quotes a message from someone else (an answer that may have
  arrived outside the synced folders); a forward of someone else's message with nothing added
  carries both ``forward`` and ``quotes_reply``.
- ``automated``: the text says a program sent it ("this is an automated e-mail", "do not reply
  to this message"), even under a person's address.
- ``broadcast``: the text addresses everyone ("to all employees", "Dear colleagues"): an
  announcement, even when each copy went to one person.
- ``asked:a@x b@y``: the asks greet these recipients by name ("Vicki, please add ...",
  ``rules.addressed``): they, not everyone in To, are the ones asked.
- ``quotes_own``: new words above the author's own earlier message (which asked nothing).
- ``rsvp``: it asks whether the reader will come: each answers for themselves (``rules.rsvp``).
- ``call_only``: in an answer to someone's message, all the asking words ask is a phone call to
  the author ("give me a call at your convenience and I'll give you a data dump"): from the
  user, an offer to give the answer by phone, not an ask to be nudged (``rules.asks``); a new
  message asking for a call ("could you or a manager call me?") still asks.
- ``resends``: the author forwards or quotes an earlier message of their own that asked
  something ("sorry, wrong address" above their own ask): it asks again (``rules.quoted``).
- ``quoted:a@x``: the quoted message is by this recipient (the author answers a recipient's
  message: mail to the user that quotes the user's own words answers the user, even when the
  user's message never reached the synced folders).

The author's own words are those above the first quoted or forwarded block ("-----Original
Message-----", "---- Forwarded by", "On ... wrote:", "> " lines, Outlook's "From: ... Sent:").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import filterfalse

from rules.addressed import asked_by_name
from rules.call_only import only_calls
from rules.identity import normalize_address
from rules.own_timing import own_timing
from rules.own_words import own_lines
from rules.prechecked import Prechecked
from rules.quoted import (
    quoted_author,
    quoted_body,
    resent_to_asked,
    same_people,
    same_person,
    unquoted,
)
from rules.rsvp import asks_each
from rules.short_question import short_question
from syncd.model import Address

ASK, THANKS, FORWARD, QUOTES_REPLY = "ask", "thanks", "forward", "quotes_reply"
RESENDS, AUTOMATED, BROADCAST = "resends", "automated", "broadcast"
QUOTES_OWN = "quotes_own"
SHORT_QUESTION = "short_question"
CALL_ONLY = "call_only"
RSVP = "rsvp"
ASKED = "asked:"  # then the addresses its asks greet by name, separated by spaces
QUOTED = "quoted:"  # then the recipients whose own message it quotes, separated by spaces
ALL = (ASK, THANKS, FORWARD, QUOTES_REPLY, RESENDS, AUTOMATED, BROADCAST, QUOTES_OWN,
       SHORT_QUESTION, CALL_ONLY, RSVP)
PREVIEW_BYTES = 2048

_SIGNOFF = re.compile(r"^\s*(?:thanks|thank you|regards|best|cheers|br|rgds|--)\b[\s,.!]*\w*\s*$",
                      re.IGNORECASE)
_QUESTION = re.compile(r"\?(?:\s|$)")
# The patterns below read lower-cased text (``asks``, ``judge``): case-sensitive matching of
# these alternations is several times faster than re.IGNORECASE.
_REQUEST = re.compile(
    r"\b(?:please|pls|plz|could you|can you|would you|will you|could we|can we|shall we|"
    r"let me know|let us know|lmk|get back to me|give me a call|call me|advise|"
    r"do you (?:have|know|want|think)|are you|is there|"
    r"what do you think|your (?:thoughts|view|comments|input|feedback)|"
    r"any (?:thoughts|comments|news|update)|send me|i(?: would|'d) like (?:to know|to see|your)|"
    r"what is (?:this|that|going on|happening)|why (?:is|are|did|do|does|was|were)|"
    r"(?:it would help|i would appreciate(?: it)?|i'd appreciate(?: it)?) if you (?:could|would)|"
    r"look(?:ing)? forward to (?:hearing from you|your (?:reply|response|answer))|"
    r"asap|as soon as possible|by (?:monday|tuesday|wednesday|thursday|friday|tomorrow|"
    r"end of (?:day|week)|eod|cob|noon))\b",
)
# A bare imperative that wants an answer back, at a sentence's start (after a name, maybe):
# "Clint see if this matches the contract", "Tell me what you hear".
_IMPERATIVE = Prechecked(re.compile(
    r"(?:^|[.!?]\s+)(?:(?!(?:to|i|we|and|so|then|let|you|they)\b)[a-z]+,?\s+)?"
    r"(?:see if|see whether|check (?:if|whether)|find out (?:if|whether|what|when|how|who|why)|"
    r"tell me|confirm (?:if|whether|that|the|receipt))\b"),
    ("see if", "see whether", "check if", "check whether", "find out", "tell me", "confirm "))
# Needs and expectations: an ask in a new message, a statement in an answer to someone's mail
# ("thanks for the update - we need the money to show up").
_EXPECTATION_RE = re.compile(
    r"\b(?:need (?:you|your|to know)|(?:i|we) need (?:you\b|your\b|to (?:know|hear|get|have|see|"
    r"receive)\b|(?:a|an|the|some|more(?! than)|this|that|these|those|it|them)\b)|"
    r"i want (?:a|an|the|you|your|to know)|"
    r"i(?: would|'d) like (?:a|an|you)|i (?:assume|expect|trust) (?:that )?you will|"
    r"let'?s get together|(?:in|within) the next (?:day|week|few days))\b",
)
_EXPECTATION = Prechecked(_EXPECTATION_RE, ("need ", "i want ", "like ", "assume", "expect",
                                            "trust", "get together", "the next "))
_FYI = re.compile(r"\b(?:fyi|for your (?:information|files|records))\b")
_NOTHING_ADDED = re.compile(
    r"\W*(?:(?:fyi|see below|see attached|for your (?:information|review|files)|please see)"
    r"\W*)?(?:\w+\W*)?", re.IGNORECASE)  # at most "FYI" and a name or an initial
_THANKS = Prechecked(
    re.compile(r"\b(?:thanks|thank you|thx|congrat\w*|well done|great job|appreciate)\b"),
    ("thank", "thx", "congrat", "well done", "great job", "appreciate"))
# "if you have / need / would like": a courtesy offer, unless it invites ("if you want to go")
_OFFER = (r"if you (?:have|need|(?:would like|want)"
          r"(?! to (?:go|come|join|attend|meet|have (?:lunch|dinner|drinks))\b))")
# A condition on something being wrong: an answer is wanted only then ("if I am incorrect").
_TROUBLE = (r"if (?:(?:i am|i'm|i was) (?:wrong|incorrect|mistaken|off base|missing something)|"
            r"(?:there (?:is|are)|you (?:see|find|spot|have)) (?:a |an |any )?(?:\w+ )?"
            r"(?:problems?|issues?|concerns?|flaws?|objections?|errors?|mistakes?)|"
            r"(?:this|that|it) (?:is not|isn't|doesn't|does not) (?:ok|okay|right|correct|work)|"
            r"(?:i|we) need to (?:move|change|do|bring|send|prepare) anything"
            r")\b(?: (?:in|with) (?:my|this|that|the) \w+)?")
# Someone else, not the reader: "they", "anyone", "FERC wanted" (not "it needs", "this"):
_SOMEONE = (r"(?:they|he|she|someone|somebody|anyone|anybody|(?!you\b|it\b|this\b|that\b|"
            r"anything\b|something\b|everything\b|nothing\b)[a-z]+ (?:wants?|wanted|asks?|asked))")
_RHETORICAL_RE = re.compile(
    r"\b(?:(?:please )?(?:give me a call|call|let me know|let us know|contact|e-?mail|ping)"
    r"(?: me| us)?(?: directly| anytime| any time)?(?: at [\w .+()/-]{1,30}?)? " + _OFFER +
    r"(?:\s+(?!please\b)[\w']+){0,8}|"
    # the same courtesy with the offer first: "if you have questions or would like to see
    # their bios, let me know"
    + _OFFER + r"[^.!?\n]{0,80}?(?:let me know|call me|give me a call|contact me|e-?mail me)|"
    r"if you have (?:any )?(?:questions|comments|concerns)|"
    # "let me know" only if something is wrong: "if I am incorrect, let me know"
    r"(?:(?:please )?let (?:me|us) know |please advise )?" + _TROUBLE + r"(?:[^.!?\n]{0,60}?"
    r"(?:let (?:me|us) know|please advise|give me a call|call me))?|"
    r"let (?:me|us) know (?:how|if|what|where) (?:i|we) can (?:help|assist|do)\w*|"
    # "let me know" on someone else's condition: "If they wanted exact numbers, let me know"
    # (the reader's own asks: "if you can make it, let me know", "if this is OK, ...")
    r"(?:if " + _SOMEONE + r"\b[^.!?\n,]{0,80}, (?:please )?let (?:me|us) know\b|"
    r"let (?:me|us) know if " + _SOMEONE + r"\b(?:(?! and | but )[^.!?\n,;])*)|"
    # an idiom, not a request: "call me heartless, but ...", "call me old-fashioned"
    r"call me (?:an? )?(?:crazy|old[- ]fashioned|paranoid|heartless|cynical|skeptical|naive|"
    r"silly|stupid|selfish|optimist|pessimist|romantic|dreamer|fool|biased|picky|ishmael)|"
    r"please (?:find|see|note) (?:attached|below)?|"
    r"please (?:forgive|excuse|pardon|don't hesitate|do not hesitate)|"
    r"if you (?:use|want|need|wish|prefer|are interested)\b[^.!?\n]{0,60}?please "
    r"(?:follow|use|see|read|refer|go|visit|click|note)\b[^.!?\n]*|"
    r"fyi|for your (?:information|review|files)|"
    r"(?:please )?feel (?:free )?to (?:call|contact|e-?mail|reach|ping|get in touch|let)"
    r"[^.!?\n]*|"  # "please feel free to call me at x3316"
    r"please (?:note|mark|put|save|hold)(?: (?:it|this|the date))?(?: on| in)? (?:your|the) "
    r"calendars?[^.!?\n]*|please attend\b[^.!?\n]*)\b")  # a meeting notice: nothing to answer
_RHETORICAL = Prechecked(
    _RHETORICAL_RE, ("if ", "let ", "please", "fyi", "for your", "feel ", "call me "),
    re.compile("please |give |call |let |contact |e-?mail |ping |if |fyi|for |feel "))  # openings
# A question that tells: "did you know that ...?", "guess what?", "crazy, isn't it?".
_TELLING = Prechecked(re.compile(
    r"\b(?:did you (?:know|hear|see) that|guess what|did (?:you|you all|you guys|y'all) "
    r"(?:see|catch|read) (?:the|this|that|today's|an?) (?:\w+ ){0,2}?(?:article|blurb|story|"
    r"piece|item|news|report|column|editorial|announcement|note))\b[^.!?\n]*[.!?]?"
    r"|[,\s](?:isn't it|aren't they|wasn't it|don't you think|huh|right|eh)\s*\?+"),  # tags
    ("?", "did ", "guess what"),
    re.compile("did |guess what|isn't it|aren't they|wasn't it|don't you think|huh|right|eh"),
    reach=1)  # a tag's match begins at the space or comma before it
# An errand: something to be done with someone else, not an answer to be sent back.
_DELEGATION = Prechecked(re.compile(
    r"\b(?:please|pls|can you|could you|would you|will you),?\s+(?:\w+\s+){0,2}?"
    r"(?:follow up with|set up (?:a|an|the|some)|schedule|arrange|book|coordinate with|"
    r"take care of|handle (?:this|it)|forward (?:this|it)|pass (?:this|it) on|"
    r"forward (?:this |it )?to (?!me\b|us\b)|set (?:it |this |that |them )?up\b|"
    r"work with (?!me\b|us\b)[a-z]\w+|fill (?:him|her|them) in|"
    r"pass on|send (?:this|it) on|send (?:[\w'\"]+ ){0,3}?to (?!me\b|us\b)|"
    r"(?:give|hand|pass|bring|deliver) (?!me\b|us\b|your\b)(?:(?!me\b|us\b|to\b)[\w'\"]+ ){1,6}?"
    r"to (?!me\b|us\b|the\b|our\b|your\b|my\b|an?\b|this\b|that\b)[a-z]\w+(?: [a-z]\w+)?"
    r"(?=\s*(?:[.!?,;]|$|(?:please|pls|thanks|asap|today|tomorrow)\b))|"
    r"give (?!me\b|us\b)\w+(?: \w+)? a (?:call|ring)|"
    r"(?:call|contact|ring) (?!me\b|us\b)[a-z]\w+|reach out to|"
    r"(?:talk|speak)(?: briefly)? (?:to|with) (?!me\b|us\b)|let (?!me\b|us\b)\w+ know|"
    r"make sure|ensure|convey|pass along|(?:work with \w+ (?:and|to) )?find a time|"
    r"get (?:me|us) (?:scheduled|registered|signed up|booked|enrolled)|sign (?:me|us) up|"
    r"print|file (?:this|it|these|them)|make (?:\w+ )?cop(?:y|ies)|distribute|circulate|"
    r"(?:put|add|note) (?:(?:this|it|that) )?(?:on|in|to) (?:my|the|our) (?:calendar|schedule)|"
    r"keep an eye on|send (?:my |our |your )?regrets|"
    r"(?:include|copy|cc|route) (?:me|us|\w+(?: \w+)? and (?:i|me)) (?:in|on)(?: the)? "
    r"(?:next |new |final |revised )?(?:distribution|draft|version|circulation|list|"
    r"e-?mails?|copies))"
    r"\b(?:(?!\b(?:and|but|or|also)\s+(?:what|when|where|how|why|who|is|are|do|does|did|can|"
    r"could|would|will)\b)[^.!?\n])*\??"  # its own "?" too, not a question joined to it
    r"|\b(?:get rid of|delete|ignore|discard) (?:this|it|these|them)\b(?:,? please)?"
    # a visit or a paper asked for, a place in a meeting or a class: the answer is the visit,
    # the paper or the seat, which no mail will show
    r"|\b(?:please|pls),?\s+(?:swing|stop|drop|pop) (?:by|in)\b[^.!?\n]*"
    r"|\b(?:send|give|bring) (?:me |us )?(?:a |the )?hard cop(?:y|ies)\b[^.!?\n]*"
    r"|\b(?:please |pls )?get (?:me|us) (?:in|into|on|rsvp'?d)\b[^.!?\n]*"
    # an answer that goes to someone else: "get back to Bill", "help Phillip out"
    r"|\b(?:(?:please|pls|can you|could you),?\s+(?:[\w']+\s+){0,4}?)?"
    r"(?:get back to (?!me\b|us\b|you\b)[a-z]\w+|"
    r"help (?!me\b|us\b|you\b|them\b)[a-z]\w+ (?:out|with|to)\b)[^.!?\n]*"),
    ("please", "pls", "can you", "could you", "would you", "will you", "delete", "ignore",
     "discard", "hard cop", "get ", "help "),
    re.compile("please|pls|can you|could you|would you|will you|get |delete |ignore |discard |"
               "send |give |bring |help "))
# The author will call or see the reader soon: what the words ask is settled there, not by mail.
_WILL_TALK = Prechecked(re.compile(
    r"\b(?:i'?ll|i will|i'?m going to|let me) (?:give you a (?:call|ring)|call you|ring you|"
    r"(?:talk|speak) (?:to|with) you)\b(?! (?:if|when|after)\b)"
    r"|\bwhen we (?:talk|speak|meet)(?: (?:later|today|tomorrow|tonight|on \w+|this \w+|"
    r"next \w+))\b"), ("call", "talk", "speak", "ring", "meet"),
    re.compile("i'?ll |i will |i'?m going to |let me |when we "))


def _will_talk(lowered: str) -> bool:
    return _WILL_TALK.possible(lowered) and (
        _WILL_TALK.search(" ".join(lowered.split())) is not None)


# Mail a program sent in a person's name (a league site, a workflow tool): nobody to answer.
_AUTOMATED = Prechecked(re.compile(
    r"\b(?:this is an automated (?:e-?mail|message|notification)|this (?:e-?mail|message) was "
    r"(?:sent|generated) automatically|(?:please )?do not reply to this (?:e-?mail|message)|"
    r"our records (?:indicate|show))\b"), ("automat", "do not reply", "our records"))
# An announcement to everyone, whoever's name is in To: "all employees", "Dear colleagues".
_BROADCAST = Prechecked(re.compile(
    r"(?:^|\n)\W*(?:dear|to|attention|hello|hi|good morning),?\s+(?:all\s+)?(?:\w+\s+)?"
    r"(?:employees|colleagues|staff|team members)\b"
    r"|\ball (?:\w+ ){0,2}(?:employees|staff members)\b"
    r"|\bthis (?:message|e-?mail|memo) (?:is being sent|goes|was sent) to (?:all|every)"),
    ("employees", "colleagues", "staff", "team members", " to all", " to every"),
    re.compile(r"\n|all |this "))  # where its matches begin (and the text's start)
# "... send it to all employees": the reader is asked to broadcast, not told.
_RELAY = re.compile(r"\b(?:send|forward|e-?mail|distribute|circulate|announce|tell)\b[^.!?\n]*$")
_NEGATED = re.compile(r"(?:n't|\bnot|\bno|\bnever|\bwithout)\s+(?:\w+\s+){0,3}$")


def asks(text: str, *, answering: bool = False) -> bool:
    """Do these words ask the reader something? A question, or a request that is not a
    courtesy ("call me if you have questions"), not negated ("no need to"), and not an errand
    to be done elsewhere ("please set up a time with", "can you follow up with them"). A need
    or an expectation ("we need", "I assume you will") asks too, unless the words answer
    someone's message (``answering``: they quote it), where it is a statement."""
    flat = " ".join(text.split()).lower()  # once: case-sensitive patterns are much faster
    patterns = (_REQUEST, _IMPERATIVE) if answering else (_REQUEST, _IMPERATIVE, _EXPECTATION)
    if not _QUESTION.search(flat) and not any(p.search(flat) for p in patterns):
        return False  # nothing that could ask: spare the courtesy and errand passes
    body = _DELEGATION.sub(" ", _RHETORICAL.sub(" ", _TELLING.sub(" ", flat)))
    if _QUESTION.search(body):
        return True
    return any(not _NEGATED.search(body[max(0, m.start() - 40):m.start()])
               and not own_timing(body, m) for pattern in patterns for m in pattern.finditer(body))


def judge(text: str, author: Address | None = None, recipients: Sequence[Address] = ()
          ) -> tuple[str, ...]:
    """The flags of one message's text (already decoded), in ``ALL`` order, then ``asked:``.
    ``author``: the message's sender, to tell a quote of their own earlier message from someone
    else's; ``recipients`` (To and Cc): to name those its asks are addressed to."""
    lines, quoted = own_lines(text)
    words = "\n".join(lines)
    own = list(filterfalse(_SIGNOFF.match, lines))  # the lines but sign-offs
    body = " ".join(own).strip()
    flags: set[str] = set()
    resent_to: frozenset[str] | None = None
    replied_to: list[str] = []
    if quoted is not None:
        quoted = unquoted(quoted)
        # at most "FYI" and a name above the quote; a question ("interest?") is no bare forward
        bare = _NOTHING_ADDED.fullmatch(body) is not None and not _QUESTION.search(body + " ")
        name = quoted_author(quoted)
        if author is not None and name is not None and same_person(name, author):
            if asks(quoted_body(quoted)):
                resent_to = resent_to_asked(quoted, recipients)
                if resent_to is None and _FYI.search(body.lower()):
                    flags.add(QUOTES_OWN)  # their earlier ask passed on to others "FYI"
                else:
                    flags.add(RESENDS)  # their own earlier ask, sent again
            elif bare:
                flags.add(FORWARD)
            else:
                flags.add(QUOTES_OWN)  # new words above their own earlier message
        else:
            flags.update((FORWARD, QUOTES_REPLY) if bare else (QUOTES_REPLY,))
            if name is not None and not bare:
                replied_to = sorted({normalize_address(a.email)
                                     for a in same_people(name, recipients)})
    lowered = words.lower()
    if _AUTOMATED.search(lowered):
        flags.add(AUTOMATED)
    if any(
            not _RELAY.search(lowered[max(0, m.start() - 60):m.start()])
            for m in _BROADCAST.finditer(lowered)):
        flags.add(BROADCAST)
    answering = QUOTES_REPLY in flags and FORWARD not in flags
    named: frozenset[str] | None = None
    if asks(body, answering=answering) and not _will_talk(lowered):
        flags.add(ASK)
        own_text = "\n".join(own)

        def asks_here(some: str) -> bool:  # words of this message, judged as its own are
            return asks(some, answering=answering)
        named = asked_by_name(own_text, asks_here, recipients)
        if answering and short_question(own_text, asks_here):
            flags.add(SHORT_QUESTION)
        if answering and only_calls(body, asks_here):
            flags.add(CALL_ONLY)
        if asks_each(body):
            flags.add(RSVP)
    elif _THANKS.search(lowered):
        flags.add(THANKS)
    if ASK not in flags and RESENDS in flags:
        named = resent_to  # the ask was theirs: only those it asked are asked again
    out = tuple(flag for flag in ALL if flag in flags)
    out += (ASKED + " ".join(sorted(named)),) if named else ()
    return out + ((QUOTED + " ".join(replied_to),) if replied_to else ())


def asked(signals: Sequence[str] | None) -> frozenset[str] | None:
    """The addresses a message's asks greet by name (``judge``'s ``asked:`` flag), or None."""
    return _addresses(signals, ASKED)


def quoted_from(signals: Sequence[str] | None) -> frozenset[str]:
    """The recipients whose own message this one quotes (``judge``'s ``quoted:`` flag)."""
    return _addresses(signals, QUOTED) or frozenset()


def _addresses(signals: Sequence[str] | None, prefix: str) -> frozenset[str] | None:
    for flag in signals or ():
        if flag.startswith(prefix):
            return frozenset(flag[len(prefix):].split())
    return None
