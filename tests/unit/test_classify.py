"""rules.classify, one rule at a time, on hand-written Message records (DESIGN.md section 3)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.classify import VERDICTS, ClassifyContext, Verdict, classify_message
from syncd.model import Address, Message

ME = "dana@example.org"
JANE = "jane@acme.example"
CTX = ClassifyContext.build(self_addresses=[ME])


def msg(sender: str | None = JANE, to: tuple[str, ...] = (ME,), *, subject: str = "Lunch?",
        headers: tuple[tuple[str, str], ...] = (), labels: tuple[str, ...] = (),
        cc: tuple[str, ...] = ()) -> Message:
    return Message(
        account="mail", native_id="INBOX/1/1", message_id="m1@test",
        date=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        sender=Address(sender, "Someone") if sender is not None else None,
        to=tuple(Address(a) for a in to), cc=tuple(Address(a) for a in cc),
        subject=subject, headers=headers, labels=labels)


def check(message: Message, verdict: str, context: ClassifyContext = CTX) -> Verdict:
    result = classify_message(message, context)
    assert result.verdict == verdict, result.reasons
    assert result.personal is (verdict == "personal")
    assert result.reasons
    return result


# --- a person ------------------------------------------------------------------------------------

def test_plain_mail_from_a_person_is_personal() -> None:
    check(msg(), "personal")


def test_auto_response_suppress_alone_is_not_automation() -> None:
    # Outlook puts it on ordinary mail too; Discourse excludes it on purpose.
    check(msg(headers=(("x-auto-response-suppress", "All"),)), "personal")


# --- RFC 3834 Auto-Submitted ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "verdict"),
    [("auto-replied", "auto_reply"), ("Auto-Replied; owner-email=\"x@y\"", "auto_reply"),
     ("auto-generated", "automated"), ("auto-notified", "automated"),
     ("auto-generated (vacation)", "automated"), ("no", "personal"), ("No", "personal")],
)
def test_auto_submitted(value: str, verdict: str) -> None:
    check(msg(headers=(("auto-submitted", value),)), verdict)


def test_auto_submitted_reason_names_the_rfc() -> None:
    result = check(msg(headers=(("auto-submitted", "auto-replied"),)), "auto_reply")
    assert "Auto-Submitted: auto-replied (RFC 3834)" in result.reasons


# --- Precedence and list headers -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "verdict"),
    [("bulk", "bulk"), ("junk", "bulk"), ("list", "list"), ("List", "list"),
     ("auto_reply", "auto_reply"), ("first-class", "personal"), ("normal", "personal")],
)
def test_precedence(value: str, verdict: str) -> None:
    check(msg(headers=(("precedence", value),)), verdict)


@pytest.mark.parametrize(
    ("header", "verdict"),
    [(("list-id", "Foo list <foo.lists.example>"), "list"),
     (("list-post", "<mailto:foo@lists.example>"), "list"),
     (("list-unsubscribe", "<https://x.example/u>"), "bulk"),
     (("list-unsubscribe-post", "List-Unsubscribe=One-Click"), "bulk")],
)
def test_list_headers(header: tuple[str, str], verdict: str) -> None:
    check(msg(headers=(header,)), verdict)


def test_list_id_reason_shows_the_list() -> None:
    result = check(msg(headers=(("list-id", "<foo.lists.example>"),)), "list")
    assert any("List-Id: <foo.lists.example>" in r for r in result.reasons)


def test_all_matching_signals_are_listed_most_specific_first() -> None:
    headers = (("list-unsubscribe", "<mailto:u@x>"), ("precedence", "list"),
               ("list-id", "<foo.lists.example>"))
    result = check(msg(headers=headers), "list")
    assert len(result.reasons) == 3
    assert result.reasons[-1] == "List-Unsubscribe present (RFC 2369)"


# --- bounces -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["<>", " < > "])
def test_null_return_path_is_a_bounce(value: str) -> None:
    check(msg(headers=(("return-path", value),)), "bounce")


def test_ordinary_return_path_is_fine() -> None:
    check(msg(headers=(("return-path", f"<{JANE}>"),)), "personal")


def test_delivery_status_report_is_a_bounce() -> None:
    ctype = 'multipart/report; report-type="delivery-status"; boundary="b1"'
    check(msg(headers=(("content-type", ctype),)), "bounce")


@pytest.mark.parametrize("kind", ["disposition-notification", "feedback-report"])
def test_other_reports_are_automated(kind: str) -> None:
    check(msg(headers=(("content-type", f"multipart/report; report-type={kind}"),)), "automated")


def test_a_report_without_its_report_type_is_automated() -> None:
    # What the IMAP connector hands over: the media type without its parameters.
    result = check(msg(headers=(("content-type", "multipart/report"),)), "automated")
    assert result.reasons == (("Content-Type: multipart/report (a delivery status notification, "
                              "read receipt or feedback report)"),)


def test_a_bounce_report_outranks_auto_submitted() -> None:
    headers = (("auto-submitted", "auto-replied"), ("return-path", "<>"),
               ("content-type", "multipart/report; report-type=delivery-status"))
    check(msg(headers=headers), "bounce")


# --- role and machine senders --------------------------------------------------------------------

@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mx.example", "mailer_daemon@mx.example", "postmaster@acme.example",
     "post_master@acme.example", "noreply@acme.example", "no-reply@acme.example",
     "no_reply+x@acme.example", "donotreply@acme.example", "do-not-reply@acme.example",
     "github-noreply@acme.example", "bounces@acme.example", "bounce-123@acme.example",
     "foo-bounces@lists.example", "calendar-notification@google.com"],
)
def test_machine_senders_are_never_a_person(sender: str) -> None:
    written = ClassifyContext.build(self_addresses=[ME], written_to=[sender])
    result = check(msg(sender), "role_sender", written)
    assert "is a role address" in result.reasons[0]


@pytest.mark.parametrize(
    "sender",
    ["info@acme.example", "support@acme.example", "notifications@acme.example",
     "notification@acme.example", "alerts@acme.example", "newsletter@acme.example",
     "news@acme.example", "billing@acme.example", "marketing@acme.example",
     "automated@acme.example", "anyone@newsletter.acme.example"],
)
def test_role_senders(sender: str) -> None:
    result = check(msg(sender), "role_sender")
    assert result.reasons == (f"sender {sender} is a role address",)


def test_role_senders_are_matched_normalised() -> None:
    result = check(msg("Info+promo@Acme.Example"), "role_sender")
    assert result.reasons == ("sender info@acme.example is a role address",)


@pytest.mark.parametrize(
    "sender",
    ["infolab@acme.example", "infodesk-jane@acme.example", "jane.news@acme.example",
     "newsom@acme.example", "jane@mail.com", "jane@news.example", "supporter@acme.example"],
)
def test_role_patterns_match_the_whole_local_part(sender: str) -> None:
    check(msg(sender), "personal")


def test_a_role_address_you_have_written_to_is_a_person() -> None:
    context = ClassifyContext.build(self_addresses=[ME], written_to=["Info@Acme.Example"])
    result = check(msg("info@acme.example"), "personal", context)
    assert result.reasons[0] == "allowed: you have written to info@acme.example"
    assert "overrides: sender info@acme.example is a role address" in result.reasons


def test_extra_role_patterns_from_the_config() -> None:
    context = ClassifyContext.build(self_addresses=[ME], extra_role_patterns=["robot-.*", "!ci"],
                                    written_to=["robot-7@acme.example", "ci@acme.example"])
    check(msg("robot-7@acme.example"), "personal", context)  # role: written_to rescues it
    check(msg("robot-7@acme.example"), "role_sender", ClassifyContext.build(
        extra_role_patterns=["robot-.*"]))
    check(msg("ci@acme.example"), "role_sender", context)  # machine: nothing rescues it
    check(msg("robot-7@acme.example"), "personal")  # not in the defaults


# --- automatic replies ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "subject",
    ["Out of Office: Lunch?", "Out of office", "Automatic reply: Lunch?", "Auto reply: Lunch?",
     "AutoResponse: Lunch?", "Auto: Lunch?", "Autosvar: Lunch?", "Abwesenheitsnotiz: Lunch?",
     "Automatische Antwort: Lunch?", "Réponse automatique : Lunch?", "Absence : Lunch?",
     "Respuesta automática: Lunch?", "Fuera de la oficina: Lunch?",
     "Risposta automatica: Lunch?", "Fuori ufficio: Lunch?", "Automatisch antwoord: Lunch?",
     "Afwezig: Lunch?", "Resposta automática: Lunch?", "Ausência: Lunch?",
     "自動応答: Lunch?", "自動返信: Lunch?", "不在通知", "不在: Lunch?", "I am out of the office",
     "Out of Office AutoReply: Lunch?", "Out of office (back on Monday)", "AutoRespons :Nyaan?",
     "Auto-Reply from Jane Roe", "Automatic reply", "Automated response [ticket 42]",
     "Jane Roe is out of the office."],
)
def test_out_of_office_subjects(subject: str) -> None:
    check(msg(subject=subject), "auto_reply")


@pytest.mark.parametrize(
    "subject",
    ["Re: Out of Office: Lunch?", "Absence of evidence", "Lunch out of office hours?",
     "Out of Office Procedure", "Out of the office for Thursday and Friday, can you cover?",
     "I'm away next week", "Abwesenheit am Freitag", "Office closed Monday, party on Tuesday",
     "Auto parts", "Autoreply settings for the shared inbox", "Automatic response times",
     "Fwd: Automatic reply: Lunch?", "Outlook tips", "不在者投票について", ""],
)
def test_subjects_that_only_mention_the_words_stay_personal(subject: str) -> None:
    check(msg(subject=subject), "personal")


@pytest.mark.parametrize(
    "headers",
    [(("x-autoreply", "yes"),), (("x-autorespond", "Vacation"),),
     (("x-ms-exchange-inbox-rules-loop", JANE), ("x-auto-response-suppress", "All")),
     (("auto-submitted", "auto-generated"),
      ("x-ms-exchange-generated-message-source", "Mailbox Rules Agent"))],
)
def test_auto_reply_headers(headers: tuple[tuple[str, str], ...]) -> None:
    check(msg(headers=headers), "auto_reply")


def test_exchange_rule_and_agent_headers_without_reply_signs_are_automated() -> None:
    check(msg(headers=(("x-ms-exchange-inbox-rules-loop", JANE),)), "automated")
    check(msg(headers=(("x-ms-exchange-generated-message-source", "Journal Agent"),)),
          "automated")


def test_x_autoreply_no_is_not_a_reply() -> None:
    check(msg(headers=(("x-autoreply", "no"),)), "personal")


def test_out_of_office_with_null_return_path_is_an_auto_reply_not_a_bounce() -> None:
    result = check(msg(subject="Automatic reply: Lunch?", headers=(("return-path", "<>"),)),
                   "auto_reply")
    assert any("Return-Path" in r for r in result.reasons)


# --- calendar ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "subject",
    ["Invitation: Lunch @ Wed 7 Jan 2026 12pm - 1pm (GMT) (dana@example.org)",
     "Updated invitation: Lunch @ Wed 7 Jan 2026", "Updated invitation with note: Lunch @ x",
     "Accepted: Weekly sync", "Declined: Weekly sync", "Tentative: Weekly sync",
     "Tentatively accepted: Weekly sync", "Canceled event: Lunch @ Wed 7 Jan 2026",
     "Cancelled: Weekly sync", "New Time Proposed: Weekly sync",
     "Einladung: Mittagessen @ Mi. 7. Jan. 2026", "Angenommen: Jour fixe",
     "Abgelehnt: Jour fixe", "Accepté : Point hebdo", "Invitación: Almuerzo @ mié 7 ene",
     "Aceptado: Reunión", "Invito: Pranzo @ mer 7 gen", "Uitnodiging: Lunch @ wo 7 jan",
     "Geaccepteerd: Overleg", "Convite: Almoço @ qua 7 jan", "招待状: ランチ @ 2026年1月7日",
     "承諾: 定例会議"],
)
def test_calendar_subjects(subject: str) -> None:
    result = check(msg(subject=subject), "calendar")
    assert "calendar" in result.reasons[0]


@pytest.mark.parametrize(
    "subject", ["Invitation: my birthday party", "Accepted the offer", "Re: Accepted: sync",
                "Declined"],
)
def test_person_written_subjects_are_not_calendar_mail(subject: str) -> None:
    check(msg(subject=subject), "personal")


def test_text_calendar_body_is_calendar_mail() -> None:
    check(msg(headers=(("content-type", "text/calendar; method=REQUEST"),)), "calendar")


# --- Gmail categories ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("label", "verdict"),
    [("CATEGORY_PROMOTIONS", "bulk"), ("CATEGORY_SOCIAL", "automated"),
     ("CATEGORY_UPDATES", "automated"), ("CATEGORY_FORUMS", "list"),
     ("CATEGORY_PERSONAL", "personal"), ("INBOX", "personal")],
)
def test_gmail_categories(label: str, verdict: str) -> None:
    check(msg(labels=("INBOX", label)), verdict)


def test_gmail_category_yields_to_an_address_you_have_written_to() -> None:
    context = ClassifyContext.build(self_addresses=[ME], written_to=[JANE])
    check(msg(labels=("CATEGORY_UPDATES",)), "personal", context)


# --- ESP headers: soft signals -------------------------------------------------------------------

@pytest.mark.parametrize(
    "header",
    [("feedback-id", "1.us-east-1.abc:AmazonSES"), ("x-ses-outgoing", "2026.01.05-1.2.3.4"),
     ("x-sg-eid", "abc"), ("x-mailgun-sid", "WyI1In0=")],
)
def test_an_esp_header_alone_is_not_enough(header: tuple[str, str]) -> None:
    result = check(msg(headers=(header,)), "personal")
    assert any("soft signal" in r for r in result.reasons)


def test_esp_header_with_a_role_sender_is_bulk_even_if_you_wrote_to_it() -> None:
    context = ClassifyContext.build(self_addresses=[ME], written_to=["info@acme.example"])
    result = check(msg("info@acme.example", headers=(("feedback-id", "x:AmazonSES"),)), "bulk",
                   context)
    assert "Feedback-ID (email service provider) from role sender info@acme.example" in (
        result.reasons)


def test_esp_header_with_list_unsubscribe_adds_a_reason() -> None:
    headers = (("x-sg-eid", "abc"), ("list-unsubscribe", "<mailto:u@x>"))
    result = check(msg(headers=headers), "bulk")
    assert result.reasons[-1] == "X-SG-EID: sent through an email service provider"


def test_esp_header_never_changes_a_harder_verdict() -> None:
    headers = (("auto-submitted", "auto-generated"), ("x-mailgun-sid", "abc"))
    check(msg(headers=headers), "automated")


# --- the envelope: Return-Path that is not the sender (soft) -------------------------------------

@pytest.mark.parametrize(
    ("return_path", "why"),
    [("<express-errors@acme.example>", "bounce-handling address"),
     ("<owner-worldwidewords@listserv.example.org>", "bounce-handling address"),
     ("<spam-request@z1.example.com>", "bounce-handling address"),
     ("<news-bounce@groups.example.com>", "bounce-handling address"),
     ("<2.20290.44-t9bsgc0tYwDu.1.b@ummail4.unitedmedia.example>", "tracking address"),
     ("<env_216095411795471888@hermes.example>", "tracking address"),
     ("<ems+P8T5PED6GPLZ4A@bounces.acme.example>", "bulk-mail host (bounces.acme.example)"),
     ("<your_astrologer@mailer1.acme.example>", "bulk-mail host (mailer1.acme.example)"),
     ("<bounce-mc.us5_1.2-jane=acme.example@mail9.rsgsv.net>", "bounce-handling address"),
     ("<acme@eu-west-1.amazonses.com>", "amazonses.com is an email service provider")],
)
def test_a_return_path_that_is_not_the_sender_can_say_bulk(return_path: str, why: str) -> None:
    result = check(msg(headers=(("return-path", return_path),)), "bulk")
    assert why in result.reasons[0]
    assert result.reasons[0].startswith("Return-Path ")


@pytest.mark.parametrize(
    "return_path",
    [f"<{JANE}>", "<Jane+lists@Acme.Example>", "<prvs=0123456789=jane@acme.example>",
     "<SRS0=Ab1c=2Z=acme.example=jane@forwarder.example>",
     "<IMCEAEX-_O=ORG_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP+20+28FYDIBOHF23SPDLT+29_CN=1@x.example>",
     "<jane.doe@gmail.com>", "<jane1975@acme.example>", "<12345@qq.example>",
     "<jane@lists.example>", "jane"],
)
def test_return_paths_that_say_nothing(return_path: str) -> None:
    # The sender itself (tagged, BATV-signed), a forwarder's SRS address, an Exchange address, a
    # person's other mailbox ("send as"), a short number, a two-label domain: no signal.
    check(msg(headers=(("return-path", return_path),)), "personal")


def test_every_return_path_is_read_not_only_the_first() -> None:
    headers = (("return-path", f"<{JANE}>"), ("return-path", "<dms-errors@dms.acme.example>"))
    check(msg(headers=headers), "bulk")


def test_the_envelope_signal_yields_to_an_address_you_have_written_to() -> None:
    headers = (("return-path", "<bounces-42@mailer.acme.example>"),)
    context = ClassifyContext.build(self_addresses=[ME], written_to=[JANE])
    result = check(msg(headers=headers), "personal", context)
    assert result.reasons[1].startswith("overrides: Return-Path bounces-42@mailer.acme.example")


def test_the_envelope_signal_is_hard_for_mail_not_addressed_to_you() -> None:
    # A distribution: bounces go to a list server and you are neither in To nor in Cc.
    headers = (("return-path", "<bounces-42@mailer.acme.example>"),)
    context = ClassifyContext.build(self_addresses=[ME], written_to=[JANE])
    result = check(msg(to=("team@acme.example",), headers=headers), "bulk", context)
    assert result.reasons[0].endswith("and you are not in To or Cc (a distribution)")
    # Without self addresses (an empty context) nobody knows who "you" are: still soft.
    check(msg(to=("team@acme.example",), headers=headers), "personal",
          ClassifyContext.build(written_to=[JANE]))


def test_an_email_service_providers_own_domain_as_sender_is_bulk() -> None:
    result = check(msg("guterman@mediaunspun.imakenews.net"), "bulk")
    assert result.reasons == (("sender guterman@mediaunspun.imakenews.net: imakenews.net is an "
                              "email service provider's sending domain"),)


@pytest.mark.parametrize(
    "sender", ["mailinglist@acme.example", "replies@acme.example", "volunteer-reply@acme.example",
               "subscriber@acme.example", "senews-nov@euromailer.lists.acme.example",
               "acme.announcements@acme.example", "ops.announcement@acme.example",
               "announcements.acme@acme.example", "acme.payroll@acme.example",
               "front.desk@acme.example", "officeofthechairman2@acme.example",
               "office.chairman@acme.example", "chairman.acme@acme.example"],
)
def test_more_role_senders(sender: str) -> None:
    check(msg(sender), "role_sender")


@pytest.mark.parametrize(
    "sender", ["donotuse@acme.example", "express-errors@acme.example", "errors@acme.example",
               "no.address@acme.example"])
def test_more_machine_senders(sender: str) -> None:
    check(msg(sender), "role_sender", ClassifyContext.build(self_addresses=[ME],
                                                             written_to=[sender]))


# --- display names (soft) ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name", ["The ISO17799 Newsletter", "Apple Store eNews", "Espial News", "The Motley Fool",
             "Michael Moore's Mailing List", "Acme Team", "ACME NOTIFICATIONS", "Daily Digest"],
)
def test_display_names_of_mailings(name: str) -> None:
    message = replace(msg(), sender=Address(JANE, name))
    result = check(message, "bulk")
    assert result.reasons[0].startswith(f"sender name {name!r} is a mailing's name")
    context = ClassifyContext.build(self_addresses=[ME], written_to=[JANE])
    check(message, "personal", context)


@pytest.mark.parametrize(
    "name", ["Theo Van Dinter", "Dana Theron", "Gavin Newsom", "Jane (Teamster)", "Steam Team Ltd",
             "Jane Doe, Newsroom"],
)
def test_display_names_of_people(name: str) -> None:
    check(replace(msg(), sender=Address(JANE, name)), "personal")


# --- outbound and self ---------------------------------------------------------------------------

def test_mail_you_sent_is_personal() -> None:
    result = check(msg(ME, (JANE, "bob@acme.example")), "personal")
    assert result.reasons == (f"sent by you to {JANE}, bob@acme.example",)


@pytest.mark.parametrize("label", ["\\Sent", "SENT"])
def test_sent_label_marks_outbound_even_from_an_unknown_address(label: str) -> None:
    check(msg("dana.alias@example.org", ("info@acme.example",), labels=(label,)), "personal")


def test_outbound_to_a_role_address_is_personal() -> None:
    check(msg(ME, ("support@acme.example",)), "personal")


@pytest.mark.parametrize(
    ("to", "cc"), [((ME,), ()), (("Dana+notes@Example.org",), (ME,)), ((), ())],
)
def test_mail_to_nobody_but_yourself_is_self(to: tuple[str, ...], cc: tuple[str, ...]) -> None:
    check(msg(ME, to, cc=cc), "self")


def test_inbound_from_self_to_self_is_self() -> None:
    check(msg("DANA@example.org", (ME,)), "self")


def test_your_own_servers_auto_reply_is_not_personal() -> None:
    check(msg(ME, (JANE,), headers=(("auto-submitted", "auto-replied"),)), "auto_reply")
    check(msg(ME, (JANE,), subject="Out of office: Lunch?"), "auto_reply")


def test_your_list_post_as_the_list_delivers_it_is_list_mail() -> None:
    check(msg(ME, ("foo@lists.example",), headers=(("list-id", "<foo.lists.example>"),)), "list")


# --- written_to, allow and ignore ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("sender", "headers", "subject", "verdict"),
    [(JANE, (("auto-submitted", "auto-replied"),), "Lunch?", "auto_reply"),
     (JANE, (("list-id", "<foo.lists.example>"),), "Lunch?", "list"),
     (JANE, (("return-path", "<>"),), "Lunch?", "bounce"),
     (JANE, (), "Out of Office: Lunch?", "auto_reply"),
     (JANE, (), "Accepted: Lunch", "calendar"),
     ("mailer-daemon@acme.example", (), "Undelivered", "role_sender")],
)
def test_written_to_does_not_override_hard_automation(
        sender: str, headers: tuple[tuple[str, str], ...], subject: str, verdict: str) -> None:
    context = ClassifyContext.build(self_addresses=[ME], written_to=[sender])
    check(msg(sender, headers=headers, subject=subject), verdict, context)


def test_written_to_matches_normalised_addresses() -> None:
    context = ClassifyContext.build(self_addresses=[ME], written_to=["info@gmail.com"])
    check(msg("I.n.f.o+x@GoogleMail.com"), "personal", context)


def test_allow_overrides_everything() -> None:
    context = ClassifyContext.build(self_addresses=[ME], allow=["NoReply@Acme.Example"],
                                    ignore_domains=["acme.example"])
    headers = (("auto-submitted", "auto-generated"), ("list-id", "<x>"), ("return-path", "<>"))
    result = check(msg("noreply@acme.example", headers=headers, subject="Out of office"),
                   "personal", context)
    assert result.reasons == ("allowed: noreply@acme.example is in ignore.allow",)


def test_allow_applies_to_the_recipients_of_outbound_mail() -> None:
    context = ClassifyContext.build(self_addresses=[ME], allow=[JANE])
    check(msg(ME, (JANE,), headers=(("auto-submitted", "auto-replied"),)), "personal", context)


def test_ignore_addresses() -> None:
    context = ClassifyContext.build(self_addresses=[ME], ignore_addresses=["Jane+x@Acme.example"])
    result = check(msg(), "ignored", context)
    assert result.reasons == (f"ignored: {JANE} is in ignore.addresses",)


@pytest.mark.parametrize(
    ("sender", "verdict"),
    [(JANE, "ignored"), ("jane@mail.acme.example", "ignored"), ("jane@ACME.example", "ignored"),
     ("jane@notacme.example", "personal"), ("jane@acme.example.org", "personal")],
)
def test_ignore_domains_cover_subdomains(sender: str, verdict: str) -> None:
    context = ClassifyContext.build(self_addresses=[ME], ignore_domains=["@Acme.Example"])
    check(msg(sender), verdict, context)


def test_outbound_is_ignored_only_when_every_recipient_is() -> None:
    context = ClassifyContext.build(self_addresses=[ME], ignore_domains=["acme.example"])
    check(msg(ME, (JANE,), cc=(ME,)), "ignored", context)
    check(msg(ME, (JANE, "bob@other.example")), "personal", context)


def test_mail_without_a_sender_is_not_personal() -> None:
    check(msg(None), "automated")


# --- invariants and data -------------------------------------------------------------------------

def test_verdict_refuses_unknown_verdicts_and_missing_reasons() -> None:
    with pytest.raises(ValueError, match="bad verdict"):
        Verdict(False, "spam", ("x",))
    with pytest.raises(ValueError, match="bad verdict"):
        Verdict(True, "personal", ())


@pytest.mark.parametrize(
    ("name", "at_least"),
    [("role_localparts.txt", 20), ("ooo_subjects.txt", 20), ("calendar_subjects.txt", 20),
     ("sender_names.txt", 8), ("bulk_domains.txt", 15)],
)
def test_every_data_line_is_a_valid_pattern(name: str, at_least: int) -> None:
    text = (files("rules") / "data" / name).read_text(encoding="utf-8")
    lines = [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]
    assert len(lines) >= at_least
    for line in lines:
        if name == "bulk_domains.txt" and not line.startswith("*."):
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", line), line
        else:
            re.compile(line.removeprefix("!").removeprefix("*."))


_HEADER_NAMES = ["list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post",
                 "auto-submitted", "precedence", "return-path", "x-auto-response-suppress",
                 "x-autoreply", "x-autorespond", "x-ms-exchange-inbox-rules-loop",
                 "x-ms-exchange-generated-message-source", "feedback-id", "x-ses-outgoing",
                 "x-sg-eid", "x-mailgun-sid", "content-type"]
_VALUES = ["", "no", "<>", "bulk", "list", "auto-replied", "auto-generated", "yes",
           "multipart/report; report-type=delivery-status", "text/calendar"]


@given(
    sender=st.sampled_from([None, JANE, ME, "info@acme.example", "noreply@acme.example", ""]),
    to=st.lists(st.sampled_from([ME, JANE, "bob@acme.example"]), max_size=3).map(tuple),
    headers=st.lists(st.tuples(st.sampled_from(_HEADER_NAMES), st.sampled_from(_VALUES)),
                     max_size=4).map(tuple),
    labels=st.lists(st.sampled_from(["\\Sent", "SENT", "CATEGORY_UPDATES", "INBOX"]),
                    max_size=2).map(tuple),
    subject=st.sampled_from(["Lunch?", "Out of Office: x", "Accepted: x", ""]),
    written=st.booleans(),
)
def test_every_verdict_is_known_and_explained(
        sender: str | None, to: tuple[str, ...], headers: tuple[tuple[str, str], ...],
        labels: tuple[str, ...], subject: str, written: bool) -> None:
    context = ClassifyContext.build(self_addresses=[ME],
                                    written_to=[JANE, "info@acme.example"] if written else [])
    result = classify_message(msg(sender, to, subject=subject, headers=headers, labels=labels),
                              context)
    assert result.verdict in VERDICTS
    assert result.personal is (result.verdict == "personal")
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)
