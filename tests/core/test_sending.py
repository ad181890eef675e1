"""Messages the desk writes and who never gets an automatic one, as plain functions."""

from __future__ import annotations

import pytest

from deskcli.core.app import settings
from deskcli.core.mailing import mail, sending


def desk_settings(**mail_values):
    values = settings.defaults()
    values["mail"].update(from_address="hotline@desk.example", **mail_values)
    values["mail"]["smtp"].update(host="smtp.desk.example", username="hotline@desk.example")
    return values


def test_a_summary_cannot_add_headers():
    message = sending.compose(desk_settings(), to="k@atlas.example",
                              subject="[#3] Panne\r\nBcc: everyone@example.com", body="x", ticket=3)
    assert message["Bcc"] is None
    assert message["Subject"] == "[#3] Panne Bcc: everyone@example.com"
    assert message["Message-ID"].endswith("@desk.example>")
    assert message["Auto-Submitted"] is None  # a technician's reply is a person's message


def test_automatic_messages_say_so_and_thread():
    message = sending.compose(desk_settings(), to="k@atlas.example", subject="s", body="b",
                              ticket=3, in_reply_to="q1@atlas.example",
                              references=["q1@atlas.example", "a@desk.example"], automatic=True)
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<q1@atlas.example>"
    assert message["References"] == "<q1@atlas.example> <a@desk.example>"


@pytest.mark.parametrize("address, robot", [
    ("karim@atlas.example", False), ("MAILER-DAEMON@atlas.example", True),
    ("noreply@atlas.example", True), ("no-reply@atlas.example", True),
    ("list-bounces@atlas.example", True), ("hotline@desk.example", True), (None, True),
    ("not an address", True),
])
def test_robot_addresses(address, robot):
    assert sending.robot_address(address, desk_settings()) is robot


@pytest.mark.parametrize("header, verdict", [
    ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
    ("Auto-Submitted: no", None), ("Precedence: bulk", "Precedence: bulk"),
    ("List-Id: <team.atlas.example>", "List-Id"), ("Return-Path: <>", "Return-Path: <>"),
    ("X-Mailer: Thunderbird", None),
])
def test_automatic_senders_are_recognised(header, verdict):
    raw = f"From: k@atlas.example\nSubject: s\n{header}\n\nbody\n".encode()
    assert mail.parse_message(raw).auto_submitted == verdict


def test_the_secret_comes_from_the_environment_or_a_private_file(tmp_path, monkeypatch):
    values = desk_settings()
    monkeypatch.delenv("DESKCLI_SMTP_PASSWORD", raising=False)
    with pytest.raises(sending.MailSettingsError, match="no password was found"):
        sending.server(values)
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    secret.chmod(0o640)
    values["mail"]["smtp"]["password_file"] = str(secret)
    with pytest.raises(sending.MailSettingsError, match="chmod 600"):
        sending.server(values)
    secret.chmod(0o600)
    assert sending.server(values).password == "from-file"
    monkeypatch.setenv("DESKCLI_SMTP_PASSWORD", "from-env")
    assert sending.server(values).password == "from-env"


def test_unusable_server_settings_name_the_key():
    values = desk_settings()
    values["mail"]["smtp"]["security"] = "tls"
    with pytest.raises(sending.MailSettingsError, match="mail.smtp.security"):
        sending.server(values)
    values["mail"]["smtp"].update(security="ssl", host="")
    with pytest.raises(sending.MailSettingsError, match="mail.smtp.host"):
        sending.server(values)


def test_templates_follow_the_desk_language(tmp_path):
    values = desk_settings(language="fr")
    text = sending.fill(sending.template_text(values, tmp_path, "acknowledgement"),
                        {"number": 7, "summary": "Écran noir", "caller": "Zoé", "company": "Atlas"})
    subject, body = sending.split_subject(text)
    assert subject == "[#7] Écran noir" and body.startswith("Bonjour Zoé,")
    assert sending.reply_templates(values, tmp_path) == ["need-information", "on-site",
                                                         "remote-session"]
    own = tmp_path / "mail-templates" / "fr"
    own.mkdir(parents=True)
    (own / "acknowledgement.txt").write_text("Subject: Reçu $number\n\nMerci.\n")
    assert sending.template_text(values, tmp_path, "acknowledgement").startswith("Subject: Reçu")


@pytest.mark.parametrize("text, address", [
    ("Karim@Atlas.example", "karim@atlas.example"), (" k@a.example ", "k@a.example"),
    ("k@a.example,evil@x.example", None), ("k@a.example; evil@x.example", None),
    ("Karim <k@a.example>", None), ("k@a.example\r\nBcc: x@y.example", None),
    ("0611223344", None), ("k@localhost", None), ("", None), (None, None),
])
def test_one_address_only(text, address):
    assert sending.single_address(text) == address
