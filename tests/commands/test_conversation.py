"""The conversation with the caller and the team, end to end through the entry point,
against real servers: aiosmtpd (STARTTLS, AUTH, a self-signed certificate made here) and
Dovecot (IMAP over TLS, a throw-away Maildir)."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from freezegun import freeze_time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mailservers  # noqa: E402

from deskcli.core.calls import tickets  # noqa: E402
from deskcli.core.mailing import outbox  # noqa: E402

pytestmark = pytest.mark.usefixtures("utc")

DESK = "hotline@desk.example"
TEAM = "team@desk.example"


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    return mailservers.make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def smtp_session(certificate):
    server = mailservers.SMTPServer(*certificate).start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_session):
    smtp_session.messages.clear()
    smtp_session.temporary_failure = False
    yield smtp_session
    smtp_session.temporary_failure = False


@pytest.fixture(scope="session")
def dovecot_session(certificate):
    server = mailservers.Dovecot(*certificate)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def dovecot(dovecot_session):
    dovecot_session.empty()
    return dovecot_session


def write_settings(home: Path, smtp_port: int, certificate, *, imap_port: int = 0, extra: str = "",
                   smtp_extra: str = ""):
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(f"""
[desk]
company = "Atlas Hotline"
require_contract = false

[mail]
from_address = "{DESK}"
team_address = "{TEAM}"

[mail.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "starttls"
username = "{mailservers.USER}"
cafile = "{certificate[0]}"
timeout_seconds = 5.0
{smtp_extra}

[mail.imap]
host = "127.0.0.1"
port = {imap_port or 993}
security = "ssl"
username = "{mailservers.USER}"
cafile = "{certificate[0]}"
{extra}
""")


@pytest.fixture
def mail_desk(home, smtp, certificate, monkeypatch):
    monkeypatch.setenv("DESKCLI_SMTP_PASSWORD", mailservers.PASSWORD)
    monkeypatch.setenv("DESKCLI_IMAP_PASSWORD", mailservers.PASSWORD)
    write_settings(home, smtp.port, certificate)
    return home


def caller_mail(message_id="<q1@atlas.example>", subject="Imprimante bloquée", extra="",
                sender="Karim Benali <karim@atlas.example>", body="L'imprimante du 2e n'imprime plus."):
    return (f"From: {sender}\r\nTo: {DESK}\r\nSubject: {subject}\r\n"
            f"Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nMessage-ID: {message_id}\r\n{extra}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def pipe(deskcli, tmp_path, raw):
    path = tmp_path / "in.eml"
    path.write_bytes(raw)
    return deskcli("--as", "alice", "open", "--from", str(path))


def sent_to(smtp, address):
    return [m for m in smtp.messages if address in m["to"]]


def parsed(message):
    from email import message_from_bytes, policy

    return message_from_bytes(message["raw"], policy=policy.default)


# -- acknowledgement, reply, threading ------------------------------------------------------

def test_a_piped_message_is_acknowledged_with_its_number_and_the_team_is_told(
        deskcli, desk, mail_desk, smtp, tmp_path):
    result = pipe(deskcli, tmp_path, caller_mail())
    assert result.exit_code == 0, result.stderr
    number = int(result.stdout)
    [ack] = [parsed(m) for m in sent_to(smtp, "karim@atlas.example")]
    assert ack["Subject"] == f"[#{number}] Imprimante bloquée"
    assert ack["In-Reply-To"] == "<q1@atlas.example>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert f"opened ticket #{number}" in ack.get_content()
    assert all(m["tls"] and m["auth"] for m in smtp.messages)
    [team] = [parsed(m) for m in sent_to(smtp, TEAM)]
    assert team["Subject"].startswith(f"[#{number}] New call")
    ticket = tickets.get_ticket(desk, number)
    events = [e for e in ticket["history"] if e["event"] == "auto_message"]
    assert [e["kind"] for e in events] == ["acknowledgement", "team-new-call"]
    assert events[0]["message_id"] == ack["Message-ID"].strip("<>")
    assert [r["state"] for r in outbox.listing(desk, include_sent=True)] == ["sent", "sent"]
    assert "Sent to karim@atlas.example" in result.stderr


def test_no_automatic_answer_to_an_automatic_sender(deskcli, desk, mail_desk, smtp, tmp_path):
    # A machine's mail opens no call, so nothing answers it and the team hears of nothing.
    robot = caller_mail("<away@atlas.example>", "Absent du bureau", "Auto-Submitted: auto-replied\r\n")
    assert pipe(deskcli, tmp_path, robot).stdout.strip() == ""
    daemon = caller_mail("<bounce@atlas.example>", "Undelivered", sender="MAILER-DAEMON@atlas.example")
    assert pipe(deskcli, tmp_path, daemon).exit_code == 0
    assert smtp.messages == []
    # A person writing through a mailing list opens a call, but the list gets no answer.
    listed = caller_mail("<list@atlas.example>", "Imprimante en panne",
                         "List-Id: <support.atlas.example>\r\n")
    number = int(pipe(deskcli, tmp_path, listed).stdout)
    assert sent_to(smtp, "karim@atlas.example") == []
    assert len(sent_to(smtp, TEAM)) == 1  # the team still hears of the call
    received = next(e for e in tickets.get_ticket(desk, number)["history"] if e["event"] == "message")
    assert received["auto_submitted"] == "List-Id"


def test_an_automatic_message_can_be_switched_off(deskcli, home, mail_desk, smtp, tmp_path, certificate):
    write_settings(home, smtp.port, certificate,
                   extra="[mail.auto]\nacknowledgement = false\nteam_new_call = false\n")
    assert pipe(deskcli, tmp_path, caller_mail()).exit_code == 0
    assert smtp.messages == []


def test_reply_is_threaded_and_the_callers_answer_comes_back_to_the_ticket(
        deskcli, desk, mail_desk, smtp, tmp_path):
    number = int(pipe(deskcli, tmp_path, caller_mail()).stdout)
    result = deskcli("reply", str(number), "-m", "Le toner neuf part aujourd'hui.", "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert document["sent"] is True
    [ack, answer] = [parsed(m) for m in sent_to(smtp, "karim@atlas.example")]
    assert answer["Subject"] == f"[#{number}] Imprimante bloquée"
    assert answer["In-Reply-To"] == "<q1@atlas.example>"
    assert answer["References"].split() == ["<q1@atlas.example>", ack["Message-ID"]]
    assert "Auto-Submitted" not in answer
    assert "toner neuf" in answer.get_content()
    event = tickets.get_ticket(desk, number)["history"][-1]
    assert event["event"] == "reply" and event["message_id"] == answer["Message-ID"].strip("<>")
    assert document["event"]["message_id"] == event["message_id"]
    # The caller answers without the tag in the subject: In-Reply-To alone threads it.
    back = caller_mail("<q2@atlas.example>", "Re: Imprimante",
                       f"In-Reply-To: {answer['Message-ID']}\r\n", body="Bien reçu, merci.")
    again = pipe(deskcli, tmp_path, back)
    assert again.exit_code == 0 and again.stdout == "" and f"#{number}" in again.stderr
    last = tickets.get_ticket(desk, number)["history"][-1]
    assert (last["event"], last["message_id"]) == ("message", "q2@atlas.example")
    # A later reply threads to that last message.
    assert deskcli("reply", str(number), "-m", "Parfait.").exit_code == 0
    assert parsed(smtp.messages[-1])["In-Reply-To"] == "<q2@atlas.example>"


def test_reply_from_a_template_or_a_file(deskcli, desk, mail_desk, smtp, tmp_path):
    number = int(pipe(deskcli, tmp_path, caller_mail()).stdout)
    assert deskcli("reply", str(number), "--template", "remote-session").exit_code == 0
    body = parsed(smtp.messages[-1]).get_content()
    assert "Hello Karim Benali" in body and f"request #{number}" in body
    (tmp_path / "answer.txt").write_text("Réponse écrite à l'avance.\n")
    assert deskcli("reply", str(number), "--message-file", str(tmp_path / "answer.txt")).exit_code == 0
    assert "Réponse écrite" in parsed(smtp.messages[-1]).get_content()
    unknown = deskcli("reply", str(number), "--template", "nope")
    assert unknown.exit_code == 2 and "remote-session" in unknown.stderr


def test_reply_needs_an_address_and_a_text(deskcli, desk, mail_desk, smtp):
    opened = deskcli("open", "--no-input", "--caller", "Ines", "--summary", "Poste lent", "--json")
    number = opened.json()["id"]
    smtp.messages.clear()
    refused = deskcli("reply", str(number), "-m", "Bonjour")
    assert refused.exit_code == 1 and "--to" in refused.stderr
    several = deskcli("reply", str(number), "-m", "Bonjour", "--to", "ines@atlas.example,x@y.example")
    assert several.exit_code == 2 and "not one e-mail address" in several.stderr
    empty = deskcli("reply", str(number), "-m", "  ", "--to", "ines@atlas.example")
    assert empty.exit_code == 2 and "empty" in empty.stderr
    assert smtp.messages == []


# -- the outbox ------------------------------------------------------------------------------

def test_an_unreachable_server_leaves_the_reply_in_the_outbox_and_it_goes_once(
        deskcli, desk, home, mail_desk, smtp, tmp_path, certificate):
    number = int(pipe(deskcli, tmp_path, caller_mail()).stdout)
    smtp.messages.clear()
    write_settings(home, mailservers.free_port(), certificate)  # nothing listens there
    result = deskcli("reply", str(number), "-m", "Nous passons demain.")
    assert result.exit_code == 75, result.stderr
    assert "waits in the outbox" in result.stderr
    waiting = deskcli("mail", "outbox", "--json").json()
    assert [(r["kind"], r["state"], r["attempts"]) for r in waiting] == [("reply", "waiting", 1)]
    assert "cannot be reached" in waiting[0]["last_error"]
    assert deskcli("mail", "send").exit_code == 75
    write_settings(home, smtp.port, certificate)  # the server is back
    sent = deskcli("mail", "send", "--json")
    assert sent.exit_code == 0 and len(sent.json()["sent"]) == 1
    assert deskcli("mail", "send").exit_code == 0
    assert len(smtp.messages) == 1 and "Nous passons demain." in parsed(smtp.messages[0]).get_content()
    assert deskcli("mail", "outbox", "--json").json() == []
    assert [r["state"] for r in deskcli("mail", "outbox", "--sent", "--json").json()][-1] == "sent"


def test_a_server_that_asks_to_come_back_later_keeps_the_message_waiting(
        deskcli, desk, mail_desk, smtp, tmp_path):
    smtp.temporary_failure = True
    number = int(pipe(deskcli, tmp_path, caller_mail()).stdout)
    assert smtp.messages == []
    assert {r["state"] for r in outbox.listing(desk)} == {"waiting"}
    assert deskcli("mail", "send").exit_code == 75
    smtp.temporary_failure = False
    # The next command that sends takes the older messages along.
    assert deskcli("reply", str(number), "-m", "Suite.").exit_code == 0
    assert sorted(parsed(m)["Subject"].split("]")[0] for m in smtp.messages) == [f"[#{number}"] * 3
    assert outbox.listing(desk) == []


def test_two_senders_never_send_the_same_message(deskcli, desk, mail_desk, smtp, tmp_path):
    smtp.temporary_failure = True
    pipe(deskcli, tmp_path, caller_mail())
    smtp.temporary_failure = False
    from deskcli.core.base.clock import now

    token, claimed = outbox.claim(desk, now())
    assert len(claimed) == 2
    # Another machine comes now: everything is claimed, nothing for it.
    assert outbox.claim(desk, now())[1] == []
    assert deskcli("mail", "send", "--json").json()["sent"] == []
    # A claim abandoned for longer than mail.claim_minutes is taken over.
    assert len(outbox.claim(desk, now() + timedelta(minutes=11))[1]) == 2


def test_two_machines_sending_at_once_send_each_message_once(deskcli, desk, mail_desk, smtp, tmp_path):
    import subprocess

    smtp.temporary_failure = True
    for index in range(4):
        pipe(deskcli, tmp_path, caller_mail(f"<c{index}@atlas.example>", f"Panne {index}"))
    waiting = outbox.listing(desk)
    assert len(waiting) == 8 and smtp.messages == []
    smtp.temporary_failure = False
    senders = [subprocess.Popen([sys.executable, "-m", "deskcli", "mail", "send", "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in senders]
    assert all(p.returncode == 0 for p in senders)
    sent_ids = sorted(m["message_id"] for r in results for m in r["sent"])
    received = sorted(parsed(m)["Message-ID"].strip("<>") for m in smtp.messages)
    assert received == sent_ids == sorted(r["message_id"] for r in waiting)


def test_a_secret_file_readable_by_others_is_refused(deskcli, home, mail_desk, smtp, tmp_path,
                                                     certificate, monkeypatch):
    monkeypatch.delenv("DESKCLI_SMTP_PASSWORD")
    secret = tmp_path / "smtp-password"
    secret.write_text(mailservers.PASSWORD + "\n")
    secret.chmod(0o644)
    write_settings(home, smtp.port, certificate, smtp_extra=f'password_file = "{secret}"')
    number = deskcli("open", "--no-input", "--caller", "Ines", "--summary", "x", "--json").json()["id"]
    refused = deskcli("reply", str(number), "-m", "x", "--to", "ines@atlas.example")
    assert refused.exit_code == 2 and "chmod 600" in refused.stderr
    secret.chmod(0o600)
    assert deskcli("reply", str(number), "-m", "x", "--to", "ines@atlas.example").exit_code == 0
    assert sent_to(smtp, "ines@atlas.example")


# -- resolution notice and confirmation ---------------------------------------------------

def test_the_caller_is_asked_to_confirm_and_close_shows_the_answer(
        deskcli, desk, mail_desk, smtp, tmp_path):
    number = int(pipe(deskcli, tmp_path, caller_mail()).stdout)
    assert deskcli("qualify", str(number), "--type", "incident", "--impact", "user",
                   "--urgency", "degraded").exit_code == 0
    qualified = parsed(smtp.messages[-1])
    priority = tickets.get_ticket(desk, number)["priority"]
    assert f"qualified at priority {priority}" in qualified.get_content()
    deadline = tickets.get_ticket(desk, number)["deadlines"]["resolution"]  # UTC, as TZ here
    assert f"solve it by {deadline[:10]} {deadline[11:16]} UTC." in qualified.get_content()
    assert deskcli("treat", str(number), "--solution", "Toner remplacé", "--definitive").exit_code == 0
    notice = parsed(smtp.messages[-1])
    assert "Toner remplacé" in notice.get_content() and "confirm" in notice.get_content()
    back = caller_mail("<ok@atlas.example>", f"Re: [#{number}] Imprimante", body="Oui, ça marche.")
    assert pipe(deskcli, tmp_path, back).exit_code == 0
    closed = deskcli("close", str(number))
    assert closed.exit_code == 0
    assert "answered the resolution notice" in closed.stderr and "Oui, ça marche." in closed.stderr
    event = tickets.get_ticket(desk, number)["history"]
    assert [e for e in event if e["event"] == "closed"][0]["caller_confirmed"] is True
    report = deskcli("report", "--json").json()
    assert report["confirmations"] == {"asked": 1, "answered": 1}
    text = deskcli("report").stdout
    assert "Solutions the caller was asked to confirm" in text and "1 (1 answered)" in text


# -- mail fetch --------------------------------------------------------------------------------

def test_mail_fetch_takes_three_messages_and_marks_them_seen_after_their_tickets(
        deskcli, desk, home, mail_desk, smtp, dovecot, certificate, write_lock):
    write_settings(home, smtp.port, certificate, imap_port=dovecot.port,
                   extra="[repository]\nlock_timeout_seconds = 0.5\n")
    for index in range(3):
        dovecot.deliver(caller_mail(f"<m{index}@atlas.example>", f"Panne {index}"))
    # The repository cannot be written: nothing is taken, nothing marked seen.
    with write_lock():
        locked = deskcli("mail", "fetch")
    assert locked.exit_code == 3, locked.stderr
    assert dovecot.seen() == {f"m{i}@atlas.example": False for i in range(3)}
    fetched = deskcli("mail", "fetch", "--json")
    assert fetched.exit_code == 0, fetched.stderr
    created = fetched.json()["created"]
    assert len(created) == 3
    assert dovecot.seen() == {f"m{i}@atlas.example": True for i in range(3)}
    summaries = sorted(tickets.get_ticket(desk, n)["summary"] for n in created)
    assert summaries == ["Panne 0", "Panne 1", "Panne 2"]
    assert len(sent_to(smtp, "karim@atlas.example")) == 3  # each acknowledged
    # A crash between the commit and the flag: the message is read again, and not taken twice.
    client = dovecot.client()
    client.select("INBOX")
    client.store("1:*", "-FLAGS", r"(\Seen)")
    client.logout()
    again = deskcli("mail", "fetch", "--json")
    assert again.json()["created"] == [] and len(again.json()["duplicates"]) == 3
    assert all(dovecot.seen().values())
    assert deskcli("mail", "fetch", "--json").json() == {"created": [], "appended": [],
                                                         "duplicates": [], "refused": []}


def test_mail_fetch_from_a_server_that_is_away_exits_75(deskcli, home, mail_desk, smtp, certificate):
    write_settings(home, smtp.port, certificate, imap_port=mailservers.free_port())
    result = deskcli("mail", "fetch")
    assert result.exit_code == 75 and "cannot be reached" in result.stderr


# -- hooks -------------------------------------------------------------------------------------

def write_hook(home: Path, name: str, body: str) -> Path:
    folder = home / "hooks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


RECORDER = """import json, os, sys
document = json.load(sys.stdin)
document["argv"] = sys.argv
with open(os.path.join(os.environ["DESKCLI_HOME"], "hook-log.jsonl"), "a") as log:
    log.write(json.dumps(document) + "\\n")
"""


def no_contract_needed(home: Path, extra: str = "") -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text("[desk]\nrequire_contract = false\n" + extra)


def test_hooks_receive_the_json_of_each_event(deskcli, home):
    no_contract_needed(home)
    for name in ("on-open", "on-qualify", "on-transfer", "on-escalate", "on-close", "on-reply"):
        write_hook(home, name, RECORDER)
    number = deskcli("open", "--no-input", "--caller", "Ines", "--org", "Atlas",
                     "--summary", "VPN coupé", "--json").json()["id"]
    assert deskcli("qualify", str(number), "--type", "incident", "--impact", "user",
                   "--urgency", "blocked").exit_code == 0
    assert deskcli("escalate", str(number), "--reason", "trop long").exit_code == 0
    assert deskcli("transfer", str(number), "--to", "network", "--reason", "VPN").exit_code == 0
    log = [json.loads(line) for line in (home / "hook-log.jsonl").read_text().splitlines()]
    assert [d["hook"] for d in log] == ["on-open", "on-qualify", "on-escalate", "on-transfer"]
    assert [d["event"]["event"] for d in log] == ["opened", "qualified", "escalated", "transferred"]
    assert all(d["ticket"]["id"] == number for d in log)
    assert all(d["argv"] == [str(home / "hooks" / d["hook"])] for d in log)  # nothing else on its command line
    assert log[1]["ticket"]["priority"] == log[1]["event"]["priority"]
    assert log[3]["ticket"]["group"] == "network"


def test_on_reply_hears_both_sides_of_the_conversation(deskcli, home, mail_desk, smtp, tmp_path):
    write_hook(home, "on-reply", RECORDER)
    number = int(pipe(deskcli, tmp_path, caller_mail()).stdout)
    assert deskcli("reply", str(number), "-m", "Bonjour").exit_code == 0
    back = caller_mail("<q2@atlas.example>", f"Re: [#{number}] Imprimante", body="Merci")
    assert pipe(deskcli, tmp_path, back).exit_code == 0
    log = [json.loads(line) for line in (home / "hook-log.jsonl").read_text().splitlines()]
    # The first message opened the call (on-open's business): on-reply hears the answers.
    assert [(d["event"]["event"], d["event"].get("message_id", "")[:3]) for d in log] == [
        ("reply", log[0]["event"]["message_id"][:3]), ("message", "q2@")]


def test_a_failing_or_hanging_hook_changes_nothing(deskcli, desk, home):
    no_contract_needed(home, "[hooks]\ntimeout_seconds = 1.0\n")
    write_hook(home, "on-open", "import sys\nprint('no database', file=sys.stderr)\nsys.exit(3)\n")
    write_hook(home, "on-qualify", "import subprocess, sys, time\n"
                                   "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                                   "time.sleep(60)\n")
    failed = deskcli("open", "--no-input", "--caller", "Ines", "--summary", "Poste lent", "--json")
    assert failed.exit_code == 0
    assert "on-open failed" in failed.stderr and "no database" in failed.stderr
    number = failed.json()["id"]
    started = time.monotonic()
    hanging = deskcli("qualify", str(number), "--type", "incident", "--impact", "user",
                      "--urgency", "minor")
    assert time.monotonic() - started < 15
    assert hanging.exit_code == 0 and "stopped after 1 s" in hanging.stderr
    ticket = tickets.get_ticket(desk, number)
    assert ticket["priority"] is not None and ticket["history"][-1]["event"] in ("qualified", "sla_clock_stopped")
    # A file that is not executable is not a hook.
    (home / "hooks" / "on-open").chmod(0o644)
    quiet = deskcli("open", "--no-input", "--caller", "Ines", "--summary", "Autre")
    assert quiet.exit_code == 0 and "failed" not in quiet.stderr


def test_a_refused_change_runs_no_hook(deskcli, home):
    no_contract_needed(home)
    write_hook(home, "on-close", RECORDER)
    number = deskcli("open", "--no-input", "--caller", "Ines", "--summary", "x", "--json").json()["id"]
    assert deskcli("close", str(number)).exit_code == 1
    assert not (home / "hook-log.jsonl").exists()


# -- clocks at risk and breached ----------------------------------------------------------

def test_notify_raises_each_at_risk_and_breach_once(deskcli, desk, home, mail_desk, smtp):
    write_hook(home, "on-at-risk", RECORDER)
    write_hook(home, "on-breach", RECORDER)
    start = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
    with freeze_time(start):
        number = deskcli("open", "--no-input", "--caller", "Ines", "--org", "Atlas", "--channel",
                         "email", "--summary", "Serveur arrêté", "--json").json()["id"]
        assert deskcli("qualify", str(number), "--type", "incident", "--impact", "company",
                       "--urgency", "blocked").exit_code == 0
    deadlines = tickets.get_ticket(desk, number)["deadlines"]
    resolution = datetime.fromisoformat(deadlines["resolution"].replace("Z", "+00:00"))
    smtp.messages.clear()
    with freeze_time(start + (resolution - start) * 0.8):
        first = deskcli("notify", "--json")
        assert [(a["clock"], a["state"]) for a in first.json()] == [("resolution", "at_risk")] or \
            ("resolution", "at_risk") in [(a["clock"], a["state"]) for a in first.json()]
        assert deskcli("notify", "--json").json() == []
    with freeze_time(resolution + timedelta(minutes=1)):
        breached = deskcli("notify", "--json").json()
        assert ("resolution", "breached") in [(a["clock"], a["state"]) for a in breached]
        assert deskcli("notify", "--json").json() == []
    log = [json.loads(line) for line in (home / "hook-log.jsonl").read_text().splitlines()]
    raised = [(d["event"]["clock"], d["event"]["state"]) for d in log]
    assert len(raised) == len(set(raised))  # never twice
    assert ("resolution", "at_risk") in raised and ("resolution", "breached") in raised
    subjects = [parsed(m)["Subject"] for m in sent_to(smtp, TEAM)]
    assert any("At risk: resolution" in s for s in subjects)
    assert any("Breached: resolution" in s for s in subjects)
    assert len(subjects) == len(raised)


def test_the_reply_is_written_in_the_technicians_editor(tmp_path, monkeypatch):
    from deskcli.commands import reply

    editor = tmp_path / "editor"
    editor.write_text(f"#!{sys.executable}\nimport sys\nopen(sys.argv[1], 'a').write('Merci.')\n")
    editor.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    assert reply._edit("Bonjour,\n") == "Bonjour,\nMerci."
    editor.write_text(f"#!{sys.executable}\n")  # closed without saving
    assert reply._edit("Bonjour,\n") is None
    assert not list(Path(__import__("tempfile").gettempdir()).glob("deskcli-reply-*"))


def test_the_team_is_written_to_in_the_desks_language(deskcli, desk, home, mail_desk, smtp,
                                                      certificate):
    write_settings(home, smtp.port, certificate, extra='[mail.auto]\nteam_new_call = false\n')
    settings = (home / "settings.toml").read_text().replace(
        'team_address = "team@desk.example"', 'team_address = "team@desk.example"\nlanguage = "fr"')
    (home / "settings.toml").write_text(settings)
    start = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
    with freeze_time(start):
        number = deskcli("open", "--no-input", "--caller", "Ines", "--summary", "Serveur arrêté",
                         "--json").json()["id"]
        assert deskcli("qualify", str(number), "--type", "incident", "--impact", "company",
                       "--urgency", "blocked").exit_code == 0
    with freeze_time(start + timedelta(days=30)):
        assert deskcli("notify").exit_code == 0
    subjects = [parsed(m)["Subject"] for m in sent_to(smtp, TEAM)]
    assert f"[#{number}] Dépassé : délai de résolution, Serveur arrêté" in subjects
