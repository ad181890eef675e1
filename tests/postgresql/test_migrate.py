"""`deskcli migrate`: a repository moved to PostgreSQL and back loses nothing."""

import json

import pytest

MESSAGE = (b"From: Karim <karim@atlas.example>\nTo: hotline@example.com\nSubject: Scanner en panne\n"
           b"Message-ID: <m1@atlas.example>\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\n"
           b"Le scanner ne repond plus.\n--XX\nContent-Type: application/pdf\n"
           b"Content-Disposition: attachment; filename=\"rapport.pdf\"\n"
           b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--XX--\n")


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def solo_desk(deskcli, home, tmp_path):
    """An embedded repository with a bit of everything a desk records."""
    ok(deskcli("kb", "import-defaults"))
    ok(deskcli("contract", "add", "--org", "Atlas SARL", "--org-kind", "company", "--number", "C-1",
               "--coverage", "contract", "--from", "2020-01-01", "--until", "2099-12-31",
               "--signer", "Nadia Alami:Director"))
    for summary in ("Imprimante hors ligne", "VPN ne se connecte pas", "Écran noir au démarrage"):
        ok(deskcli("open", "--caller", "Karim", "--org", "Atlas SARL", "--summary", summary,
                   "--device", "Dell 7010"))
    ok(deskcli("qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "blocked"))
    ok(deskcli("treat", "1", "--diagnosis", "toner", "--solution", "toner replaced", "--definitive"))
    ok(deskcli("close", "1"))
    ok(deskcli("qualify", "2", "--type", "incident", "--impact", "department", "--urgency", "degraded"))
    ok(deskcli("treat", "2", "--defer", "--to", "bob"))
    ok(deskcli("problem", "open", "--from-ticket", "2"))
    ok(deskcli("problem", "known-error", "PRB-1", "--cause", "firmware 7.2", "--workaround", "profil 7.0"))
    ok(deskcli("treat", "3", "--diagnosis", "alimentation morte"))
    ok(deskcli("intervene", "3", "--nature", "remplacer l'alimentation"))
    ok(deskcli("open", "--abandoned", "--contact", "0611223344", "--waited", "3m"))
    mail = tmp_path / "m.eml"
    mail.write_bytes(MESSAGE)
    ok(deskcli("open", "--from", str(mail), "--format", "email"))
    (home / "settings.toml").write_text('[desk]\ncompany = "Atlas Support"\n\n[groups]\nnetwork = 2\nvendor = 3\n')
    return home


def state(deskcli):
    """What the desk holds, as its commands show it."""
    return {
        "tickets": [json.loads(line) for line in ok(deskcli("export", "--all")).stdout.splitlines()],
        "articles": ok(deskcli("kb", "list", "--removed", "--json")).json()
        + ok(deskcli("kb", "list", "--json")).json(),
        "problems": ok(deskcli("problem", "list", "--json")).json(),
        "contracts": ok(deskcli("contract", "list", "--json")).json(),
        "report": {k: v for k, v in ok(deskcli("report", "--since", "30d", "--json")).json().items()
                   if k in ("calls", "abandoned", "abandoned_calls", "interventions", "open_problems")},
        "search": [h["id"] for h in ok(deskcli("kb", "search", "imprimante", "--json")).json()],
    }


def test_a_repository_moves_to_postgresql_and_back_whole(deskcli, solo_desk, fresh_database, tmp_path,
                                                         monkeypatch):
    url = fresh_database()
    before = state(deskcli)
    moved = ok(deskcli("migrate", "--to", url, "--json"))
    outcome = moved.json()
    assert outcome["active_tickets"] == 3 and outcome["closed_tickets"] == 1
    assert outcome["abandoned_calls"] == 1 and outcome["next_ticket"] == 5
    # The password is never printed, and the desk now reads the database.
    assert "s3cret" not in moved.stdout + moved.stderr and "***" in moved.stderr
    assert "database_url" in (solo_desk / "settings.toml").read_text()
    assert not (solo_desk / "active.json").exists()
    assert state(deskcli) == before
    ticket = ok(deskcli("show", "4", "--json")).json()
    assert ticket["attachments"] == ["rapport.pdf"]
    assert (solo_desk / "attachments" / "4" / "rapport.pdf").read_bytes().startswith(b"%PDF")
    # The same e-mail piped again is recognised in the database too.
    mail = tmp_path / "m.eml"
    assert "already" in ok(deskcli("open", "--from", str(mail), "--format", "email")).stderr.lower()
    # Numbers go on from where they were, also for records.
    assert ok(deskcli("open", "--caller", "Zoe", "--summary", "Souris", "--billable")).stdout.strip() == "5"
    assert ok(deskcli("intervene", "3", "--nature", "second visit", "--json")).json()[
        "interventions"][-1]["number"] == 2
    on_database = state(deskcli)

    back = tmp_path / "back"
    ok(deskcli("--home", str(back), "migrate", "--from", url))
    monkeypatch.setenv("DESKCLI_HOME", str(back))
    assert "database_url" not in (back / "settings.toml").read_text()
    assert (back / "active.json").exists()
    assert state(deskcli) == on_database
    assert ok(deskcli("open", "--caller", "Ali", "--summary", "Clavier", "--billable")).stdout.strip() == "6"
    # The shared settings came back with the repository.
    assert "Atlas Support" in (back / "settings.toml").read_text()


def test_the_database_shares_the_settings_and_this_machine_overrides_them(deskcli, solo_desk,
                                                                        fresh_database):
    from deskcli.core.app.desk import open_desk

    url = fresh_database()
    ok(deskcli("migrate", "--to", url))
    # Another machine: only the URL in its settings, the desk's settings from the database.
    other = solo_desk.parent / "machine-2"
    other.mkdir()
    (other / "settings.toml").write_text(f'[repository]\ndatabase_url = "{url}"\n')
    desk = open_desk(other, "bob")
    assert desk.settings["desk"]["company"] == "Atlas Support"
    assert set(desk.settings["groups"]) - {"_open"} == {"network", "vendor"}
    desk.repo.close()
    (other / "settings.toml").write_text(f'[desk]\ncompany = "Night shift"\n[repository]\ndatabase_url = "{url}"\n')
    desk = open_desk(other, "bob")
    assert desk.settings["desk"]["company"] == "Night shift"
    desk.repo.close()


def test_a_database_that_holds_a_repository_is_not_merged_into(deskcli, solo_desk, fresh_database, tmp_path):
    url = fresh_database()
    ok(deskcli("migrate", "--to", url))
    other = tmp_path / "other"
    ok(deskcli("--home", str(other), "open", "--caller", "K", "--summary", "S", "--billable"))
    # The first desk now uses the database; a second solo desk cannot be poured into it.
    refused = deskcli("--home", str(other), "migrate", "--to", url)
    assert refused.exit_code == 1 and "empty database" in refused.stderr
    assert (other / "active.json").exists()


def test_a_database_is_copied_only_into_an_empty_directory(deskcli, solo_desk, fresh_database):
    url = fresh_database()
    other = solo_desk.parent / "other"
    ok(deskcli("--home", str(other), "open", "--caller", "K", "--summary", "S", "--billable"))
    refused = deskcli("--home", str(other), "migrate", "--from", url)
    assert refused.exit_code == 1 and "empty directory" in refused.stderr


@pytest.mark.parametrize("args, words", [
    ((), "exactly one"),
    (("--to", "https://example.com/x"), "not a PostgreSQL URL"),
    (("--to", "postgresql://a@b/c", "--schema"), "exactly one"),
    (("--schema",), "no schema to upgrade"),
])
def test_bad_usage_is_refused(deskcli, args, words):
    result = deskcli("migrate", *args)
    assert result.exit_code == 2 and words in result.stderr


def test_a_desk_already_on_a_database_has_nothing_to_move(deskcli, home, fresh_database, monkeypatch):
    first, second = fresh_database(), fresh_database()
    monkeypatch.setenv("DESKCLI_DATABASE_URL", first)
    ok(deskcli("open", "--caller", "K", "--summary", "S", "--billable"))
    refused = deskcli("migrate", "--to", second)
    assert refused.exit_code == 1 and "already uses" in refused.stderr and "s3cret" not in refused.stderr


def test_a_url_that_is_not_postgresql_is_bad_usage(deskcli, monkeypatch):
    monkeypatch.setenv("DESKCLI_DATABASE_URL", "mysql://desk:pw@server/hotline")
    result = deskcli("list")
    assert result.exit_code == 2 and "not a PostgreSQL URL" in result.stderr and "pw@" not in result.stderr


def test_a_copy_that_would_differ_is_never_committed(deskcli, home, tmp_path, fresh_database):
    """A NUL in a ticket's history (read back from an export) cannot be held by JSONB: the
    copy read back differs, so nothing of it stays in the database and the desk keeps its
    files."""
    import json

    mail = tmp_path / "m.eml"
    mail.write_bytes(MESSAGE)
    ok(deskcli("open", "--from", str(mail), "--format", "email"))
    exported = tmp_path / "desk.jsonl"
    ok(deskcli("export", "-o", str(exported)))
    ticket = json.loads(exported.read_text().splitlines()[0])
    ticket["id"] = 2
    ticket["history"] = [entry for entry in ticket["history"] if "message_id" not in entry]
    ticket["history"].append({"at": ticket["opened_at"], "by": "alice", "event": "note",
                              "text": "en\x00core"})
    exported.write_text(json.dumps(ticket) + "\n")
    ok(deskcli("open", "--from", str(exported)))
    url = fresh_database()
    refused = deskcli("migrate", "--to", url)
    assert refused.exit_code == 3 and "differs from the original (tickets)" in refused.stderr
    assert (home / "active.json").exists()
    settings = home / "settings.toml"
    assert not settings.exists() or "database_url" not in settings.read_text()
    import psycopg

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM deskcli.tickets").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM deskcli.records").fetchone()[0] == 0
