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
import shutil
from datetime import datetime, timezone
from pathlib import Path

from deskcli.i18n import say
from deskcli.core import settings as settings_module
from deskcli.core.errors import InvalidInput, RepositoryError, RuleRefused
from deskcli.core.repository import (DATABASE_URL_ENV, database_repository, database_url,
                                     embedded_repository, is_database_url, masked)

# The embedded repository's own files, set aside (never deleted) once moved to a database.
EMBEDDED_FILES = ("active.json", "kb.json", "mail.json", "archive.sqlite3", "kb-index.sqlite")
MOVED_DIR = "backups"


def _check_url(url: str, option: str) -> str:
    if not url or not is_database_url(url):
        raise InvalidInput(say("{option}: {url!r} is not a PostgreSQL URL; give one like "
                               "postgresql://desk@server/hotline", option=option,
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


def to_database(home: Path, url: str) -> dict:
    """Copy the repository in `home` into the empty database at `url`, then use the database."""
    url = _check_url(url, "--to")
    local = _local(home)
    settings = settings_module.load(home)
    source = embedded_repository(home, settings)
    target = database_repository(url, home, settings)
    try:
        configured = database_url(settings)
        if configured and source.is_empty():
            raise RuleRefused(say(
                "this desk already uses {url}: there is no embedded repository in {path} to "
                "move. To copy a database into another, bring it here first with `deskcli "
                "migrate --from URL`", url=masked(configured), path=str(home)))
        if not target.is_empty():
            raise RuleRefused(say(
                "{where} already holds a deskcli repository with tickets or records: a "
                "repository is moved into an empty database (create one, e.g. `createdb -O desk "
                "hotline`), never merged into another", where=target.where))
        dump = source.dump()
        # What the team shares: everything but how each machine reaches the repository.
        dump["settings"] = {k: v for k, v in local.items() if k not in settings_module.LOCAL_ONLY}
        # Read back inside the copy's own transaction: a copy that differs is never committed.
        target.load(dump, check=lambda read_back: _verify(dump, read_back, target.where))
    finally:
        target.close()
        source.close()
    aside = _set_aside(home, "moved-to-postgresql")
    set_database_url(home / settings_module.SETTINGS_FILE, url)
    return {"to": masked(url), "moved_aside": str(aside) if aside else None, **_counts(dump)}


def from_database(home: Path, url: str) -> dict:
    """Copy the database at `url` into the empty repository directory `home`, then use the files."""
    url = _check_url(url, "--from")
    local = _local(home)
    settings = settings_module.load(home)
    source = database_repository(url, home, settings)
    target = embedded_repository(home, settings)
    try:
        if not target.is_empty():
            raise RuleRefused(say(
                "the repository {path} already holds tickets or records: a database is copied "
                "into an empty directory (`deskcli --home NEW_PATH migrate --from URL`)",
                path=str(home)))
        dump = source.dump()
        target.load(dump)
        try:
            _verify(dump, target.dump(), str(home))
        except RepositoryError:
            _set_aside(home, "failed-copy")  # the directory is left as empty as it was
            raise
    finally:
        source.close()
        target.close()
    _write_shared_settings(home, local, dump.get("settings") or {})
    set_database_url(home / settings_module.SETTINGS_FILE, None)
    warning = (say("${variable} is still set: unset it, or commands keep using the database",
                   variable=DATABASE_URL_ENV) if os.environ.get(DATABASE_URL_ENV) else None)
    return {"from": masked(url), "home": str(home), "warning": warning, **_counts(dump)}


def upgrade_schema(home: Path, url: str | None) -> dict:
    """Bring the configured database's schema up to this deskcli's."""
    if not url:
        raise InvalidInput(say("--schema: this desk uses the embedded repository in {path}, which "
                               "has no schema to upgrade; set ${variable} or database_url in "
                               "settings.toml to upgrade a database", path=str(home),
                               variable=DATABASE_URL_ENV))
    settings = settings_module.load(home)
    target = database_repository(url, home, settings)
    try:
        before, after = target.upgrade_schema()
    finally:
        target.close()
    return {"database": masked(url), "schema_before": before, "schema_after": after}


def _set_aside(home: Path, label: str) -> Path | None:
    """Move the embedded files into backups/LABEL-STAMP/, so that nothing uses them again
    unawares; nothing is deleted."""
    present = [home / name for name in EMBEDDED_FILES if (home / name).exists()]
    if not present:
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    aside = home / MOVED_DIR / f"{label}-{stamp}"
    try:
        aside.mkdir(parents=True, mode=0o700)
        for path in present:
            shutil.move(str(path), aside / path.name)
    except OSError as exc:
        raise RepositoryError(say("the copy is complete, but the embedded files could not be "
                                  "moved into {path}: {reason}; move them yourself",
                                  path=str(aside), reason=exc.strerror)) from None
    return aside


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
                    "# Written by `deskcli migrate --from`: the database's shared settings with this\n"
                    "# machine's own over them.\n" + toml_text(document))


def _write_settings(path: Path, text: str) -> None:
    from deskcli.core.storage import write_atomically

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
