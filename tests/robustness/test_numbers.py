"""Ticket numbers come from the highest ever given, whatever a repair rolled back, and the
active file and the archive agree after a restore or a late journal: no call shown twice,
none lost, no number given twice."""

import json
import sqlite3

import pytest

from deskcli.core.app import backups


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def snapshots_every_change(home, on: bool) -> None:
    home.mkdir(parents=True, exist_ok=True)
    every = 0 if on else 100000
    (home / "settings.toml").write_text(
        f"[repository]\nbackup_every_minutes = {every}\nbackups_kept = 50\n")


@pytest.fixture
def opened(deskcli):
    def open_one(caller="Karim"):
        return int(ok(deskcli("open", "--caller", caller, "--summary", "Imprimante",
                              "--billable", "--no-input")).stdout)
    return open_one


@pytest.fixture
def closed(deskcli):
    def close(number):
        ok(deskcli("qualify", str(number), "--type", "incident", "--impact", "user",
                   "--urgency", "minor"))
        ok(deskcli("treat", str(number), "--solution", "rebooted", "--definitive"))
        ok(deskcli("close", str(number)))
    return close


def archived(home) -> dict[int, dict]:
    db = sqlite3.connect(home / "archive.sqlite3")
    try:
        return {n: json.loads(doc) for n, doc in db.execute("SELECT id, doc FROM tickets")}
    finally:
        db.close()


def active_numbers(home) -> set[int]:
    return {int(k) for k in json.loads((home / "active.json").read_text())["tickets"]}


def test_a_ticket_closed_after_the_snapshot_stays_closed_after_a_restore(deskcli, home, opened, closed):
    snapshots_every_change(home, True)
    opened(), opened()
    ok(deskcli("list"))  # a reader: no snapshot
    snapshots_every_change(home, False)
    closed(1)  # the newest snapshot holds #1 still active
    ok(deskcli("doctor", "--restore"))
    assert 1 not in active_numbers(home) and 1 in archived(home)
    listing = ok(deskcli("list", "--all", "--json")).json()
    assert sorted(t["id"] for t in listing) == [1, 2]
    assert ok(deskcli("show", "1", "--json")).json()["status"] == "closed"
    assert ok(deskcli("doctor", "--json")).json() == {"healthy": True, "problems": []}


def test_a_restore_over_a_broken_file_never_gives_a_closed_ticket_number_again(deskcli, home, opened, closed):
    snapshots_every_change(home, True)
    opened(), opened()
    snapshots_every_change(home, False)
    assert opened() == 3
    closed(3)
    (home / "active.json").write_bytes(b'{"tickets": {"2": {"sta')  # broken by hand
    ok(deskcli("doctor", "--restore"))
    assert opened() == 4
    closed(4)
    kept = archived(home)
    assert sorted(kept) == [3, 4] and kept[3]["caller"]["name"] == "Karim"


def test_a_counter_rolled_back_by_hand_never_gives_an_archived_number(deskcli, home, opened, closed):
    opened(), opened()
    closed(2)
    data = json.loads((home / "active.json").read_text())
    data["meta"]["1"]["next_ticket"] = 1  # a hand edit (or an older copy put back)
    (home / "active.json").write_text(json.dumps(data))
    assert opened() == 3


def test_a_reopened_ticket_number_is_not_given_again_after_a_restore(deskcli, home, opened, closed):
    snapshots_every_change(home, True)
    opened()
    snapshots_every_change(home, False)
    assert opened() == 2
    closed(2)
    ok(deskcli("reopen", "2", "--reason", "fails again"))  # gone from the archive, active again
    (home / "active.json").write_bytes(b"\x00garbage")
    ok(deskcli("doctor", "--restore"))
    assert opened() == 3


def test_tickets_opened_after_the_snapshot_are_kept_by_a_restore(deskcli, home, opened):
    snapshots_every_change(home, True)
    opened()
    snapshots_every_change(home, False)
    opened(), opened()
    restored = ok(deskcli("doctor", "--restore"))
    assert "#2, #3" in restored.stderr
    assert active_numbers(home) == {1, 2, 3}
    assert opened() == 4


def test_a_journal_replayed_late_leaves_a_closed_ticket_in_the_archive_only(deskcli, home, opened, closed):
    opened(), opened()
    old_active = (home / "active.json").read_text()
    closed(1)
    # A change journalled before #1 was closed, replayed now (as after a restore of the
    # archive's side, or a copy of the directory taken mid-change).
    tmp = home / ".active.json.stale.tmp"
    tmp.write_text(old_active)
    (home / "change.journal").write_text(json.dumps({"moves": [[str(tmp), str(home / "active.json")]],
                                                     "archive": []}))
    listing = ok(deskcli("list", "--all", "--json")).json()
    assert sorted(t["id"] for t in listing) == [1, 2]
    assert active_numbers(home) == {2} and 1 in archived(home)


def test_the_doctor_names_a_ticket_in_both_places_and_one_in_neither(deskcli, home, opened, closed):
    snapshots_every_change(home, True)
    opened(), opened(), opened(), opened()  # the last snapshot holds #1 to #3
    snapshots_every_change(home, False)
    closed(1)
    data = json.loads((home / "active.json").read_text())
    data["tickets"]["1"] = archived(home)[1]  # both
    del data["tickets"]["3"]  # neither (a snapshot still holds it)
    (home / "active.json").write_text(json.dumps(data))
    result = deskcli("doctor", "--json")
    assert result.exit_code == 3
    problems = {p["ticket"]: p["reason"] for p in result.json()["problems"]}
    assert set(problems) == {1, 3}
    assert "also closed in archive.sqlite3" in problems[1]
    assert "in neither active.json nor archive.sqlite3" in problems[3] and "backups/" in problems[3]


def test_snapshots_are_ordered_by_when_they_were_taken_not_by_their_clock(home, deskcli, opened):
    from freezegun import freeze_time

    snapshots_every_change(home, True)
    opened()
    with freeze_time("2036-01-01 12:00:00"):
        opened()  # the clock ten years ahead for one write: a 2036 snapshot
    opened(), opened()
    taken = backups.snapshots(home)
    assert len(taken) == 3  # a snapshot from the future does not stop the next ones
    newest = json.loads((taken[0] / "active.json").read_text())
    assert sorted(int(k) for k in newest["tickets"]) == [1, 2, 3]
