"""E-mail piped into `deskcli open --from - --format email`: real messages, end to end."""

import json
import os
from datetime import date, datetime, timezone

import pytest

from deskcli.core.calls import contracts, tickets

pytestmark = pytest.mark.usefixtures("utc")

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)

MULTIPART = b"""From: =?utf-8?q?Karim_Benali?= <Karim.Benali@atlas.example>
To: hotline@desk.example
Subject: =?utf-8?q?Imprimante_bloqu=C3=A9e?=
Date: Thu, 20 Nov 2026 10:15:00 +0100
Message-ID: <first@atlas.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XYZ"

--XYZ
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Bonjour,
L'imprimante du 2e =C3=A9tage affiche une erreur et n'imprime plus.
--XYZ
Content-Type: application/pdf
Content-Disposition: attachment; filename="../../etc/rapport.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCg==
--XYZ--
"""

LATIN1 = ("From: Zoe <zoe@home.example>\nSubject: Ecran noir\nMessage-ID: <latin@home.example>\n"
          "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
          "Content-Transfer-Encoding: 8bit\n\nMon écran reste noir après la mise à jour.\n").encode("latin-1")

HTML_ONLY = b"""From: ines@atlas.example
Subject: VPN
Message-ID: <html@atlas.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style></head><body><p>Le VPN coupe&nbsp;toutes les heures.</p><ul><li>FortiClient 7.2</li></ul></body></html>
"""


def reply(number, message_id="<reply@atlas.example>", references="<first@atlas.example>"):
    return (f"From: Karim Benali <karim.benali@atlas.example>\nSubject: Re: [#{number}] Imprimante\n"
            f"Message-ID: {message_id}\nIn-Reply-To: {references}\nReferences: {references}\n"
            f"Content-Type: text/plain; charset=utf-8\n\nToujours en panne ce matin.\n").encode()


@pytest.fixture
def atlas(desk):
    contracts.add_contract(desk, org="Atlas SARL", org_kind="company", number="C-1",
                           coverage="contract", valid_from=date(2026, 1, 1),
                           valid_until=date(2026, 12, 31), signers=[], now=T0)
    tickets.open_ticket(desk, tickets.CallFacts(caller="Ines", org="Atlas SARL",
                                                contact="ines@atlas.example", summary="first"), T0)


def pipe(deskcli, tmp_path, raw, *extra):
    path = tmp_path / "message.eml"
    path.write_bytes(raw)
    # As a mail filter runs it: under an account of its own, not a technician's.
    return deskcli("--as", "mail", "open", "--from", str(path), *extra)


def test_a_multipart_message_opens_a_ticket_with_its_attachment(deskcli, desk, home, tmp_path, atlas):
    result = pipe(deskcli, tmp_path, MULTIPART)
    assert result.exit_code == 0, result.stderr
    ticket = tickets.get_ticket(desk, int(result.stdout))
    assert ticket["caller"] == {"name": "Karim Benali", "role": None, "contact": "karim.benali@atlas.example"}
    assert ticket["organisation"]["name"] == "Atlas SARL"  # by the domain of a known caller
    assert ticket["summary"] == "Imprimante bloquée" and ticket["channel"] == "email"
    assert "2e étage affiche une erreur" in ticket["description"]
    assert ticket["attachments"] == ["rapport.pdf"]
    stored = home / "attachments" / str(ticket["id"]) / "rapport.pdf"
    assert stored.read_bytes().startswith(b"%PDF-1.4")
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert not (home.parent / "etc").exists()


def test_the_same_message_twice_is_taken_once(deskcli, desk, tmp_path, atlas):
    first = pipe(deskcli, tmp_path, MULTIPART)
    again = pipe(deskcli, tmp_path, MULTIPART)
    assert again.exit_code == 0 and again.stdout == "" and "Already taken" in again.stderr
    assert len(tickets.list_tickets(desk, scope="all")) == 2
    assert first.stdout.strip() == "2"


def test_a_reply_goes_to_its_ticket_by_reference_or_by_number(deskcli, desk, tmp_path, atlas):
    number = int(pipe(deskcli, tmp_path, MULTIPART).stdout)
    result = pipe(deskcli, tmp_path, reply(999))
    assert result.exit_code == 0 and result.stdout == "" and f"#{number}" in result.stderr
    entry = tickets.get_ticket(desk, number)["history"][-1]
    assert (entry["event"], entry["subject"]) == ("message", "Re: [#999] Imprimante")
    assert "Toujours en panne" in entry["text"]
    by_number = pipe(deskcli, tmp_path, reply(1, "<other@atlas.example>", "<unknown@x>"))
    assert by_number.exit_code == 0 and tickets.get_ticket(desk, 1)["history"][-1]["event"] == "message"
    assert "a message from Karim Benali" in deskcli("inbox").stdout


def test_latin1_and_html_only_bodies_become_text(deskcli, desk, tmp_path, atlas):
    latin = tickets.get_ticket(desk, int(pipe(deskcli, tmp_path, LATIN1).stdout))
    assert latin["description"] == "Mon écran reste noir après la mise à jour."
    assert latin["organisation"]["kind"] == "individual"  # an unknown domain: a private person
    html = tickets.get_ticket(desk, int(pipe(deskcli, tmp_path, HTML_ONLY).stdout))
    assert "Le VPN coupe" in html["description"] and "FortiClient 7.2" in html["description"]
    assert "color" not in html["description"] and "<" not in html["description"]
    assert html["organisation"]["name"] == "Atlas SARL"  # the caller's own address is known


def test_a_mailbox_opens_one_ticket_per_message(deskcli, desk, tmp_path, atlas):
    mbox = b"".join(b"From sender@example Thu Nov 20 10:00:00 2026\n" + m.replace(b"\r\n", b"\n") + b"\n"
                    for m in (MULTIPART, LATIN1, HTML_ONLY))
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox)
    result = deskcli("open", "--from", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["2", "3", "4"]


def test_a_busy_repository_makes_a_mail_filter_retry(tmp_path, home, desk, atlas, backend, write_lock):
    import subprocess
    import sys

    (home / "settings.toml").write_text("[repository]\nlock_timeout_seconds = 0.3\n")
    with write_lock():
        run = subprocess.run([sys.executable, "-m", "deskcli", "open", "--from", "-", "--format", "email"],
                             input=MULTIPART, capture_output=True, env=dict(os.environ))
    assert run.returncode == 75, run.stderr
    assert b"deliver it again" in run.stderr and b"Traceback" not in run.stderr
    plain = subprocess.run([sys.executable, "-m", "deskcli", "open", "--from", "-", "--format", "email"],
                           input=MULTIPART, capture_output=True, env=dict(os.environ))
    assert plain.returncode == 0 and plain.stdout.strip() == b"2"


def test_garbage_piped_as_mail_is_refused(deskcli, tmp_path):
    result = pipe(deskcli, tmp_path, b"\x00\x01\x02 not a message", "--format", "email")
    assert result.exit_code == 2 and "message 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_json_outcome_names_what_was_done(deskcli, tmp_path, atlas):
    document = json.loads(pipe(deskcli, tmp_path, MULTIPART, "--json").stdout)
    assert document == {"created": [2], "appended": [], "duplicates": [], "rejected": [],
                        "not_calls": []}


def test_a_reply_with_an_attachment_of_the_same_name_keeps_both(deskcli, desk, home, tmp_path, atlas):
    number = int(pipe(deskcli, tmp_path, MULTIPART).stdout)
    again = MULTIPART.replace(b"<first@atlas.example>", b"<second@atlas.example>").replace(
        b"Subject: =?utf-8?q?Imprimante_bloqu=C3=A9e?=", f"Subject: Re: [#{number}] encore".encode())
    assert pipe(deskcli, tmp_path, again).exit_code == 0
    assert tickets.get_ticket(desk, number)["attachments"] == ["rapport.pdf", "rapport-2.pdf"]
    assert sorted(p.name for p in (home / "attachments" / str(number)).iterdir()) == ["rapport-2.pdf", "rapport.pdf"]


def test_a_reply_whose_body_holds_a_nul_is_added_on_both_repositories(deskcli, desk, tmp_path, atlas, backend):
    number = int(pipe(deskcli, tmp_path, MULTIPART).stdout)
    raw = reply(number).replace(b"Toujours en panne", b"Toujours\x00en panne")
    result = pipe(deskcli, tmp_path, raw)
    assert result.exit_code == 0, result.stderr
    added = tickets.get_ticket(desk, number)["history"][-1]
    # PostgreSQL's JSONB cannot hold U+0000: it is U+FFFD on both backends.
    kept = "\ufffd"
    assert added["event"] == "message" and added["text"].startswith(f"Toujours{kept}en panne")
