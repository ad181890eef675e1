"""`deskcli doctor` and the automatic snapshots: a broken hand edit is named and undone."""

import json

import pytest

from deskcli.core.app import backups


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def edited(deskcli, home):
    """Three calls, snapshots before every change, then a hand edit that breaks ticket #2."""
    home.mkdir(parents=True)
    (home / "settings.toml").write_text("[repository]\nbackup_every_minutes = 0\nbackups_kept = 3\n")
    for name in ("Ali", "Zoé", "Karim"):
        ok(deskcli("open", "--caller", name, "--summary", "Imprimante", "--billable"))
    data = json.loads((home / "active.json").read_text())
    data["tickets"]["2"]["history"][1]["at"] = "yesterday"
    data["tickets"]["2"]["priority"] = 9
    (home / "active.json").write_text(json.dumps(data))
    return home


def test_a_healthy_repository_passes(deskcli):
    ok(deskcli("open", "--caller", "Ali", "--summary", "x", "--billable"))
    result = ok(deskcli("doctor"))
    assert "healthy" in result.stderr
    assert ok(deskcli("doctor", "--json")).json() == {"healthy": True, "problems": []}


def test_the_doctor_names_the_file_the_ticket_and_the_field(deskcli, edited):
    result = deskcli("doctor")
    assert result.exit_code == 3
    assert "active.json, ticket #2: history[1].at: 'yesterday' is not an ISO 8601 time" in result.stdout
    assert "active.json, ticket #2: priority: 9 is not a priority from 1 to 4" in result.stdout
    assert "doctor --restore" in result.stderr
    problems = deskcli("doctor", "--json").json()["problems"]
    assert {(p["file"], p["ticket"], p["field"]) for p in problems} == {
        ("active.json", 2, "history[1].at"), ("active.json", 2, "priority")}


def test_snapshots_rotate_and_a_restore_undoes_the_edit(deskcli, edited):
    assert len(backups.snapshots(edited)) == 2  # before the 2nd and 3rd calls; pruned to 3 at most
    ok(deskcli("open", "--caller", "Ines", "--summary", "y", "--billable"))
    # The broken file was not copied as a snapshot of itself.
    assert len(backups.snapshots(edited)) == 2
    restored = ok(deskcli("doctor", "--restore"))
    assert "Restored snapshot" in restored.stderr and "healthy" in restored.stderr
    assert json.loads((edited / "active.json").read_text())["tickets"]["2"]["history"][1]["at"] != "yesterday"
    aside = [p for p in (edited / "backups").iterdir() if p.name.startswith("broken-")]
    assert len(aside) == 1 and "yesterday" in (aside[0] / "active.json").read_text()
    # The snapshot predates #3 (and #4); their numbers are still never given again.
    assert ok(deskcli("open", "--caller", "Omar", "--summary", "z", "--billable")).stdout.strip() == "5"
    listing = ok(deskcli("doctor", "--list", "--json")).json()
    assert all("active.json" in s["files"] for s in listing)


def test_only_the_newest_snapshots_are_kept(deskcli, home):
    home.mkdir(parents=True)
    (home / "settings.toml").write_text("[repository]\nbackup_every_minutes = 0\nbackups_kept = 2\n")
    for n in range(5):
        ok(deskcli("open", "--caller", f"C{n}", "--summary", "x", "--billable"))
    kept = backups.snapshots(home)
    assert len(kept) == 2 and kept[0].name > kept[1].name
    assert oct((home / "backups").stat().st_mode & 0o777) == "0o700"
    assert oct((kept[0] / "active.json").stat().st_mode & 0o777) == "0o600"


def test_restore_without_a_snapshot_is_refused(deskcli):
    result = deskcli("doctor", "--restore")
    assert result.exit_code == 1 and "no snapshot" in result.stderr
