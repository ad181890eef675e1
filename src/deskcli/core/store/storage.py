"""The embedded repository: TinyDB documents behind an atomic, locked storage.

This is the only module that imports TinyDB. Every write takes the repository lock
before it reads, so two commands never both start from the same old state, and
every file is replaced atomically, so a process killed at any instant leaves files
that parse and hold every change whose command had reported success.
"""

from __future__ import annotations

import errno
import json
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from deskcli.core.store.archive import Archive, encoded
from deskcli.core.base.errors import ChangeKept, CorruptFile, InvalidInput, LockTimeout, RepositoryError
from deskcli.core.base.files import _fsync_directory, _unlink_quietly, _write_temporary, write_atomically
from deskcli.core.store.repository import (KB_KINDS, KB_SIDE, MAIL_KINDS, MAIL_SIDE, MIGRATION_FILE, RecordsInMemory,
                                     _check_not_exhausted, check_number_range, make_home)
from deskcli.i18n import term, say

ACTIVE_FILE = "active.json"
# Closed tickets lived here before the archive moved to SQLite; read once, then removed.
LEGACY_ARCHIVE_FILE = "archive.json"
LOCK_FILE = "repository.lock"
KB_FILE = KB_SIDE
JOURNAL_FILE = "change.journal"

TICKETS = "tickets"
META = "meta"
META_ID = 1


def write_together(directory: Path, files: dict[Path, str], archive: Archive | None = None,
                   operations: list[list] = ()) -> None:
    """Replace several files, and apply archive operations, as one change: all of it, or
    (after a crash) all of it once recovered.

    Each new file is written and synced beside its target first; a journal naming them,
    with the archive operations, is then written atomically, and only then are the files
    renamed into place and the operations applied. A crash before the journal leaves the
    old state; after it, `recover_together` finishes the renames and applies the
    operations again (each is idempotent).
    """
    if len(files) + bool(operations) <= 1:
        for path, text in files.items():
            write_atomically(path, text)
        if operations:
            archive.apply(list(operations))
        return
    temporaries: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            temporaries.append((_write_temporary(path, text), path))
        journal = directory / JOURNAL_FILE
        journalled = {"moves": [[tmp, str(path)] for tmp, path in temporaries],
                      "archive": encoded(operations)}
        write_atomically(journal, _journal_text(journalled))
    except (RepositoryError, InvalidInput):
        for tmp, _ in temporaries:
            _unlink_quietly(tmp)
        raise
    try:
        recover_together(directory, archive, journalled)
    except RepositoryError as exc:
        # The journal holds the whole change: it is made, only not yet in place.
        raise ChangeKept(_kept_message(directory, exc)) from None


def _journal_text(journalled: dict) -> str:
    """The journal of a change as JSON, each ticket's text written as `encoded` made it
    (the archive stores the same text: a batch of tickets is encoded once)."""
    operations = ", ".join(f'["ticket", {operation[2]}]' if operation[0] == "ticket"
                           else json.dumps(operation, ensure_ascii=False)
                           for operation in journalled["archive"])
    return (f'{{"moves": {json.dumps(journalled["moves"], ensure_ascii=False)}, '
            f'"archive": [{operations}]}}')


def _kept_message(directory: Path, exc: Exception) -> str:
    return say("the change is recorded, but could not be finished in place ({problem}); the next "
               "command that can write in {path} finishes it", problem=exc.args[0] if exc.args else exc,
               path=str(directory))


def recover_together(directory: Path, archive: Archive | None = None,
                     journalled: dict | None = None) -> None:
    """Finish a multi-file change whose journal was written; harmless when there is none.

    `journalled` is the change just journalled, as its writer still holds it: a batch of
    20,000 tickets is not read back from the journal to be applied."""
    journal = directory / JOURNAL_FILE
    try:
        change = journalled if journalled is not None else json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        change = {}  # a journal is written atomically; one that does not parse never completed
    if isinstance(change, list):  # the journal of a deskcli from before the archive operations
        change = {"moves": change}
    moves, operations = change.get("moves", []), change.get("archive", [])
    for tmp, target in moves:
        if os.path.exists(tmp):
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise RepositoryError(say(
                    "cannot finish the last change in {path}: {reason}; it is finished by the "
                    "next command that can write there", path=str(directory),
                    reason=exc.strerror)) from None
    _fsync_directory(directory)
    archive = archive or Archive(directory, 10.0)
    if operations:
        archive.apply(operations)
    # A journal replayed late (after a repair of either side) must not leave a closed
    # ticket active again.
    try:
        reconcile(directory, archive)
    except CorruptFile:
        pass  # refused, and named, by the command that reads it next
    _unlink_quietly(journal)


_NEXT_TICKET = re.compile(rb'"next_ticket"\s*:\s*(\d{1,12})')
_TICKET_ID = re.compile(rb'"id"\s*:\s*(\d{1,12})')


def _highest_in(raw: bytes) -> int:
    """The highest ticket number a copy of active.json shows: its tickets and its counter,
    read from the text itself when the file does not parse (a number seen is never given)."""
    try:
        data = json.loads(raw)
        tickets = data.get(TICKETS) or {}
        meta = (data.get(META) or {}).get(str(META_ID)) or {}
        return max([0, int(meta.get("next_ticket", 1)) - 1, *(int(k) for k in tickets)])
    except (ValueError, TypeError, AttributeError):
        return max([0, *(int(m) - 1 for m in _NEXT_TICKET.findall(raw)),
                    *(int(m) for m in _TICKET_ID.findall(raw))])


def highest_ticket_given(home: Path, archive: Archive) -> int:
    """The highest ticket number ever given in this repository, whatever a repair rolled
    back: across the active file, the archive, every snapshot and every copy set aside,
    and the files of a change still journalled."""
    home = Path(home)
    copies = [home / ACTIVE_FILE, *home.glob(f".{ACTIVE_FILE}.*.tmp"),
              *(home / "backups").glob(f"*/{ACTIVE_FILE}")]
    top = archive.highest()
    for path in copies:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        top = max(top, _highest_in(raw))
    return top


def reconcile(home: Path, archive: Archive) -> list[int]:
    """The archive wins for a closed ticket: one the active file also holds, outside a move
    in progress, leaves the active file. Returns the numbers taken out."""
    path = Path(home) / ACTIVE_FILE
    data = read_json_file(path)
    if not data or not archive.exists():
        return []
    meta = (data.get(META) or {}).get(str(META_ID)) or {}
    moving = {*(meta.get("archiving") or []), *(meta.get("unarchiving") or [])}
    docs = data.get(TICKETS) or {}
    candidates = [int(k) for k in docs if k.isdigit() and int(k) not in moving]
    closed = sorted(t["id"] for t in archive.tickets(ids=candidates))
    if not closed:
        return []
    for number in closed:
        del docs[str(number)]
    write_atomically(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    return closed


def read_json_file(path: Path) -> dict | None:
    """The parsed content of a repository file, None when absent; refuses what does not parse."""
    from deskcli.core.base.paths import open_no_follow

    try:
        with os.fdopen(open_no_follow(path, os.O_RDONLY), "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RepositoryError(say("cannot read {path}: {reason}", path=str(path),
                                  reason=exc.strerror)) from None
    if not raw.strip():
        raise CorruptFile(_corrupt_message(path, term("the file is empty")))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise CorruptFile(_corrupt_message(
            path, say("it is not valid JSON ({reason})", reason=str(exc)))) from None
    except RecursionError:
        raise CorruptFile(_corrupt_message(path, term("it is nested too deep to be a deskcli "
                                                      "repository file"))) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CorruptFile(_corrupt_message(path, term("it is not a deskcli repository file")))
    return data


# The last parse of each repository file in this process, with the identity of the file
# it came from: a command checks, archives and opens the same file in one change, and
# 200 active tickets take milliseconds to parse each time.
_PARSED: dict[str, tuple[tuple, dict | None]] = {}
# What this process last wrote into each file (TinyDB's data, no longer changed once
# written): the read after a commit compares the file's bytes instead of parsing them.
_WRITTEN: dict[str, tuple[str, dict]] = {}


def _identity(path: Path) -> tuple | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    # Files are replaced whole (a new inode); a hand edit in place changes size or mtime.
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _peek_json_file(path: Path) -> dict | None:
    """read_json_file for a caller that only looks: a file unchanged since its last parse in
    this process, or holding exactly what this process last wrote there, is not parsed
    again. The result is shared: never change it."""
    before = _identity(path)
    known = _PARSED.get(str(path))
    if before is not None and known is not None and known[0] == before:
        return known[1]
    written = _WRITTEN.pop(str(path), None)
    if before is not None and written is not None and _holds(path, written[0]):
        _PARSED[str(path)] = (before, written[1])
        return written[1]
    data = read_json_file(path)
    if before is not None and _identity(path) == before:
        _PARSED[str(path)] = (before, data)
    return data


def _holds(path: Path, text: str) -> bool:
    """Whether the regular file at `path` holds exactly `text` (a read, no parse)."""
    import stat

    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False  # a link or anything else: read_json_file decides
        with open(path, "rb") as handle:
            return handle.read() == text.encode("utf-8")
    except OSError:
        return False


def _take_json_file(path: Path) -> dict | None:
    """The parsed file for a caller that changes what it gets (TinyDB): the last parse if the
    file is unchanged, handed over and forgotten here, else a parse of its own."""
    known = _PARSED.pop(str(path), None)
    if known is not None and known[0] == _identity(path):
        return known[1]
    return read_json_file(path)


def _corrupt_message(path: Path, why) -> str:
    return say("the repository file {path} cannot be used: {reason}. It was left untouched. "
               "Repair it by hand or restore it from a copy, then run the command again.",
               path=str(path), reason=why)


class AtomicJSONStorage(Storage):
    """A TinyDB storage that never rewrites a file in place."""

    def __init__(self, path: Path, staged: dict[Path, str] | None = None) -> None:
        self.path = Path(path)
        # Inside a write, files are only staged here; the repository commits them together.
        self.staged = staged

    def read(self) -> dict | None:
        return _take_json_file(self.path)

    def write(self, data: dict) -> None:
        # Without indent, json writes through its C encoder: 10,000 tickets in 0.3 s, not 3.
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        _WRITTEN[str(self.path)] = (text, data)
        if self.staged is None:
            write_atomically(self.path, text)
        else:
            self.staged[self.path] = text

    def close(self) -> None:
        pass


class RepositoryLock:
    """An inter-process lock on the repository, waited for a bounded time: exclusive for a
    change, shared for a reader that must see the active file and the archive as one
    state (a ticket half-way between them is never seen twice, nor missed).

    The writer writes who it is into the lock file so that a waiter that gives up can
    name what holds the repository.
    """

    # Locks this process holds, by path: [fd, holders, exclusive]. What is done inside a
    # longer hold (a migration copying the repository, a read inside a change) is already
    # under it, and a second flock of the same file from this process would wait for itself.
    _held: dict[str, list] = {}

    def __init__(self, path: Path, timeout: float, enclosing: bool = False,
                 shared: bool = False) -> None:
        self.path = path
        self.timeout = timeout
        self.enclosing = enclosing
        self.shared = shared
        self._fd: int | None = None

    @classmethod
    def held_here(cls, path: Path) -> bool:
        """Whether this process holds the lock at `path` already."""
        return str(Path(path).absolute()) in cls._held

    def acquire(self) -> None:
        key = str(Path(self.path).absolute())
        if key in self._held:
            held = self._held[key]
            if not self.shared and not held[2]:
                self._wait(held[0], exclusive=True)  # a change begun inside a read
                held[2] = True
            held[1] += 1
            self._fd = held[0]
            return
        self._take()
        if self.enclosing:
            self._held[key] = [self._fd, 1, not self.shared]

    def _open(self) -> int | None:
        from deskcli.core.base.paths import open_no_follow

        try:
            # Never through a link: the holder's name is written into the file opened.
            return open_no_follow(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            if self.shared and exc.errno in (errno.EROFS, errno.EACCES):
                # A read-only repository (a mount, a copy): no writer can change it.
                try:
                    return open_no_follow(self.path, os.O_RDONLY)
                except OSError:
                    return None
            raise RepositoryError(say("cannot open the lock {path}: {reason}", path=str(self.path),
                                      reason=exc.strerror)) from None

    def _take(self) -> None:
        fd = self._open()
        if fd is None:
            return
        self._wait(fd, exclusive=not self.shared)
        self._fd = fd
        if self.shared:
            return
        info = json.dumps(
            {"pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        ).encode()
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, info, 0)
        except OSError:
            pass  # the holder's name is a courtesy; a full disk must not stop the lock

    def _wait(self, fd: int, exclusive: bool) -> None:
        import fcntl

        deadline = time.monotonic() + self.timeout
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(fd)
                    if fd != self._fd and not self.held_here(self.path):
                        os.close(fd)
                    raise LockTimeout(say(
                        "the repository is busy: {holder} has held {path} for more than "
                        "{seconds} s. Wait for it to finish, or stop it, then run the command "
                        "again (the wait is repository.lock_timeout_seconds in settings.toml).",
                        holder=holder, path=str(self.path), seconds=f"{self.timeout:g}")) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 512, 0) or b"{}")
            return say("deskcli process {pid} (since {since})", pid=info["pid"], since=info["since"])
        except (OSError, ValueError, KeyError, TypeError):
            return term("another process")

    def release(self) -> None:
        if self._fd is None:
            return
        key = str(Path(self.path).absolute())
        exclusive = not self.shared
        if key in self._held:
            self._held[key][1] -= 1
            if self._held[key][1] > 0:
                self._fd = None
                return
            exclusive = self._held.pop(key)[2]
        import fcntl

        if exclusive:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


class Store(RecordsInMemory):
    """The active tickets and the desk's records, as one command sees them."""

    def __init__(self, db: TinyDB, open_side: Callable[[str], "Store"] | None = None,
                 archive: Archive | None = None) -> None:
        super().__init__()
        self._db = db
        self._open_side = open_side
        self._sides: dict[str, Store] = {}
        self._after_commit: list[Callable[[], None]] = []
        self._archive = ArchiveChange(archive) if archive is not None else None
        self._top: int | None = None  # the highest ticket number here, once looked up
        # New tickets are inserted together when the change is kept: TinyDB rewrites its
        # whole table in memory at each insert, which a batch of 10,000 cannot afford.
        self._new_tickets: dict[int, dict] = {}
        self._meta_cache: dict | None = None
        self._meta_dirty = False

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once this change is written, still under the lock (derived data)."""
        self._after_commit.append(action)

    def side(self, name: str) -> "Store":
        """The records of another repository file (the knowledge base), in the same change."""
        if name not in self._sides:
            if self._open_side is None:
                raise RepositoryError(say("{name} is not reachable from this store", name=name))
            self._sides[name] = self._open_side(name)
        return self._sides[name]

    def archived(self) -> "ArchiveChange":
        """The closed tickets and abandoned calls, changed in this same change."""
        if self._archive is None:
            raise RepositoryError(say("the archive is not reachable from this store"))
        return self._archive

    def _flush(self) -> None:
        """Hand what this change kept in memory to TinyDB, which writes it once, at close."""
        if self._meta_dirty:
            self._db.table(META).upsert(Document(self._meta_cache, doc_id=META_ID))
        if self._new_tickets:
            self._db.table(TICKETS).insert_multiple(
                Document(t, doc_id=n) for n, t in self._new_tickets.items())
        self._write_records()

    def _close(self, keep: bool) -> None:
        for store in [*self._sides.values(), self]:
            if keep:
                store._flush()
            else:
                store._db.storage._cache_modified_count = 0
            store._new_tickets, store._dirty, store._meta_dirty = {}, {}, False
            store._db.close()

    # The counter lives beside the tickets so that one atomic write covers both;
    # it only grows, so a number is never given twice, even after archiving.
    def _meta(self) -> dict:
        if self._meta_cache is None:
            self._meta_cache = dict(self._db.table(META).get(doc_id=META_ID) or {})
        return dict(self._meta_cache)

    def _set_meta(self, meta: dict) -> None:
        self._meta_cache = dict(meta)
        self._meta_dirty = True

    def archiving_ids(self) -> set[int]:
        return set(self._meta().get("archiving", []))

    def get_ticket(self, ticket_id: int) -> dict | None:
        if ticket_id in self._new_tickets:
            return dict(self._new_tickets[ticket_id])
        doc = self._db.table(TICKETS).get(doc_id=ticket_id)
        return dict(doc) if doc is not None else None

    def tickets(self, include_archiving: bool = False) -> list[dict]:
        moving = set() if include_archiving else self.archiving_ids()
        return [*(dict(d) for d in self._db.table(TICKETS).all() if d.doc_id not in moving),
                *(dict(t) for t in self._new_tickets.values())]

    def _highest(self) -> int:
        if self._top is None:
            # The archive too: a counter rolled back by a repair or a hand edit must not
            # give again the number of a closed ticket.
            archived = self._archive.archive.highest() if self._archive is not None else 0
            self._top = max([0, archived, *(d.doc_id for d in self._db.table(TICKETS).all())])
        return self._top

    def insert_ticket(self, ticket: dict) -> int:
        ticket_id = max(self._meta().get("next_ticket", 1), self._highest() + 1)
        _check_not_exhausted(ticket_id, "ticket")
        ticket["id"] = ticket_id
        self.insert_numbered_ticket(ticket)
        return ticket_id

    def insert_numbered_ticket(self, ticket: dict) -> None:
        """Store a ticket under the number it carries (an import); later numbers come after it."""
        check_number_range(ticket["id"], "ticket")
        self._new_tickets[ticket["id"]] = ticket
        self._top = max(self._highest(), ticket["id"])
        self.reserve_numbers(ticket["id"])

    def reserve_numbers(self, up_to: int) -> None:
        """No ticket will be given a number up to `up_to` (tickets imported into the archive)."""
        if up_to:  # 0: nothing to reserve (an empty repository's)
            check_number_range(up_to, "ticket")
        meta = self._meta()
        if meta.get("next_ticket", 1) <= up_to:
            meta["next_ticket"] = up_to + 1
            self._set_meta(meta)

    def update_ticket(self, ticket: dict) -> None:
        if ticket["id"] in self._new_tickets:
            self._new_tickets[ticket["id"]] = ticket
        else:
            self._db.table(TICKETS).upsert(Document(ticket, doc_id=ticket["id"]))

    def archive_ticket(self, ticket: dict) -> None:
        """Move a closed ticket out of the daily path once this command's write succeeds."""
        self.update_ticket(ticket)
        meta = self._meta()
        meta["archiving"] = sorted(set(meta.get("archiving", [])) | {ticket["id"]})
        self._set_meta(meta)

    def unarchive_ticket(self, ticket: dict) -> None:
        """Bring a ticket back from the archive once this command's write succeeds."""
        self.update_ticket(ticket)
        meta = self._meta()
        meta["unarchiving"] = sorted(set(meta.get("unarchiving", [])) | {ticket["id"]})
        self._set_meta(meta)

    # RecordsInMemory's records: each kind a table of this file, the counters in its meta.
    def _load_records(self, kind: str) -> dict[int, dict]:
        return {d.doc_id: dict(d, id=d.doc_id) for d in self._db.table(kind).all()}

    def _read_counters(self) -> dict:
        return dict(self._meta().get("counters", {}))

    def _write_counters(self, counters: dict) -> None:
        meta = self._meta()
        meta["counters"] = counters
        self._set_meta(meta)

    def _write_records(self) -> None:
        for kind, numbers in self._dirty.items():
            table = self._db.table(kind)
            stored = self._table(kind)
            # Two table operations per kind, whatever the count: TinyDB rebuilds its whole
            # table at each one, so a record written at a time would make a batch of
            # 8,000 new callers quadratic.
            table.remove(doc_ids=[n for n in numbers if table.contains(doc_id=n)])
            table.insert_multiple(Document({k: v for k, v in stored[n].items() if k != "id"},
                                           doc_id=n) for n in sorted(numbers))
        self._dirty = {}


class ArchiveChange:
    """The archive as one change sees it: reads go to the file, writes wait for the commit."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.operations: list[list] = []
        self._pending: dict[int, dict] = {}
        self._messages: dict[str, int] = {}

    def get_ticket(self, ticket_id: int) -> dict | None:
        if ticket_id in self._pending:
            return dict(self._pending[ticket_id])
        return self.archive.ticket(ticket_id)

    def update_ticket(self, ticket: dict, text: str | None = None) -> None:
        self._pending[ticket["id"]] = dict(ticket)
        self.operations.append(["ticket", dict(ticket)] if text is None else ["ticket", dict(ticket), text])

    def add_abandoned(self, record: dict) -> None:
        self.operations.append(["abandoned", dict(record)])

    def remember_message(self, message_id: str, ticket_id: int) -> None:
        """An e-mail's Message-ID and its ticket, so that the same message is not taken twice."""
        self._messages[message_id] = ticket_id
        self.operations.append(["message", {"id": message_id, "ticket": ticket_id}])

    def message_ticket(self, message_id: str) -> int | None:
        if message_id in self._messages:
            return self._messages[message_id]
        return self.archive.message_ticket(message_id)


class _OneWriteMiddleware(CachingMiddleware):
    # The stock cache flushes every 1000 changes; a batch must be written whole or not at all.
    WRITE_CACHE_SIZE = 1 << 62

    def __init__(self, storage_cls) -> None:
        super().__init__(storage_cls)
        self._read = False

    def read(self):
        # The stock cache takes an absent file (None) for "not read yet", and reads it again
        # at every lookup: 20,000 restored tickets looked 20,000 times for active.json.
        if not self._read:
            self.cache, self._read = self.storage.read(), True
        return self.cache


def _open_db(path: Path, staged: dict[Path, str] | None = None) -> TinyDB:
    # One read when opened and at most one write when closed, whatever the command does.
    return TinyDB(path, storage=_OneWriteMiddleware(AtomicJSONStorage), staged=staged)


class TinyDBRepository:
    """A repository directory: active.json for the daily work, archive.json for closed calls."""

    def __init__(self, home: Path, lock_timeout: float = 10.0, backup_every_minutes: float = 60,
                 backups_kept: int = 5, *, settle_move: Callable[[Path], None] | None = None,
                 take_snapshot: Callable[[Path, float, int], object] | None = None) -> None:
        self.home = Path(home)
        self.lock_timeout = lock_timeout
        self.backup_every_minutes = backup_every_minutes
        self.backups_kept = backups_kept
        # Given by the desk that opens this repository (core/app/factory.py): settling a move to
        # or from a database and taking snapshots are the desk's, above any backend.
        self.settle_move = settle_move
        self.take_snapshot = take_snapshot
        self.active_path = self.home / ACTIVE_FILE
        self.archive = Archive(self.home, lock_timeout)
        # What a command that succeeded could not tidy up, said to the user as warnings.
        self.warnings: list[str] = []

    def _ensure_home(self) -> None:
        make_home(self.home)

    def _remove_stale_temporaries(self) -> None:
        # Only the lock holder writes, so any temporary left now belongs to a dead writer.
        for stale in self.home.glob(".*.tmp"):
            try:
                stale.unlink()
            except OSError:
                pass

    def _open_file(self, name: str, staged: dict[Path, str] | None) -> Store:
        """One repository file as a store; other files of the same change open through it."""
        path = self.home / name
        _peek_json_file(path)  # refuse a corrupt file before TinyDB sees it (which reuses the parse)
        return Store(_open_db(path, staged), open_side=lambda other: self._open_file(other, staged),
                     archive=self.archive)

    @contextmanager
    def _recovered(self) -> Iterator[None]:
        """Under the repository's lock, with a change a crash cut short finished first."""
        path = self.home / LOCK_FILE
        inside_migration = RepositoryLock.held_here(path)
        lock = RepositoryLock(path, self.lock_timeout, enclosing=True)
        lock.acquire()
        try:
            if (self.settle_move is not None and not inside_migration
                    and (self.home / MIGRATION_FILE).exists()):
                self.settle_move(self.home)  # a migration waited for: its outcome decides
            recover_together(self.home, self.archive)
            yield
        finally:
            lock.release()

    def _settle(self) -> None:
        """Finish what a crash or an older deskcli left: a journalled change, the JSON archive."""
        if not (self.home / JOURNAL_FILE).exists() and not (self.home / LEGACY_ARCHIVE_FILE).exists():
            return
        with self._recovered():
            self._move_legacy_archive()

    def _move_legacy_archive(self) -> None:
        legacy = self.home / LEGACY_ARCHIVE_FILE
        data = read_json_file(legacy)
        if data is None:
            return
        self.archive.apply([["ticket", dict(doc, id=int(key))]
                            for key, doc in data.get(TICKETS, {}).items()])
        _unlink_quietly(legacy)  # a crash before this only means the copy is made again

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A snapshot of the active file; takes no lock, since files are replaced whole.
        What also reads the archive goes through `consistent`."""
        self._ensure_home()
        self._settle()  # a change cut short is finished before anyone reads half of it
        if (self.home / MIGRATION_FILE).exists() and not RepositoryLock.held_here(self.home / LOCK_FILE):
            with self._recovered():  # a migration under way is waited for, not read half-done
                pass
        store = self._open_file(ACTIVE_FILE, None)
        try:
            yield store
        finally:
            store._close(keep=False)  # a reader never writes back

    def _generation(self) -> tuple:
        """What changes whenever a change touches the active file or the archive: each is
        replaced (a new inode and time) or rewritten (a new time) by every step of a move."""
        found = []
        for path in (self.active_path, self.archive.path):
            try:
                info = os.stat(path)
                found.append((info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size))
            except OSError:
                found.append(None)
        return tuple(found)

    def consistent(self, read: Callable[[], Any]) -> Any:
        """`read()` (of the active file and the archive together) as of one state of the
        repository: read again when a change moved something meanwhile, a close or a reopen
        taking a ticket from one file to the other in several steps. Readers never wait for
        writers, unless the desk never stops changing; then they wait for a calm moment."""
        if RepositoryLock.held_here(self.home / LOCK_FILE):
            return read()  # inside a change or a calm moment already: nothing moves
        for _ in range(20):
            before = self._generation()
            result = read()
            if self._generation() == before:
                return result
        lock = RepositoryLock(self.home / LOCK_FILE, self.lock_timeout, enclosing=True, shared=True)
        lock.acquire()
        try:
            return read()
        finally:
            lock.release()

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Lock, read once, let the caller change the store, write once, unlock.

        Every file the change touched is written together; nothing is written when the
        caller raises, so the files keep their previous state.
        """
        self._ensure_home()
        with self._recovered():
            self._remove_stale_temporaries()
            if self.take_snapshot is not None:
                self.take_snapshot(self.home, self.backup_every_minutes, self.backups_kept)
            _peek_json_file(self.active_path)
            self._move_legacy_archive()
            self._finish_archiving()
            staged: dict[Path, str] = {}
            store = self._open_file(ACTIVE_FILE, staged)
            try:
                if store._meta() == {}:
                    store._set_meta({"next_ticket": 1})
                yield store
            except BaseException:
                store._close(keep=False)
                raise
            store._close(keep=True)
            try:
                write_together(self.home, staged, self.archive, store.archived().operations)
            except ChangeKept as exc:
                self.warnings.append(exc.args[0])
                return
            try:
                # The change is made: what follows only tidies up (a crash here is finished
                # by the next write), so its failure is a warning, not a failed command.
                self._finish_archiving()
                for action in store._after_commit:
                    action()
            except (RepositoryError, OSError) as exc:
                self.warnings.append(_kept_message(self.home, exc if isinstance(exc, RepositoryError)
                                                   else RepositoryError(exc.strerror)))

    def _finish_archiving(self) -> None:
        """Copy tickets marked for the archive there, then drop them from the active file.

        Marking, copying and dropping are three atomic steps; a crash between any two
        leaves the mark in place, and the next write finishes the move.
        """
        data = _peek_json_file(self.active_path) or {}
        meta = data.get(META, {}).get(str(META_ID)) or {}
        moving = meta.get("archiving") or []
        returning = meta.get("unarchiving") or []
        if not moving and not returning:
            return
        docs = data.get(TICKETS, {})
        self.archive.apply(
            [["ticket", dict(docs[str(i)], id=i)] for i in moving if str(i) in docs]
            + [["drop", i] for i in returning])
        active = _open_db(self.active_path)
        try:
            tickets = active.table(TICKETS)
            tickets.remove(doc_ids=[i for i in moving if tickets.contains(doc_id=i)])
            meta = dict(active.table(META).get(doc_id=META_ID) or {})
            meta["archiving"] = []
            meta["unarchiving"] = []
            active.table(META).upsert(Document(meta, doc_id=META_ID))
        finally:
            active.close()

    def _with_moving(self, found: dict[int, dict], ids: set[int] | None = None) -> dict[int, dict]:
        """Archived tickets as they stand, including those whose move is not finished."""
        with self.reading() as store:
            moving = store.archiving_ids()
            for ticket in store.tickets(include_archiving=True):
                # A ticket being archived is closed already; one coming back is active again.
                if ticket["id"] in moving and (ids is None or ticket["id"] in ids):
                    found[ticket["id"]] = ticket
                else:
                    found.pop(ticket["id"], None)
        return found

    def archived_tickets(self, opened_since: str | None = None) -> list[dict]:
        """Closed tickets (those opened since a UTC ISO time, if given), by number."""
        self._ensure_home()
        self._settle()
        found = self.consistent(lambda: self._with_moving(
            {t["id"]: t for t in self.archive.tickets(opened_since=opened_since)}))
        if opened_since is not None:
            found = {k: t for k, t in found.items() if t["opened_at"] >= opened_since}
        return [found[k] for k in sorted(found)]

    def archived_documents(self, opened_since: str | None = None,
                           opened_before: str | None = None) -> Iterator[tuple[int, str | dict]]:
        """Closed tickets opened in [opened_since, opened_before), by number, as they come:
        (number, stored JSON text), or (number, ticket) for one whose move to the archive
        is not finished."""
        import heapq

        self._ensure_home()
        self._settle()
        with self.reading() as store:
            moving = store.archiving_ids()
            in_active = store.tickets(include_archiving=True)
        # A ticket being archived is closed already; one coming back is active again.
        elsewhere = {t["id"] for t in in_active}
        moved = [(t["id"], t) for t in in_active if t["id"] in moving
                 and (opened_since is None or t["opened_at"] >= opened_since)
                 and (opened_before is None or t["opened_at"] < opened_before)]
        stored = ((n, doc) for n, doc in self.archive.documents(opened_since, opened_before)
                  if n not in elsewhere)
        yield from heapq.merge(stored, sorted(moved, key=lambda pair: pair[0]),
                               key=lambda pair: pair[0])

    def archived_by_number(self, ids: list[int]) -> list[dict]:
        self._ensure_home()
        self._settle()
        wanted = set(ids)
        found = self.consistent(lambda: self._with_moving(
            {t["id"]: t for t in self.archive.tickets(ids=wanted)}, wanted))
        return [t for _, t in sorted(found.items())]

    def find_ticket(self, ticket_id: int) -> dict | None:
        def read() -> dict | None:
            with self.reading() as store:
                ticket = store.get_ticket(ticket_id)
            return ticket if ticket is not None else self.archive.ticket(ticket_id)

        return self.consistent(read)

    def copy_archived_calls(self, target, table: str, start: str, end: str) -> None:
        """The rows (see `timeline`) of the archived calls opened in [start, end), as they
        stood at `end`, into `table` of the SQLite connection `target`."""
        self._ensure_home()
        self._settle()
        self.archive.copy_calls(target, table, start, end)

    def archived_open_at(self, moment: str) -> list[int]:
        return self.archive.open_at(moment)

    def abandoned_calls(self, since: str, until: str) -> list[dict]:
        self._ensure_home()
        self._settle()
        return self.archive.abandoned(since, until)

    def write_archive(self, tickets: list[dict[str, Any]]) -> None:
        """Add closed tickets straight to the archive (imports and benchmarks), under the lock.

        The ticket counter moves past them first, so that a crash in between can only
        leave numbers unused, never give one twice.
        """
        self._ensure_home()
        with self._recovered():
            read_json_file(self.active_path)
            active = _open_db(self.active_path)
            try:
                store = Store(active)
                meta = store._meta()
                meta["next_ticket"] = max([meta.get("next_ticket", 1), *(t["id"] + 1 for t in tickets)])
                store._set_meta(meta)
                store._flush()
            finally:
                active.close()
            self.archive.apply([["ticket", ticket] for ticket in tickets])

    # -- what a team's database shares, and moving a whole repository (`deskcli migrate`) --

    def close(self) -> None:
        self.archive.close()

    def shared_settings(self) -> dict:
        return {}  # the embedded repository's settings are its settings.toml alone

    def kb_state(self) -> str:
        """Which state of kb.json a search index was built from."""
        from deskcli.core.model.search import signature

        return signature(self.home / KB_FILE)

    def is_empty(self) -> bool:
        self._ensure_home()
        self._settle()
        for path in (self.active_path, self.home / KB_FILE, self.home / MAIL_SIDE):
            data = read_json_file(path) or {}
            if any(documents for name, documents in data.items() if name != META):
                return False
        return self.archive.count() == 0 and not self.archive.all_abandoned()

    def dump(self) -> dict:
        """Everything, in the neutral form `deskcli migrate` moves between repositories."""
        self._ensure_home()
        with self._recovered():
            self._move_legacy_archive()
            self._finish_archiving()  # a ticket half-way to the archive is put there first
            files = [read_json_file(self.active_path) or {}, read_json_file(self.home / KB_FILE) or {},
                     read_json_file(self.home / MAIL_SIDE) or {}]
            archived = self.archive.tickets()
            abandoned = self.archive.all_abandoned()
            messages = sorted(self.archive.messages())
        active = files[0]
        tickets = [dict(doc, id=int(key)) for key, doc in sorted(
            active.get(TICKETS, {}).items(), key=lambda item: int(item[0]))]
        records: dict[str, list[dict]] = {}
        counters: dict[str, int] = {}
        next_ticket = 1
        for data in files:
            meta = data.get(META, {}).get(str(META_ID)) or {}
            for kind, number in (meta.get("counters") or {}).items():
                counters[kind] = max(counters.get(kind, 1), number)
            next_ticket = max(next_ticket, meta.get("next_ticket", 1))
            for kind, documents in data.items():
                if kind not in (TICKETS, META) and documents:
                    records.setdefault(kind, []).extend(
                        dict(doc, id=int(key)) for key, doc in sorted(
                            documents.items(), key=lambda item: int(item[0])))
        next_ticket = max([next_ticket, *(t["id"] + 1 for t in [*tickets, *archived])])
        return {"tickets": tickets, "archived": archived, "abandoned": abandoned,
                "messages": messages, "records": records, "counters": counters,
                "next_ticket": next_ticket, "settings": {}}

    def load(self, dump: dict) -> None:
        """Fill an empty repository with a dump, numbers and histories as they were.

        The daily files are written together and the archive's operations journalled
        with them, as any change is: a crash leaves the empty repository, or all of it.
        """
        self._ensure_home()
        with self._recovered():

            def table(documents: list[dict]) -> dict:
                return {str(d["id"]): {k: v for k, v in d.items() if k != "id"} for d in documents}

            active: dict[str, Any] = {TICKETS: {str(t["id"]): t for t in dump["tickets"]}}
            kb: dict[str, Any] = {}
            mail: dict[str, Any] = {}
            for kind, records in dump["records"].items():
                (kb if kind in KB_KINDS else mail if kind in MAIL_KINDS else active)[kind] = table(records)
            counters = dump["counters"]
            active[META] = {str(META_ID): {
                "next_ticket": dump["next_ticket"],
                "counters": {k: v for k, v in counters.items()
                             if k not in KB_KINDS and k not in MAIL_KINDS}}}
            if mail or any(k in MAIL_KINDS for k in counters):
                mail[META] = {str(META_ID): {"counters": {k: v for k, v in counters.items()
                                                          if k in MAIL_KINDS}}}
            if kb or any(k in KB_KINDS for k in counters):
                kb[META] = {str(META_ID): {"counters": {k: v for k, v in counters.items() if k in KB_KINDS}}}
            files = {self.active_path: json.dumps(active, ensure_ascii=False, separators=(",", ":")) + "\n"}
            if kb:
                files[self.home / KB_FILE] = json.dumps(kb, ensure_ascii=False, separators=(",", ":")) + "\n"
            if mail:
                files[self.home / MAIL_SIDE] = json.dumps(mail, ensure_ascii=False, separators=(",", ":")) + "\n"
            operations = ([["ticket", t] for t in dump["archived"]]
                          + [["abandoned", r] for r in dump["abandoned"]]
                          + [["message", {"id": m, "ticket": t}] for m, t in dump["messages"]])
            write_together(self.home, files, self.archive, operations)
