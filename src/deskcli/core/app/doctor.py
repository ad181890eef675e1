"""`deskcli doctor`: what is wrong in a repository, file by file, ticket by ticket, field by
field; and the way back to the last good snapshot."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from deskcli.core.app import backups
from deskcli.core.store.archive import ARCHIVE_DB
from deskcli.core.app.checks import Finding, _json_file, clock_problems, file_findings
from deskcli.core.base.errors import CorruptFile, NotFound, RepositoryError
from deskcli.core.base.paths import private_directory
from deskcli.core.store.repository import MAIL_SIDE
from deskcli.core.store.storage import ACTIVE_FILE, KB_FILE, META, META_ID, TICKETS
from deskcli.core.calls.tickets import shape_problems
from deskcli.i18n import fact, say


def _archive(home: Path) -> list[Finding]:
    path = home / ARCHIVE_DB
    if not path.exists():
        return []
    found = []
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                found.append(Finding(ARCHIVE_DB, None, None, say("integrity check: {verdict}", verdict=verdict)))
            for number, doc in db.execute("SELECT id, doc FROM tickets"):
                try:
                    ticket = json.loads(doc)
                except ValueError as exc:
                    found.append(Finding(ARCHIVE_DB, number, None,
                                         say("not valid JSON: {reason}", reason=str(exc))))
                    continue
                found += [Finding(ARCHIVE_DB, number, f, r)
                          for f, r in [*shape_problems(ticket), *clock_problems(ticket)]]
        finally:
            db.close()
    except sqlite3.Error as exc:
        found.append(Finding(ARCHIVE_DB, None, None,
                             say("cannot be read as SQLite: {reason}", reason=str(exc))))
    return found


def _archived_numbers(home: Path) -> set[int] | None:
    path = home / ARCHIVE_DB
    if not path.exists():
        return set()
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return {row[0] for row in db.execute("SELECT id FROM tickets")}
        finally:
            db.close()
    except sqlite3.Error:
        return None  # named by `_archive`


def _placement(home: Path) -> list[Finding]:
    """Tickets in both the active file and the archive, or, once seen in a copy under
    backups/, in neither: each is a call the desk shows twice or has lost."""
    active, _ = _json_file(home / ACTIVE_FILE)
    archived = _archived_numbers(home)
    if active is None or archived is None:
        return []
    meta = (active.get(META) or {}).get(str(META_ID)) or {}
    moving = {*(meta.get("archiving") or []), *(meta.get("unarchiving") or [])}
    current = {int(k) for k in active.get(TICKETS, {}) if str(k).isdigit()}
    found = [Finding(ACTIVE_FILE, n, None, say("also closed in {archive}, whose copy is the one "
                                               "that counts: `deskcli doctor {restore_field}` "
                                               "takes it out of the active file", archive=ARCHIVE_DB,
                                                restore_field=fact("restore")))
             for n in sorted((current & archived) - moving)]
    seen: dict[int, str] = {}
    for copy in sorted((home / backups.BACKUP_DIR).glob(f"*/{ACTIVE_FILE}")):
        if not backups.is_repair_copy(copy.parent):
            continue
        data, _ = _json_file(copy)
        for key in (data or {}).get(TICKETS, {}):
            if str(key).isdigit():
                seen[int(key)] = str(copy.relative_to(home))
    for number in sorted(set(seen) - current - archived):
        found.append(Finding(ACTIVE_FILE, number, None, say(
            "in neither {active_file} nor {archive}; its last copy is {copy}", active_file=ACTIVE_FILE,
            archive=ARCHIVE_DB, copy=seen[number])))
    return found


def examine(home: Path) -> list[Finding]:
    """Every problem found in the repository's files; none for a healthy repository."""
    home = Path(home)
    return [*file_findings(home / ACTIVE_FILE), *file_findings(home / KB_FILE),
            *file_findings(home / MAIL_SIDE), *_archive(home), *_placement(home)]


def database_findings(repo) -> list[Finding]:
    """The problems of the tickets a team's database holds, ticket by ticket and field by
    field as in the files; the database's own integrity is the server's business."""
    dump = repo.dump()
    return [Finding("database", ticket.get("id"), field_name, reason)
            for ticket in [*dump["tickets"], *dump["archived"]]
            for field_name, reason in [*shape_problems(ticket), *clock_problems(ticket)]]


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")


def _keep_counters(restored: dict, replaced: dict | None) -> None:
    """Counters of the file a snapshot replaces, when they had gone further, kept in the
    restored data: a record number given after the snapshot is never given again."""
    meta = (restored.get(META) or {}).get(str(META_ID))
    old = ((replaced or {}).get(META) or {}).get(str(META_ID)) or {}
    if meta is None or not isinstance(old, dict):
        return
    counters = dict(meta.get("counters", {}))
    for kind, value in (old.get("counters") or {}).items():
        if isinstance(value, int):
            counters[kind] = max(counters.get(kind, 1), value)
    meta["counters"] = counters


def _reconciled_active(restored: dict, replaced: dict | None, archive, highest: int) -> list[int]:
    """The snapshot's active file made to agree with the archive and the numbers given since.

    A ticket the archive holds is closed there (the archive wins); a ticket opened after
    the snapshot, found in the replaced file and not archived, is kept; the next number is
    past every number ever given. Returns the numbers of the tickets kept that way."""
    tickets = restored.setdefault(TICKETS, {})
    meta = restored.setdefault(META, {}).setdefault(str(META_ID), {})
    later = {k: v for k, v in ((replaced or {}).get(TICKETS) or {}).items() if k not in tickets}
    numbers = [int(k) for k in [*tickets, *later] if str(k).isdigit()]
    closed = {str(t["id"]) for t in archive.tickets(ids=numbers)}
    for key in closed & set(tickets):
        del tickets[key]
    kept = sorted(int(k) for k in later if k not in closed)
    for number in kept:
        tickets[str(number)] = later[str(number)]
    for mark in ("archiving", "unarchiving"):
        meta[mark] = [n for n in meta.get(mark, []) if str(n) in tickets]
    meta["next_ticket"] = max(int(meta.get("next_ticket", 1)), highest + 1)
    return kept


@dataclass
class Restored:
    snapshot: Path
    aside: Path
    kept: list[int]  # tickets opened after the snapshot, kept


def restore(home: Path, lock_timeout: float, snapshot: str | None = None) -> Restored:
    """Put a snapshot's files back, under the lock, as one change; the files they replace
    are kept aside in backups/broken-STAMP/, never deleted.

    A change a crash cut short is finished first; the restored active file then agrees
    with the archive (closed tickets stay closed, in the archive only), keeps the tickets
    opened since the snapshot, and gives no number that was given before."""
    from deskcli.core.store.storage import TinyDBRepository, highest_ticket_given, write_together

    home = Path(home)
    available = backups.snapshots(home)
    if not available:
        raise NotFound(say("no snapshot in {path}: deskcli takes one before a change at most "
                           "every repository.backup_every_minutes",
                           path=str(home / backups.BACKUP_DIR)))
    if snapshot is None:
        chosen = available[0]
    else:
        chosen = next((p for p in available if p.name == snapshot), None)
        if chosen is None:
            raise NotFound(say("no snapshot {name!r}; `deskcli doctor {list_field}` shows them",
                               name=snapshot, list_field=fact("list")))
    from deskcli.core.app.factory import take_snapshot
    from deskcli.core.app.migrate import refuse_if_moved

    repo = TinyDBRepository(home, lock_timeout, settle_move=refuse_if_moved, take_snapshot=take_snapshot)
    kept: list[int] = []
    try:
        with repo._recovered():
            try:
                repo._finish_archiving()  # the state restored over is a settled one
            except CorruptFile:
                pass  # the broken file is the one being replaced
            aside = home / backups.BACKUP_DIR / f"broken-{_stamp()}"
            private_directory(home, backups.BACKUP_DIR, aside.name)
            highest = highest_ticket_given(home, repo.archive)
            files: dict[Path, str] = {}
            for copy in sorted(chosen.iterdir()):
                current = home / copy.name
                replaced = None
                if current.exists():
                    shutil.copy2(current, aside / copy.name)
                    os.chmod(aside / copy.name, 0o600)
                    replaced, _ = _json_file(current)
                data = json.loads(copy.read_text(encoding="utf-8"))
                _keep_counters(data, replaced)
                if copy.name == ACTIVE_FILE:
                    kept = _reconciled_active(data, replaced, repo.archive, highest)
                files[current] = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
            write_together(home, files, repo.archive)
    except OSError as exc:
        raise RepositoryError(say("cannot restore {name}: {reason}", name=chosen.name,
                                  reason=exc.strerror)) from None
    finally:
        repo.close()
    return Restored(chosen, aside, kept)
