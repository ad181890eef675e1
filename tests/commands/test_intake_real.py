"""Piped intake on mail and spreadsheets as real mailers and helpdesk tools write them:
no message dropped, merged or garbled (each case seen on public test-suite messages)."""

import base64
import json
from datetime import date, datetime, timezone

import pytest

from deskcli.core.calls import contracts, notices, tickets
from deskcli.core.incoming import intake
from deskcli.core.mailing import mail

pytestmark = pytest.mark.usefixtures("utc")

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def stored(desk):
    return sorted(tickets.list_tickets(desk, scope="all"), key=lambda t: t["id"])


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


# -- 1. CSV quoting ----------------------------------------------------------------------

def test_csv_with_doubled_quotes_is_read_as_rfc_4180_says(deskcli, desk, tmp_path):
    source = write(tmp_path, "export.csv",
                   'caller,summary,description\n'
                   'Karim,"Printer ""HP 400"" offline","He said: ""it blinks"", twice"\n'
                   'Zoé,Screen black,\n'
                   'Inès,"VPN, again","line one\nline two"\n')
    result = ok(deskcli("open", "--from", source))
    assert result.stdout.split() == ["1", "2", "3"]
    first, second, third = stored(desk)
    assert first["summary"] == 'Printer "HP 400" offline'
    assert first["description"] == 'He said: "it blinks", twice'
    assert third["summary"] == "VPN, again" and third["description"] == "line one\nline two"


def test_a_csv_row_is_named_by_its_row_and_its_first_line(deskcli, tmp_path):
    source = write(tmp_path, "export.csv",
                   'caller,summary,description\n"A","x","two\nlines"\n"B",,\n')
    result = deskcli("open", "--from", source)
    assert result.exit_code == 2
    assert "row 3 (line 4): summary is required" in result.stderr


# -- 2. mbox ----------------------------------------------------------------------------

def message(sender, subject, body="Bonjour.", *, message_id=None, extra=""):
    return (f"From: {sender}\nSubject: {subject}\n"
            + (f"Message-ID: <{message_id}>\n" if message_id else "")
            + extra + f"\n{body}\n")


def test_an_mbox_with_a_byte_order_mark_is_split_into_its_messages(deskcli, desk, tmp_path):
    box = "\ufeff" + "".join(f"From a@b Thu Nov 20 10:00:00 2026\n{message(f'u{n}@atlas.example', f'Panne {n}')}\n"
                              for n in range(3))
    result = ok(deskcli("open", "--from", write(tmp_path, "box.mbox", box)))
    assert result.stdout.split() == ["1", "2", "3"]
    assert [t["summary"] for t in stored(desk)] == ["Panne 0", "Panne 1", "Panne 2"]


def test_a_from_line_in_a_body_written_unescaped_stays_in_its_message():
    box = ("From - \n" + message("a@atlas.example", "Un", "My favourite film:\n\nFrom Russia with love\n")
           + "From - \n" + message("b@atlas.example", "Deux"))
    assert [mail.parse_message(m).text for m in mail.split_mbox(box.encode())] == \
        ["My favourite film:\n\nFrom Russia with love", "Bonjour."]


def test_thunderbird_separators_with_no_blank_line_start_a_message_each(deskcli, desk, tmp_path):
    box = ("From - \n" + message("a@atlas.example", "Un")
           + "From - \n" + message("b@atlas.example", "Deux", "Nothing works.\nFrom my side, nothing.")
           + "From - Sat Jan  3 01:05:34 1996\n" + message("c@atlas.example", "Trois"))
    result = ok(deskcli("open", "--from", write(tmp_path, "Inbox.mbox", box)))
    assert result.stdout.split() == ["1", "2", "3"]
    assert [t["summary"] for t in stored(desk)] == ["Un", "Deux", "Trois"]
    assert stored(desk)[1]["description"] == "Nothing works.\nFrom my side, nothing."


def test_a_message_refused_in_an_mbox_is_kept_whole_in_the_rejects(deskcli, desk, tmp_path):
    bad = "From x Thu Nov 20 10:00:00 2026\nTo: hotline@desk.example\n\n"
    box = (f"From a Thu Nov 20 10:00:00 2026\n{message('a@atlas.example', 'Un')}\n" + bad
           + f"From c Thu Nov 20 10:00:00 2026\n{message('c@atlas.example', 'Trois')}\n")
    rejects = tmp_path / "rejects.jsonl"
    result = deskcli("open", "--from", write(tmp_path, "box.mbox", box), "--skip-invalid",
                     "--rejects", str(rejects))
    assert result.exit_code == 2 and result.stdout.split() == ["1", "2"]
    refused, = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert refused["record"] == "message 2" and refused["data"] == "To: hotline@desk.example\n"
    assert "no sender, no subject and no body" in refused["reason"]


def test_blank_lines_before_the_headers_are_no_reason_to_refuse_a_message():
    raw = b"   \r\n\r\nFrom: a@atlas.example\r\nSubject: Panne\r\n\r\nx\r\n"
    assert mail.parse_message(raw).subject == "Panne"


def test_a_message_that_is_not_utf_8_is_kept_in_base64():
    raw = b"not a header \xff\n"
    found = intake.Rejected("message 1", None, "bad", raw).as_dict()
    assert found["data_encoding"] == "base64" and base64.b64decode(found["data"]) == raw


# -- 3. boundaries ----------------------------------------------------------------------

JAVA_MAIL = b"""From: Karim <karim@atlas.example>
Subject: Rapport
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=----=_Part_1_2.3

------=_Part_1_2.3
Content-Type: text/plain; charset=UTF-8

Voici le rapport.
------=_Part_1_2.3
Content-Type: application/pdf
Content-Disposition: attachment; filename=Monthly report.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
------=_Part_1_2.3--
"""


def test_an_unquoted_boundary_holding_an_equals_sign_splits_the_parts():
    parsed = mail.parse_message(JAVA_MAIL)
    assert parsed.text == "Voici le rapport."
    assert [(a.filename, a.data) for a in parsed.attachments] == [("Monthly report.pdf", b"%PDF-1.4\n")]


def test_a_quoted_boundary_folded_over_two_lines_is_one_boundary():
    raw = (b"From: a@atlas.example\nSubject: x\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"simple\n boundary\"\n\n"
           b"--simple boundary\nContent-Type: text/plain\n\nPremier.\n"
           b"--simple boundary\nContent-Type: application/pdf\nContent-Disposition: attachment; "
           b"filename=r.pdf\n\nPDF\n--simple boundary--\n")
    parsed = mail.parse_message(raw)
    assert parsed.text == "Premier." and [a.filename for a in parsed.attachments] == ["r.pdf"]


# -- 4. charsets ------------------------------------------------------------------------

def test_one_stray_byte_in_a_utf_8_part_leaves_the_other_letters_as_written():
    raw = ("From: a@atlas.example\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\n"
           "Le caf\u00e9 est fr\u00e8re de l'\u00e9t\u00e9").encode() + b" \x92 fin"
    assert mail.parse_message(raw).text == "Le café est frère de l'été \u2019 fin"


def test_encoded_words_in_japanese_and_visual_hebrew_are_decoded():
    raw = (b"From: a@atlas.example\n"
           b"Subject: =?iso-2022-jp?B?GyRCJUYlOSVIGyhC?= - =?iso-8859-8-i?Q?=F9=EC=E5=ED?=\n\nx")
    assert mail.parse_message(raw).subject == "テスト - שלום"


def test_a_windows_path_beside_an_encoded_word_keeps_its_backslashes():
    raw = b"From: a@atlas.example\nSubject: \\\\srv\\users =?utf-8?q?acc=C3=A8s?= refus\xc3\xa9\n\nx"
    assert mail.parse_message(raw).subject == "\\\\srv\\users accès refusé"


# -- 5. unfolded headers ----------------------------------------------------------------

def test_a_continuation_line_written_unfolded_keeps_the_headers_below_it(deskcli, desk, tmp_path):
    raw = (b"Received: from relay.example by mx.example;\n"
           b"Thu, 20 Nov 2026 10:00:00 +0100\n"
           b"From: Karim Benali <karim@atlas.example>\n"
           b"Subject: Imprimante\n"
           b"Message-ID: <unfolded@atlas.example>\n"
           b"\nElle ne marche plus.\n")
    parsed = mail.parse_message(raw)
    assert (parsed.sender_name, parsed.subject, parsed.message_id, parsed.text) == \
        ("Karim Benali", "Imprimante", "unfolded@atlas.example", "Elle ne marche plus.")
    path = write(tmp_path, "m.eml", raw)
    ok(deskcli("open", "--from", path))
    assert "Already taken" in ok(deskcli("open", "--from", path)).stderr


# -- 6. NUL -----------------------------------------------------------------------------

def test_a_nul_in_a_body_opens_the_call_and_is_shown_as_a_replacement(deskcli, desk, tmp_path):
    raw = b"From: a@atlas.example\nSubject: Panne\n\nToujours\x00en panne.\n"
    ok(deskcli("open", "--from", write(tmp_path, "m.eml", raw)))
    assert stored(desk)[0]["description"] == "Toujours\ufffden panne."


def test_a_message_of_an_mbox_that_cannot_be_a_ticket_is_listed_before_anything_is_written(
        deskcli, desk, tmp_path):
    long_name = "x" * 300
    box = (f"From a Thu Nov 20 10:00:00 2026\n{message('a@atlas.example', 'Un')}\n"
           f"From b Thu Nov 20 10:00:00 2026\n"
           + message(f'"{long_name}" <b@atlas.example>', "Deux") + "\n")
    items, rejected = intake.parse(box.encode(), "mbox")
    assert len(items) == 2 and rejected == []  # a long name is cut, not refused
    assert len(items[1].data.sender_name) <= mail.MAX_NAME


# -- 7. the filter runs as the opener ----------------------------------------------------

def test_a_reply_leaves_a_notice_even_when_the_filter_runs_as_the_opener(deskcli, desk, tmp_path):
    first = message("Karim <karim@atlas.example>", "Imprimante", message_id="first@atlas.example")
    ok(deskcli("open", "--from", write(tmp_path, "1.eml", first)))
    answer = message("Karim <karim@atlas.example>", "Re: Imprimante", "Toujours en panne.",
                     message_id="second@atlas.example", extra="In-Reply-To: <first@atlas.example>\n")
    assert "Added to #1" in ok(deskcli("open", "--from", write(tmp_path, "2.eml", answer))).stderr
    assert [n["text"] for n in notices.inbox(desk, mark_read=False)] == \
        ["#1: a message from Karim was added"]


# -- 8. export, then read back -----------------------------------------------------------

def test_an_export_read_back_keeps_the_message_index(deskcli, desk, tmp_path, monkeypatch,
                                                    backend, request):
    first = message("Karim <karim@atlas.example>", "Imprimante", message_id="first@atlas.example")
    first_path = write(tmp_path, "1.eml", first)
    ok(deskcli("open", "--from", first_path))
    exported = tmp_path / "desk.jsonl"
    ok(deskcli("export", "-o", str(exported)))
    monkeypatch.setenv("DESKCLI_HOME", str(tmp_path / "elsewhere"))
    if backend.url:
        monkeypatch.setenv("DESKCLI_DATABASE_URL", request.getfixturevalue("fresh_database")())
    ok(deskcli("open", "--from", str(exported)))
    assert "Already taken" in ok(deskcli("open", "--from", first_path)).stderr
    answer = message("Karim <karim@atlas.example>", "Re: Imprimante", "Encore.",
                     message_id="second@atlas.example", extra="In-Reply-To: <first@atlas.example>\n")
    assert "Added to #1" in ok(deskcli("open", "--from", write(tmp_path, "2.eml", answer))).stderr


# -- 9. linear intake --------------------------------------------------------------------

@pytest.mark.tinydb_only("the count is of TinyDB's table operations; PostgreSQL writes a batch at once")
def test_new_callers_are_written_in_a_fixed_number_of_table_operations(desk, monkeypatch):
    from tinydb.table import Table

    operations = []
    original = Table._update_table
    monkeypatch.setattr(Table, "_update_table",
                        lambda self, updater: (operations.append(self.name), original(self, updater))[1])
    for count in (50, 400):
        operations.clear()
        lines = "\n".join(json.dumps({"caller": f"Caller {count}-{n}", "summary": "x"})
                          for n in range(count))
        items, rejected = intake.parse(lines.encode(), "jsonl")
        outcome = intake.import_batch(desk, items, rejected, now=T0)
        assert len(outcome.created) == count
        # Tickets, organisations, meta: a handful of table rebuilds, whatever the count.
        assert len(operations) <= 6, operations


# -- 10. machine mail ---------------------------------------------------------------------

BOUNCE = b"""From: Mail Delivery System <MAILER-DAEMON@mx.desk.example>
To: hotline@desk.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.desk.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.desk.example

Final-Recipient: rfc822; karim@atlas.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <karim@atlas.example>: Recipient address rejected

--B
Content-Type: text/rfc822-headers

From: hotline@desk.example
Subject: Re: Imprimante
Message-ID: <first@atlas.example>

--B--
"""

AUTO_REPLY = b"""From: Karim <karim@atlas.example>
Subject: Automatic reply: Imprimante
Message-ID: <oof-1@atlas.example>
Auto-Submitted: auto-replied
X-Autoreply: yes

I am out of the office until Monday.
"""

INVITATION = b"""From: Karim <karim@atlas.example>
Subject: Invitation: point hebdo
Message-ID: <cal-1@atlas.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="C"

--C
Content-Type: text/plain

Point hebdo, lundi 10h.
--C
Content-Type: text/calendar; method=REQUEST; charset=utf-8

BEGIN:VCALENDAR
METHOD:REQUEST
END:VCALENDAR
--C--
"""


@pytest.mark.parametrize("raw, reason", [
    (BOUNCE, "Auto-Submitted: auto-replied"),
    (AUTO_REPLY, "Auto-Submitted: auto-replied"),
    (b"From: list@x.example\nPrecedence: bulk\nSubject: News\n\nx", "Precedence: bulk"),
    (b"From: MAILER-DAEMON@x.example\nSubject: failure notice\n\nx", "From: mailer-daemon@x.example"),
    (b"From: k@x.example\nSubject: Printer\n\nIt is broken.", None),
    (b"From: k@x.example\nAuto-Submitted: no\nSubject: Printer\n\nIt is broken.", None),
    (b"From: k@x.example\nSubject: Automatic reply: Printer\n\nAway.", "Subject: Automatic reply: Printer"),
    (b"From: postmaster@x.example\nSubject: Undeliverable: Printer\n\nx", "Subject: Undeliverable: Printer"),
    # A person may write about undeliverable mail: that is a call.
    (b"From: k@x.example\nSubject: Undeliverable mail since this morning\n\nHelp.", None),
])
def test_auto_submitted_names_why_a_message_is_a_machine_s(raw, reason):
    from email import message_from_bytes

    assert mail.auto_submitted(message_from_bytes(raw)) == reason


def test_a_bounce_for_a_known_message_is_added_with_its_delivery_details(deskcli, desk, tmp_path):
    first = message("Karim <karim@atlas.example>", "Imprimante", message_id="first@atlas.example")
    ok(deskcli("open", "--from", write(tmp_path, "1.eml", first)))
    result = ok(deskcli("open", "--from", write(tmp_path, "bounce.eml", BOUNCE)))
    assert result.stdout == "" and "Added to #1" in result.stderr
    ticket, = stored(desk)
    entry = ticket["history"][-1]
    assert entry["event"] == "automatic_message" and entry["reason"] == "Auto-Submitted: auto-replied"
    assert entry["delivery"] == [{"recipient": "karim@atlas.example", "action": "failed",
                                  "status": "5.1.1",
                                  "diagnostic": "smtp; 550 5.1.1 <karim@atlas.example>: "
                                                "Recipient address rejected"}]
    shown = ok(deskcli("show", "1")).stdout
    assert ("automatic message (Auto-Submitted: auto-replied) from mailer-daemon@mx.desk.example: "
            "Undelivered Mail Returned to Sender - karim@atlas.example failed 5.1.1 (smtp; 550 5.1.1 "
            "<karim@atlas.example>: Recipient address rejected)") in " ".join(shown.split())


@pytest.mark.parametrize("raw", [AUTO_REPLY, INVITATION, BOUNCE])
def test_machine_mail_naming_no_ticket_is_not_a_call_and_is_kept_whole(deskcli, desk, tmp_path, raw):
    rejects = tmp_path / "aside.jsonl"
    result = ok(deskcli("open", "--from", write(tmp_path, "m.eml", raw), "--rejects", str(rejects)))
    assert result.stdout == "" and "not a call (" in result.stderr
    assert stored(desk) == []
    aside, = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert aside["data"].encode() == raw and "not a call" in aside["reason"]


def test_a_mail_filter_run_adds_to_the_rejects_file_and_keeps_what_earlier_runs_kept(
        deskcli, desk, tmp_path):
    rejects = tmp_path / "aside.jsonl"
    for raw in (AUTO_REPLY, INVITATION):
        ok(deskcli("open", "--from", write(tmp_path, "m.eml", raw), "--rejects", str(rejects)))
    kept = [json.loads(line)["data"].encode() for line in rejects.read_text().splitlines()]
    assert kept == [AUTO_REPLY, INVITATION]
    assert oct(rejects.stat().st_mode & 0o777) == "0o600"


def test_mail_set_aside_that_cannot_be_kept_is_left_to_the_mail_system(deskcli, desk, tmp_path):
    result = deskcli("open", "--from", write(tmp_path, "m.eml", AUTO_REPLY),
                     "--rejects", str(tmp_path / "missing" / "aside.jsonl"))
    assert result.exit_code == 75 and "deliver it again" in result.stderr


# -- 11. attachment names -----------------------------------------------------------------

def test_attachment_names_as_mailers_write_them():
    raw = ("From: a@atlas.example\nSubject: x\nMIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=\"Z\"\n\n"
           "--Z\nContent-Type: text/plain\n\nVoir pièces jointes.\n"
           "--Z\nContent-Type: image/png; name=\"C:\\TEMP\\x.png\"\n"
           "Content-Disposition: attachment; filename=\"C:\\TEMP\\x.png\"\n\nPNG\n"
           "--Z\nContent-Type: application/pdf\nContent-Disposition: attachment; "
           "filename=Monthly report.pdf\n\nPDF\n"
           "--Z\nContent-Type: application/pdf\n\nPDF2\n"
           "--Z\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"").encode() \
        + "Relevé été.txt".encode("latin-1") + b"\"\n\nreleve\n--Z--\n"
    names = [a.filename for a in mail.parse_message(raw).attachments]
    assert names == ["x.png", "Monthly report.pdf", "attachment.pdf", "Relevé été.txt"]


# -- 12. spreadsheets from other tools ----------------------------------------------------

def test_a_foreign_export_is_taken_with_ignored_columns_defaults_and_its_date_format(
        deskcli, desk, tmp_path):
    source = write(tmp_path, "tickets.csv",
                   "Ticket ID;Customer Name;Ticket Subject;Priority;Date\n"
                   "1;Marisa Obrien;Product setup;Critical;29-02-2016 01:16\n"
                   "2;Jessica Rios;Peripheral compatibility;Low;03-01-2021 22:08\n")
    result = ok(deskcli("open", "--from", source, "--map", "Customer Name=caller",
                        "--map", "Ticket Subject=summary", "--map", "Date=opened_at",
                        "--map", "Ticket ID=-", "--ignore", "Priority",
                        "--set", "org=Atlas SARL", "--set", "channel=email",
                        "--date-format", "%d-%m-%Y %H:%M"))
    assert result.stdout.split() == ["1", "2"]
    first, second = stored(desk)
    assert (first["caller"]["name"], first["summary"], first["organisation"]["name"],
            first["channel"], first["opened_at"]) == \
        ("Marisa Obrien", "Product setup", "Atlas SARL", "email", "2016-02-29T01:16:00Z")
    assert second["opened_at"] == "2021-01-03T22:08:00Z"


def test_a_record_s_own_value_wins_over_a_default(deskcli, desk, tmp_path):
    source = write(tmp_path, "a.jsonl", json.dumps({"caller": "A", "summary": "x", "org": "Mine"}))
    ok(deskcli("open", "--from", source, "--set", "org=Default"))
    assert stored(desk)[0]["organisation"]["name"] == "Mine"


def test_a_date_not_in_the_given_format_names_the_pattern(deskcli, tmp_path):
    source = write(tmp_path, "a.csv", "caller,summary,opened_at\nA,x,2016-02-29 01:16\n")
    result = deskcli("open", "--from", source, "--date-format", "%d-%m-%Y %H:%M")
    assert result.exit_code == 2 and "'%d-%m-%Y %H:%M'" in result.stderr


def test_bad_set_and_map_values_are_refused(deskcli, tmp_path):
    source = write(tmp_path, "a.csv", "caller,summary\nA,x\n")
    assert "--set" in deskcli("open", "--from", source, "--set", "colour=red").stderr
    assert deskcli("open", "--from", source, "--map", "caller=").exit_code == 2
    assert deskcli("open", "--caller", "A", "--summary", "x", "--set", "org=B").exit_code == 2


# -- long headers --------------------------------------------------------------------------

def test_a_huge_subject_is_capped_in_the_summary_and_the_history_and_kept_whole(
        deskcli, desk, home, tmp_path):
    raw = b"From: a@atlas.example\nMessage-ID: <huge@atlas.example>\nSubject: " + b"A" * 10_000_000 \
        + b"\n\nbody\n"
    ok(deskcli("open", "--from", write(tmp_path, "m.eml", raw)))
    ticket, = stored(desk)
    assert len(ticket["summary"]) <= mail.MAX_SUBJECT
    assert all(len(entry.get("subject", "")) <= mail.MAX_SUBJECT for entry in ticket["history"])
    assert "message.eml" in ticket["attachments"]
    assert (home / "attachments" / "1" / "message.eml").read_bytes() == raw
    assert len(json.dumps(ticket)) < 100_000
