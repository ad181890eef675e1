"""A team's repository in PostgreSQL: the same documents as the embedded one, as JSONB rows.

This is the only module that imports psycopg, and only a desk configured with a
database URL imports it. Each command is one transaction. A change takes the desk's
write lock (a PostgreSQL advisory lock, held by the session until the change and what
follows its commit are done, and dropped by the server if the client dies), so that
writers queue as they do on the embedded repository while readers, on their own
snapshot, never wait. Row locks alone were not enough: every change also rewrites
shared records (the organisation's callers, the counters, notices), so two changes of
different tickets still meet, in an order no lock hierarchy fixes, and a deadlock or a
serialization failure would have to replay the command, which a change written as a
`with` block cannot do. One lock makes a lost change and a deadlock impossible; a
change holds it a few milliseconds (see bench/README.md for 8 technicians at once).

Attachments, drafts, settings.toml and the knowledge base's search index stay in the
repository directory on each machine; the database holds the tickets, records and
their references.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from deskcli.core.base.errors import LockTimeout, RepositoryError
from deskcli.i18n import fact, say
from deskcli.core.store.repository import (KB_KINDS, RecordsInMemory, _check_not_exhausted,
                                     check_number_range, make_home, masked, opened_within)

# psycopg logs the end of a pipeline on a lost connection as a warning; with no handler,
# Python would print it on stderr beside deskcli's own message, which says it all.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

SCHEMA = "deskcli"
# pg_advisory_lock(classid, objid): a pair of deskcli's own, one for changes and one for
# creating or upgrading the schema.
LOCK_CLASS = 0x6465736B  # "desk"
WRITE_LOCK = 1
SCHEMA_LOCK = 2

# Each step brings the schema from version n to n+1; a database records the version it
# is at and `deskcli migrate --schema` runs the steps it lacks. Never edit a step that
# was released: add one.
STEPS = (
    # 1: the documents.
    f"""
    CREATE TABLE {SCHEMA}.meta (key text PRIMARY KEY, value jsonb NOT NULL);
    CREATE SEQUENCE {SCHEMA}.ticket_numbers MINVALUE 0 START WITH 1;
    CREATE TABLE {SCHEMA}.tickets (
        id integer PRIMARY KEY,
        active boolean NOT NULL,      -- false once closed: the archive of the embedded repository
        doc jsonb NOT NULL,
        opened_at text NOT NULL
    );
    -- One row of facts per archived call (timeline.COLUMNS, in order) and the events to
    -- replay it: the reports read these columns, never the tickets.
    CREATE TABLE {SCHEMA}.digests (
        id integer PRIMARY KEY, opened_at text NOT NULL, closed_at text, last_at text NOT NULL,
        channel text, opener text, organisation text, admissible integer, summary text,
        key text, type text, priority integer, closed integer, resolved_at text,
        resolution_minutes double precision, handed_over integer, transfers integer,
        functional integer, hierarchical integer, interventions integer,
        minutes double precision, take_charge_met integer, resolution_met integer,
        problem integer, events jsonb NOT NULL
    );
    CREATE TABLE {SCHEMA}.records (
        kind text NOT NULL, id integer NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (kind, id));
    CREATE TABLE {SCHEMA}.abandoned (id integer PRIMARY KEY, at text NOT NULL, doc jsonb NOT NULL);
    CREATE TABLE {SCHEMA}.messages (message_id text PRIMARY KEY, ticket integer NOT NULL);
    CREATE TABLE {SCHEMA}.settings (name text PRIMARY KEY, doc jsonb NOT NULL);
    """,
    # 2: what the daily commands and the reports look up.
    f"""
    CREATE INDEX tickets_active ON {SCHEMA}.tickets (id) WHERE active;
    CREATE INDEX tickets_archived_opened ON {SCHEMA}.tickets (opened_at) WHERE NOT active;
    CREATE INDEX digests_opened ON {SCHEMA}.digests (opened_at);
    CREATE INDEX abandoned_at ON {SCHEMA}.abandoned (at);
    CREATE INDEX messages_ticket ON {SCHEMA}.messages (ticket);
    """,
)
SCHEMA_VERSION = len(STEPS)



# A JSON escape of U+0000 that is not itself escaped ("\\u0000" is a backslash and text).
_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _dumps(document: Any) -> str:
    # JSONB cannot hold U+0000 in a string; only unchecked text can carry one (the body
    # of an e-mail added to a ticket), and it becomes U+FFFD rather than failing the
    # command. `deskcli migrate` compares what it copied, so it refuses such a repository
    # instead of changing it silently.
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return _NUL.sub(r"\1\\ufffd", text) if "\\u0000" in text else text


def _json(document: Any) -> Jsonb:
    return Jsonb(document, dumps=_dumps)


def _has_schema(conn: psycopg.Connection) -> bool:
    # A query of the catalog, not to_regclass(): the catalog cache of a session that was
    # waiting for the schema lock may not show the schema another session just made.
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = 'meta')",
        (SCHEMA,)).fetchone()[0]


def _meta_values(conn: psycopg.Connection, *keys: str) -> dict:
    rows = conn.execute(f"SELECT key, value FROM {SCHEMA}.meta WHERE key = ANY(%s)",
                        (list(keys),)).fetchall()
    return dict(rows)


def _set_meta(conn: psycopg.Connection | psycopg.Cursor, key: str, value: Any) -> None:
    conn.execute(f"INSERT INTO {SCHEMA}.meta (key, value) VALUES (%s, %s) "
                 f"ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (key, _json(value)))


def _reason(exc: BaseException, url: str) -> str:
    """The server's or the client library's words, on one line, with no password in them.

    Of a server's error only its first line: the detail and context can quote the
    statement's parameters, that is callers' personal data."""
    diag = getattr(exc, "diag", None)
    primary = diag.message_primary if diag is not None else None
    lines = (" ".join(line.split()) for line in (primary or str(exc)).splitlines())
    text = "; ".join(line.rstrip(".") for line in lines if line) or type(exc).__name__
    try:
        secret = psycopg.conninfo.conninfo_to_dict(url).get("password")
    except psycopg.Error:
        secret = None
    return text.replace(secret, "***") if secret else text


class PostgresRepository:
    """A deskcli repository in one PostgreSQL database (schema `deskcli`)."""

    def __init__(self, url: str, home: Path, lock_timeout: float = 10.0) -> None:
        self.url = url
        self.home = Path(home)
        self.lock_timeout = lock_timeout
        self._conn: psycopg.Connection | None = None
        self._in_transaction = False

    @property
    def where(self):
        return say("the database {url}", url=masked(self.url))

    # -- the connection ---------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10,
                                   application_name=f"deskcli {os.getpid()}")
        except psycopg.Error as exc:
            raise RepositoryError(say(
                "cannot connect to {where} ({reason}). Check that the server runs and the URL "
                "(user, password, host, port, database) is right: $DESKCLI_DATABASE_URL or "
                "database_url in settings.toml", where=self.where,
                reason=_reason(exc, self.url))) from None
        except ValueError as exc:  # psycopg's own refusal of a URL it cannot parse
            raise RepositoryError(say("{where}: the URL cannot be used ({reason})", where=self.where,
                                      reason=_reason(exc, self.url))) from None
        self._conn = conn
        return conn

    def _connection(self) -> psycopg.Connection:
        """A connection to a database whose schema this deskcli can use, made at need."""
        fresh = self._conn is None or self._conn.closed
        if fresh:
            make_home(self.home)  # attachments, drafts and the search index of this machine
        conn = self._connect()
        if fresh:
            with self._guard():
                self._check_schema(conn)
        return conn

    def _failure(self, exc: psycopg.Error, committing: bool = False) -> RepositoryError:
        reason = _reason(exc, self.url)
        if isinstance(exc, pg_errors.LockNotAvailable):
            return LockTimeout(say(
                "the repository is busy: {holder} has held the desk's write lock in {where} for "
                "more than {seconds} s. Wait for it to finish, or stop it, then run the command "
                "again (the wait is repository.lock_timeout_seconds in settings.toml).",
                holder=self._holder(), where=self.where, seconds=f"{self.lock_timeout:g}"))
        # psycopg marks a connection broken when the server or the network went away.
        lost = self._conn is None or self._conn.closed or self._conn.broken \
            or isinstance(exc, pg_errors.AdminShutdown)
        if lost and committing:
            return RepositoryError(say(
                "the connection to {where} was lost while the change was being committed "
                "({reason}): it may or may not be recorded; check with `deskcli show` or "
                "`deskcli list` before doing it again", where=self.where, reason=reason))
        if lost:
            return RepositoryError(say(
                "the connection to {where} was lost ({reason}); nothing of this command was "
                "recorded (the server rolls back a change whose client is gone). Run it again "
                "once the server is back.", where=self.where, reason=reason))
        if isinstance(exc, pg_errors.UndefinedTable):
            return RepositoryError(say(
                "{where} does not hold a whole deskcli repository ({reason}); was its schema "
                "{schema} dropped? Nothing was changed.", where=self.where, reason=reason,
                schema=SCHEMA))
        return RepositoryError(say("{where} refused the command ({reason}); nothing was changed",
                                   where=self.where, reason=reason))

    @contextmanager
    def _guard(self, committing: bool = False) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise self._failure(exc, committing) from None

    def _holder(self) -> str:
        """Who holds the write lock, for a waiter that gives up."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as other:
                row = other.execute(
                    "SELECT a.application_name, a.client_addr::text, a.xact_start::text "
                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s "
                    "AND l.granted", (LOCK_CLASS, WRITE_LOCK)).fetchone()
        except psycopg.Error:
            row = None
        if not row:
            return "another deskcli process"
        name, address, since = row
        return f"{name or 'a client'} ({address or 'local'}, since {(since or '?')[:19]})"

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- the schema -------------------------------------------------------------

    def _check_schema(self, conn: psycopg.Connection) -> None:
        if not _has_schema(conn):
            self._create_schema(conn)
        from deskcli.core.model.timeline import DIGEST_VERSION

        values = _meta_values(conn, "schema_version", "digest_version")
        version = values.get("schema_version")
        if not isinstance(version, int):
            raise RepositoryError(say("{where} has a deskcli schema with no version; it was not "
                                      "made by deskcli, or was damaged. Nothing was changed.",
                                      where=self.where))
        if version > SCHEMA_VERSION:
            raise RepositoryError(say(
                "{where} holds a repository of schema version {version}, written by a newer "
                "deskcli (this one reads up to version {known}); upgrade deskcli on this machine "
                "(python -m pip install -U deskcli). Nothing was changed.", where=self.where,
                version=version, known=SCHEMA_VERSION))
        if version < SCHEMA_VERSION:
            raise RepositoryError(say(
                "{where} holds a repository of schema version {version}, older than this "
                "deskcli's {known}: run `deskcli migrate {schema_field}` once to upgrade it (every "
                "technician then needs this deskcli or a newer one). Nothing was changed.",
                where=self.where, version=version, known=SCHEMA_VERSION,
                schema_field=fact("schema")))
        if values.get("digest_version") != DIGEST_VERSION:
            self._remake_digests(conn)

    def _create_schema(self, conn: psycopg.Connection, up_to: int = SCHEMA_VERSION) -> None:
        """Make the schema in an empty database; two first commands at once make it once."""
        from deskcli.core.model.timeline import DIGEST_VERSION

        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, SCHEMA_LOCK))
            if _has_schema(conn):
                return
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            for step in STEPS[:up_to]:
                conn.execute(step)
            conn.cursor().executemany(
                f"INSERT INTO {SCHEMA}.meta (key, value) VALUES (%s, %s)",
                [("schema_version", _json(up_to)), ("digest_version", _json(DIGEST_VERSION)),
                 ("repository_id", _json(str(uuid.uuid4()))), ("kb_version", _json(0)),
                 ("counters", _json({}))])

    def upgrade_schema(self) -> tuple[int, int]:
        """Run the schema steps this database lacks: (version before, version after)."""
        conn = self._connect()
        with self._guard():
            if not _has_schema(conn):
                self._create_schema(conn)
                return 0, SCHEMA_VERSION
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, SCHEMA_LOCK))
                version = _meta_values(conn, "schema_version").get("schema_version")
                if not isinstance(version, int) or version > SCHEMA_VERSION:
                    raise RepositoryError(say(
                        "{where} holds schema version {version!r}, which this deskcli (schema "
                        "{known}) cannot upgrade: upgrade deskcli instead", where=self.where,
                        version=version, known=SCHEMA_VERSION))
                for step in STEPS[version:]:
                    conn.execute(step)
                conn.execute(f"UPDATE {SCHEMA}.meta SET value = %s WHERE key = 'schema_version'",
                             (_json(SCHEMA_VERSION),))
            self._check_schema(conn)
        return version, SCHEMA_VERSION

    def _remake_digests(self, conn: psycopg.Connection) -> None:
        """Digests written by another version of the rules are made again, once."""
        from deskcli.core.model.timeline import DIGEST_VERSION

        with self._changing(conn) as store:
            rows = conn.execute(f"SELECT doc FROM {SCHEMA}.tickets WHERE NOT active").fetchall()
            for (doc,) in rows:
                store.archived().update_ticket(doc)
            _set_meta(conn, "digest_version", DIGEST_VERSION)

    # -- changes and snapshots --------------------------------------------------

    @contextmanager
    def _changing(self, conn: psycopg.Connection) -> Iterator["PgStore"]:
        """One transaction under the write lock: everything the block did, or nothing."""
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        self._in_transaction = True
        locked = False
        try:
            # The lock is taken before anything is read: each statement after it sees
            # every change committed before it, so no change starts from an old state.
            conn.execute(f"SET LOCAL lock_timeout = '{max(1, int(self.lock_timeout * 1000))}ms'")
            conn.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, WRITE_LOCK))
            locked = True
            store = PgStore(self, conn, writable=True)
            yield store
            store._flush()
        except BaseException:
            self._in_transaction = False
            self._rollback_quietly(conn)
            if locked:
                self._unlock_quietly(conn)
            raise
        try:
            with self._guard(committing=True):
                conn.execute("COMMIT")
        finally:
            self._in_transaction = False
        try:
            # Still under the lock: derived data (the search index) follows this change
            # before another one can be made.
            for action in store._after_commit:
                action()
        finally:
            self._unlock_quietly(conn)

    def _rollback_quietly(self, conn: psycopg.Connection) -> None:
        try:
            if not conn.closed:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # a lost connection rolled the change back on the server already

    def _unlock_quietly(self, conn: psycopg.Connection) -> None:
        try:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, WRITE_LOCK))
        except psycopg.Error:
            pass  # gone with the session

    @contextmanager
    def writing(self) -> Iterator["PgStore"]:
        """Lock, read, let the caller change the store, write, commit, unlock: one
        transaction, so nothing is written when the caller raises or the connection dies."""
        conn = self._connection()
        with self._guard():
            with self._changing(conn) as store:
                yield store

    @contextmanager
    def reading(self) -> Iterator["PgStore"]:
        """A consistent snapshot; takes no lock, and never writes."""
        conn = self._connection()
        if self._in_transaction:
            # Asked from inside a change (a ticket looked up again): that change's view.
            yield PgStore(self, conn, writable=False)
            return
        with self._guard():
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self._in_transaction = True
            try:
                yield PgStore(self, conn, writable=False)
            finally:
                self._in_transaction = False
                self._rollback_quietly(conn)

    def _rows(self, sql: str, parameters: tuple | list = ()) -> list[tuple]:
        conn = self._connection()
        with self._guard():
            return conn.execute(sql, parameters).fetchall()

    # -- what core asks outside a change ---------------------------------------

    def consistent(self, read: Callable[[], Any]) -> Any:
        """`read()` in one snapshot (a REPEATABLE READ transaction), whatever it asks."""
        with self.reading():
            return read()

    def find_ticket(self, ticket_id: int) -> dict | None:
        rows = self._rows(f"SELECT doc FROM {SCHEMA}.tickets WHERE id = %s", (ticket_id,))
        return rows[0][0] if rows else None

    def archived_tickets(self, opened_since: str | None = None) -> list[dict]:
        if opened_since is None:
            rows = self._rows(f"SELECT doc FROM {SCHEMA}.tickets WHERE NOT active ORDER BY id")
        else:
            rows = self._rows(f"SELECT doc FROM {SCHEMA}.tickets WHERE NOT active AND "
                              f"opened_at >= %s ORDER BY id", (opened_since,))
        return [doc for (doc,) in rows]

    def archived_documents(self, opened_since: str | None = None,
                           opened_before: str | None = None) -> Iterator[tuple[int, str]]:
        """Closed tickets opened in [opened_since, opened_before), by number, as (number,
        JSON text): read through a server-side cursor, in batches, in one snapshot, and
        never decoded here."""
        where, parameters = opened_within("opened_at", "%s", opened_since, opened_before)
        conn = self._connection()
        with self._guard():
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                cursor = conn.cursor(name="deskcli_archived_documents")
                cursor.itersize = 2000
                cursor.execute(f"SELECT id, doc::text FROM {SCHEMA}.tickets WHERE "
                               f"{' AND '.join(['NOT active', *where])} ORDER BY id", parameters)
                yield from cursor
                cursor.close()
            finally:
                self._rollback_quietly(conn)

    def archived_by_number(self, ids: list[int]) -> list[dict]:
        rows = self._rows(f"SELECT doc FROM {SCHEMA}.tickets WHERE NOT active AND id = ANY(%s) "
                          f"ORDER BY id", (sorted(set(ids)),))
        return [doc for (doc,) in rows]

    def copy_archived_calls(self, target, table: str, start: str, end: str) -> None:
        """The rows (see `timeline`) of the archived calls opened in [start, end), as they
        stood at `end`, into `table` of the SQLite connection `target`: settled rows as
        they are stored, the others replayed from their events."""
        from deskcli.core.model.timeline import COLUMNS, row_at

        columns = ", ".join(COLUMNS)
        insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(COLUMNS))})"
        conn = self._connection()
        with self._guard():
            cursor = conn.cursor(binary=True)
            cursor.execute(f"SELECT {columns} FROM {SCHEMA}.digests WHERE opened_at >= %s "
                           f"AND opened_at < %s AND last_at <= %s", (start, end, end))
            # In slices: 100,000 rows of Python objects at once would double the peak memory.
            while rows := cursor.fetchmany(5000):
                target.executemany(insert, rows)
        unsettled = [row_at(dict(zip(COLUMNS, values), events=values[-1]), end)
                     for values in self._rows(
                         f"SELECT {columns}, events FROM {SCHEMA}.digests WHERE opened_at >= %s "
                         f"AND opened_at < %s AND last_at > %s", (start, end, end))]
        target.executemany(insert, [[row[c] for c in COLUMNS] for row in unsettled])

    def archived_open_at(self, moment: str) -> list[int]:
        rows = self._rows(f"SELECT id FROM {SCHEMA}.digests WHERE opened_at < %s "
                          f"AND (closed_at IS NULL OR closed_at > %s)", (moment, moment))
        return [row[0] for row in rows]

    def abandoned_calls(self, since: str, until: str) -> list[dict]:
        rows = self._rows(f"SELECT doc FROM {SCHEMA}.abandoned WHERE at >= %s AND at < %s "
                          f"ORDER BY at, id", (since, until))
        return [doc for (doc,) in rows]

    def write_archive(self, tickets: list[dict[str, Any]]) -> None:
        """Add closed tickets straight to the archive (imports and benchmarks), in one change."""
        with self.writing() as store:
            for ticket in tickets:
                store.archived().update_ticket(ticket)
            if tickets:
                store.reserve_numbers(max(t["id"] for t in tickets))

    def kb_state(self) -> str:
        """Which state of the knowledge base a search index was built from: the database's
        own identity and its count of knowledge base changes."""
        conn = self._connection()
        with self._guard():
            values = _meta_values(conn, "repository_id", "kb_version")
        return f"postgresql:{values.get('repository_id')}:{values.get('kb_version')}"

    def shared_settings(self) -> dict:
        rows = self._rows(f"SELECT doc FROM {SCHEMA}.settings WHERE name = 'desk'")
        return rows[0][0] if rows else {}

    # -- moving a whole repository ---------------------------------------------

    def is_empty(self) -> bool:
        rows = self._rows(
            f"SELECT EXISTS (SELECT 1 FROM {SCHEMA}.tickets) OR EXISTS (SELECT 1 FROM "
            f"{SCHEMA}.records) OR EXISTS (SELECT 1 FROM {SCHEMA}.abandoned)")
        return not rows[0][0]

    def dump(self) -> dict:
        """Everything, in the neutral form `deskcli migrate` moves between repositories."""
        with self.reading() as store:
            with self._guard():
                return self._read_all(store)

    def _read_all(self, store: "PgStore") -> dict:
        conn = store._conn
        tickets = conn.execute(f"SELECT doc, active FROM {SCHEMA}.tickets ORDER BY id").fetchall()
        records: dict[str, list[dict]] = {}
        for kind, number, doc in conn.execute(
                f"SELECT kind, id, doc FROM {SCHEMA}.records ORDER BY kind, id"):
            records.setdefault(kind, []).append(dict(doc, id=number))
        abandoned = [doc for (doc,) in conn.execute(f"SELECT doc FROM {SCHEMA}.abandoned ORDER BY id")]
        # Sorted here: the database's collation would order them its own way.
        messages = sorted(list(row) for row in conn.execute(
            f"SELECT message_id, ticket FROM {SCHEMA}.messages"))
        settings = conn.execute(f"SELECT doc FROM {SCHEMA}.settings WHERE name = 'desk'").fetchall()
        return {
            "tickets": [doc for doc, active in tickets if active],
            "archived": [doc for doc, active in tickets if not active],
            "abandoned": abandoned, "messages": messages, "records": records,
            "counters": store._read_counters(), "next_ticket": store._first_free_number(),
            "settings": settings[0][0] if settings else {},
        }

    def load(self, dump: dict, check: Callable[[dict], None] | None = None) -> None:
        """Fill an empty repository with a dump, numbers and histories as they were.

        `check` is given what the transaction reads back before it commits: it raises to
        have nothing of the copy kept."""
        with self.writing() as store:
            for ticket in dump["tickets"]:
                store.insert_numbered_ticket(ticket)
            for ticket in dump["archived"]:
                store.archived().update_ticket(ticket)
            for record in dump["abandoned"]:
                store.archived().add_abandoned(record)
            for message_id, ticket_id in dump["messages"]:
                store.archived().remember_message(message_id, ticket_id)
            for kind, records in dump["records"].items():
                for record in records:
                    store.update_record(kind, record)
            for kind, up_to in dump["counters"].items():
                store.reserve_counter(kind, up_to - 1)
            store.reserve_numbers(dump["next_ticket"] - 1)
            if dump.get("settings"):
                store._conn.execute(f"INSERT INTO {SCHEMA}.settings (name, doc) VALUES ('desk', %s) "
                                    f"ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc",
                                    (_json(dump["settings"]),))
            if check is not None:
                store._flush()
                check(self._read_all(PgStore(self, store._conn, writable=False)))


def _digest_row(ticket: dict) -> list:
    """The digest of an archived ticket, in the columns of the digests table."""
    from deskcli.core.model.timeline import COLUMNS, digest

    summary = digest(ticket)
    return [*(summary[c] for c in COLUMNS), _json(summary["events"])]


class PgStore(RecordsInMemory):
    """The active tickets and the desk's records as one transaction sees them.

    Like the embedded store, it reads each kind of record once per change, keeps what the
    change does in memory and writes it at the end in a few statements: a batch of
    10,000 calls is then a handful of round trips, not 50,000.
    """

    def __init__(self, repo: PostgresRepository, conn: psycopg.Connection, writable: bool) -> None:
        super().__init__()
        self._repo = repo
        self._conn = conn
        self._writable = writable
        self._tickets: dict[int, tuple[dict, bool]] = {}  # changed here: number -> (doc, active)
        self._counters: dict | None = None
        self._counters_dirty = False
        self._next_ticket: int | None = None
        self._numbers_dirty = False
        self._abandoned: list[dict] = []
        self._messages: dict[str, int] = {}
        self._after_commit: list[Callable[[], None]] = []
        self._archive = PgArchiveChange(self)

    def _all(self, sql: str, parameters: tuple | list = ()) -> list[tuple]:
        return self._conn.execute(sql, parameters).fetchall()

    # -- the rest of the same change --

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    def side(self, name: str) -> "PgStore":
        # The knowledge base is not another file here: its records are in the same tables.
        return self

    def archived(self) -> "PgArchiveChange":
        return self._archive

    # -- tickets --

    def archiving_ids(self) -> set[int]:
        return set()  # a ticket is archived in the change that closes it, never half-way

    def get_ticket(self, ticket_id: int) -> dict | None:
        if ticket_id in self._tickets:
            doc, active = self._tickets[ticket_id]
            return dict(doc) if active else None
        rows = self._all(f"SELECT doc FROM {SCHEMA}.tickets WHERE id = %s AND active", (ticket_id,))
        return rows[0][0] if rows else None

    def tickets(self, include_archiving: bool = False) -> list[dict]:
        found = {doc["id"]: doc for (doc,) in self._all(
            f"SELECT doc FROM {SCHEMA}.tickets WHERE active ORDER BY id")}
        for number, (doc, active) in self._tickets.items():
            if active:
                found[number] = dict(doc)
            else:
                found.pop(number, None)
        return [found[n] for n in sorted(found)]

    def _first_free_number(self) -> int:
        """The next ticket number: past the sequence and past every stored ticket."""
        last, called = self._all(f"SELECT last_value, is_called FROM {SCHEMA}.ticket_numbers")[0]
        highest = self._all(f"SELECT coalesce(max(id), 0) FROM {SCHEMA}.tickets")[0][0]
        return max(last + 1 if called else last, highest + 1, 1)

    def _numbers(self) -> int:
        # Read once per change and set once at its end: writers hold the desk's lock, so
        # nobody else takes a number meanwhile, and a change that is rolled back leaves
        # the sequence where it was (no number lost for a refused batch).
        if self._next_ticket is None:
            self._next_ticket = self._first_free_number()
        return self._next_ticket

    def insert_ticket(self, ticket: dict) -> int:
        _check_not_exhausted(self._numbers(), "ticket")
        ticket["id"] = self._numbers()
        self.insert_numbered_ticket(ticket)
        return ticket["id"]

    def insert_numbered_ticket(self, ticket: dict) -> None:
        check_number_range(ticket["id"], "ticket")
        self._tickets[ticket["id"]] = (ticket, True)
        self.reserve_numbers(ticket["id"])

    def reserve_numbers(self, up_to: int) -> None:
        if up_to:  # 0: nothing to reserve (an empty repository's)
            check_number_range(up_to, "ticket")
        if self._numbers() <= up_to:
            self._next_ticket = up_to + 1
            self._numbers_dirty = True

    def update_ticket(self, ticket: dict) -> None:
        self._tickets[ticket["id"]] = (ticket, True)

    def archive_ticket(self, ticket: dict) -> None:
        self._tickets[ticket["id"]] = (ticket, False)

    def unarchive_ticket(self, ticket: dict) -> None:
        self._tickets[ticket["id"]] = (ticket, True)

    # -- counters --

    def _read_counters(self) -> dict:
        if self._counters is None:
            self._counters = _meta_values(self._conn, "counters").get("counters") or {}
        return dict(self._counters)

    def _write_counters(self, counters: dict) -> None:
        self._counters = counters
        self._counters_dirty = True

    # -- records --

    def _load_records(self, kind: str) -> dict[int, dict]:
        return {number: dict(doc, id=number) for number, doc in self._all(
            f"SELECT id, doc FROM {SCHEMA}.records WHERE kind = %s ORDER BY id", (kind,))}

    # -- writing it all, once --

    def _flush(self) -> None:
        if not self._writable:
            return
        cursor = self._conn.cursor()
        if self._tickets:
            from deskcli.core.model.timeline import COLUMNS

            cursor.executemany(
                f"INSERT INTO {SCHEMA}.tickets (id, active, doc, opened_at) VALUES (%s, %s, %s, %s) "
                f"ON CONFLICT (id) DO UPDATE SET active = EXCLUDED.active, doc = EXCLUDED.doc, "
                f"opened_at = EXCLUDED.opened_at",
                [(doc["id"], active, _json(doc), doc["opened_at"]) for doc, active in self._tickets.values()])
            back = [number for number, (_, active) in self._tickets.items() if active]
            if back:  # a ticket brought back from the archive has no digest any more
                cursor.execute(f"DELETE FROM {SCHEMA}.digests WHERE id = ANY(%s)", (back,))
            archived = [_digest_row(doc) for doc, active in self._tickets.values() if not active]
            if archived:
                names = [*COLUMNS, "events"]
                cursor.executemany(
                    f"INSERT INTO {SCHEMA}.digests ({', '.join(names)}) VALUES "
                    f"({', '.join(['%s'] * len(names))}) ON CONFLICT (id) DO UPDATE SET "
                    + ", ".join(f"{n} = EXCLUDED.{n}" for n in names[1:]), archived)
        dirty = [(kind, number, _json({k: v for k, v in self._records[kind][number].items() if k != "id"}))
                 for kind, numbers in self._dirty.items() for number in sorted(numbers)]
        if dirty:
            cursor.executemany(
                f"INSERT INTO {SCHEMA}.records (kind, id, doc) VALUES (%s, %s, %s) "
                f"ON CONFLICT (kind, id) DO UPDATE SET doc = EXCLUDED.doc", dirty)
        if self._abandoned:
            cursor.executemany(
                f"INSERT INTO {SCHEMA}.abandoned (id, at, doc) VALUES (%s, %s, %s) "
                f"ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at, doc = EXCLUDED.doc",
                [(r["id"], r["at"], _json(r)) for r in self._abandoned])
        if self._messages:
            cursor.executemany(
                f"INSERT INTO {SCHEMA}.messages (message_id, ticket) VALUES (%s, %s) "
                f"ON CONFLICT (message_id) DO UPDATE SET ticket = EXCLUDED.ticket",
                list(self._messages.items()))
        if self._counters_dirty:
            _set_meta(cursor, "counters", self._counters)
        if self._numbers_dirty:
            cursor.execute(f"SELECT setval('{SCHEMA}.ticket_numbers', "
                           f"greatest(%s, (SELECT last_value FROM {SCHEMA}.ticket_numbers)), true)",
                           (self._next_ticket - 1,))
        if any(kind in KB_KINDS for kind in self._dirty):
            # Each machine's search index knows which count it was built from.
            cursor.execute(f"UPDATE {SCHEMA}.meta SET value = to_jsonb(value::int + 1) "
                           f"WHERE key = 'kb_version'")
        # Written: a second flush of the same change (a copy checked before its commit)
        # has nothing left to write.
        self._tickets, self._dirty, self._abandoned, self._messages = {}, {}, [], {}
        self._counters_dirty = self._numbers_dirty = False


class PgArchiveChange:
    """Closed tickets, abandoned calls and taken e-mails, changed in the store's transaction."""

    def __init__(self, store: PgStore) -> None:
        self._store = store

    def get_ticket(self, ticket_id: int) -> dict | None:
        if ticket_id in self._store._tickets:
            doc, active = self._store._tickets[ticket_id]
            return None if active else dict(doc)
        rows = self._store._all(f"SELECT doc FROM {SCHEMA}.tickets WHERE id = %s AND NOT active",
                                (ticket_id,))
        return rows[0][0] if rows else None

    def update_ticket(self, ticket: dict, text: str | None = None) -> None:
        self._store._tickets[ticket["id"]] = (dict(ticket), False)  # jsonb: the text is not kept

    def add_abandoned(self, record: dict) -> None:
        self._store._abandoned.append(dict(record))

    def remember_message(self, message_id: str, ticket_id: int) -> None:
        self._store._messages[message_id] = ticket_id

    def message_ticket(self, message_id: str) -> int | None:
        if message_id in self._store._messages:
            return self._store._messages[message_id]
        rows = self._store._all(f"SELECT ticket FROM {SCHEMA}.messages WHERE message_id = %s",
                                (message_id,))
        return rows[0][0] if rows else None
