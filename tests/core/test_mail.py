"""Reading e-mail: charsets, encoded headers, HTML, attachments, hostile names and mbox files.

Every message is written out raw, as a mail server would hand it over."""

from datetime import datetime, timedelta, timezone

import pytest

from deskcli.core.mailing import mail

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


def test_multipart_mixed_with_a_text_part_and_a_base64_pdf():
    raw = (b"Return-Path: <karim.benali@atlas.example>\r\n"
           b"From: Karim Benali <Karim.Benali@Atlas.example>\r\n"
           b"To: support@desk.example\r\n"
           b"Subject: Rapport du scanner\r\n"
           b"Date: Thu, 20 Nov 2026 10:15:00 +0100\r\n"
           b"Message-ID: <20261120101500.1234@atlas.example>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"=_frontier_42\"\r\n"
           b"\r\n"
           b"This is a multi-part message in MIME format.\r\n"
           b"--=_frontier_42\r\n"
           b"Content-Type: text/plain; charset=us-ascii\r\n"
           b"\r\n"
           b"Voir le rapport joint.\r\n"
           b"\r\n"
           b"--=_frontier_42\r\n"
           b"Content-Type: application/pdf; name=\"rapport.pdf\"\r\n"
           b"Content-Disposition: attachment; filename=\"rapport.pdf\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n"
           b"\r\n"
           b"JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyA+PgplbmRvYmoKJSVFT0YK\r\n"
           b"--=_frontier_42--\r\n")
    message = mail.parse_message(raw)
    assert message.message_id == "20261120101500.1234@atlas.example"
    assert message.subject == "Rapport du scanner"
    assert (message.sender_name, message.sender_address) == ("Karim Benali", "karim.benali@atlas.example")
    assert message.date == datetime(2026, 11, 20, 10, 15, tzinfo=timezone(timedelta(hours=1)))
    assert message.date.utcoffset() == timedelta(hours=1)
    assert message.text == "Voir le rapport joint."
    assert message.in_reply_to == [] and message.ticket_number is None
    assert message.attachments == [mail.Attachment("rapport.pdf", "application/pdf", PDF)]


def test_quoted_printable_utf8_french_and_an_encoded_word_subject():
    raw = (b"From: =?utf-8?q?Zo=C3=A9_Martin?= <zoe.martin@atlas.example>\n"
           b"To: support@desk.example\n"
           b"Subject: =?utf-8?q?Imprimante_bloqu=C3=A9e?=\n"
           b"Date: Fri, 21 Nov 2026 08:02:11 +0000\n"
           b"MIME-Version: 1.0\n"
           b"Content-Type: text/plain; charset=\"utf-8\"\n"
           b"Content-Transfer-Encoding: quoted-printable\n"
           b"\n"
           b"Bonjour,\n"
           b"l'imprimante du 2e =C3=A9tage affiche =C2=AB bourrage papier =C2=BB depuis =\n"
           b"ce matin. J'ai d=C3=A9j=C3=A0 ouvert le bac.\n"
           b"Merci, Zo=C3=A9\n"
           b"\n")
    message = mail.parse_message(raw)
    assert message.subject == "Imprimante bloquée"
    assert message.sender_name == "Zoé Martin"
    assert message.text == ("Bonjour,\nl'imprimante du 2e étage affiche « bourrage papier » depuis "
                            "ce matin. J'ai déjà ouvert le bac.\nMerci, Zoé")
    assert message.message_id is None and message.attachments == []


def test_an_iso_8859_1_body_and_a_base64_encoded_word():
    raw = (b"From: \"Lo\xefc\" <loic@atlas.example>\n"
           b"Subject: =?iso-8859-1?b?UOJ0ZSBub2lyIOAgbGEgcGFpZQ==?=\n"
           b"Content-Type: text/plain; charset=ISO-8859-1\n"
           b"Content-Transfer-Encoding: 8bit\n"
           b"\n"
           b"Le poste de Lo\xefc ne d\xe9marre plus, \xe9cran noir.\n"
           b"Tr\xe8s urgent \xe0 cause de la paie.   \n\n\n")
    message = mail.parse_message(raw)
    assert message.subject == "Pâte noir à la paie"
    # A raw 8-bit header (no RFC 2047) in Latin-1 is read as Windows-1252, not dropped.
    assert message.sender_name == "Loïc"
    assert message.text == "Le poste de Loïc ne démarre plus, écran noir.\nTrès urgent à cause de la paie."


def test_windows_1252_and_raw_utf8_headers():
    raw = ("From: Zoé <zoe@atlas.example>\nSubject: Coût du toner\n".encode("utf-8")
           + b"Content-Type: text/plain; charset=windows-1252\n\n"
           + "Coût : 15 € – merci".encode("windows-1252"))
    message = mail.parse_message(raw)
    assert (message.subject, message.sender_name) == ("Coût du toner", "Zoé")
    assert message.text == "Coût : 15 € – merci"


def test_an_html_only_body_becomes_readable_text():
    raw = (b"From: ines@atlas.example\n"
           b"Subject: VPN\n"
           b"MIME-Version: 1.0\n"
           b"Content-Type: text/html; charset=utf-8\n"
           b"\n"
           b"<html><head><title>Outlook</title>\n"
           b"<style type=\"text/css\">p { margin: 0 } .x { color: red }</style></head>\n"
           b"<body><script>alert('x')</script>\n"
           b"<p>Le VPN&nbsp;coupe   toutes\n   les 5 minutes.</p>\n"
           b"<p>Essais faits&nbsp;:</p>\n"
           b"<ul>\n  <li>red&eacute;marrage</li>\n  <li>autre <b>r&eacute;seau</b></li>\n</ul>\n"
           b"Cordialement,<br>In&egrave;s &amp; l'&eacute;quipe<br/>\n"
           b"<table><tr><td>Poste</td><td>PC-042</td></tr></table>\n"
           b"</body></html>\n")
    assert mail.parse_message(raw).text == (
        "Le VPN coupe toutes les 5 minutes.\n"
        "\n"
        "Essais faits :\n"
        "\n"
        "- redémarrage\n"
        "- autre réseau\n"
        "Cordialement,\n"
        "Inès & l'équipe\n"
        "Poste PC-042")


def test_html_to_text_keeps_preformatted_lines_and_collapses_blank_runs():
    html = "<div>a</div><p></p><p></p><div></div><pre>  x = 1\n  y = 2</pre><p>fin</p>"
    assert mail.html_to_text(html) == "a\n\n  x = 1\n  y = 2\n\nfin"
    assert mail.html_to_text("<style>body{}</style><script>1<2</script>") == ""


def test_the_plain_part_of_an_alternative_inside_mixed_is_the_body():
    raw = (b"From: a@atlas.example\nSubject: x\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=outer\n\n"
           b"--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
           b"--inner\nContent-Type: text/plain; charset=utf-8\n\nTexte brut\n"
           b"--inner\nContent-Type: text/html; charset=utf-8\n\n<p>Texte <b>HTML</b></p>\n"
           b"--inner--\n"
           b"--outer\nContent-Type: image/png\nContent-Disposition: inline; filename=\"ecran.png\"\n"
           b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
           b"--outer--\n")
    message = mail.parse_message(raw)
    assert message.text == "Texte brut"
    assert [(a.filename, a.content_type, a.data) for a in message.attachments] == \
        [("ecran.png", "image/png", b"\x89PNG\r\n\x1a\n")]


def test_a_reply_carries_its_ticket_number_and_the_ids_it_answers():
    raw = (b"From: Zoe Martin <zoe.martin@atlas.example>\n"
           b"To: support@desk.example\n"
           b"Subject: Re: [#42] Imprimante\n"
           b"Date: Sat, 22 Nov 2026 09:00:00 +0100\n"
           b"Message-ID: <reply-3@atlas.example>\n"
           b"In-Reply-To: <ticket-42.2@desk.example>\n"
           b"References: <ticket-42.1@desk.example>\n"
           b" <ticket-42.2@desk.example>\n"
           b"\n"
           b"C'est reparti, merci.\n"
           b"\n"
           b"> Avez-vous vide le bac ?\n")
    message = mail.parse_message(raw)
    assert message.ticket_number == 42
    assert message.subject == "Re: [#42] Imprimante"
    assert message.message_id == "reply-3@atlas.example"
    assert message.in_reply_to == ["ticket-42.2@desk.example", "ticket-42.1@desk.example"]
    assert message.text == "C'est reparti, merci.\n\n> Avez-vous vide le bac ?"


@pytest.mark.parametrize("subject, number", [
    ("[deskcli #7] Écran", 7), ("RE: TR: [#1234]", 1234), ("Re: [ #5 ]", 5),
    ("Facture #42", None), ("[42] sans dièse", None), ("", None),
])
def test_ticket_tags_in_subjects(subject, number):
    raw = f"From: a@atlas.example\nSubject: {subject}\n\nok".encode()
    assert mail.parse_message(raw).ticket_number == number


def test_hostile_attachment_names_are_made_safe():
    raw = (b"From: mallory@evil.example\nSubject: factures\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=XX\n\n"
           b"--XX\nContent-Type: text/plain\n\nci-joint\n"
           b"--XX\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\n\n"
           b"root:x:0:0\n"
           b"--XX\nContent-Type: application/x-sh\nContent-Disposition: attachment; filename=\"/abs/x.sh\"\n\n"
           b"rm -rf /\n"
           b"--XX\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"..\"\n\n"
           b"dots\n"
           b"--XX--\n")
    message = mail.parse_message(raw)
    assert message.text == "ci-joint"
    assert [(a.filename, a.content_type, a.data) for a in message.attachments] == [
        ("passwd", "text/plain", b"root:x:0:0"),
        ("x.sh", "application/x-sh", b"rm -rf /"),
        ("attachment.bin", "application/octet-stream", b"dots"),
    ]


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "passwd"), ("/abs/x.sh", "x.sh"), ("..", "attachment"), ("../../", "attachment"),
    ("/etc/passwd", "passwd"), ("C:\\Windows\\x.exe", "x.exe"), ("", "attachment"), (None, "attachment"),
    (".bashrc", "bashrc"), ("  . hidden.txt", "hidden.txt"), ("a\x00b\x1b[31m.txt", "ab_31m.txt"),
    ("café $(rm).doc", "café __rm_.doc"), ("fac\u202etxt.exe", "factxt.exe"), ("x.exe. . ", "x.exe"),
    ("NUL.txt", "_NUL.txt"), ("r\u00e9sum\u00e9 v2+final.pdf", "résumé v2+final.pdf"),
    ("ｆｕｌｌ／ｗｉｄｔｈ", "ｆｕｌｌ_ｗｉｄｔｈ"),
])
def test_safe_filename_never_leaves_its_folder(name, safe):
    assert mail.safe_filename(name) == safe


def test_safe_filename_caps_the_length_keeping_the_extension_and_takes_a_fallback():
    assert mail.safe_filename("a" * 300 + ".pdf") == "a" * 116 + ".pdf"
    assert mail.safe_filename("b" * 300) == "b" * 120
    # Three bytes a character: cut to fit the 255-byte name limit of file systems.
    assert mail.safe_filename("報" * 100 + ".txt") == "報" * 78 + ".txt"
    assert mail.safe_filename("../", fallback="scan.pdf") == "scan.pdf"


def test_two_attachments_with_the_same_name_are_numbered():
    part = (b"--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"scan.pdf\"\n"
            b"Content-Transfer-Encoding: base64\n\n")
    raw = (b"From: a@atlas.example\nSubject: scans\nContent-Type: multipart/mixed; boundary=XX\n\n"
           + part + b"JVBERi0xLjQK\n" + part + b"JVBERi0xLjUK\n"
           + b"--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"SCAN.pdf\"\n\nx\n"
           + b"--XX--\n")
    attachments = mail.parse_message(raw).attachments
    assert [(a.filename, a.data) for a in attachments] == [
        ("scan.pdf", b"%PDF-1.4\n"), ("scan-2.pdf", b"%PDF-1.5\n"), ("SCAN-3.pdf", b"x")]


def test_unique_name_stays_within_the_length_limit():
    taken = {"a" * 116 + ".pdf"}
    assert mail.unique_name("a" * 116 + ".pdf", taken) == "a" * 114 + "-2.pdf"
    assert mail.unique_name("notes", taken) == "notes"
    assert mail.unique_name("notes", taken) == "notes-2"


def test_an_rfc_2231_filename_is_decoded():
    raw = (b"From: a@atlas.example\nSubject: cv\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=XX\n\n"
           b"--XX\nContent-Type: text/plain\n\nmon CV\n"
           b"--XX\nContent-Type: application/pdf; name*=utf-8''r%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.pdf\n"
           b"Content-Disposition: attachment;\n filename*=utf-8''r%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.pdf\n"
           b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjUK\n"
           b"--XX\nContent-Type: text/csv\nContent-Disposition: attachment;\n"
           b" filename*0*=iso-8859-1''d%E9penses%20;\n filename*1=\"2026.csv\"\n\n1,2\n"
           b"--XX--\n")
    attachments = mail.parse_message(raw).attachments
    assert [(a.filename, a.content_type) for a in attachments] == [
        ("résumé été.pdf", "application/pdf"), ("dépenses 2026.csv", "text/csv")]


def test_a_forwarded_message_is_kept_whole_as_an_eml_attachment():
    raw = (b"From: chef@atlas.example\nSubject: Fwd: Panne\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=XX\n\n"
           b"--XX\nContent-Type: text/plain\n\nVoir ci-dessous.\n"
           b"--XX\nContent-Type: message/rfc822\n\n"
           b"From: client@atlas.example\nSubject: Panne serveur / urgent\n\nLe serveur est tomb\xc3\xa9.\n"
           b"--XX--\n")
    message = mail.parse_message(raw)
    assert message.text == "Voir ci-dessous."
    [forwarded] = message.attachments
    assert (forwarded.filename, forwarded.content_type) == ("Panne serveur _ urgent.eml", "message/rfc822")
    inner = mail.parse_message(forwarded.data)
    assert (inner.subject, inner.sender_address) == ("Panne serveur / urgent", "client@atlas.example")


def test_an_mbox_splits_into_its_messages_and_unescapes_from_lines():
    raw = (b"From zoe@atlas.example Thu Nov 20 10:00:00 2026\n"
           b"From: zoe@atlas.example\nSubject: one\n\n"
           b"Premier message.\n"
           b">From here on, nothing works.\n"
           b">>From a quoted mboxrd line\n"
           b"\n"
           b"From karim@atlas.example Thu Nov 20 11:00:00 2026\n"
           b"From: karim@atlas.example\nSubject: two\n\n"
           b"Deuxieme.\n"
           b"\n"
           b"From - Fri Nov 21 08:00:00 2026\n"
           b"From: ines@atlas.example\nSubject: three\n\n"
           b"Troisieme.\n")
    messages = mail.split_mbox(raw)
    assert messages == [
        b"From: zoe@atlas.example\nSubject: one\n\nPremier message.\n"
        b"From here on, nothing works.\n>From a quoted mboxrd line\n",
        b"From: karim@atlas.example\nSubject: two\n\nDeuxieme.\n",
        b"From: ines@atlas.example\nSubject: three\n\nTroisieme.\n",
    ]
    first, second, third = (mail.parse_message(m) for m in messages)
    assert first.text == "Premier message.\nFrom here on, nothing works.\n>From a quoted mboxrd line"
    assert [m.subject for m in (first, second, third)] == ["one", "two", "three"]


def test_an_input_without_a_from_line_is_one_message():
    assert mail.split_mbox(b"Subject: seul\n\nFrom here on.\n") == [b"Subject: seul\n\nFrom here on.\n"]


def test_parse_message_skips_an_mbox_separator_line():
    message = mail.parse_message(b"From zoe@atlas.example Thu Nov 20 10:00:00 2026\nSubject: x\n\ny\n")
    assert (message.subject, message.text) == ("x", "y")


@pytest.mark.parametrize("raw, reason", [
    (b"", "empty"),
    (b" \r\n\n", "empty"),
    (b"\x00\x01\xff\xfe\x89PNG\r\n\x1a\n garbage", "not an e-mail"),
    (b'{"caller": "Zoe", "summary": "printer"}\n', "not an e-mail"),
    (b'{\n  "caller": "Zoe"\n}\n', "not an e-mail"),
    (b"\n\n\njust some text\nno headers", "not an e-mail"),
    (b"From nobody Thu Nov 20 10:00:00 2026\njust text\n", "not an e-mail"),
    (b"X-Mailer: nothing\nTo: support@desk.example\n\n  \n", "no sender, no subject and no body"),
])
def test_what_is_not_an_email_is_refused_with_a_reason(raw, reason):
    with pytest.raises(mail.MailError, match=reason):
        mail.parse_message(raw)


def test_no_date_and_an_unknown_charset_still_parse():
    raw = (b"From: a@atlas.example\n"
           b"Subject: =?x-klingon?q?caf=E9?=\n"
           b"Content-Type: text/plain; charset=x-klingon\n"
           b"\n"
           b"caf\xe9 \x81 cr\xc3\xa8me")
    message = mail.parse_message(raw)
    assert message.date is None
    # An unknown charset is read as UTF-8, each byte that is not UTF-8 as Windows-1252.
    assert message.subject == "caf\xe9"
    assert message.text == "caf\xe9 \ufffd cr\xe8me"


def test_a_wrong_charset_falls_back_without_raising():
    raw = b"From: a@atlas.example\nSubject: x\nContent-Type: text/plain; charset=us-ascii\n\ncr\xc3\xa8me"
    assert mail.parse_message(raw).text == "crème"
    raw = b"From: a@atlas.example\nSubject: x\nContent-Type: text/plain; charset=base64\n\nok"
    assert mail.parse_message(raw).text == "ok"


def test_odd_headers_give_none_rather_than_an_error():
    raw = (b"From: undisclosed-recipients:;\n"
           b"Subject: x\n"
           b"Date: Mon, 99 Foo 99999 99:99\n"
           b"Message-ID: <<<>>>\n"
           b"In-Reply-To: bare-id@atlas.example\n"
           b"\nbody")
    message = mail.parse_message(raw)
    assert (message.sender_name, message.sender_address, message.date) == (None, None, None)
    assert message.message_id is None
    assert message.in_reply_to == ["bare-id@atlas.example"]


def test_a_date_without_a_zone_is_utc_and_a_quoted_name_keeps_its_comma():
    raw = (b"From: =?utf-8?q?Martin=2C_Zo=C3=A9?= <ZOE@atlas.example>\n"
           b"Subject:   Trop \n   d'espaces  \nDate: Thu, 20 Nov 2026 10:15:00 -0000\n\nx")
    message = mail.parse_message(raw)
    assert message.date == datetime(2026, 11, 20, 10, 15, tzinfo=timezone.utc)
    assert (message.sender_name, message.sender_address) == ("Martin, Zoé", "zoe@atlas.example")
    assert message.subject == "Trop d'espaces"
