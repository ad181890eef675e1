"""The repository interface core works through, and the desk a command works on.

Two implementations stand behind it: the embedded TinyDB directory (`storage`, the
default) and a PostgreSQL database shared by a team (`postgres`, chosen by a URL in
`factory`). The domain never names either: it opens a change with `repo.writing()`, reads a snapshot with
`repo.reading()`, and asks the repository for closed tickets; everything below is what
core really calls, gathered here so that a third backend knows what to provide.
"""

from __future__ import annotations

import os
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

DATABASE_URL_ENV = "DESKCLI_DATABASE_URL"
URL_SCHEMES = ("postgresql://", "postgres://")
# The kinds of record that make the knowledge base, kept on a side of their own (kb.json in
# the embedded repository).
KB_SIDE = "kb.json"
KB_KINDS = ("articles",)
# The desk's mail: the outbox with its sent log, and the callers' confirmations. Kept
# apart from the daily records (mail.json in the embedded repository), so that a
# growing sent log costs only the commands that send.
MAIL_SIDE = "mail.json"
MAIL_KINDS = ("outbox", "confirmations")

# Ticket and record numbers, on both backends: PostgreSQL's `integer`. A number outside
# is refused when it comes in (an import), never stored.
FIRST_NUMBER, LAST_NUMBER = 1, 2**31 - 1


def number_in_range(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and FIRST_NUMBER <= value <= LAST_NUMBER


def check_number_range(value, what: str) -> None:
    """Refuse (exit 2) a ticket or record number outside FIRST_NUMBER..LAST_NUMBER, naming it."""
    if not number_in_range(value):
        from deskcli.core.base.errors import InvalidInput
        from deskcli.i18n import say

        raise InvalidInput(say("{what}: {value!r} is not a number from {first} to {last}",
                               what=what, value=value, first=FIRST_NUMBER, last=LAST_NUMBER))


def opened_within(column: str, mark: str, since: str | None,
                  before: str | None) -> tuple[list[str], list[str]]:
    """SQL conditions on `column`, with their parameters (`mark` is the driver's
    placeholder), for a ticket opened in [since, before): none for a bound not given."""
    where, parameters = [], []
    for operator, bound in ((">=", since), ("<", before)):
        if bound is not None:
            where.append(f"{column} {operator} {mark}")
            parameters.append(bound)
    return where, parameters


# A move to or from a database (`deskcli migrate`), recorded before anything moves and kept
# until it is finished or undone, in the repository directory of either backend.
MIGRATION_FILE = "migration.json"


class ArchiveChanges(Protocol):
    """Closed tickets, abandoned calls and taken e-mails, changed within the same change."""

    def get_ticket(self, ticket_id: int) -> dict | None: ...
    # `text`: the ticket's JSON text as read (a restored export), stored as it is when the
    # backend keeps text, instead of encoding the ticket again.
    def update_ticket(self, ticket: dict, text: str | None = None) -> None: ...
    def add_abandoned(self, record: dict) -> None: ...
    def remember_message(self, message_id: str, ticket_id: int) -> None: ...
    def message_ticket(self, message_id: str) -> int | None: ...


class Changes(Protocol):
    """The active tickets and the desk's records as one command sees them.

    Inside `writing()` every change is kept when the block ends without an error, and
    nothing at all when it raises; inside `reading()` nothing is ever kept.
    """

    # tickets of the daily path
    def get_ticket(self, ticket_id: int) -> dict | None: ...
    def tickets(self, include_archiving: bool = False) -> list[dict]: ...
    def insert_ticket(self, ticket: dict) -> int: ...
    def insert_numbered_ticket(self, ticket: dict) -> None: ...
    def reserve_numbers(self, up_to: int) -> None: ...
    def update_ticket(self, ticket: dict) -> None: ...
    def archive_ticket(self, ticket: dict) -> None: ...
    def unarchive_ticket(self, ticket: dict) -> None: ...
    def archiving_ids(self) -> set[int]: ...
    # numbered records: organisations, contracts, notices, problems, articles...
    def next_number(self, kind: str) -> int: ...
    def reserve_counter(self, kind: str, up_to: int) -> None: ...
    def records(self, kind: str) -> list[dict]: ...
    def get_record(self, kind: str, record_id: int) -> dict | None: ...
    def find_record(self, kind: str, field_name: str, value: str,
                    key: Callable[[str], str]) -> dict | None: ...
    def insert_record(self, kind: str, record: dict) -> int: ...
    def insert_records(self, kind: str, records: list[dict]) -> list[int]: ...
    def update_record(self, kind: str, record: dict) -> None: ...
    def memo(self, key: tuple, build: Callable[[], Any]) -> Any: ...
    # the rest of the same change
    def side(self, name: str) -> "Changes": ...
    def archived(self) -> ArchiveChanges: ...
    def after_commit(self, action: Callable[[], None]) -> None: ...


class Repository(Protocol):
    """Where a desk's tickets and records live."""

    home: Path
    lock_timeout: float

    def reading(self) -> AbstractContextManager[Changes]: ...
    def writing(self) -> AbstractContextManager[Changes]: ...
    def consistent(self, read: Callable[[], Any]) -> Any: ...
    def find_ticket(self, ticket_id: int) -> dict | None: ...
    def archived_tickets(self, opened_since: str | None = None) -> list[dict]: ...
    def archived_documents(self, opened_since: str | None = None,
                           opened_before: str | None = None) -> Iterator[tuple[int, str | dict]]: ...
    def archived_by_number(self, ids: list[int]) -> list[dict]: ...
    def copy_archived_calls(self, target, table: str, start: str, end: str) -> None: ...
    def archived_open_at(self, moment: str) -> list[int]: ...
    def abandoned_calls(self, since: str, until: str) -> list[dict]: ...
    def write_archive(self, tickets: list[dict[str, Any]]) -> None: ...
    def kb_state(self) -> str: ...
    def shared_settings(self) -> dict: ...
    def close(self) -> None: ...
    # `deskcli migrate`: everything, in the neutral form of `dump`, and back into an empty one
    def dump(self) -> dict: ...
    def load(self, dump: dict) -> None: ...
    def is_empty(self) -> bool: ...


@dataclass
class Desk:
    """The desk a command works on: its repository, its settings and the technician at work."""

    home: Path
    settings: dict
    repo: Repository
    technician: str


class RecordsInMemory:
    """Numbered records (organisations, contracts, notices, problems, articles...) and
    their counters, as both backends keep them within one change.

    Each kind is read once per change, served from memory, and written back once when the
    change is kept: a batch of 10,000 calls asks for the organisations 20,000 times and
    updates them 10,000 times, which neither TinyDB (it rebuilds its whole table at every
    read and write) nor a round trip per record can afford. A backend reads a kind with
    `_load_records`, keeps the counters with `_read_counters` and `_write_counters`, and
    writes the records named in `_dirty` when the change is kept."""

    def __init__(self) -> None:
        self._records: dict[str, dict[int, dict]] = {}
        self._dirty: dict[str, set[int]] = {}
        self._indexes: dict[tuple[str, str], tuple[Callable[[str], str], dict[str, int]]] = {}
        self._memos: dict[tuple, Any] = {}

    def _load_records(self, kind: str) -> dict[int, dict]:
        """Every stored record of `kind` by number, each with its `id`."""
        raise NotImplementedError

    def _read_counters(self) -> dict:
        """A copy of the next number of each kind of record."""
        raise NotImplementedError

    def _write_counters(self, counters: dict) -> None:
        raise NotImplementedError

    # Counters only grow, so a number is never given twice, even after a record is removed.
    def next_number(self, kind: str) -> int:
        """A number of its own for a record of `kind` (interventions, ...), never reused."""
        counters = self._read_counters()
        number = counters.get(kind, 1)
        counters[kind] = number + 1
        self._write_counters(counters)
        return number

    def reserve_counter(self, kind: str, up_to: int) -> None:
        """No record of `kind` will be numbered up to `up_to` (numbers read back from an export)."""
        if up_to:  # 0: nothing to reserve
            check_number_range(up_to, kind)
        counters = self._read_counters()
        if counters.get(kind, 1) <= up_to:
            counters[kind] = up_to + 1
            self._write_counters(counters)

    def _table(self, kind: str) -> dict[int, dict]:
        if kind not in self._records:
            self._records[kind] = self._load_records(kind)
        return self._records[kind]

    def records(self, kind: str) -> list[dict]:
        return [dict(r) for r in self._table(kind).values()]

    def get_record(self, kind: str, record_id: int) -> dict | None:
        found = self._table(kind).get(record_id)
        return dict(found) if found is not None else None

    def find_record(self, kind: str, field_name: str, value: str, key: Callable[[str], str]) -> dict | None:
        """The record whose `field_name`, read through `key`, equals `value` read the same way."""
        if (kind, field_name) not in self._indexes:
            self._indexes[(kind, field_name)] = (
                key, {key(r.get(field_name) or ""): i for i, r in self._table(kind).items()})
        index = self._indexes[(kind, field_name)][1]
        found = self._table(kind).get(index.get(key(value), -1))
        if found is None or key(found.get(field_name) or "") != key(value):
            return None
        return dict(found)

    def memo(self, key: tuple, build: Callable[[], Any]) -> Any:
        """A value derived from this change's records, built once per change: the caller
        keeps it up to date when it changes what it was built from."""
        if key not in self._memos:
            self._memos[key] = build()
        return self._memos[key]

    def _remember(self, kind: str, record: dict) -> None:
        self._table(kind)[record["id"]] = dict(record)
        self._dirty.setdefault(kind, set()).add(record["id"])
        for (indexed_kind, field_name), (key, index) in self._indexes.items():
            if indexed_kind == kind:
                # A renamed record leaves its old key behind; lookups check the key again.
                index[key(record.get(field_name) or "")] = record["id"]

    def insert_record(self, kind: str, record: dict) -> int:
        """Store a new record under a number of its own, never given before, even if removed."""
        return self.insert_records(kind, [record])[0]

    def insert_records(self, kind: str, records: list[dict]) -> list[int]:
        """Store new records in one pass, each under a number of its own."""
        counters = self._read_counters()
        first = counters.get(kind)
        if first is None:  # records from before the counters: start past the last of them
            first = max([1, *(n + 1 for n in self._table(kind))])
        numbers = list(range(first, first + len(records)))
        if numbers:
            _check_not_exhausted(numbers[-1], kind)
        for record, number in zip(records, numbers):
            record["id"] = number
            self._remember(kind, record)
        counters[kind] = first + len(records)
        self._write_counters(counters)
        return numbers

    def update_record(self, kind: str, record: dict) -> None:
        self._remember(kind, record)


def _check_not_exhausted(number: int, what: str) -> None:
    if number > LAST_NUMBER:
        from deskcli.core.base.errors import RepositoryError
        from deskcli.i18n import say

        raise RepositoryError(say("no {what} number is left: the next would be {number}, past "
                                  "{last}; `deskcli doctor` names the record that took the last ones",
                                  what=what, number=number, last=LAST_NUMBER))


def make_home(home: Path) -> None:
    """The repository directory, made private if it is new: on either backend it holds
    what stays on this machine (files, attachments, drafts, the search index)."""
    from deskcli.core.base.errors import RepositoryError
    from deskcli.i18n import say

    from deskcli.core.base.paths import make_private_directories

    try:
        make_private_directories(home)
    except OSError as exc:
        raise RepositoryError(say("cannot create the repository {path}: {reason}",
                                  path=str(home), reason=exc.strerror)) from None
    if not home.is_dir():
        raise RepositoryError(say("the repository {path} is not a directory", path=str(home)))


def database_url(settings: dict) -> str | None:
    """The PostgreSQL URL this desk is configured for: $DESKCLI_DATABASE_URL, else the
    repository settings' `database_url`; None for the embedded repository."""
    url = os.environ.get(DATABASE_URL_ENV) or settings.get("repository", {}).get("database_url") or ""
    return url.strip() or None


def is_database_url(text: str) -> bool:
    return text.strip().lower().startswith(URL_SCHEMES)


_PASSWORD = re.compile(r"(?P<head>^[a-z][a-z0-9+.-]*://[^:/@?#]*:)(?P<secret>[^@/?#]*)(?=@)", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<secret>[^&#]*)", re.I)


def masked(url: str) -> str:
    """A URL fit for a message: its password, wherever it is given, replaced by ***."""
    shown = _PASSWORD.sub(lambda m: m["head"] + "***", url.strip())
    return _QUERY_PASSWORD.sub(lambda m: m["head"] + "***", shown)
