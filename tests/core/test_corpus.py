"""The corpus of real mail and real spreadsheet exports (tests/data, each file's origin in
its README) piped in whole: no traceback, every message accounted for, fields right.

The corpus is split by a fixed rule (tests/data/README.md): the held-out part was never
looked at while the intake was being fixed, and its outcomes are checked apart.
"""

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from deskcli.core.calls import tickets
from deskcli.core.incoming import intake
from deskcli.core.mailing import mail
from deskcli.core.app.desk import open_desk

pytestmark = pytest.mark.usefixtures("utc")

DATA = Path(__file__).resolve().parent.parent / "data"
ORIGINS = json.loads((DATA / "origins.json").read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
CATEGORIES = ("created", "appended", "duplicates", "not_calls", "rejected")

# What each part gives, message by message (a mailbox file holds several). A change in
# these numbers is a change in what a hotline would see: look at it before updating them.
EXPECTED = {
    "tuning": {"messages": 234, "created": 173, "appended": 2, "duplicates": 25,
               "not_calls": 33, "rejected": 1},
    "held_out": {"messages": 74, "created": 63, "appended": 0, "duplicates": 4,
                 "not_calls": 7, "rejected": 0},
}
# The only refusals, each kept whole in --rejects: no header at all is no e-mail.
REFUSED = {"mail/mime4j/test_resources_testmsgs_malformedHeader-noheader.msg":
           "this is not an e-mail"}


def mail_files(part):
    return [e["file"] for e in ORIGINS
            if e["file"].startswith("mail/") and e["held_out"] == (part == "held_out")]


def fmt_of(raw):
    return "mbox" if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"From ") else "email"


@pytest.mark.parametrize("part", ["tuning", "held_out"])
def test_every_message_of_the_corpus_is_accounted_for(home, part):
    desk = open_desk(home, "mail")
    totals = Counter()
    refused = {}
    for name in mail_files(part):
        raw = (DATA / name).read_bytes()
        items, rejected = intake.parse(raw, fmt_of(raw))
        outcome = intake.import_batch(desk, items, rejected, now=NOW, skip_invalid=True)
        found = {c: len(getattr(outcome, c)) for c in CATEGORIES}
        assert sum(found.values()) == len(items) + len(rejected), name
        totals.update(found, messages=len(items) + len(rejected))
        for problem in outcome.rejected:
            refused[name] = problem.reason
            assert problem.as_dict()["data"], name  # kept whole, to be fixed and piped again
    assert dict(totals) == EXPECTED[part]
    assert {n for n in refused} == {n for n in REFUSED if n in mail_files(part)}
    for name, reason in refused.items():
        assert REFUSED[name] in reason


def parsed(name):
    return mail.parse_message((DATA / "mail" / name).read_bytes())


@pytest.mark.parametrize("name, subject, sender, address", [
    ("mikel-mail/plain_emails_basic_email_lf.eml", "Testing 123", "Mikel Lindsaar", "test@lindsaar.net"),
    ("mikel-mail/rfc2822_example06.eml", "Re: Saying Hello", "Mary Smith", "mary@example.net"),
    ("mikel-mail/rfc2822_example13.eml", "Saying Hello", None, None),  # "Subject     : ..."
    ("mikel-mail/multi_charset_japanese_iso_2022.eml", "まみむめも", "Mikel Lindsaar", "raasdnil@gmail.com"),
    ("mikel-mail/rfc6532_utf8_headers.eml", "Säying Hello", "Jöhn Doe", "jdöe@mächine.example"),
    ("spamscope-mail-parser/mail_test_12", "代开各地增值税发票", "张先生", "baoguan@hotmail.com"),
    # Held out, and fixed after the held-out results were first taken (see the README).
    ("mikel-mail/plain_emails_raw_email_multiple_from.eml", "/home/svn/public/minebox revision 214",
     None, "tim@powerupdev.com"),
    ("mime4j/test_resources_testmsgs_obsolete.msg",
     "The obsolete syntax allow spaces before the colon and also empty lines in folding.",
     None, None),
])
def test_headers_of_corpus_messages(name, subject, sender, address):
    message = parsed(name)
    assert (message.subject, message.sender_name, message.sender_address) == (subject, sender, address)


@pytest.mark.parametrize("name, text, attachments", [
    ("mikel-mail/multi_charset_japanese_shift_jis.eml", "あいうえお", []),
    ("mikel-mail/multi_charset_ks_c_5601-1987.eml", "스티해", []),
    ("mikel-mail/attachment_emails_attachment_with_unquoted_name.eml", "This is the first part.",
     ["This is a test.txt"]),
    ("mikel-mail/attachment_emails_attachment_nonascii_filename.eml", "This is the first part.",
     ["ciële.txt"]),
    ("mime4j/test_resources_mimetools-testmsgs_multi-nested.msg", "Part 1 of the outer message.",
     ["3d-vise.gif", "3d-eye.gif", "attachment.rtx", "filename"]),
    ("mime4j/test_resources_testmsgs_russian-headers.msg", "", ["Список.doc"]),
    ("mime4j/test_resources_mimetools-testmsgs_multi-simple.msg",
     "This is implicitly typed plain ASCII text.\nIt does NOT end with a linebreak.\n\n"
     "This is explicitly typed plain ASCII text.", []),
])
def test_bodies_and_attachments_of_corpus_messages(name, text, attachments):
    message = parsed(name)
    assert message.text.startswith(text)
    assert [a.filename for a in message.attachments] == attachments


def test_a_corpus_bounce_carries_its_delivery_details():
    message = parsed("mikel-mail/multipart_report_emails_report_530.eml")
    assert message.not_a_call == "Auto-Submitted: auto-generated (failure)"
    assert message.delivery == [{"recipient": "edwin@zzzzzzz.com", "action": "failed",
                                 "status": "5.3.0", "diagnostic":
                                 "SMTP; 553 5.3.0 <edwin@zzzzzzz.com>... Unknown E-Mail Address"}]
    assert message.reported_ids == ["200712232303.lBNN3jDq002941@mail12.rrrr.com.au"]


def test_a_corpus_invitation_is_not_a_call():
    assert parsed("php-mime-mail-parser/m0020").not_a_call == "calendar request"


def test_an_unmunged_thunderbird_mbox_keeps_its_from_lines_in_the_bodies():
    texts = [mail.parse_message(m).text
             for m in mail.split_mbox((DATA / "mail/mimekit/mbox_unmunged.mbox.txt").read_bytes())]
    assert len(texts) == 2 and all("From Russia with love" in t for t in texts)


# -- spreadsheets ---------------------------------------------------------------------------

# How each export is read: the columns that are facts of a call, the others left out,
# the facts an export does not hold given once, and how it writes dates.
CSV_READING = {
    "kaggle-customer-support-tickets": dict(
        mapping={"Customer Name": "caller", "Customer Email": "contact",
                 "Product Purchased": "device", "Ticket Subject": "summary",
                 "Ticket Description": "description", "First Response Time": "opened_at",
                 **{c: intake.IGNORED for c in (
                     "Ticket ID", "Customer Age", "Customer Gender", "Date of Purchase",
                     "Ticket Type", "Ticket Status", "Resolution", "Ticket Priority",
                     "Ticket Channel", "Time to Resolution", "Customer Satisfaction Rating")}},
        defaults={}, date_format=None),
    "multilingual-helpdesk-tickets": dict(
        mapping={"subject": "summary", "body": "description",
                 **{c: intake.IGNORED for c in (
                     "id", "answer", "type", "queue", "priority", "language", "business_type",
                     *(f"tag_{n}" for n in range(1, 10)))}},
        defaults={"caller": "Web form", "summary": "(no subject)"}, date_format=None),
    "uci-incident-event-log": dict(
        mapping={"caller_id": "caller", "opened_at": "opened_at", "location": "org",
                 "u_symptom": "summary"},
        defaults={}, date_format="%d-%m-%Y %H:%M"),
}


def csv_files(part):
    return [e for e in ORIGINS if e["file"].startswith("csv/") and e["held_out"] == (part == "held_out")]


@pytest.mark.parametrize("part", ["tuning", "held_out"])
def test_every_row_of_the_real_exports_becomes_a_call(home, part):
    import csv
    import io

    desk = open_desk(home, "mail")
    for entry in csv_files(part):
        raw = (DATA / entry["file"]).read_bytes()
        export = entry["file"].removeprefix("csv/").split(".")[0]
        reading = CSV_READING[export]
        mapping = dict(reading["mapping"])
        if export == "uci-incident-event-log":
            header = next(csv.reader(io.StringIO(raw.decode())))
            mapping.update({c: intake.IGNORED for c in header if c not in mapping})
        items, rejected = intake.parse(raw, "csv", mapping=mapping, defaults=reading["defaults"],
                                       date_format=reading["date_format"])
        assert rejected == [], entry["file"]
        outcome = intake.import_batch(desk, items, rejected, now=NOW)
        assert len(outcome.created) == entry["records"], entry["file"]


def test_fields_of_the_real_exports_are_read_as_written(home):
    desk = open_desk(home, "mail")
    for export in CSV_READING:
        raw = (DATA / f"csv/{export}.part1.csv").read_bytes()
        reading = CSV_READING[export]
        mapping = dict(reading["mapping"])
        if export == "uci-incident-event-log":
            import csv
            import io

            header = next(csv.reader(io.StringIO(raw.decode())))
            mapping.update({c: intake.IGNORED for c in header if c not in mapping})
        items, _ = intake.parse(raw, "csv", mapping=mapping, defaults=reading["defaults"],
                                date_format=reading["date_format"])
        intake.import_batch(desk, items[:1], [], now=NOW)
    first, second, third = sorted(tickets.list_tickets(desk, scope="all"), key=lambda t: t["id"])
    assert (first["caller"]["name"], first["caller"]["contact"], first["summary"],
            first["equipment"]["device"], first["opened_at"]) == \
        ("Marisa Obrien", "carrollallison@example.com", "Product setup", "GoPro Hero",
         "2023-06-01T12:15:36Z")
    assert first["description"].startswith("I'm having an issue with the {product_purchased}.")
    assert second["summary"] == "Anfrage zu den Spezifikationen und Anpassungsoptionen des MacBook Air M1"
    assert second["description"].startswith("Sehr geehrtes Support-Team des Tech Online Stores,\n\n")
    assert (third["caller"]["name"], third["organisation"]["name"], third["summary"],
            third["opened_at"]) == ("Caller 2403", "Location 143", "Symptom 72", "2016-02-29T01:16:00Z")


def test_doubled_quotes_of_a_real_export_are_one_quote():
    raw = (DATA / "csv/multilingual-helpdesk-tickets.part1.csv").read_bytes()
    mapping = {**CSV_READING["multilingual-helpdesk-tickets"]["mapping"], "answer": "reformulation"}
    items, rejected = intake.parse(raw, "csv", mapping=mapping, defaults={"caller": "x", "summary": "x"})
    assert rejected == []
    # RFC 4180: 13,3"" inside a quoted cell is one inch mark.
    assert 'ein 13,3" Retina-Display' in items[0].facts.reformulation
    assert not any('""' in (item.facts.description or "") + (item.facts.reformulation or "")
                   for item in items)
