"""Closed tickets and abandoned calls, kept in SQLite beside the daily TinyDB file.

History only grows: a desk of a few years holds 100,000 closed calls, about 200 MB of
JSON that takes seconds to parse. The daily commands never read it, and the reports read
one small digest per call (see `timeline`), indexed by date, instead of the whole tickets.

Every change arrives as a list of operations, each idempotent, applied in one SQLite
transaction; the repository journals them with its JSON files, so a change that spans
both is finished after a crash by applying them again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from deskcli.core.base.errors import CorruptFile, LockTimeout, RepositoryError
from deskcli.core.store.repository import opened_within
from deskcli.i18n import say

if TYPE_CHECKING:  # the methods import sqlite3 themselves: every command builds an
    import sqlite3  # Archive, and the daily ones never open it

ARCHIVE_DB = "archive.sqlite3"
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS abandoned (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS abandoned_at ON abandoned (at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (message_id TEXT PRIMARY KEY, ticket INTEGER NOT NULL);
"""


def _digest_schema() -> str:
    # One column per field of a call's row (timeline.COLUMNS), and its events to replay.
    from deskcli.core.model.timeline import COLUMNS

    columns = ", ".join(f"{c} INTEGER PRIMARY KEY" if c == "id" else c for c in COLUMNS)
    return (f"CREATE TABLE IF NOT EXISTS digests ({columns}, events TEXT NOT NULL);"
            "CREATE INDEX IF NOT EXISTS digests_opened ON digests (opened_at);")


def _dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def encoded(operations: Iterable[list]) -> list[list]:
    """The operations with each ticket's stored text as a third element (kept when the
    operation already carries it: the text a restored ticket was read from): the journal
    of the change and the archive's row are written from the same text."""
    return [[kind, value, text[0] if text else _dumps(value)] if kind == "ticket" else [kind, value]
            for kind, value, *text in operations]


class Archive:
    """The archive file of one repository; opened on first use, never by the daily commands."""

    def __init__(self, home: Path, timeout: float) -> None:
        self.path = Path(home) / ARCHIVE_DB
        self.timeout = timeout
        self._db: sqlite3.Connection | None = None

    def exists(self) -> bool:
        return os.path.lexists(self.path)  # a link is there, to be refused, not taken for absent

    def _fail(self, exc: sqlite3.Error) -> RepositoryError:
        import sqlite3

        text = str(exc)
        if "locked" in text or "busy" in text:
            return LockTimeout(say("the archive {path} stayed busy for more than {seconds} s "
                                   "({reason}); run the command again", path=str(self.path),
                                   seconds=f"{self.timeout:g}", reason=text))
        if isinstance(exc, sqlite3.OperationalError):
            return RepositoryError(say("cannot use the archive {path}: {reason}; the archive "
                                       "was not changed", path=str(self.path), reason=text))
        return CorruptFile(say("the archive {path} cannot be used: {reason}. It was left "
                               "untouched. Restore it from a copy, then run the command again.",
                               path=str(self.path), reason=text))

    def _connect(self) -> sqlite3.Connection:
        import sqlite3

        if self._db is not None:
            return self._db
        from deskcli.core.base.paths import refuse_link

        refuse_link(self.path)  # SQLite would follow it, and write where it points
        try:
            if not self.path.exists():
                # Callers' personal data: the file is the owner's alone from its first byte.
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600))
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.close()
                raise RepositoryError(say("the archive {path} was written by a newer deskcli "
                                          "(schema {version}); upgrade deskcli to read it",
                                          path=str(self.path), version=version))
            if version < SCHEMA_VERSION:
                db.executescript(_SCHEMA + _digest_schema())
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except OSError as exc:
            raise RepositoryError(say("cannot open the archive {path}: {reason}",
                                      path=str(self.path), reason=exc.strerror)) from None
        except sqlite3.Error as exc:
            raise self._fail(exc) from None
        self._db = db
        self._check_digests()
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _check_digests(self) -> None:
        """Digests written by another version of the rules are made again, once."""
        import sqlite3

        from deskcli.core.model.timeline import DIGEST_VERSION

        row = self._query("SELECT value FROM meta WHERE key = 'digest_version'")
        if row and row[0][0] == str(DIGEST_VERSION):
            return
        try:
            self._db.execute("DROP TABLE IF EXISTS digests")
            self._db.executescript(_digest_schema())
        except sqlite3.Error as exc:
            raise self._fail(exc) from None
        docs = [json.loads(doc) for (doc,) in self._query("SELECT doc FROM tickets")]
        self.apply([["ticket", doc] for doc in docs], force_version=True)

    def _query(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        import sqlite3

        try:
            return self._connect().execute(sql, tuple(parameters)).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def apply(self, operations: list[list], force_version: bool = False) -> None:
        """Apply operations in one transaction: ["ticket", doc] stores a closed ticket,
        ["drop", id] takes one back out, ["abandoned", record] records an abandoned call,
        ["message", {id, ticket}] remembers which ticket an e-mail went to."""
        import sqlite3

        if not operations and not force_version:
            return
        from deskcli.core.model.timeline import COLUMNS, DIGEST_VERSION, digest

        insert_digest = (f"INSERT OR REPLACE INTO digests ({', '.join(COLUMNS)}, events) "
                         f"VALUES ({', '.join('?' * (len(COLUMNS) + 1))})")

        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                self._write(db, operations, insert_digest, digest, COLUMNS)
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('digest_version', ?)",
                           (str(DIGEST_VERSION),))
                top = max([0, *(value["id"] for kind, value, *_ in operations if kind == "ticket")])
                if top:
                    db.execute("INSERT INTO meta (key, value) VALUES ('highest_ticket', ?) "
                               "ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), "
                               "CAST(excluded.value AS INTEGER))", (str(top),))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    # Below this many tickets in one change, keeping the date index up to date row by row
    # costs less than building it again.
    REINDEX_FROM = 5000

    def _write(self, db: sqlite3.Connection, operations: list[list], insert_digest: str,
               digest, columns) -> None:
        """The operations in order, each run of one kind as one prepared statement
        (executemany); a large run of tickets builds the date index afterwards."""
        from itertools import groupby

        for kind, run in groupby(operations, key=lambda operation: operation[0]):
            run = list(run)
            values = [operation[1] for operation in run]
            if kind == "ticket":
                rebuild = len(values) >= self.REINDEX_FROM and \
                    len(values) >= db.execute("SELECT count(*) FROM digests").fetchone()[0]
                if rebuild:
                    db.execute("DROP INDEX IF EXISTS digests_opened")
                # The text `encoded` made for the journal, when the operation carries it.
                db.executemany("INSERT OR REPLACE INTO tickets (id, doc) VALUES (?, ?)",
                               ((operation[1]["id"], operation[2] if len(operation) > 2
                                 else _dumps(operation[1])) for operation in run))
                summaries = map(digest, values)
                db.executemany(insert_digest, ([*(summary[c] for c in columns), _dumps(summary["events"])]
                                               for summary in summaries))
                if rebuild:
                    db.execute("CREATE INDEX IF NOT EXISTS digests_opened ON digests (opened_at)")
            elif kind == "drop":
                db.executemany("DELETE FROM tickets WHERE id = ?", ((value,) for value in values))
                db.executemany("DELETE FROM digests WHERE id = ?", ((value,) for value in values))
            elif kind == "message":
                db.executemany("INSERT OR REPLACE INTO messages (message_id, ticket) VALUES (?, ?)",
                               ((value["id"], value["ticket"]) for value in values))
            elif kind == "abandoned":
                db.executemany("INSERT OR REPLACE INTO abandoned (id, at, doc) VALUES (?, ?, ?)",
                               ((value["id"], value["at"], _dumps(value)) for value in values))
            else:
                raise ValueError(f"unknown archive operation {kind!r}")

    # -- reading ---------------------------------------------------------------

    def ticket(self, ticket_id: int) -> dict | None:
        if not self.exists():
            return None
        rows = self._query("SELECT doc FROM tickets WHERE id = ?", (ticket_id,))
        return json.loads(rows[0][0]) if rows else None

    def tickets(self, opened_since: str | None = None, ids: Iterable[int] | None = None) -> list[dict]:
        """Closed tickets in number order: all, those opened since a time, or those numbered."""
        if not self.exists():
            return []
        if ids is not None:
            wanted = sorted(set(ids))
            found = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                found += self._query(f"SELECT doc FROM tickets WHERE id IN "
                                     f"({','.join('?' * len(chunk))}) ORDER BY id", chunk)
            rows = found
        elif opened_since is not None:
            rows = self._query("SELECT t.doc FROM tickets t JOIN digests d ON d.id = t.id "
                               "WHERE d.opened_at >= ? ORDER BY t.id", (opened_since,))
        else:
            rows = self._query("SELECT doc FROM tickets ORDER BY id")
        return [json.loads(doc) for (doc,) in rows]

    def documents(self, opened_since: str | None = None, opened_before: str | None = None,
                  batch: int = 2000) -> Iterator[tuple[int, str]]:
        """Closed tickets in number order as (number, stored JSON text), read in batches:
        a whole history is never held in memory, nor decoded."""
        import sqlite3

        if not self.exists():
            return
        where, parameters = opened_within("d.opened_at", "?", opened_since, opened_before)
        sql = ("SELECT t.id, t.doc FROM tickets t JOIN digests d ON d.id = t.id WHERE "
               + " AND ".join(where) + " ORDER BY t.id") if where else \
            "SELECT id, doc FROM tickets ORDER BY id"
        try:
            cursor = self._connect().execute(sql, parameters)
            while rows := cursor.fetchmany(batch):
                yield from rows
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def copy_calls(self, target: sqlite3.Connection, table: str, start: str, end: str) -> None:
        """Put into `table` of `target` the row of every archived call opened in [start, end),
        as it stood at `end`: settled rows are copied inside SQLite, the others replayed."""
        import sqlite3

        if not self.exists():
            return
        from deskcli.core.model.timeline import COLUMNS, row_at

        self._connect()  # digests of an older version are made again first
        columns = ", ".join(COLUMNS)
        try:
            target.execute("ATTACH DATABASE ? AS archive",
                           (f"{self.path.resolve().as_uri()}?mode=ro",))
            try:
                target.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM archive.digests "
                               f"WHERE opened_at >= ? AND opened_at < ? AND last_at <= ?",
                               (start, end, end))
                unsettled = target.execute(
                    f"SELECT {columns}, events FROM archive.digests "
                    f"WHERE opened_at >= ? AND opened_at < ? AND last_at > ?", (start, end, end)).fetchall()
                rows = []
                for values in unsettled:
                    summary = dict(zip(COLUMNS, values), events=json.loads(values[-1]))
                    rows.append([row_at(summary, end)[c] for c in COLUMNS])
                target.executemany(f"INSERT INTO {table} ({columns}) VALUES "
                                   f"({', '.join('?' * len(COLUMNS))})", rows)
            finally:
                target.execute("DETACH DATABASE archive")
        except sqlite3.Error as exc:
            raise self._fail(exc) from None

    def open_at(self, moment: str) -> list[int]:
        """Numbers of the archived calls opened before `moment` and closed (for good) after it."""
        if not self.exists():
            return []
        rows = self._query("SELECT id FROM digests WHERE opened_at < ? AND "
                           "(closed_at IS NULL OR closed_at > ?)", (moment, moment))
        return [row[0] for row in rows]

    def abandoned(self, since: str, until: str) -> list[dict]:
        if not self.exists():
            return []
        rows = self._query("SELECT doc FROM abandoned WHERE at >= ? AND at < ? ORDER BY at, id",
                           (since, until))
        return [json.loads(doc) for (doc,) in rows]

    def all_abandoned(self) -> list[dict]:
        if not self.exists():
            return []
        return [json.loads(doc) for (doc,) in self._query("SELECT doc FROM abandoned ORDER BY id")]

    def messages(self) -> list[list]:
        """Every e-mail taken, as [Message-ID, ticket number]."""
        if not self.exists():
            return []
        return [list(row) for row in self._query(
            "SELECT message_id, ticket FROM messages ORDER BY message_id")]

    def message_ticket(self, message_id: str) -> int | None:
        """The ticket an e-mail with this Message-ID went to, if one did."""
        if not self.exists():
            return None
        rows = self._query("SELECT ticket FROM messages WHERE message_id = ?", (message_id,))
        return rows[0][0] if rows else None

    def highest(self) -> int:
        """The highest ticket number the archive ever held, 0 for none: a ticket taken back
        out (reopened) leaves its number here, so that it is never given again."""
        if not self.exists():
            return 0
        rows = self._query("SELECT max(id) FROM tickets UNION ALL "
                           "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'highest_ticket'")
        return max([0, *(row[0] for row in rows if row[0] is not None)])

    def count(self) -> int:
        if not self.exists():
            return 0
        return self._query("SELECT count(*) FROM tickets")[0][0]
