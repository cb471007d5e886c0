from __future__ import annotations

from datetime import timedelta

from rules.threads import normalize_subject
from syncd.pipeline import compute
from tests.factories import ME, NOW, config, mail, meeting

JANE = "jane@acme.example"


def test_normalize_subject_strips_reply_and_forward_prefixes_in_many_languages() -> None:
    assert normalize_subject("RE: AW: Fwd: [team] Lunch  plans") == "lunch plans"
    assert normalize_subject("SV: Re[2]: Budget") == "budget"
    assert normalize_subject(None) == ""


def test_two_way_thread_counts_initiations_replies_and_latency() -> None:
    msgs = [
        mail(ME, JANE, days_ago=10, subject="Lunch?", mid="a"),
        mail(JANE, ME, days_ago=9, subject="Re: Lunch?", mid="b", reply_to="a", name="Jane Roe"),
        mail(ME, JANE, days_ago=8, subject="Re: Lunch?", mid="c", reply_to="b"),
    ]
    snap = compute(config(), msgs, [], NOW)
    led = snap.ledgers[JANE]
    assert (led.messages_out, led.messages_in) == (2, 1)
    assert (led.initiated_by_me, led.initiated_by_them) == (1, 0)
    assert (led.replies_by_me, led.replies_by_them) == (1, 1)
    assert led.median_reply_them == timedelta(days=1)
    assert (led.given, led.received, led.balance) == (2, 1, 1)
    assert led.last_touch == NOW - timedelta(days=8)
    assert led.first_exchange == NOW - timedelta(days=9)
    assert snap.directory.name(JANE) == "Jane Roe"
    # our last message answers hers (a reply, judged from headers alone): it asks nothing
    assert led.open_asks == 0 and led.last_ask is None


def test_threads_without_references_join_by_subject_and_participants() -> None:
    # Enron-style: no References headers, only "RE:" subjects.
    msgs = [
        mail(ME, JANE, days_ago=10, subject="Budget"),
        mail(JANE, ME, days_ago=9, subject="RE: Budget"),
        mail("bob@other.example", ME, days_ago=9, subject="RE: Budget"),  # other people
    ]
    snap = compute(config(), msgs, [], NOW)
    assert snap.ledgers[JANE].replies_by_them == 1
    assert snap.ledgers["bob@other.example"].initiated_by_them == 1


def test_owed_reply_and_plus_tags_and_automated_mail() -> None:
    msgs = [
        mail("Jane+news@Acme.example", ME, days_ago=4, subject="Question"),
        mail("news@acme.example", ME, days_ago=1, subject="Weekly",
             headers=(("list-unsubscribe", "<mailto:u@acme.example>"),)),
    ]
    snap = compute(config(), msgs, [], NOW)
    assert snap.ledgers[JANE].owed_replies == 1
    assert "news@acme.example" not in snap.ledgers  # nobody is created from automated mail


def test_too_many_recipients_touch_nobody() -> None:
    many = [f"p{i}@x.example" for i in range(11)]
    snap = compute(config(), [mail(ME, many, days_ago=1)], [], NOW)
    assert snap.ledgers == {}


def test_meetings_count_only_when_they_happened_with_the_user_in_them() -> None:
    meetings = [
        meeting([JANE], days_ago=3, rooms=["room1@x.example"]),
        meeting([JANE], days_ago=-2),                       # in the future
        meeting([JANE], days_ago=4, partstat="DECLINED", organizer=JANE),
        meeting([JANE], days_ago=5, status="CANCELLED"),
        meeting([JANE], days_ago=6, all_day=True),
        meeting([JANE], days_ago=7, ours=True),
        meeting([f"p{i}@x.example" for i in range(9)], days_ago=8),  # too big
    ]
    snap = compute(config(), [], meetings, NOW)
    assert snap.ledgers[JANE].meetings == 1
    assert "room1@x.example" not in snap.ledgers
    assert "p0@x.example" not in snap.ledgers


def test_people_entries_merge_addresses_into_one_person() -> None:
    cfg = config(people=[{"name": "Jane Roe", "addresses": [JANE, "jroe@gmail.com"],
                          "tags": ["inner"]}])
    msgs = [mail(JANE, ME, days_ago=3), mail("j.roe@googlemail.com", ME, days_ago=2)]
    snap = compute(cfg, msgs, [], NOW)
    assert list(snap.ledgers) == [JANE]
    assert snap.ledgers[JANE].messages_in == 2
    assert snap.directory.name(JANE) == "Jane Roe"


def test_cadence_first_match_wins_and_new_contact_sequence() -> None:
    cfg = config(
        people=[{"name": "Jane Roe", "addresses": [JANE], "tags": ["inner"]}],
        cadences=[{"name": "inner", "tags": ["inner"], "every": "14d"},
                  {"name": "network", "min_exchanges": 2, "every": "90d"}])
    msgs = [
        mail(JANE, ME, days_ago=200, subject="Hi", mid="j1"),
        mail(ME, JANE, days_ago=199, subject="Re: Hi", mid="j2", reply_to="j1"),
        mail(ME, "sam@new.example", days_ago=3, subject="Nice to meet you", mid="s1"),
        mail("sam@new.example", ME, days_ago=2, subject="Re: Nice to meet you", mid="s2",
             reply_to="s1"),
    ]
    snap = compute(cfg, msgs, [], NOW)
    jane = [c for c in snap.candidates.values() if c.person == JANE]
    assert [(c.kind, c.due) for c in jane] == [("cadence", NOW - timedelta(days=199 - 14))]
    assert snap.rules[JANE] is not None and snap.rules[JANE].name == "inner"
    sam = [c for c in snap.candidates.values() if c.person == "sam@new.example"]
    # first two-way exchange two days ago; step 1 is 3 days after it. Sam answered the user's
    # first message: a thank-you is due owed_reply_after (2 days) later.
    assert sorted((c.kind, c.due) for c in sam) == [("new_contact", NOW + timedelta(days=1)),
                                                    ("thank", NOW)]


def test_written_to_counts_only_personal_outbound_mail() -> None:
    msgs = [
        # The user's own out-of-office reply to a role sender does not make it a person...
        mail(ME, "support@vendor.example", days_ago=5, subject="Automatic reply: Ticket",
             headers=(("auto-submitted", "auto-replied"),)),
        mail("support@vendor.example", ME, days_ago=4, subject="Your ticket"),
        # ...but a personal message to a role-looking address does.
        mail(ME, "info@friend.example", days_ago=5, subject="Dinner?"),
        mail("info@friend.example", ME, days_ago=4, subject="Re: Dinner?"),
    ]
    snap = compute(config(), msgs, [], NOW)
    assert "support@vendor.example" not in snap.ledgers
    assert snap.ledgers["info@friend.example"].messages_in == 1


def test_ignore_patterns_from_the_config_drop_senders() -> None:
    msgs = [mail("alerts-42@bank.example", ME, days_ago=1),
            mail("ann@bank.example", ME, days_ago=1)]
    snap = compute(config(ignore={"patterns": [r"alerts-\d+"]}), msgs, [], NOW)
    assert list(snap.ledgers) == ["ann@bank.example"]


def test_a_role_address_that_replied_in_a_thread_the_user_started_is_a_person() -> None:
    msgs = [
        mail(ME, "jane@acme.example", days_ago=5, subject="Quote?", mid="q1"),
        # the answer comes from sales@, copied in by Jane: a person answering, not a mailing
        mail("sales@acme.example", ME, days_ago=4, subject="Re: Quote?", mid="q2",
             reply_to="q1"),
        # an auto-reply in the same thread stays automated
        mail("support@acme.example", ME, days_ago=4, subject="Re: Quote?", mid="q3",
             reply_to="q1", headers=(("auto-submitted", "auto-replied"),)),
    ]
    snap = compute(config(), msgs, [], NOW)
    assert snap.ledgers["sales@acme.example"].messages_in == 1
    assert "support@acme.example" not in snap.ledgers


def test_outlook_other_folder_is_a_soft_signal() -> None:
    msgs = [mail("deals@shop.example", ME, days_ago=1, labels=("inference:other",)),
            mail(ME, "ann@shop.example", days_ago=3, mid="a1"),
            mail("ann@shop.example", ME, days_ago=2, labels=("inference:other",))]
    snap = compute(config(), msgs, [], NOW)
    assert "deals@shop.example" not in snap.ledgers
    assert snap.ledgers["ann@shop.example"].messages_in == 1  # written to: the signal yields
    verdict = snap.derived.verdicts[msgs[0].message_id]
    assert any("inferenceClassification" in r for r in verdict.reasons)
