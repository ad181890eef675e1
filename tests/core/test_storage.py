"""The repository: atomic writes, all-or-nothing transactions, the archive kept apart."""

import json
import os
import tempfile

import pytest

from deskcli.core.base.errors import CorruptFile, RepositoryError
from deskcli.core.store.archive import Archive
from deskcli.core.store.storage import TinyDBRepository


def repo(home):
    return TinyDBRepository(home, lock_timeout=1)


def add(r, **fields):
    with r.writing() as store:
        ticket = {"status": "open", "opened_at": "2026-01-01T00:00:00Z", "history": [], **fields}
        store.insert_ticket(ticket)
    return ticket


def test_repository_is_created_private_on_first_use(home):
    add(repo(home))
    assert home.is_dir() and (home / "active.json").exists()
    assert oct(home.stat().st_mode & 0o777) == "0o700"
    assert oct((home / "active.json").stat().st_mode & 0o777) == "0o600"


def test_a_failed_command_writes_nothing(home):
    r = repo(home)
    add(r)
    before = (home / "active.json").read_bytes()
    with pytest.raises(ValueError):
        with r.writing() as store:
            store.insert_ticket({"status": "open", "history": []})
            raise ValueError("boom")
    assert (home / "active.json").read_bytes() == before


def test_reading_never_writes(home):
    r = repo(home)
    add(r)
    stamp = (home / "active.json").stat().st_mtime_ns
    with r.reading() as store:
        store.insert_ticket({"status": "open", "history": []})
    assert (home / "active.json").stat().st_mtime_ns == stamp
    with r.reading() as store:
        assert len(store.tickets()) == 1


def test_archived_tickets_leave_the_daily_file_and_keep_their_number(home):
    r = repo(home)
    first = add(r)
    add(r)
    with r.writing() as store:
        store.archive_ticket(dict(first, status="closed"))
    active = json.loads((home / "active.json").read_text())
    assert list(active["tickets"]) == ["2"]
    assert [t["id"] for t in r.archived_tickets()] == [1]
    assert r.find_ticket(1)["status"] == "closed"
    assert add(r)["id"] == 3


def test_an_interrupted_archive_move_is_finished_by_the_next_write(home, monkeypatch):
    r = repo(home)
    first = add(r)
    monkeypatch.setattr(TinyDBRepository, "_finish_archiving", lambda self: None)
    with r.writing() as store:
        store.archive_ticket(dict(first, status="closed"))
    # As after a crash between the mark and the move: the ticket is marked, not moved.
    assert r.archive.count() == 0
    assert [t["id"] for t in r.archived_tickets()] == [1]
    with r.reading() as store:
        assert store.tickets() == []
    monkeypatch.undo()
    add(r)
    assert list(json.loads((home / "active.json").read_text())["tickets"]) == ["2"]
    assert [t["id"] for t in Archive(home, 1).tickets()] == [1]


def test_a_json_archive_of_an_older_deskcli_is_moved_into_the_archive_file(home):
    r = repo(home)
    add(r)
    old = {"tickets": {"7": {"status": "closed", "opened_at": "2025-01-01T00:00:00Z", "history": [],
                              "summary": "Imprimante"}}}
    (home / "archive.json").write_text(json.dumps(old))
    assert r.find_ticket(7) is None or r.find_ticket(7)["summary"] == "Imprimante"
    assert [t["id"] for t in r.archived_tickets()] == [7]
    assert not (home / "archive.json").exists()
    assert r.find_ticket(7)["summary"] == "Imprimante"
    assert oct((home / "archive.sqlite3").stat().st_mode & 0o777) == "0o600"


def test_a_change_of_a_file_and_the_archive_is_finished_after_a_crash(home, monkeypatch):
    r = repo(home)
    first = add(r)
    with r.writing() as store:
        store.archive_ticket(dict(first, status="closed"))
    applied = []
    monkeypatch.setattr(Archive, "apply", lambda self, ops: applied.append(ops) or (_ for _ in ()).throw(OSError("killed")))
    with pytest.raises(OSError):
        with r.writing() as store:
            holder = store.archived()
            holder.update_ticket(dict(holder.get_ticket(1), note="annotated"))
            store.insert_ticket({"status": "open", "opened_at": "2026-01-01T00:00:00Z", "history": []})
    # Killed after the journal and the renames, before the archive took its part.
    assert (home / "change.journal").exists()
    monkeypatch.undo()
    assert r.find_ticket(1)["note"] == "annotated"
    assert not (home / "change.journal").exists()
    with r.reading() as store:
        assert [t["id"] for t in store.tickets()] == [2]


def test_a_corrupt_archive_is_refused_and_left_untouched(home):
    r = repo(home)
    add(r)
    (home / "archive.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(CorruptFile, match="archive.sqlite3"):
        r.archived_tickets()
    assert (home / "archive.sqlite3").read_bytes() == b"not a database at all" * 100


@pytest.mark.parametrize("content", [b"", b"{\"tickets\": {", b"\x00\xff garbage", b"[1, 2]"])
def test_a_corrupt_file_is_refused_and_left_untouched(home, content):
    home.mkdir()
    (home / "active.json").write_bytes(content)
    r = repo(home)
    with pytest.raises(CorruptFile, match="active.json"):
        add(r)
    with pytest.raises(CorruptFile):
        with r.reading():
            pass
    assert (home / "active.json").read_bytes() == content


def test_a_read_only_repository_keeps_its_state(home, monkeypatch):
    r = repo(home)
    add(r)
    before = (home / "active.json").read_bytes()

    # Permissions do not stop root, so the read-only file system is simulated.
    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    from deskcli.core.base import files

    monkeypatch.setattr(files, "_new_private_file", read_only)
    with pytest.raises(RepositoryError, match="Read-only file system; nothing was changed"):
        add(r)
    monkeypatch.undo()
    assert (home / "active.json").read_bytes() == before


def test_a_failing_write_keeps_the_previous_state(home, monkeypatch):
    r = repo(home)
    add(r)
    before = (home / "active.json").read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(RepositoryError, match="No space left"):
        add(r)
    monkeypatch.undo()
    assert (home / "active.json").read_bytes() == before
    assert not list(home.glob(".*.tmp"))


def add_with_article(r, title):
    """One change over two files: a ticket in active.json, an article in kb.json."""
    with r.writing() as store:
        ticket = {"status": "open", "opened_at": "2026-01-01T00:00:00Z", "history": []}
        store.insert_ticket(ticket)
        store.side("kb.json").insert_record("articles", {"title": title, "ticket": ticket["id"]})
    return ticket


def stored(home, name, table):
    return json.loads((home / name).read_text()).get(table, {})


def test_a_change_over_two_files_writes_both(home):
    r = repo(home)
    add_with_article(r, "one")
    assert list(stored(home, "active.json", "tickets")) == ["1"]
    assert [a["title"] for a in stored(home, "kb.json", "articles").values()] == ["one"]
    assert not (home / "change.journal").exists()


def test_a_crash_before_the_journal_leaves_both_files_as_they_were(home, monkeypatch):
    from deskcli.core.store import storage

    r = repo(home)
    add_with_article(r, "one")
    monkeypatch.setattr(storage, "write_atomically", lambda path, text: (_ for _ in ()).throw(
        RepositoryError("disk full")) if path.name == "change.journal" else None)
    with pytest.raises(RepositoryError):
        add_with_article(r, "two")
    monkeypatch.undo()
    assert list(stored(home, "active.json", "tickets")) == ["1"]
    assert len(stored(home, "kb.json", "articles")) == 1
    assert not list(home.glob(".*.tmp"))


@pytest.mark.parametrize("then", ["write", "read"])
def test_a_crash_after_the_journal_is_rolled_forward_by_the_next_command(home, monkeypatch, then):
    from deskcli.core.store import storage

    r = repo(home)
    add_with_article(r, "one")
    calls = []
    # As if the process died once the journal was safe, before any file was renamed.
    monkeypatch.setattr(storage, "recover_together", lambda directory, *rest: calls.append(directory))
    add_with_article(r, "two")
    assert calls and (home / "change.journal").exists()
    assert list(stored(home, "active.json", "tickets")) == ["1"]
    monkeypatch.undo()
    if then == "write":
        add(r)
        assert list(stored(home, "active.json", "tickets")) == ["1", "2", "3"]
    else:
        with r.reading() as store:
            assert [t["id"] for t in store.tickets()] == [1, 2]
            assert len(store.side("kb.json").records("articles")) == 2
    assert len(stored(home, "kb.json", "articles")) == 2
    assert not (home / "change.journal").exists()


def test_archived_documents_are_the_stored_text_in_number_order_with_unfinished_moves(home, monkeypatch):
    r = repo(home)
    first, second, third = (add(r, opened_at=f"2026-01-0{n}T00:00:00Z", summary="Zoé") for n in (1, 2, 3))
    add(r)  # #4 stays active
    with r.writing() as store:
        store.archive_ticket(dict(first, status="closed"))
        store.archive_ticket(dict(third, status="closed"))
    monkeypatch.setattr(TinyDBRepository, "_finish_archiving", lambda self: None)
    with r.writing() as store:
        store.archive_ticket(dict(second, status="closed"))
    found = list(r.archived_documents())
    # Archived ones pass as the text SQLite holds; the one half-way there, as a ticket.
    assert [n for n, _ in found] == [1, 2, 3]
    assert isinstance(found[0][1], str) and json.loads(found[0][1]) == r.find_ticket(1)
    assert '"summary":"Zoé"' in found[0][1]
    assert isinstance(found[1][1], dict) and found[1][1]["status"] == "closed"
    assert [n for n, _ in r.archived_documents("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z")] == [2]
    assert [n for n, _ in r.archived_documents("2026-01-02T00:00:00Z")] == [2, 3]


def test_archived_documents_are_read_in_batches(home):
    r = repo(home)
    r.write_archive([{"id": n, "status": "closed", "opened_at": "2026-01-01T00:00:00Z",
                      "history": []} for n in range(1, 8)])
    batches = []
    real = r.archive._connect()

    class Watched:
        def execute(self, sql, parameters):
            cursor = real.execute(sql, parameters)

            class Counting:
                def fetchmany(self, size):
                    rows = cursor.fetchmany(size)
                    batches.append(len(rows))
                    return rows
            return Counting()

    r.archive._db = Watched()
    assert [n for n, _ in r.archive.documents(batch=3)] == list(range(1, 8))
    assert batches == [3, 3, 1, 0]


def test_a_large_batch_is_written_whole_in_order_with_its_date_index(home, monkeypatch):
    monkeypatch.setattr(Archive, "REINDEX_FROM", 3)
    archive = Archive(home, 1)
    home.mkdir(parents=True, exist_ok=True)
    ticket = {"status": "closed", "opened_at": "2026-01-01T00:00:00Z", "history": []}
    archive.apply([["ticket", dict(ticket, id=n)] for n in range(1, 6)]
                  + [["drop", 2], ["ticket", dict(ticket, id=2, summary="back")],
                     ["abandoned", {"id": 1, "at": "2026-01-01T00:00:00Z"}],
                     ["message", {"id": "<m@x>", "ticket": 3}]])
    assert [t["id"] for t in archive.tickets()] == [1, 2, 3, 4, 5]
    assert archive.ticket(2)["summary"] == "back"  # operations keep their order
    assert archive.message_ticket("<m@x>") == 3 and len(archive.all_abandoned()) == 1
    indexes = archive._query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'digests'")
    assert ("digests_opened",) in indexes
    assert [t["id"] for t in archive.tickets(opened_since="2026-01-01T00:00:00Z")] == [1, 2, 3, 4, 5]
    # A failure inside the batch leaves the archive as it was, index included.
    with pytest.raises(ValueError):
        archive.apply([["ticket", dict(ticket, id=n)] for n in range(6, 12)] + [["bogus", 1]])
    assert archive.count() == 5
    assert ("digests_opened",) in archive._query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'digests'")


def test_a_temporary_is_new_and_private(home, monkeypatch):
    from deskcli.core.base import files

    home.mkdir(parents=True, exist_ok=True)
    fd, name = files._new_private_file(home, "active.json")
    os.close(fd)
    assert os.path.basename(name).startswith(".active.json.") and name.endswith(".tmp")
    assert oct(os.stat(name).st_mode & 0o777) == "0o600"
    # A name already taken (or a link planted there) is never opened: another is drawn.
    draws = iter([bytes(6), bytes(6), b"\x01" * 6])
    monkeypatch.setattr(os, "urandom", lambda n: next(draws))
    os.symlink(home / "elsewhere", home / f".active.json.{bytes(6).hex()}.tmp")
    fd, again = files._new_private_file(home, "active.json")
    os.close(fd)
    assert again.endswith(".010101010101.tmp") and not (home / "elsewhere").exists()


LEAN_WRITE = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from deskcli.core.calls import tickets
from deskcli.core.app.desk import open_desk
desk = open_desk(Path(sys.argv[1]), "alice")
tickets.open_ticket(desk, tickets.CallFacts(caller="Karim", summary="Mail down", billable=True),
                    datetime.now(timezone.utc))
print(sorted(m for m in ("tempfile", "_strptime", "sqlite3", "deskcli.core.app.checks") if m in sys.modules))
"""


def test_a_daily_write_loads_neither_doctor_nor_tempfile_nor_strptime(home):
    import subprocess
    import sys

    home.mkdir(parents=True, exist_ok=True)
    first = subprocess.run([sys.executable, "-c", LEAN_WRITE, str(home)], capture_output=True, text=True,
                           check=True)
    # A snapshot is due while there is none (the file is checked first, as doctor does); then none is
    # due for an hour.
    assert "deskcli.core.app.checks" in first.stdout
    due = subprocess.run([sys.executable, "-c", LEAN_WRITE, str(home)], capture_output=True, text=True,
                         check=True)
    assert "deskcli.core.app.checks" in due.stdout
    again = subprocess.run([sys.executable, "-c", LEAN_WRITE, str(home)], capture_output=True, text=True,
                           check=True)
    assert again.stdout.strip() == "[]"


def test_one_parse_of_the_active_file_per_read_and_per_change(home, monkeypatch):
    from deskcli.core.store import storage

    r = TinyDBRepository(home, lock_timeout=1, backups_kept=0)
    add(r)
    parsed = []
    real = storage.read_json_file
    monkeypatch.setattr(storage, "read_json_file", lambda path: (path.name == "active.json" and parsed.append(path.name)) or real(path))
    storage._PARSED.clear()  # as in a new process
    with r.reading() as store:
        assert len(store.tickets()) == 1
    assert parsed == ["active.json"]
    parsed.clear()
    add(r)
    # Checked, archived and opened from one parse; the file written is compared with what
    # was written, not parsed again, and serves the next reader.
    assert parsed == ["active.json"]
    parsed.clear()
    with r.reading() as store:
        assert [t["id"] for t in store.tickets()] == [1, 2]
        store.insert_ticket({"status": "open", "history": []})  # a reader's change stays its own
    with r.reading() as store:
        assert [t["id"] for t in store.tickets()] == [1, 2]
    assert parsed == ["active.json"]  # the first reader took the shared parse for its own
    # A hand edit in place is seen.
    data = json.loads((home / "active.json").read_text())
    data["tickets"]["1"]["status"] = "pending"
    (home / "active.json").write_text(json.dumps(data) + "  ")
    assert r.find_ticket(1)["status"] == "pending"
    # So is a file replaced by another process after this one wrote it.
    add(r)
    data = json.loads((home / "active.json").read_text())
    data["tickets"]["2"]["status"] = "pending"
    storage._PARSED.clear()
    (home / "active.json").write_text(json.dumps(data))
    assert r.find_ticket(2)["status"] == "pending"


def test_a_snapshot_stamp_reads_as_strptime_reads_it():
    from datetime import datetime, timezone

    from deskcli.core.app.backups import _stamp_time

    assert _stamp_time("20261202T134501") == datetime(2026, 12, 2, 13, 45, 1, tzinfo=timezone.utc)
    for wrong in ("20261302T134501", "20261202-134501", "2026120T1345011", "２０２６1202T134501", ""):
        with pytest.raises(ValueError):
            _stamp_time(wrong)
