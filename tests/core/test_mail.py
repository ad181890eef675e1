"""Reading e-mail: charsets, encoded headers, HTML, attachments and hostile names."""

import pytest

from deskcli.core import mail


def test_encoded_words_quoted_printable_and_a_base64_attachment():
    raw = (b"From: =?iso-8859-1?q?Zo=E9_Martin?= <Zoe.Martin@Atlas.example>\n"
           b"Subject: =?utf-8?q?Imprimante_bloqu=C3=A9e?= [#42]\n"
           b"Date: Thu, 20 Nov 2026 10:15:00 +0100\nMessage-ID: <a1@atlas.example>\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
           b"--B\nContent-Type: multipart/alternative; boundary=C\n\n"
           b"--C\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
           b"D=C3=A9j=C3=A0 essay=C3=A9.\n--C\nContent-Type: text/html\n\n<p>ignored</p>\n--C--\n"
           b"--B\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"r.pdf\"\n"
           b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--B--\n")
    message = mail.parse_message(raw)
    assert (message.sender_name, message.sender_address) == ("Zoé Martin", "zoe.martin@atlas.example")
    assert message.subject == "Imprimante bloquée [#42]" and message.ticket_number == 42
    assert message.text == "Déjà essayé."
    assert message.message_id == "a1@atlas.example"
    assert message.date.isoformat() == "2026-11-20T10:15:00+01:00"
    assert [(a.filename, a.content_type, a.data) for a in message.attachments] == \
        [("r.pdf", "application/pdf", b"%PDF-1.4\n")]


def test_windows_1252_bodies_unknown_charsets_and_no_date():
    body = "Coût : 15 € – merci".encode("windows-1252")
    raw = b"From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=windows-1252\n\n" + body
    assert mail.parse_message(raw).text == "Coût : 15 € – merci"
    odd = b"From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=klingon\n\nca\xe9"
    message = mail.parse_message(odd)
    assert message.text == "caé" and message.date is None


def test_html_only_becomes_readable_text():
    raw = (b"From: a@b.example\nSubject: x\nContent-Type: text/html; charset=utf-8\n\n"
           b"<style>p{}</style><script>alert(1)</script><p>Le VPN&nbsp;coupe</p>"
           b"<ul><li>un</li><li>deux</li></ul>ligne<br>suivante &eacute;t&eacute;")
    assert mail.parse_message(raw).text == "Le VPN coupe\n\n- un\n- deux\nligne\nsuivante été"


def test_replies_carry_the_ids_they_answer():
    raw = (b"From: a@b.example\nSubject: Re: [deskcli #7] x\nIn-Reply-To: <p1@x>\n"
           b"References: <p0@x> <p1@x>\n\nok")
    message = mail.parse_message(raw)
    assert message.in_reply_to == ["p1@x", "p0@x"] and message.ticket_number == 7


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "passwd"), ("/abs/x.sh", "x.sh"), ("..", "attachment"),
    ("C:\\Windows\\x.exe", "x.exe"), ("", "attachment"), (None, "attachment"),
    (".bashrc", "bashrc"), ("a\x00b\x1b[31m.txt", "ab_31m.txt"), ("café $(rm).doc", "café __rm_.doc"),
])
def test_attachment_names_never_leave_their_folder(name, safe):
    assert mail.safe_filename(name) == safe


def test_long_names_keep_their_extension_and_twins_are_numbered():
    assert mail.safe_filename("a" * 300 + ".pdf") == "a" * 116 + ".pdf"
    raw = (b"From: a@b.example\nSubject: x\nContent-Type: multipart/mixed; boundary=B\n\n"
           + b"".join(b"--B\nContent-Type: text/csv\nContent-Disposition: attachment; "
                      b"filename*=utf-8''r%C3%A9sum%C3%A9.csv\n\n1,2\n" for _ in range(3)) + b"--B--\n")
    names = [a.filename for a in mail.parse_message(raw).attachments]
    assert names == ["résumé.csv", "résumé-2.csv", "résumé-3.csv"]


def test_a_mailbox_splits_into_messages_and_unescapes_from_lines():
    raw = (b"From a@b Thu Nov 20 10:00:00 2026\nFrom: a@b.example\nSubject: one\n\n>From here on\n\n"
           b"From c@d Thu Nov 20 11:00:00 2026\nFrom: c@d.example\nSubject: two\n\nbody\n")
    first, second = (mail.parse_message(m) for m in mail.split_mbox(raw))
    assert (first.subject, first.text) == ("one", "From here on")
    assert second.subject == "two"
    assert mail.split_mbox(b"Subject: alone\n\nx") == [b"Subject: alone\n\nx"]


@pytest.mark.parametrize("raw", [b"", b"   \n", b"\x00\x01\xff garbage", b'{"caller": "x"}',
                                 b"\n\n\njust text"])
def test_what_is_not_mail_is_refused_clearly(raw):
    with pytest.raises(mail.MailError):
        mail.parse_message(raw)
