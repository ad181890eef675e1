"""The desk's mail moves with its repository: what waits in the outbox, the sent log and the
callers' confirmations, to PostgreSQL and back."""

import socket


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_outbox_moves_to_postgresql_and_back(deskcli, home, fresh_database, tmp_path, monkeypatch):
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(
        '[desk]\nrequire_contract = false\n\n[mail]\nfrom_address = "hotline@desk.example"\n\n'
        f'[mail.smtp]\nhost = "127.0.0.1"\nport = {unused_port()}\nsecurity = "none"\n')
    number = ok(deskcli("open", "--no-input", "--caller", "Ines", "--summary", "VPN", "--json")).json()["id"]
    waiting = deskcli("reply", str(number), "-m", "Bonjour", "--to", "ines@atlas.example")
    assert waiting.exit_code == 75
    assert (home / "mail.json").exists()
    before = ok(deskcli("mail", "outbox", "--json")).json()
    assert [(r["kind"], r["state"]) for r in before] == [("reply", "waiting")]

    url = fresh_database()
    ok(deskcli("migrate", "--to", url))
    assert not (home / "mail.json").exists()  # set aside with the other files
    assert ok(deskcli("mail", "outbox", "--json")).json() == before

    back = tmp_path / "back"
    ok(deskcli("--home", str(back), "migrate", "--from", url))
    monkeypatch.setenv("DESKCLI_HOME", str(back))
    assert ok(deskcli("mail", "outbox", "--json")).json() == before
    # Numbers of the outbox go on from where they were.
    assert deskcli("reply", str(number), "-m", "Encore", "--to", "ines@atlas.example").exit_code == 75
    assert [r["id"] for r in ok(deskcli("mail", "outbox", "--json")).json()] == [before[0]["id"],
                                                                                before[0]["id"] + 1]
