"""A symbolic link planted in the repository is never followed: the command is refused with
exit 3 naming the link, and nothing is written where it points."""

import json
import os

import pytest

MAIL = (b"From: Karim <karim@atlas.example>\nTo: hotline@example.com\nSubject: Scanner en panne\n"
        b"Message-ID: <m1@atlas.example>\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\n"
        b"Le scanner ne repond plus.\n--XX\nContent-Type: application/pdf\n"
        b"Content-Disposition: attachment; filename=\"rapport.pdf\"\n"
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--XX--\n")
OPEN = ("open", "--caller", "Karim", "--summary", "Imprimante", "--billable", "--no-input")


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def refused(result, link):
    assert result.exit_code == 3, result.stderr
    assert str(link) in result.stderr and "symbolic link" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def elsewhere(tmp_path):
    place = tmp_path / "elsewhere"
    place.mkdir()
    return place


@pytest.mark.parametrize("planted", ["attachments", "attachments/1"])
def test_an_attachment_folder_that_is_a_link_is_refused(deskcli, home, tmp_path, elsewhere, planted):
    home.mkdir()
    link = home / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere, target_is_directory=True)
    mail = tmp_path / "m.eml"
    mail.write_bytes(MAIL)
    result = deskcli("open", "--from", str(mail), "--format", "email")
    # 75: the mail intake's "try again later", so that the mail system keeps the message.
    assert result.exit_code in (3, 75)
    refused(type(result)(3, result.stdout, result.stderr), link)
    assert list(elsewhere.iterdir()) == []
    assert ok(deskcli("list", "--all", "--json")).json() == []


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_kept(deskcli, home, elsewhere):
    home.mkdir()
    precious = elsewhere / "notes.txt"
    precious.write_text("my notes\n")
    (home / "repository.lock").symlink_to(precious)
    refused(deskcli(*OPEN), home / "repository.lock")
    assert precious.read_text() == "my notes\n"


@pytest.mark.parametrize("name, command", [("active.json", OPEN), ("kb.json", ("kb", "list"))])
def test_a_daily_file_that_is_a_link_is_refused(deskcli, home, elsewhere, name, command):
    ok(deskcli(*OPEN))
    ok(deskcli("kb", "import-defaults"))
    real = elsewhere / name
    os.replace(home / name, real)
    (home / name).symlink_to(real)
    before = real.read_bytes()
    refused(deskcli(*command), home / name)
    assert real.read_bytes() == before


def test_an_archive_that_is_a_link_is_refused(deskcli, home, elsewhere):
    ok(deskcli(*OPEN))
    home.joinpath("archive.sqlite3").symlink_to(elsewhere / "archive.sqlite3")
    refused(deskcli("list", "--closed"), home / "archive.sqlite3")
    assert list(elsewhere.iterdir()) == []


def test_a_backups_folder_that_is_a_link_is_refused(deskcli, home, elsewhere):
    home.mkdir()
    (home / "settings.toml").write_text("[repository]\nbackup_every_minutes = 0\n")
    ok(deskcli(*OPEN))
    (home / "backups").symlink_to(elsewhere, target_is_directory=True)
    refused(deskcli(*OPEN), home / "backups")
    assert list(elsewhere.iterdir()) == []
    assert [t["id"] for t in ok(deskcli("list", "--json")).json()] == [1]
    assert json.loads((home / "active.json").read_text())["tickets"].keys() == {"1"}
