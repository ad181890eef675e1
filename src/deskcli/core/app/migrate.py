"""Moving a whole repository between the embedded files and a PostgreSQL database.

`to_database` copies this directory's TinyDB repository into an empty database and
points the desk at it; `from_database` copies a database back into an empty directory
and points the desk at its files again. Each copies everything a command can read back
(active and closed tickets with their numbers and histories, abandoned calls, the
e-mails taken, every record, the counters and the next ticket number), reads it back
from the target and compares it with what it wrote before it switches the desk: a copy
that differs is refused and the desk stays where it was. Attachments stay where they
are, under the repository directory; the tickets keep their names.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from deskcli.i18n import fact, say
from deskcli.core.app import settings as settings_module
from deskcli.core.base.errors import InvalidInput, RepositoryError, RuleRefused
from deskcli.core.app.factory import database_repository, embedded_repository
from deskcli.core.store.repository import DATABASE_URL_ENV, MIGRATION_FILE, database_url, is_database_url, masked

# The embedded repository's own files, set aside (never deleted) once moved to a database.
EMBEDDED_FILES = ("active.json", "kb.json", "mail.json", "archive.sqlite3", "kb-index.sqlite")
MOVED_DIR = "backups"


def _check_url(url: str, what: str) -> str:
    if not url or not is_database_url(url):
        raise InvalidInput(say("{option}: {url!r} is not a PostgreSQL URL; give one like "
                               "postgresql://desk@server/hotline", option=what,
                               url=masked(url or "")))
    return url.strip()


def _local(home: Path) -> dict:
    """This machine's settings.toml as written (not merged), {} when there is none."""
    path = home / settings_module.SETTINGS_FILE
    if not path.exists():
        return {}
    settings_module.load(home)  # refused here, naming the key, before anything moves
    return settings_module.load_toml(path)


def _comparable(dump: dict) -> dict:
    return {k: v for k, v in dump.items() if k != "settings"}


def _counts(dump: dict) -> dict:
    return {"active_tickets": len(dump["tickets"]), "closed_tickets": len(dump["archived"]),
            "abandoned_calls": len(dump["abandoned"]), "messages": len(dump["messages"]),
            "records": {kind: len(found) for kind, found in sorted(dump["records"].items())},
            "next_ticket": dump["next_ticket"]}


def _verify(written: dict, read_back: dict, where: str) -> None:
    if _comparable(written) != _comparable(read_back):
        different = sorted(k for k in _comparable(written) if written[k] != read_back.get(k))
        raise RepositoryError(say(
            "the copy read back from {where} differs from the original ({parts}); the desk still "
            "uses its previous repository, which was not changed", where=where,
            parts=", ".join(different)))


# The migration's intent, written before anything moves and kept until the move is
# finished or undone: a command after a crash reads it and finishes or undoes the move.
INTENT_FILE = MIGRATION_FILE


def read_intent(home: Path) -> dict | None:
    path = Path(home) / INTENT_FILE
    try:
        intent = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise RepositoryError(say("the migration record {path} cannot be read ({reason}); the "
                                  "desk is not used until it is: restore it, or remove it once "
                                  "you have checked where the tickets are", path=str(path),
                                  reason=getattr(exc, "strerror", None) or str(exc))) from None
    return intent if isinstance(intent, dict) else None


def _record(home: Path, intent: dict) -> None:
    from deskcli.core.base.files import write_atomically

    write_atomically(Path(home) / INTENT_FILE, json.dumps(intent, ensure_ascii=False))


def _forget(home: Path) -> None:
    try:
        os.unlink(Path(home) / INTENT_FILE)
    except FileNotFoundError:
        pass


@contextmanager
def _migrating(home: Path):
    """The repository's write lock, held by this migration from start to end; the changes
    made inside it (the copy itself) are made under the same lock."""
    from deskcli.core.store.repository import make_home
    from deskcli.core.store.storage import LOCK_FILE, RepositoryLock

    make_home(home)
    timeout = _settings_or_defaults(home)["repository"]["lock_timeout_seconds"]
    lock = RepositoryLock(home / LOCK_FILE, timeout, enclosing=True)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def settle(home: Path) -> None:
    """Finish or undo a migration a crash cut short; nothing when there is none."""
    home = Path(home)
    intent = read_intent(home)
    if intent is None or intent.get("state") == "moved":
        return
    with _migrating(home):
        _settle_held(home)


def _settle_held(home: Path) -> None:
    intent = read_intent(home)
    if intent is None or intent.get("state") == "moved":
        return
    if intent["direction"] == "to":
        if intent["state"] == "copying":
            # Killed before the copy was known committed: the database tells. It was empty
            # when the intent was written, and only this copy fills it.
            target = database_repository(intent["url"], home, _settings_or_defaults(home))
            try:
                committed = not target.is_empty()
            finally:
                target.close()
            if not committed:
                _forget(home)  # nothing moved: the desk keeps its files
                return
        _finish_to(home, intent)
    elif intent["state"] == "copying":
        # The files were not all written and checked: they go aside, and the desk keeps
        # using the database, which was only read.
        _set_aside(home, "failed-copy")
        _restore_previous(home, intent)
    else:
        _finish_from(home, intent)


def _settle_quietly(home: Path) -> None:
    from deskcli.core.base.errors import DeskError

    try:
        _settle_held(home)
    except DeskError:
        pass  # the intent stays: the next command settles it, the failure is the one to tell


def _settings_or_defaults(home: Path) -> dict:
    try:
        return settings_module.load(home)
    except InvalidInput:
        return settings_module.defaults()


def _restore_previous(home: Path, intent: dict) -> None:
    if intent.get("previous"):
        _record(home, intent["previous"])
    else:
        _forget(home)


def refuse_if_moved(home: Path) -> None:
    """Under the lock, for a command that opened the embedded repository: a migration cut
    short is settled, and a repository moved to a database is not used."""
    _settle_held(home)
    intent = read_intent(home)
    if intent and intent.get("state") == "moved":
        raise RepositoryError(say(
            "this repository was moved to {url} by `deskcli migrate {to_field}` (its files are "
            "kept in {path}); nothing was done: run the command again, it will use the database",
            url=masked(intent["url"]), path=intent.get("aside") or str(home), to_field=fact("to")))


def to_database(home: Path, url: str) -> dict:
    """Copy the repository in `home` into the empty database at `url`, then use the database.

    One recoverable change under the repository's write lock: the intent is recorded
    first; the copy is committed in the database, then the desk is pointed at it, then
    its files are set aside. A crash at any point is finished or undone by the next
    command, and the desk is never without its tickets."""
    url = _check_url(url, fact("to"))
    local = _local(home)
    with _migrating(home):
        _settle_held(home)
        settings = settings_module.load(home)
        intent = read_intent(home)
        configured = database_url(settings)
        if intent is not None and intent.get("state") == "moved":
            configured = configured or intent["url"]
        source = embedded_repository(home, settings)
        target = database_repository(url, home, settings)
        try:
            if configured and source.is_empty():
                raise RuleRefused(say(
                    "this desk already uses {url}: there is no embedded repository in {path} to "
                    "move. To copy a database into another, bring it here first with `deskcli "
                    "migrate {from_field} URL`", url=masked(configured), path=str(home),
                    from_field=fact("from")))
            if not target.is_empty():
                raise RuleRefused(say(
                    "{where} already holds a deskcli repository with tickets or records: a "
                    "repository is moved into an empty database (create one, e.g. `createdb -O desk "
                    "hotline`), never merged into another", where=target.where))
            dump = source.dump()
            # What the team shares: everything but how each machine reaches the repository.
            dump["settings"] = {k: v for k, v in local.items() if k not in settings_module.LOCAL_ONLY}
            aside = home / MOVED_DIR / f"moved-to-postgresql-{_stamp()}"
            intent = {"direction": "to", "url": url, "aside": str(aside), "state": "copying"}
            _record(home, intent)
            try:
                # Read back inside the copy's own transaction: a copy that differs is never committed.
                target.load(dump, check=lambda read_back: _verify(dump, read_back, target.where))
            except BaseException:
                target.close()
                _settle_quietly(home)  # committed after all: finished; not: the files stay in use
                raise
        finally:
            target.close()
            source.close()
        moved = _finish_to(home, dict(intent, state="copied"))
    return {"to": masked(url), "moved_aside": str(aside) if moved else None, **_counts(dump)}


def _finish_to(home: Path, intent: dict) -> bool:
    """The copy is in the database: point the desk at it, then set the files aside."""
    intent = dict(intent, state="copied")
    _record(home, intent)
    set_database_url(home / settings_module.SETTINGS_FILE, intent["url"])
    moved = _set_aside_into(home, Path(intent["aside"]))
    _record(home, dict(intent, state="moved"))
    return moved


def from_database(home: Path, url: str) -> dict:
    """Copy the database at `url` into the empty repository directory `home`, then use the files.

    Under the repository's write lock, its intent recorded first: killed before the copy
    is checked, the next command sets the partial files aside (the desk keeps the
    database); after it, the next command finishes pointing the desk at its files."""
    url = _check_url(url, fact("from"))
    local = _local(home)
    with _migrating(home):
        _settle_held(home)
        settings = settings_module.load(home)
        source = database_repository(url, home, settings)
        target = embedded_repository(home, settings)
        previous = read_intent(home)
        try:
            if not target.is_empty():
                raise RuleRefused(say(
                    "the repository {path} already holds tickets or records: a database is copied "
                    "into an empty directory (`deskcli {home_field} NEW_PATH migrate {from_field} "
                    "URL`)",
                    path=str(home), home_field=fact("home"), from_field=fact("from")))
            dump = source.dump()
            intent = {"direction": "from", "url": url, "state": "copying", "previous": previous}
            _record(home, intent)
            try:
                target.load(dump)
                _verify(dump, target.dump(), str(home))
            except BaseException:
                target.close()
                _settle_quietly(home)  # the directory is left as empty as it was
                raise
        finally:
            source.close()
            target.close()
        intent = dict(intent, state="copied", local=local, shared=dump.get("settings") or {})
        _record(home, intent)
        _finish_from(home, intent)
    warning = (say("${variable} is still set: unset it, or commands keep using the database",
                   variable=DATABASE_URL_ENV) if os.environ.get(DATABASE_URL_ENV) else None)
    return {"from": masked(url), "home": str(home), "warning": warning, **_counts(dump)}


def _finish_from(home: Path, intent: dict) -> None:
    _write_shared_settings(home, intent.get("local") or {}, intent.get("shared") or {})
    set_database_url(home / settings_module.SETTINGS_FILE, None)
    _forget(home)


def upgrade_schema(home: Path, url: str | None) -> dict:
    """Bring the configured database's schema up to this deskcli's."""
    if not url:
        raise InvalidInput(say("{schema_field}: this desk uses the embedded repository in {path}, "
                               "which has no schema to upgrade; set ${variable} or database_url "
                               "in settings.toml to upgrade a database", path=str(home),
                               variable=DATABASE_URL_ENV, schema_field=fact("schema")))
    settings = settings_module.load(home)
    target = database_repository(url, home, settings)
    try:
        before, after = target.upgrade_schema()
    finally:
        target.close()
    return {"database": masked(url), "schema_before": before, "schema_after": after}


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")


def _set_aside(home: Path, label: str) -> Path | None:
    """Move the embedded files into backups/LABEL-STAMP/, so that nothing uses them again
    unawares; nothing is deleted."""
    aside = home / MOVED_DIR / f"{label}-{_stamp()}"
    return aside if _set_aside_into(home, aside) else None


def _set_aside_into(home: Path, aside: Path) -> bool:
    """Move what is left of the embedded files into `aside` (again after a crash: each file
    is moved once, by a rename); whether anything was there to move."""
    from deskcli.core.base.files import _fsync_directory
    from deskcli.core.store.storage import JOURNAL_FILE

    # With a change still journalled (and its temporaries): replayed later, it would
    # bring part of what was set aside back.
    present = [*(home / name for name in (*EMBEDDED_FILES, JOURNAL_FILE) if (home / name).exists()),
               *home.glob(".*.tmp")]
    if not present:
        return aside.is_dir()
    try:
        from deskcli.core.base.paths import private_directory

        private_directory(home, *aside.relative_to(home).parts)
        for path in present:
            os.replace(path, aside / path.name)
        _fsync_directory(home)
    except OSError as exc:
        raise RepositoryError(say("the copy is complete, but the embedded files could not be "
                                  "moved into {path}: {reason}; move them yourself",
                                  path=str(aside), reason=exc.strerror)) from None
    return True


# -- settings.toml, edited in place ---------------------------------------------------


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise InvalidInput(say("a setting of type {kind} cannot be written to settings.toml",
                           kind=type(value).__name__))


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else json.dumps(key, ensure_ascii=False)


def toml_text(document: dict, prefix: str = "") -> str:
    """A TOML text of plain tables, lists and scalars (what settings.toml holds)."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in document.items() if not isinstance(v, dict)]
    text = "\n".join(lines) + ("\n" if lines else "")
    for key, value in document.items():
        if isinstance(value, dict):
            name = f"{prefix}{_toml_key(key)}"
            text += f"\n[{name}]\n" + toml_text(value, name + ".")
    return text


def _deep_merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(
            merged.get(key), dict) else value
    return merged


def _write_shared_settings(home: Path, local: dict, shared: dict) -> None:
    """Settings the database shared become this directory's, under this machine's own."""
    own = {k: v for k, v in local.items() if k not in settings_module.LOCAL_ONLY}
    wanted = _deep_merge(shared, own)
    if wanted == own:
        return  # the file already says it all; leave it (and its comments) as it is
    document = {**wanted, **{k: v for k, v in local.items() if k in settings_module.LOCAL_ONLY}}
    _write_settings(home / settings_module.SETTINGS_FILE,
                    f"# Written by `deskcli migrate {fact('from')}`: the database's shared settings "
                    "with this\n"
                    "# machine's own over them.\n" + toml_text(document))


def _write_settings(path: Path, text: str) -> None:
    from deskcli.core.base.files import write_atomically

    from deskcli.core.base.paths import make_private_directories

    make_private_directories(path.parent)
    write_atomically(path, text)
    os.chmod(path, 0o600)  # it may hold a database password


def set_database_url(path: Path, url: str | None) -> None:
    """Set (or, with None, remove) `database_url` in the [repository] table of settings.toml,
    leaving the rest of the file, comments included, as it was."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    table = None
    header_at = None
    kept = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            table = stripped.strip("[]").strip()
            if table == "repository":
                header_at = len(kept)
        elif table == "repository" and stripped.split("=", 1)[0].strip() == "database_url":
            continue
        kept.append(line)
    if url is not None:
        entry = f"database_url = {_toml_value(url)}"
        if header_at is None:
            kept += ["", "[repository]", entry] if kept else ["[repository]", entry]
        else:
            kept.insert(header_at + 1, entry)
    _write_settings(path, "\n".join(kept) + "\n")
    settings_module.load_toml(path)  # what was written must read back
