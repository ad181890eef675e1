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

from deskcli.core import backups
from deskcli.core.archive import ARCHIVE_DB
from deskcli.core.errors import NotFound, RepositoryError
from deskcli.core.repository import MAIL_SIDE
from deskcli.core.storage import ACTIVE_FILE, KB_FILE, LOCK_FILE, META, META_ID, TICKETS, RepositoryLock
from deskcli.core.tickets import shape_problems
from deskcli.i18n import say, shown


@dataclass
class Finding:
    file: str
    ticket: int | None
    field: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "ticket": self.ticket, "field": self.field, "reason": self.reason}

    def __str__(self) -> str:
        where = self.file + (f", ticket #{self.ticket}" if self.ticket is not None else "")
        return f"{where}: {self.reason}"

    def text(self) -> str:
        """The finding in the session's language (its reason is kept in English for --json)."""
        if self.ticket is None:
            return f"{self.file}: {shown(self.reason)}"
        return shown(say("{file}, ticket #{number}: {reason}", file=self.file,
                         number=self.ticket, reason=self.reason))


def _json_file(path: Path) -> tuple[dict | None, list[Finding]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [Finding(path.name, None, None, say("cannot be read: {reason}",
                                                         reason=exc.strerror))]
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return None, [Finding(path.name, None, None, say("not valid JSON: {reason}", reason=str(exc)))]
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        return None, [Finding(path.name, None, None, say("not a deskcli repository file"))]
    return data, []


def _tickets(name: str, documents: dict) -> list[Finding]:
    found = []
    for key, doc in documents.items():
        number = int(key) if str(key).isdigit() else None
        if isinstance(doc, dict) and "id" not in doc and number is not None:
            doc = dict(doc, id=number)  # TinyDB keeps the number as the document's key
        for field_name, reason in shape_problems(doc):
            found.append(Finding(name, number, field_name, reason))
    return found


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
                found += [Finding(ARCHIVE_DB, number, f, r) for f, r in shape_problems(ticket)]
        finally:
            db.close()
    except sqlite3.Error as exc:
        found.append(Finding(ARCHIVE_DB, None, None,
                             say("cannot be read as SQLite: {reason}", reason=str(exc))))
    return found


def file_findings(path: Path) -> list[Finding]:
    """The problems of one daily file (active.json, kb.json)."""
    data, found = _json_file(path)
    if data is not None and path.name == ACTIVE_FILE:
        found += _tickets(ACTIVE_FILE, data.get(TICKETS, {}))
    return found


def examine(home: Path) -> list[Finding]:
    """Every problem found in the repository's files; none for a healthy repository."""
    home = Path(home)
    return [*file_findings(home / ACTIVE_FILE), *file_findings(home / KB_FILE),
            *file_findings(home / MAIL_SIDE), *_archive(home)]


def database_findings(repo) -> list[Finding]:
    """The problems of the tickets a team's database holds, ticket by ticket and field by
    field as in the files; the database's own integrity is the server's business."""
    dump = repo.dump()
    return [Finding("database", ticket.get("id"), field_name, reason)
            for ticket in [*dump["tickets"], *dump["archived"]]
            for field_name, reason in shape_problems(ticket)]


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")


def _keep_counters(restored: str, replaced: dict | None) -> str:
    """The snapshot's text, with the counters of the file it replaces when they had gone
    further: a number given after the snapshot is never given again."""
    if not replaced:
        return restored
    data = json.loads(restored)
    old = (replaced.get(META) or {}).get(str(META_ID)) or {}
    meta = (data.get(META) or {}).get(str(META_ID))
    if meta is None or not isinstance(old, dict):
        return restored
    meta["next_ticket"] = max(meta.get("next_ticket", 1), old.get("next_ticket", 1))
    counters = dict(meta.get("counters", {}))
    for kind, value in (old.get("counters") or {}).items():
        if isinstance(value, int):
            counters[kind] = max(counters.get(kind, 1), value)
    meta["counters"] = counters
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def restore(home: Path, lock_timeout: float, snapshot: str | None = None) -> tuple[Path, Path]:
    """Put a snapshot's files back, under the lock; the files they replace are kept aside in
    backups/broken-STAMP/, never deleted. Returns (the snapshot, where the old files went)."""
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
            raise NotFound(say("no snapshot {name!r}; `deskcli doctor --list` shows them",
                               name=snapshot))
    lock = RepositoryLock(home / LOCK_FILE, lock_timeout)
    lock.acquire()
    try:
        aside = home / backups.BACKUP_DIR / f"broken-{_stamp()}"
        aside.mkdir(parents=True, mode=0o700, exist_ok=True)
        from deskcli.core.storage import write_atomically

        for copy in sorted(chosen.iterdir()):
            current = home / copy.name
            replaced = None
            if current.exists():
                shutil.copy2(current, aside / copy.name)
                os.chmod(aside / copy.name, 0o600)
                replaced, _ = _json_file(current)
            write_atomically(current, _keep_counters(copy.read_text(encoding="utf-8"), replaced))
            os.chmod(current, 0o600)
    except OSError as exc:
        raise RepositoryError(say("cannot restore {name}: {reason}", name=chosen.name,
                                  reason=exc.strerror)) from None
    finally:
        lock.release()
    return chosen, aside
