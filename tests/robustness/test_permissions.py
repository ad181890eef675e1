"""Everything deskcli creates under the repository is its owner's alone (directories 0700,
files 0600) whatever the umask, and so are the missing parents of the repository."""

import os
import stat

import pytest

OPEN = ["open", "--caller", "Karim", "--summary", "Imprimante", "--billable", "--no-input"]
# The model answers `deskcli practice check data/scenarios/disque-dur.toml` prints.
RIGHT = """\
questions = { date = 2 }
greeting = "InfoServices, bonjour ! Salma à l'appareil, que puis-je faire pour vous ?"
asked = ["caller", "organisation", "contact", "equipment", "problem", "contract"]
reformulation = "Le PC ne démarre plus, cliquetis et « No bootable device »"
admissible = true
type = "incident"
impact = "user"
urgency = "blocked"
priority = 3
consulted_kb = true
treatment = "intervene"
closing = [true]
diagnosis = "Remplacement du disque dur et restauration du poste — Lenovo ThinkCentre M70 ; contact : Omar Chraibi, 0661 98 76 54 ; diagnostic : Disque dur défaillant : cliquetis, non détecté par le BIOS, à remplacer"
"""


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def test_everything_under_the_repository_is_private_under_umask_000(deskcli, tmp_path, open_umask,
                                                                    monkeypatch):
    home = tmp_path / "a" / "b" / "repo"  # missing parents too
    monkeypatch.setenv("DESKCLI_HOME", str(home))
    ok(deskcli(*OPEN))
    (home / "settings.toml").write_text("[repository]\nbackup_every_minutes = 0\n")
    os.chmod(home / "settings.toml", 0o600)
    ok(deskcli(*OPEN))
    for args in (["qualify", "1", "--type", "incident", "--impact", "user", "--urgency", "minor"],
                 ["treat", "1", "--solution", "rebooted", "--definitive"], ["close", "1"],
                 ["kb", "import-defaults"]):
        ok(deskcli(*args))
    ok(deskcli("kb", "search", "imprimante"))
    answers = tmp_path / "answers.toml"
    answers.write_text(RIGHT, encoding="utf-8")
    ok(deskcli("practice", "--scenario", "disque-dur", "--student", "Salma", "--answers", str(answers)))
    ok(deskcli("doctor", "--restore"))
    wrong = []
    for directory in (tmp_path / "a", tmp_path / "a" / "b"):
        if stat.S_IMODE(directory.stat().st_mode) != 0o700:
            wrong.append((str(directory), oct(directory.stat().st_mode)))
    for root, dirs, files in os.walk(home):
        for name in dirs:
            mode = stat.S_IMODE(os.lstat(os.path.join(root, name)).st_mode)
            if mode != 0o700:
                wrong.append((os.path.join(root, name), oct(mode)))
        for name in files:
            mode = stat.S_IMODE(os.lstat(os.path.join(root, name)).st_mode)
            if mode != 0o600:
                wrong.append((os.path.join(root, name), oct(mode)))
    if stat.S_IMODE(home.stat().st_mode) != 0o700:
        wrong.append((str(home), oct(home.stat().st_mode)))
    assert wrong == []
    assert (home / "practice" / "sandboxes").is_dir() and (home / "backups").is_dir()
