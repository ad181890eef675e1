"""The embedded repository: TinyDB documents behind an atomic, locked storage.

This is the only module that imports TinyDB. Every write takes the repository lock
before it reads, so two commands never both start from the same old state, and
every file is replaced atomically, so a process killed at any instant leaves files
that parse and hold every change whose command had reported success.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from deskcli.core.errors import CorruptFile, LockTimeout, RepositoryError

ACTIVE_FILE = "active.json"
ARCHIVE_FILE = "archive.json"
LOCK_FILE = "repository.lock"
KB_FILE = "kb.json"
JOURNAL_FILE = "change.journal"

TICKETS = "tickets"
META = "meta"
META_ID = 1


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform; the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_temporary(path: Path, text: str) -> str:
    """A synced temporary file beside `path` holding `text`: the first half of an atomic write."""
    directory = path.parent
    try:
        import tempfile  # only writers pay for it

        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise RepositoryError(
            f"cannot write in {directory}: {exc.strerror}; nothing was changed"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        _unlink_quietly(tmp)
        raise RepositoryError(
            f"cannot write {path}: {exc.strerror}; the previous state is intact"
        ) from None
    return tmp


def _unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader sees the old file or the new one, never a mix."""
    tmp = _write_temporary(path, text)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise RepositoryError(
            f"cannot write {path}: {exc.strerror}; the previous state is intact"
        ) from None
    _fsync_directory(path.parent)


def write_together(directory: Path, files: dict[Path, str]) -> None:
    """Replace several files as one change: all of them, or (after a crash) all once recovered.

    Each new file is written and synced beside its target first; a journal naming them is
    then written atomically, and only then are the files renamed into place. A crash before
    the journal leaves the old state; after it, `recover_together` finishes the renames.
    """
    if len(files) <= 1:
        for path, text in files.items():
            write_atomically(path, text)
        return
    temporaries: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            temporaries.append((_write_temporary(path, text), path))
        journal = directory / JOURNAL_FILE
        write_atomically(journal, json.dumps([[tmp, str(path)] for tmp, path in temporaries]))
    except RepositoryError:
        for tmp, _ in temporaries:
            _unlink_quietly(tmp)
        raise
    recover_together(directory)


def recover_together(directory: Path) -> None:
    """Finish a multi-file change whose journal was written; harmless when there is none."""
    journal = directory / JOURNAL_FILE
    try:
        moves = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        moves = []  # a journal is written atomically; one that does not parse never completed
    for tmp, target in moves:
        if os.path.exists(tmp):
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise RepositoryError(
                    f"cannot finish the last change in {directory}: {exc.strerror}; "
                    f"it is finished by the next command that can write there"
                ) from None
    _fsync_directory(directory)
    _unlink_quietly(journal)


def read_json_file(path: Path) -> dict | None:
    """The parsed content of a repository file, None when absent; refuses what does not parse."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RepositoryError(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        raise CorruptFile(_corrupt_message(path, "the file is empty"))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise CorruptFile(_corrupt_message(path, f"it is not valid JSON ({exc})")) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CorruptFile(_corrupt_message(path, "it is not a deskcli repository file"))
    return data


def _corrupt_message(path: Path, why: str) -> str:
    return (
        f"the repository file {path} cannot be used: {why}. It was left untouched. "
        f"Repair it by hand or restore it from a copy, then run the command again."
    )


class AtomicJSONStorage(Storage):
    """A TinyDB storage that never rewrites a file in place."""

    def __init__(self, path: Path, staged: dict[Path, str] | None = None) -> None:
        self.path = Path(path)
        # Inside a write, files are only staged here; the repository commits them together.
        self.staged = staged

    def read(self) -> dict | None:
        return read_json_file(self.path)

    def write(self, data: dict) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
        if self.staged is None:
            write_atomically(self.path, text)
        else:
            self.staged[self.path] = text

    def close(self) -> None:
        pass


class RepositoryLock:
    """An exclusive inter-process lock on the repository, waited for a bounded time.

    The holder writes who it is into the lock file so that a waiter that gives up
    can name what holds the repository.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise RepositoryError(f"cannot open the lock {self.path}: {exc.strerror}") from None
        deadline = time.monotonic() + self.timeout
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(fd)
                    os.close(fd)
                    raise LockTimeout(
                        f"the repository is busy: {holder} has held {self.path} for more "
                        f"than {self.timeout:g} s. Wait for it to finish, or stop it, then "
                        f"run the command again (the wait is repository.lock_timeout_seconds "
                        f"in settings.toml)."
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        self._fd = fd
        info = json.dumps(
            {"pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        ).encode()
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, info, 0)
        except OSError:
            pass  # the holder's name is a courtesy; a full disk must not stop the lock

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 512, 0) or b"{}")
            return f"deskcli process {info['pid']} (since {info['since']})"
        except (OSError, ValueError, KeyError, TypeError):
            return "another process"

    def release(self) -> None:
        if self._fd is None:
            return
        import fcntl

        try:
            os.ftruncate(self._fd, 0)
        except OSError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


class Store:
    """The active tickets and the desk's records, as one command sees them."""

    def __init__(self, db: TinyDB, open_side: Callable[[str], "Store"] | None = None) -> None:
        self._db = db
        self._open_side = open_side
        self._sides: dict[str, Store] = {}
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once this change is written, still under the lock (derived data)."""
        self._after_commit.append(action)

    def side(self, name: str) -> "Store":
        """The records of another repository file (the knowledge base), in the same change."""
        if name not in self._sides:
            if self._open_side is None:
                raise RepositoryError(f"{name} is not reachable from this store")
            self._sides[name] = self._open_side(name)
        return self._sides[name]

    def _close(self, keep: bool) -> None:
        for store in [*self._sides.values(), self]:
            if not keep:
                store._db.storage._cache_modified_count = 0
            store._db.close()

    # The counter lives beside the tickets so that one atomic write covers both;
    # it only grows, so a number is never given twice, even after archiving.
    def _meta(self) -> dict:
        return dict(self._db.table(META).get(doc_id=META_ID) or {})

    def _set_meta(self, meta: dict) -> None:
        self._db.table(META).upsert(Document(meta, doc_id=META_ID))

    def archiving_ids(self) -> set[int]:
        return set(self._meta().get("archiving", []))

    def get_ticket(self, ticket_id: int) -> dict | None:
        doc = self._db.table(TICKETS).get(doc_id=ticket_id)
        return dict(doc) if doc is not None else None

    def tickets(self, include_archiving: bool = False) -> list[dict]:
        moving = set() if include_archiving else self.archiving_ids()
        return [dict(d) for d in self._db.table(TICKETS).all() if d.doc_id not in moving]

    def insert_ticket(self, ticket: dict) -> int:
        meta = self._meta()
        known = [d.doc_id for d in self._db.table(TICKETS).all()]
        ticket_id = max([meta.get("next_ticket", 1), *(i + 1 for i in known)])
        ticket["id"] = ticket_id
        self._db.table(TICKETS).insert(Document(ticket, doc_id=ticket_id))
        meta["next_ticket"] = ticket_id + 1
        self._set_meta(meta)
        return ticket_id

    def update_ticket(self, ticket: dict) -> None:
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

    def next_number(self, kind: str) -> int:
        """A number of its own for a record of `kind` (interventions, ...), never reused."""
        meta = self._meta()
        counters = dict(meta.get("counters", {}))
        number = counters.get(kind, 1)
        counters[kind] = number + 1
        meta["counters"] = counters
        self._set_meta(meta)
        return number

    def records(self, kind: str) -> list[dict]:
        return [dict(d, id=d.doc_id) for d in self._db.table(kind).all()]

    def get_record(self, kind: str, record_id: int) -> dict | None:
        doc = self._db.table(kind).get(doc_id=record_id)
        return dict(doc, id=record_id) if doc is not None else None

    def insert_record(self, kind: str, record: dict) -> int:
        """Store a new record under a number of its own, never given before, even if removed."""
        return self.insert_records(kind, [record])[0]

    def insert_records(self, kind: str, records: list[dict]) -> list[int]:
        """Store new records in one pass, each under a number of its own."""
        meta = self._meta()
        counters = dict(meta.get("counters", {}))
        first = counters.get(kind)
        if first is None:  # records from before the counters: start past the last of them
            first = max([1, *(d.doc_id + 1 for d in self._db.table(kind).all())])
        numbers = list(range(first, first + len(records)))
        self._db.table(kind).insert_multiple(
            Document({k: v for k, v in r.items() if k != "id"}, doc_id=n) for r, n in zip(records, numbers))
        for record, number in zip(records, numbers):
            record["id"] = number
        counters[kind] = first + len(records)
        meta["counters"] = counters
        self._set_meta(meta)
        return numbers

    def update_record(self, kind: str, record: dict) -> None:
        data = {k: v for k, v in record.items() if k != "id"}
        self._db.table(kind).upsert(Document(data, doc_id=record["id"]))


class _OneWriteMiddleware(CachingMiddleware):
    # The stock cache flushes every 1000 changes; a batch must be written whole or not at all.
    WRITE_CACHE_SIZE = 1 << 62


def _open_db(path: Path, staged: dict[Path, str] | None = None) -> TinyDB:
    # One read when opened and at most one write when closed, whatever the command does.
    return TinyDB(path, storage=_OneWriteMiddleware(AtomicJSONStorage), staged=staged)


class TinyDBRepository:
    """A repository directory: active.json for the daily work, archive.json for closed calls."""

    def __init__(self, home: Path, lock_timeout: float = 10.0) -> None:
        self.home = Path(home)
        self.lock_timeout = lock_timeout
        self.active_path = self.home / ACTIVE_FILE
        self.archive_path = self.home / ARCHIVE_FILE

    def _ensure_home(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise RepositoryError(
                f"cannot create the repository {self.home}: {exc.strerror}"
            ) from None
        if not self.home.is_dir():
            raise RepositoryError(f"the repository {self.home} is not a directory")

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
        read_json_file(path)  # refuse a corrupt file before TinyDB sees it
        return Store(_open_db(path, staged), open_side=lambda other: self._open_file(other, staged))

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A consistent snapshot of the active file; takes no lock, since files are replaced whole."""
        self._ensure_home()
        if (self.home / JOURNAL_FILE).exists():
            # A change of several files was cut short: finish it before reading half of it.
            lock = RepositoryLock(self.home / LOCK_FILE, self.lock_timeout)
            lock.acquire()
            try:
                recover_together(self.home)
            finally:
                lock.release()
        store = self._open_file(ACTIVE_FILE, None)
        try:
            yield store
        finally:
            store._close(keep=False)  # a reader never writes back

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Lock, read once, let the caller change the store, write once, unlock.

        Every file the change touched is written together; nothing is written when the
        caller raises, so the files keep their previous state.
        """
        self._ensure_home()
        lock = RepositoryLock(self.home / LOCK_FILE, self.lock_timeout)
        lock.acquire()
        try:
            recover_together(self.home)
            self._remove_stale_temporaries()
            read_json_file(self.active_path)
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
            write_together(self.home, staged)
            self._finish_archiving()
            for action in store._after_commit:
                action()
        finally:
            lock.release()

    def _finish_archiving(self) -> None:
        """Copy tickets marked for the archive there, then drop them from the active file.

        Marking, copying and dropping are three atomic writes; a crash between any two
        leaves the mark in place, and the next write finishes the move.
        """
        data = read_json_file(self.active_path) or {}
        meta = data.get(META, {}).get(str(META_ID)) or {}
        moving = meta.get("archiving") or []
        returning = meta.get("unarchiving") or []
        if not moving and not returning:
            return
        read_json_file(self.archive_path)
        active = _open_db(self.active_path)
        archive = _open_db(self.archive_path)
        try:
            tickets = active.table(TICKETS)
            closed = archive.table(TICKETS)
            for ticket_id in moving:
                doc = tickets.get(doc_id=ticket_id)
                if doc is not None:
                    closed.upsert(Document(dict(doc), doc_id=ticket_id))
            back = [i for i in returning if closed.contains(doc_id=i)]
            if back:
                closed.remove(doc_ids=back)
        finally:
            archive.close()
        try:
            tickets.remove(doc_ids=[i for i in moving if tickets.contains(doc_id=i)])
            meta = dict(active.table(META).get(doc_id=META_ID) or {})
            meta["archiving"] = []
            meta["unarchiving"] = []
            active.table(META).upsert(Document(meta, doc_id=META_ID))
        finally:
            active.close()

    def archived_tickets(self) -> list[dict]:
        """Closed tickets, including any whose move to the archive is not finished."""
        self._ensure_home()
        data = read_json_file(self.archive_path) or {}
        found = {int(k): dict(v, id=int(k)) for k, v in data.get(TICKETS, {}).items()}
        with self.reading() as store:
            moving = store.archiving_ids()
            for ticket in store.tickets(include_archiving=True):
                # A ticket being archived is closed already; one coming back is active again.
                if ticket["id"] in moving:
                    found[ticket["id"]] = ticket
                else:
                    found.pop(ticket["id"], None)
        return [found[k] for k in sorted(found)]

    def find_ticket(self, ticket_id: int) -> dict | None:
        with self.reading() as store:
            ticket = store.get_ticket(ticket_id)
        if ticket is not None:
            return ticket
        data = read_json_file(self.archive_path) or {}
        doc = data.get(TICKETS, {}).get(str(ticket_id))
        return dict(doc, id=ticket_id) if doc is not None else None

    def write_archive(self, tickets: list[dict[str, Any]]) -> None:
        """Add closed tickets straight to the archive (imports and benchmarks), under the lock."""
        self._ensure_home()
        lock = RepositoryLock(self.home / LOCK_FILE, self.lock_timeout)
        lock.acquire()
        try:
            read_json_file(self.archive_path)
            archive = _open_db(self.archive_path)
            active = _open_db(self.active_path)
            try:
                closed = archive.table(TICKETS)
                store = Store(active)
                meta = store._meta()
                top = meta.get("next_ticket", 1)
                docs = []
                for ticket in tickets:
                    docs.append(Document(ticket, doc_id=ticket["id"]))
                    top = max(top, ticket["id"] + 1)
                closed.insert_multiple(docs)
                meta["next_ticket"] = top
                store._set_meta(meta)
            finally:
                archive.close()
                active.close()
        finally:
            lock.release()
