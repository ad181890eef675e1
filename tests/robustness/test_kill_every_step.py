"""Repairs, migrations and the journal's replay killed at every write step: the next
commands see every ticket, once, in its last acknowledged state, and never give a number
twice. The number of kill points tried is printed (pytest -s) for each command."""

import json
import shutil
from pathlib import Path

import pytest

from killpoints import kill_at_every_step, run_deskcli, start_deskcli


def ok(result):
    assert result.returncode == 0, result.stderr
    return result


def desk_state(home: Path) -> dict[int, str]:
    listing = ok(run_deskcli(home, ["list", "--all", "--json"]))
    tickets = json.loads(listing.stdout)
    numbers = [t["id"] for t in tickets]
    assert len(numbers) == len(set(numbers)), f"a ticket shown twice: {numbers}"
    return {t["id"]: t["status"] for t in tickets}


def healthy(home: Path) -> None:
    result = run_deskcli(home, ["doctor", "--json"])
    assert result.returncode == 0, result.stdout + result.stderr


def build(home: Path, *commands: list[str]) -> None:
    for args in commands:
        ok(run_deskcli(home, args))


OPEN = ["open", "--caller", "Karim", "--summary", "Imprimante", "--billable", "--no-input"]


def close(number: int) -> list[list[str]]:
    n = str(number)
    return [["qualify", n, "--type", "incident", "--impact", "user", "--urgency", "minor"],
            ["treat", n, "--solution", "rebooted", "--definitive"], ["close", n]]


@pytest.fixture
def solo(tmp_path) -> Path:
    """A desk with an active ticket, a closed one, and the knowledge base."""
    start = tmp_path / "start"
    build(start, ["kb", "import-defaults"], OPEN, OPEN, *close(1))
    return start


def report(command: str, points: int) -> None:
    print(f"\n{command}: {points} kill points, every one recovered")
    assert points >= 3, f"{command} was never killed at a write step: the test proved nothing"


def test_doctor_restore_killed_at_every_step(tmp_path):
    start = tmp_path / "start"
    start.mkdir()
    (start / "settings.toml").write_text("[repository]\nbackup_every_minutes = 0\nbackups_kept = 9\n")
    build(start, ["kb", "import-defaults"], OPEN, OPEN)
    (start / "settings.toml").write_text("[repository]\nbackup_every_minutes = 100000\n")
    build(start, *close(1), OPEN)  # after the newest snapshot: #1 closed, #3 opened
    expected = {1: "closed", 2: "open", 3: "open"}

    def check(work, step, what):
        assert desk_state(work) == expected, (step, what)
        ok(run_deskcli(work, ["doctor", "--restore"]))  # the repair can be made again
        assert desk_state(work) == expected, (step, what)
        healthy(work)
        assert ok(run_deskcli(work, OPEN)).stdout.strip() == "4", (step, what)

    points = kill_at_every_step(start, tmp_path / "work", ["doctor", "--restore"], check)
    check(tmp_path / "work", points + 1, "not killed")
    report("doctor --restore", points)


def test_the_journal_replay_killed_at_every_step(tmp_path):
    start = tmp_path / "start"
    build(start, OPEN, OPEN, *close(1))
    # A change of two files and the archive, killed once its journal is written: the
    # state every later command replays first.
    pending = tmp_path / "pending"
    found = []

    def keep_the_first_journal(work, step, what):
        if not found and (work / "change.journal").exists():
            found.append(step)
            shutil.copytree(work, pending, symlinks=True)

    change = ["open", "--abandoned", "--contact", "0611223344", "--waited", "3m"]
    kill_at_every_step(start, tmp_path / "cut", change, keep_the_first_journal)
    assert found, "no kill point left a journalled change behind"
    expected = {1: "closed", 2: "open"}

    def check(work, step, what):
        assert desk_state(work) == expected, (step, what)
        assert not (work / "change.journal").exists()
        healthy(work)
        report_ = json.loads(ok(run_deskcli(work, ["report", "--since", "30d", "--json"])).stdout)
        assert report_["abandoned"] == 1, (step, what)  # the journalled change was finished
        assert ok(run_deskcli(work, OPEN)).stdout.strip() == "3"

    points = kill_at_every_step(pending, tmp_path / "work", ["list", "--all"], check)
    check(tmp_path / "work", points + 1, "not killed")
    report("the journal's replay (list --all after a cut change)", points)


def test_migrate_to_killed_at_every_step(solo, tmp_path, fresh_database):
    urls: dict[int, str] = {}

    def args(step):
        urls[step] = fresh_database()
        return ["migrate", "--to", urls[step]]

    def check(work, step, what):
        url = urls[step]
        assert desk_state(work) == {1: "closed", 2: "open"}, (step, what)  # never an empty desk
        on_database = "database_url" in (work / "settings.toml").read_text() \
            if (work / "settings.toml").exists() else False
        assert on_database != (work / "active.json").exists(), (step, what)
        if not on_database:
            # Undone: the database was left empty, so the move can be made again.
            ok(run_deskcli(work, ["migrate", "--to", url]))
        assert desk_state(work) == {1: "closed", 2: "open"}
        assert ok(run_deskcli(work, OPEN)).stdout.strip() == "3", (step, what)
        healthy(work)

    points = kill_at_every_step(solo, tmp_path / "work", args, check)
    report("migrate --to", points)


def test_migrate_from_killed_at_every_step(solo, tmp_path, fresh_database):
    url = fresh_database()
    source = tmp_path / "source"
    shutil.copytree(solo, source)
    ok(run_deskcli(source, ["migrate", "--to", url]))

    def check(work, step, what):
        state = desk_state(work)
        if state == {}:
            # Undone: the directory is as empty as it was, and the copy can be made again.
            ok(run_deskcli(work, ["migrate", "--from", url]))
        assert desk_state(work) == {1: "closed", 2: "open"}, (step, what)
        assert desk_state(source) == {1: "closed", 2: "open"}  # the database only read
        healthy(work)
        assert ok(run_deskcli(work, OPEN)).stdout.strip() == "3", (step, what)
        settings = work / "settings.toml"
        assert not settings.exists() or "database_url" not in settings.read_text()

    points = kill_at_every_step(tmp_path / "none", tmp_path / "work", ["migrate", "--from", url], check)
    report("migrate --from", points)


def test_a_command_during_a_migration_is_never_lost(solo, tmp_path, fresh_database):
    """`open` run while `migrate --to` sets the files aside: it waits for the migration's
    lock and is refused (exit 3, nothing done), never acknowledged into an orphaned file."""
    import time

    url = fresh_database()
    migration = start_deskcli(solo, ["migrate", "--to", url], {"KILLPOINTS_PAUSE_MOVING": "active.json"})
    paused = solo.parent / f"{solo.name}.steps.paused"
    deadline = time.monotonic() + 60
    while not paused.exists():
        assert migration.poll() is None and time.monotonic() < deadline, migration.communicate()
        time.sleep(0.02)
    during = run_deskcli(solo, OPEN)
    assert migration.wait(timeout=60) == 0, migration.communicate()
    final = desk_state(solo)
    if during.returncode == 0:
        assert int(during.stdout) in final  # acknowledged: found where the desk now reads
    else:
        assert during.returncode == 3 and "moved to" in during.stderr, during.stderr
        assert "Traceback" not in during.stderr
    assert final == {1: "closed", 2: "open"} or during.returncode == 0
    assert not (solo / "active.json").exists()
